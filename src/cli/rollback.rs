//! `omgreg rollback`: back to the previous version of a stage or alias.

use crate::ops::rollback::{RollbackRequest, rollback};
use crate::registry::{ModelName, VersionId};

use super::action::report;
use super::{CommandError, Ctx};

/// Roll a stage (or alias) back to the version it held before.
///
/// History-aware: promotions push onto the stage's stack and rollbacks pop it, so
/// 1.0 → 2.0 → 2.1 then `rollback`, `rollback` gives 2.0 then 1.0, never 2.1 again.
/// The history is read from the commit graph (hand edits and merged pull requests
/// count); archived versions and versions whose artifacts are missing are skipped.
/// Endpoints following the stage are re-rendered in the same commit. Works offline.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg rollback churn                            # Production, one step back\n  omgreg rollback churn --stage Staging --dry-run\n  omgreg rollback churn --alias champion --to-version 1.0.0"
)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The model.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// The model, as a flag.
    #[arg(long = "model", value_name = "MODEL", conflicts_with = "model")]
    model_flag: Option<String>,

    /// The stage to roll back (default: the top of the ladder, e.g. Production).
    #[arg(long, value_name = "STAGE", conflicts_with = "alias")]
    stage: Option<String>,

    /// An alias to roll back instead of a stage.
    #[arg(long, value_name = "NAME")]
    alias: Option<String>,

    /// Roll back to this version instead of the previous one.
    #[arg(long, value_name = "VERSION")]
    to_version: Option<String>,

    /// Why (recorded in the commit message).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: RollbackArgs) -> Result<(), CommandError> {
    let model: ModelName = match args.model.or(args.model_flag) {
        Some(model) => model.parse()?,
        None => {
            return Err(super::ArgError::ModelMissing {
                command: "rollback",
            }
            .into());
        }
    };
    let to_version = args
        .to_version
        .as_deref()
        .map(str::parse::<VersionId>)
        .transpose()?;
    let request = RollbackRequest {
        model,
        stage: args.stage,
        alias: args.alias,
        to_version,
        reason: args.reason,
        message: args.message,
    };
    let store = ctx.open_store()?;
    let committed = rollback(&store, ctx.sign_mode, args.dry_run, request)?;
    report(ctx, &store, &committed, false)
}
