//! `omgreg doctor`: repair what a crash left.

use crate::ops::doctor::{self, DoctorFinding, DoctorOptions};
use crate::render;

use super::{CommandError, Ctx};

/// Find and repair what a crash can leave in the repository.
///
/// Completes an action whose writer died half-way, removes temporary files of dead
/// writers and caches omgreg cannot read, and names git lock files with how long
/// ago they were written (removed only with `--remove-locks`). Exit 0 when nothing
/// is left to do, 3 when something is (a dry run, a lock kept).
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Report only; change nothing.
    #[arg(long)]
    dry_run: bool,

    /// Also remove git lock files (`index.lock`, the branch's lock): only when no
    /// git command is running.
    #[arg(long)]
    remove_locks: bool,
}

pub fn run(ctx: &Ctx, args: DoctorArgs) -> Result<(), CommandError> {
    let store = ctx.open_store_as_is()?;
    let options = DoctorOptions {
        dry_run: args.dry_run,
        remove_locks: args.remove_locks,
    };
    let findings = doctor::doctor(&store, options)?;
    render::doctor(&ctx.output, &findings)?;
    if findings.iter().any(DoctorFinding::is_open) {
        return Err(CommandError::Violations);
    }
    Ok(())
}
