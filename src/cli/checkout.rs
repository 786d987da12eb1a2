//! `omgreg checkout`: one version's artifacts as real files.

use std::path::PathBuf;

use serde::Serialize;

use crate::ops::checkout::{CheckoutReport, CheckoutRequest, checkout};
use crate::registry::ModelRef;

use super::read::RevArgs;
use super::{CommandError, Ctx};

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
struct CheckedOut<'a> {
    path: &'a str,
    sha256: &'a str,
    size: Option<u64>,
    /// `written`, or `linked` for artifacts that live at a URI.
    status: &'static str,
    uri: Option<&'a str>,
}

pub fn run(ctx: &Ctx, args: CheckoutArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let request = CheckoutRequest {
        reference,
        dest: args.dest,
        base: ctx.cwd.clone(),
        remote: args.remote,
    };
    let report = checkout(&store, &snapshot, &request, &ctx.output)?;
    render(ctx, &report)
}

fn render(ctx: &Ctx, report: &CheckoutReport) -> Result<(), CommandError> {
    if ctx.output.json {
        let artifacts: Vec<CheckedOut> = report
            .artifacts
            .iter()
            .map(|item| CheckedOut {
                path: &item.path,
                sha256: &item.sha256,
                size: item.size,
                status: if item.uri.is_some() {
                    "linked"
                } else {
                    "written"
                },
                uri: item.uri.as_deref(),
            })
            .collect();
        ctx.output.json(&serde_json::json!({
            "kind": "checkout",
            "schema_version": crate::render::JSON_SCHEMA_VERSION,
            "model": report.model.to_string(),
            "version": report.version.to_string(),
            "dest": report.dest,
            "artifacts": artifacts,
        }))?;
    } else {
        let mut text = String::new();
        for item in &report.artifacts {
            match &item.uri {
                Some(uri) => text.push_str(&format!("{}  (linked: {uri})\n", item.path)),
                None => text.push_str(&format!("{}\n", item.path)),
            }
        }
        ctx.output.data(&text)?;
        ctx.output.status(&format!(
            "Checked out `{}@{}` into `{}`",
            report.model,
            report.version,
            report.dest.display()
        ));
    }
    Ok(())
}
