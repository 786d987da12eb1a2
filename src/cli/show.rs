//! `omgreg show`: one version in full.

use crate::ops;
use crate::registry::ModelRef;
use crate::render;

use super::{CommandError, Ctx};

/// Show one version in full.
///
/// Stage, aliases, status, creation, metrics, params, tags, data, code, environment,
/// lineage and artifacts of `MODEL@REF`, where REF is a version, a stage, an alias or
/// `latest` (the default).
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The version: `MODEL@VERSION`, `MODEL@STAGE`, `MODEL@ALIAS` or `MODEL@latest`.
    #[arg(value_name = "MODEL@REF")]
    reference: String,

    #[command(flatten)]
    rev: super::read::RevArgs,
}

pub fn run(ctx: &Ctx, args: ShowArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let report = ops::read::show(&store, &args.rev.revision(), &reference)?;
    Ok(render::show(&ctx.output, report.commit, &report.row)?)
}
