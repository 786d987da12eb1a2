//! `omgreg lineage`: where a version comes from and what derives from it.

use crate::ops;
use crate::registry::ModelRef;
use crate::render;

use super::read::RevArgs;
use super::{CommandError, Ctx};

/// Show a version's lineage: its parent chain, its children, the data and code it
/// was trained from, and the commits that touched it.
#[derive(Debug, clap::Args)]
pub struct LineageArgs {
    /// The version: `MODEL@REF`.
    #[arg(value_name = "MODEL@REF")]
    reference: String,

    #[command(flatten)]
    rev: RevArgs,
}

pub fn run(ctx: &Ctx, args: LineageArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let rev = args.rev.revision().resolve(&store)?;
    let found = ops::lineage::lineage(&store, &reference, rev.as_deref())?;
    Ok(render::lineage(
        &ctx.output,
        found.commit.map(|c| c.to_string()),
        &found.report,
    )?)
}
