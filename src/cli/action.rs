//! Running a lifecycle action: one transaction, derived files added, one report.

use crate::registry::{Actor, Change, RegistryError};
use crate::render::{self, ActionReport};
use crate::store::{Committed, Identity, Store, TreeSnapshot, TxOptions};

use super::signing::Signing;
use super::{CommandError, Ctx};

/// What a writing command needs: the registry, who writes, and how it is signed
/// (failing before anything is written when signing is required but impossible).
pub fn open_writer(ctx: &Ctx) -> Result<(Store, Identity, Signing), CommandError> {
    let store = ctx.open_store()?;
    let identity = Identity::from_git(store.repository())?;
    let signing = super::signing::prepare(ctx, &store, &identity)?;
    Ok((store, identity, signing))
}

/// Runs `action` as one commit (with model cards and endpoints re-rendered in it)
/// and reports it.
pub fn run_action(
    ctx: &Ctx,
    store: &Store,
    identity: &Identity,
    signing: &Signing,
    dry_run: bool,
    action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
) -> Result<(), CommandError> {
    commit_action(ctx, store, identity, signing, dry_run, None, action).map(drop)
}

/// [`run_action`], optionally on a new branch, returning what was committed.
pub fn commit_action(
    ctx: &Ctx,
    store: &Store,
    identity: &Identity,
    signing: &Signing,
    dry_run: bool,
    new_branch: Option<&str>,
    action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
) -> Result<Committed, CommandError> {
    let options = TxOptions {
        dry_run,
        signer: signing.signer(),
        new_branch,
    };
    let committed = store.transact(identity, &options, &mut |snapshot| {
        render::with_derived_files(snapshot, action(snapshot)?)
    })?;
    render::action(&ctx.output, &ActionReport::new(&committed))?;
    if committed.commit.is_some() && new_branch.is_none() {
        super::notify::after_action(ctx, store);
    }
    Ok(committed)
}

/// The actor stamped into `archived` blocks: the commit author and time.
pub fn actor(identity: &Identity) -> Actor {
    Actor {
        at: identity.author_time_rfc3339(),
        by: identity.author_line(),
    }
}

/// `--reason` and `-m` joined into one commit message body.
pub fn message(reason: Option<&str>, message: Option<String>) -> Option<String> {
    match (reason.filter(|r| !r.trim().is_empty()), message) {
        (Some(reason), Some(message)) => Some(format!("Reason: {reason}\n\n{message}")),
        (Some(reason), None) => Some(format!("Reason: {reason}")),
        (None, message) => message,
    }
}
