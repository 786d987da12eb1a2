//! `omgreg resolve`: what a reference points at, for deploy scripts.

use crate::ops;
use crate::registry::ModelRef;
use crate::render::{self, ResolveMode};

use super::{CommandError, Ctx};

/// Resolve a reference to a version.
///
/// Prints the version number; with `--path`, the local file holding each stored
/// artifact (its Git LFS object); with `--uri`, each artifact's URI (`file://` for
/// stored ones). `--json` gives everything at once.
#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// `MODEL@VERSION`, `MODEL@STAGE`, `MODEL@ALIAS` or `MODEL@latest`.
    #[arg(value_name = "MODEL@REF")]
    reference: String,

    /// Print the local path of each stored artifact's bytes.
    #[arg(long, conflicts_with = "uri")]
    path: bool,

    /// Print the URI of each artifact.
    #[arg(long)]
    uri: bool,

    #[command(flatten)]
    rev: super::read::RevArgs,
}

pub fn run(ctx: &Ctx, args: ResolveArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let local = args.path || args.uri;
    let report = ops::read::resolve(&store, &args.rev.revision(), &reference, local)?;
    let mode = match (args.path, args.uri) {
        (true, _) => ResolveMode::Path,
        (_, true) => ResolveMode::Uri,
        _ => ResolveMode::Version,
    };
    Ok(render::resolve(
        &ctx.output,
        report.commit,
        &report.row,
        &report.object_paths,
        mode,
    )?)
}
