//! Materializing one version's artifacts as real files: resolving the version,
//! fetching the Git LFS objects missing locally, verifying every object, copying.

use std::path::{Path, PathBuf};

use crate::registry::{
    self, Artifact, ModelName, ModelRef, ModelVersion, Snapshot, VersionId, artifact_path,
    load_config,
};
use crate::schema::ArtifactDoc;
use crate::store::{LfsStore, Store, StoreError, hash_file};

use super::transport::{git, require_git_lfs};
use super::{CommandError, Progress};

/// What to check out.
pub struct CheckoutRequest {
    pub reference: ModelRef,
    /// Where to write the files; `None`: `<model>-<version>` in `base`.
    pub dest: Option<PathBuf>,
    /// The folder a relative `dest` is taken from.
    pub base: PathBuf,
    /// The remote to fetch missing objects from.
    pub remote: String,
}

/// What `checkout` did.
pub struct CheckoutReport {
    pub model: ModelName,
    pub version: VersionId,
    /// The destination folder.
    pub dest: PathBuf,
    /// The files written, then the linked artifacts (listed, not downloaded).
    pub artifacts: Vec<CheckedOut>,
}

/// One artifact of a checkout: a file written, or (with `uri`) a linked artifact.
pub struct CheckedOut {
    /// The file written, or the artifact's path in the version for a linked one.
    pub path: String,
    pub sha256: String,
    pub size: Option<u64>,
    /// Where a linked artifact lives; `None` for the files written.
    pub uri: Option<String>,
}

/// Copies each stored artifact of the requested version into the destination,
/// fetching the missing objects from `request.remote` first. Every object is
/// verified before any file is written: a corrupt or missing one leaves the
/// destination untouched.
pub fn checkout(
    store: &Store,
    snapshot: &dyn Snapshot,
    request: &CheckoutRequest,
    progress: &dyn Progress,
) -> Result<CheckoutReport, CommandError> {
    let config = load_config(snapshot)?;
    let row = registry::resolve(snapshot, &config, &request.reference)?;
    let version = &row.version;
    let dest = request.base.join(
        request
            .dest
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}-{}", version.model, version.version))),
    );
    let lfs = store.lfs();
    let stored: Vec<_> = version.artifacts().filter(|a| a.is_stored()).collect();
    fetch_missing(store, &lfs, version, &stored, &request.remote, progress)?;
    let verified = verify(&lfs, &stored)?;
    let mut artifacts = write(&dest, verified)?;
    for artifact in version.doc.artifacts.iter().filter(|a| a.uri.is_some()) {
        artifacts.push(CheckedOut {
            path: artifact.path.clone(),
            sha256: artifact.sha256.clone(),
            size: artifact.size,
            uri: artifact.uri.clone(),
        });
    }
    Ok(CheckoutReport {
        model: version.model.clone(),
        version: version.version.clone(),
        dest,
        artifacts,
    })
}

/// `git lfs fetch --include` of the stored artifacts that have no local object.
fn fetch_missing(
    store: &Store,
    lfs: &LfsStore,
    version: &ModelVersion,
    stored: &[Artifact<'_>],
    remote: &str,
    progress: &dyn Progress,
) -> Result<(), CommandError> {
    let missing: Vec<String> = stored
        .iter()
        .filter(|a| !lfs.has_object(a.digest, a.record.size.unwrap_or_default()))
        .map(|a| {
            format!(
                "{}{}",
                store.prefix(),
                artifact_path(&version.model, &version.version, &a.record.path)
            )
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    progress.status(&format!(
        "Fetching {} artifact(s) from `{remote}`",
        missing.len(),
    ));
    require_git_lfs()?;
    git(
        store,
        &["lfs", "fetch", remote, "--include", &missing.join(",")],
    )?;
    Ok(())
}

/// Each stored artifact's record, local object and size, once its content hashes
/// to the recorded sha256 and size.
fn verify<'a>(
    lfs: &LfsStore,
    stored: &[Artifact<'a>],
) -> Result<Vec<(&'a ArtifactDoc, PathBuf, u64)>, CommandError> {
    let mut verified = Vec::new();
    for artifact in stored {
        let oid = &artifact.digest;
        let object = lfs.object_file(oid);
        let (digest, size) = hash_file(&object).map_err(|_| super::read::ObjectMissing {
            oid: oid.to_string(),
        })?;
        if digest != **oid
            || artifact
                .record
                .size
                .is_some_and(|expected| expected != size)
        {
            return Err(StoreError::LfsObjectCorrupt {
                oid: oid.to_string(),
                actual: digest.to_string(),
            }
            .into());
        }
        verified.push((artifact.record, object, size));
    }
    Ok(verified)
}

/// Copies the verified objects to their paths under `dest`.
fn write(
    dest: &Path,
    verified: Vec<(&ArtifactDoc, PathBuf, u64)>,
) -> Result<Vec<CheckedOut>, CommandError> {
    let io = |what: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io { what, path, source }
    };
    let mut written = Vec::new();
    for (artifact, object, size) in verified {
        let target = dest.join(&artifact.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
        }
        std::fs::copy(&object, &target).map_err(io("writing", &target))?;
        written.push(CheckedOut {
            path: target.display().to_string(),
            sha256: artifact.sha256.clone(),
            size: Some(size),
            uri: None,
        });
    }
    Ok(written)
}
