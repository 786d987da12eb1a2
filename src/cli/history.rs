//! `omgreg history`: the audit log, from the commit graph.

use crate::ops::{self, history::HistoryRequest};
use crate::registry::ModelName;
use crate::render;

use super::read::RevArgs;
use super::{CommandError, Ctx};

/// Show the audit log: who registered, promoted, archived or rolled back what, when.
///
/// Derived from what changed in each commit's tree along first parents (so hand edits
/// and merged pull requests appear like omgreg's own actions), newest first, and
/// annotated with the `Omgreg-Action` trailer when omgreg made the commit, with each
/// commit's signature status (good, bad, untrusted, unknown, unsigned) and signer.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg history churn --stage Production -n 10\n  omgreg history --json"
)]
pub struct HistoryArgs {
    /// Only this model.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// Only events of this stage or alias (any case).
    #[arg(long, value_name = "STAGE")]
    stage: Option<String>,

    /// At most this many events.
    #[arg(long, short = 'n', value_name = "N")]
    limit: Option<usize>,

    #[command(flatten)]
    rev: RevArgs,
}

pub fn run(ctx: &Ctx, args: HistoryArgs) -> Result<(), CommandError> {
    let model = args
        .model
        .as_deref()
        .map(str::parse::<ModelName>)
        .transpose()?;
    let store = ctx.open_store()?;
    let request = HistoryRequest {
        model,
        stage: args.stage,
        limit: args.limit,
        rev: args.rev.revision().resolve(&store)?,
    };
    let Some(report) = ops::history::history(&store, &request)? else {
        return Ok(());
    };
    Ok(render::history(
        &ctx.output,
        Some(report.head.to_string()),
        &report.entries,
        &report.signatures,
    )?)
}
