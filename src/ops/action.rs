//! Opening the writer of a writing command and running a lifecycle action through it.

use crate::registry::{Actor, Change, RegistryError};
use crate::render;
use crate::sign::SignMode;
use crate::store::{Committed, Identity, Store, TreeSnapshot, TxOptions, Writer};

use super::CommandError;
use super::signing::{self, Signing};

/// What a writing command needs: the registry, who writes, and how it is signed
/// (failing before anything is written when signing is required but impossible).
pub fn open_writer(store: &Store, mode: SignMode) -> Result<(Writer<'_>, Signing), CommandError> {
    let identity = store.identity()?;
    let (signer, signing) = signing::prepare(mode, store, &identity)?;
    Ok((Writer::new(store, identity, signer), signing))
}

/// Runs `action` as one commit, with model cards and endpoints re-rendered in it;
/// on `new_branch` when given, instead of the registry branch.
pub fn commit_action(
    writer: &Writer<'_>,
    dry_run: bool,
    new_branch: Option<&str>,
    action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
) -> Result<Committed, CommandError> {
    let options = TxOptions {
        dry_run,
        new_branch,
    };
    Ok(writer.transact(&options, &mut |snapshot| {
        render::with_derived_files(snapshot, action(snapshot)?)
    })?)
}

/// The actor stamped into `archived` blocks: the commit author and time.
pub fn actor(identity: &Identity) -> Actor {
    Actor {
        at: identity.author_time_rfc3339(),
        by: identity.author_line(),
    }
}
