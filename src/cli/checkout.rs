//! `omgreg checkout`: one version's artifacts as real files.

use std::path::PathBuf;

use serde::Serialize;

use crate::registry::{self, ModelRef, artifact_path, load_config};
use crate::store::hash_file;

use super::read::RevArgs;
use super::{ArgError, CommandError, Ctx};
use crate::ops::transport::git;

/// Materialize a version's artifacts.
///
/// Copies each stored artifact of `MODEL@REF` from the local Git LFS store into
/// `--dest` (default `./<model>-<version>/`), fetching only the objects that are
/// missing (`git lfs fetch --include`), and checks every sha256 before writing.
/// Linked artifacts (`--uri`) are listed, not downloaded.
#[derive(Debug, clap::Args)]
pub struct CheckoutArgs {
    /// The version: `MODEL@VERSION`, `MODEL@STAGE`, `MODEL@ALIAS` or `MODEL@latest`.
    #[arg(value_name = "MODEL@REF")]
    reference: String,

    /// Where to write the files.
    #[arg(long, value_name = "DIR")]
    dest: Option<PathBuf>,

    /// The remote to fetch missing objects from.
    #[arg(long, value_name = "REMOTE", default_value = "origin")]
    remote: String,

    #[command(flatten)]
    rev: RevArgs,
}

#[derive(Serialize)]
struct CheckedOut {
    path: String,
    sha256: String,
    size: Option<u64>,
    /// `written`, or `linked` for artifacts that live at a URI.
    status: &'static str,
    uri: Option<String>,
}

pub fn run(ctx: &Ctx, args: CheckoutArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let config = load_config(&snapshot)?;
    let row = registry::resolve(&snapshot, &config, &reference)?;
    let version = &row.version;
    let dest = ctx.path(
        &args
            .dest
            .unwrap_or_else(|| PathBuf::from(format!("{}-{}", version.model, version.version))),
    );
    let lfs = store.lfs();
    let stored: Vec<_> = version.artifacts.iter().filter(|a| a.is_stored()).collect();

    let missing: Vec<String> = stored
        .iter()
        .filter(|a| !lfs.has_object(&a.digest, a.record.size.unwrap_or_default()))
        .map(|a| {
            format!(
                "{}{}",
                store.prefix(),
                artifact_path(&version.model, &version.version, &a.record.path)
            )
        })
        .collect();
    if !missing.is_empty() {
        ctx.output.status(&format!(
            "Fetching {} artifact(s) from `{}`",
            missing.len(),
            args.remote
        ));
        crate::ops::transport::require_git_lfs()?;
        git(
            &store,
            &[
                "lfs",
                "fetch",
                &args.remote,
                "--include",
                &missing.join(","),
            ],
        )?;
    }

    // Every object is verified before any file is written: a corrupt or missing one
    // leaves the destination untouched.
    let mut verified = Vec::new();
    for artifact in stored {
        let oid = &artifact.digest;
        let object = lfs.object_path(oid);
        let (digest, size) = hash_file(&object).map_err(|_| ArgError::ObjectMissing {
            oid: oid.to_string(),
        })?;
        if digest != *oid
            || artifact
                .record
                .size
                .is_some_and(|expected| expected != size)
        {
            return Err(crate::store::StoreError::LfsObjectCorrupt {
                oid: oid.to_string(),
                actual: digest.to_string(),
            }
            .into());
        }
        verified.push((&artifact.record, object, size));
    }
    let io = |what: &'static str, path: &std::path::Path| {
        let path = path.to_owned();
        move |source| crate::store::StoreError::Io { what, path, source }
    };
    let mut report = Vec::new();
    for (artifact, object, size) in verified {
        let target = dest.join(&artifact.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        std::fs::copy(&object, &target).map_err(io("writing", &target))?;
        report.push(CheckedOut {
            path: target.display().to_string(),
            sha256: artifact.sha256.clone(),
            size: Some(size),
            status: "written",
            uri: None,
        });
    }
    for artifact in version.doc.artifacts.iter().filter(|a| a.uri.is_some()) {
        report.push(CheckedOut {
            path: artifact.path.clone(),
            sha256: artifact.sha256.clone(),
            size: artifact.size,
            status: "linked",
            uri: artifact.uri.clone(),
        });
    }
    if ctx.output.json {
        ctx.output.json(&serde_json::json!({
            "kind": "checkout",
            "schema_version": crate::render::JSON_SCHEMA_VERSION,
            "model": version.model.to_string(),
            "version": version.version.to_string(),
            "dest": dest,
            "artifacts": report,
        }))?;
    } else {
        let mut text = String::new();
        for item in &report {
            match &item.uri {
                Some(uri) => text.push_str(&format!("{}  (linked: {uri})\n", item.path)),
                None => text.push_str(&format!("{}\n", item.path)),
            }
        }
        ctx.output.data(&text)?;
        ctx.output.status(&format!(
            "Checked out `{}@{}` into `{}`",
            version.model,
            version.version,
            dest.display()
        ));
    }
    Ok(())
}
