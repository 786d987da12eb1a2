//! `omgreg diff`: two versions side by side.

use crate::ops;
use crate::registry::ModelRef;
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
    let report = ops::read::diff(&store, &args.rev.revision(), &a, &b, args.all)?;
    Ok(render::diff(
        &ctx.output,
        report.commit,
        &report.left,
        &report.right,
        &report.fields,
    )?)
}
