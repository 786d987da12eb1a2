//! Running a lifecycle action from the command line: one operation, one report.

use crate::ops::{self, signing::Signing};
use crate::registry::{Change, RegistryError};
use crate::render::{self, ActionReport};
use crate::store::{Committed, Store, TreeSnapshot, Writer};

use super::{CommandError, Ctx};

pub use crate::ops::actor;

/// The writer of this command over `store` (see [`ops::open_writer`]).
pub fn open_writer<'s>(ctx: &Ctx, store: &'s Store) -> Result<(Writer<'s>, Signing), CommandError> {
    ops::open_writer(store, ctx.sign_mode)
}

/// Runs `action` as one commit (with model cards and endpoints re-rendered in it)
/// and reports it.
pub fn run_action(
    ctx: &Ctx,
    writer: &Writer<'_>,
    dry_run: bool,
    action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
) -> Result<(), CommandError> {
    commit_action(ctx, writer, dry_run, None, action).map(drop)
}

/// [`run_action`], optionally on a new branch, returning what was committed.
pub fn commit_action(
    ctx: &Ctx,
    writer: &Writer<'_>,
    dry_run: bool,
    new_branch: Option<&str>,
    action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
) -> Result<Committed, CommandError> {
    let committed = ops::commit_action(writer, dry_run, new_branch, action)?;
    render::action(&ctx.output, &ActionReport::new(&committed))?;
    if committed.commit.is_some() && new_branch.is_none() {
        super::notify::after_action(ctx, writer);
    }
    Ok(committed)
}

/// `--reason` and `-m` joined into one commit message body.
pub fn message(reason: Option<&str>, message: Option<String>) -> Option<String> {
    match (reason.filter(|r| !r.trim().is_empty()), message) {
        (Some(reason), Some(message)) => Some(format!("Reason: {reason}\n\n{message}")),
        (Some(reason), None) => Some(format!("Reason: {reason}")),
        (None, message) => message,
    }
}
