//! `omgreg demote`: a version back to `None`, without archiving it.

use crate::ops::demote::{DemoteOptions, demote};

use super::action::report;
use super::{CommandError, Ctx};

/// Take a version out of its stage.
///
/// `MODEL@REF` leaves the stage it holds (any rung of the ladder) and goes back to
/// `None`: it stays active and keeps its aliases. Emptying a stage needs the rights of
/// that stage (`[policy.<Stage>] signers`), and an endpoint following it loses its
/// manifest in the same commit. `omgreg archive` retires a version instead.
#[derive(Debug, clap::Args)]
pub struct DemoteArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The version: `MODEL@VERSION` (or `MODEL@STAGE`, an alias, `latest`).
    #[arg(value_name = "MODEL@REF")]
    target: String,
    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,
    /// Commit on a new branch (for a pull request) instead of the registry branch,
    /// which stays where it is. Default name: `omgreg/demote-<model>-<ref>`.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    branch: Option<String>,
    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: DemoteArgs) -> Result<(), CommandError> {
    let (target, on_branch) = (args.target.parse()?, args.branch.is_some());
    let store = ctx.open_store()?;
    let options = DemoteOptions {
        sign_mode: ctx.sign_mode,
        dry_run: args.dry_run,
        branch: args.branch,
        progress: &ctx.output,
    };
    let done = demote(&store, target, args.message, &options, &mut |committed| {
        report(ctx, &store, committed, on_branch)
    })?;
    match done {
        Some(branch) if !args.dry_run && !ctx.output.json => {
            Ok(ctx.output.data(&format!("{branch}\n"))?)
        }
        _ => Ok(()),
    }
}
