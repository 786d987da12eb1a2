//! `omgreg resolve`: what a reference points at, for deploy scripts.

use crate::registry::{self, ModelRef, load_config};
use crate::render::{self, ResolveMode};

use super::{ArgError, CommandError, Ctx};

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
    let snapshot = args.rev.snapshot(&store)?;
    let config = load_config(&snapshot)?;
    let row = registry::resolve(&snapshot, &config, &reference)?;
    let lfs = store.lfs();
    let mut object_paths = Vec::new();
    for artifact in &row.version.artifacts {
        let oid = &artifact.digest;
        let local = match &artifact.record.uri {
            None if lfs.has_object(oid, artifact.record.size.unwrap_or_default()) => {
                Some(lfs.object_path(oid).display().to_string())
            }
            None if args.path || args.uri => {
                return Err(ArgError::ObjectMissing {
                    oid: oid.to_string(),
                }
                .into());
            }
            _ => None,
        };
        object_paths.push(local);
    }
    let mode = match (args.path, args.uri) {
        (true, _) => ResolveMode::Path,
        (_, true) => ResolveMode::Uri,
        _ => ResolveMode::Version,
    };
    let commit = snapshot.commit().map(|c| c.to_string());
    Ok(render::resolve(
        &ctx.output,
        commit,
        &row,
        &object_paths,
        mode,
    )?)
}
