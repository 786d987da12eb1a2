//! `omgreg diff`: two versions side by side.

use crate::registry::{self, ModelRef, load_config};
use crate::render;

use super::read::RevArgs;
use super::{CommandError, Ctx};

/// Compare two versions: metrics, params, tags, data, code, environment, artifacts.
///
/// Prints the fields that differ (all of them with `--all`), one per line, with the
/// value in A and in B. The versions may belong to different models.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The first version: `MODEL@REF`.
    #[arg(value_name = "MODEL@A")]
    a: String,

    /// The second version: `MODEL@REF`, or just `REF` for the same model.
    #[arg(value_name = "MODEL@B")]
    b: String,

    /// Show equal fields too.
    #[arg(long)]
    all: bool,

    #[command(flatten)]
    rev: RevArgs,
}

pub fn run(ctx: &Ctx, args: DiffArgs) -> Result<(), CommandError> {
    let a: ModelRef = args.a.parse()?;
    let b: ModelRef = if args.b.contains('@') {
        args.b.parse()?
    } else {
        format!("{}@{}", a.model, args.b).parse()?
    };
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let config = load_config(&snapshot)?;
    let left = registry::resolve(&snapshot, &config, &a)?;
    let right = registry::resolve(&snapshot, &config, &b)?;
    let fields = registry::compare(&left.version, &right.version, args.all);
    let commit = snapshot.commit().map(|c| c.to_string());
    Ok(render::diff(&ctx.output, commit, &left, &right, &fields)?)
}
