//! `omgreg checkout`: one version's artifacts as real files.

use std::path::PathBuf;

use crate::ops::checkout::{CheckoutRequest, checkout};
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
#[command(
    after_help = "Examples:\n  omgreg checkout churn@production --dest /srv/models/churn\n  omgreg checkout churn@1.1.0 --at 2026-11-01 --json"
)]
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
    let bytes = crate::render::ByteProgress::later(ctx.output.progress, "verifying artifacts");
    let report = checkout(&store, &snapshot, &request, &ctx.output, &bytes)?;
    let commit = snapshot.commit().map(|c| c.to_string());
    Ok(crate::render::checkout(&ctx.output, &report, commit)?)
}
