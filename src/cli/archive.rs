//! `omgreg archive` and `omgreg unarchive`.

use crate::ops::lifecycle::{LifecycleRequest, lifecycle};

use super::action::report;
use super::{CommandError, Ctx};

/// Archive a version.
///
/// Marks `MODEL@VERSION` archived with a reason; its artifacts are kept, and it can no
/// longer be promoted or rolled back to. A version that holds a stage or alias is
/// refused unless `--force`, which also clears them.
#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The version: `MODEL@VERSION`.
    #[arg(value_name = "MODEL@VERSION")]
    target: String,

    /// Why it is archived (recorded in the version file and the commit).
    #[arg(long, value_name = "TEXT", default_value = "")]
    reason: String,

    /// Also clear the stages and aliases it holds.
    #[arg(long)]
    force: bool,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Unarchive a version: make it usable again (it holds no stage).
#[derive(Debug, clap::Args)]
pub struct UnarchiveArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The version: `MODEL@VERSION`.
    #[arg(value_name = "MODEL@VERSION")]
    target: String,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: ArchiveArgs) -> Result<(), CommandError> {
    let request = LifecycleRequest::Archive {
        target: args.target.parse()?,
        reason: args.reason,
        force: args.force,
        message: args.message,
    };
    run_request(ctx, args.dry_run, request)
}

pub fn run_unarchive(ctx: &Ctx, args: UnarchiveArgs) -> Result<(), CommandError> {
    let request = LifecycleRequest::Unarchive {
        target: args.target.parse()?,
        message: args.message,
    };
    run_request(ctx, args.dry_run, request)
}

fn run_request(ctx: &Ctx, dry_run: bool, request: LifecycleRequest) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let committed = lifecycle(&store, ctx.sign_mode, dry_run, request)?;
    report(ctx, &store, &committed, false)
}
