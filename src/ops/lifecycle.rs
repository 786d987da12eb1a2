//! The small lifecycle actions: archive, unarchive, and setting or removing an
//! alias, each one commit on the registry branch.

use crate::registry::{self, ArchiveRequest, ModelName, ModelRef};
use crate::sign::SignMode;
use crate::store::{Committed, Store};

use super::{CommandError, actor, commit_action, open_writer};

/// A lifecycle action, as typed on the command line (resolved into domain values).
#[derive(Debug, Clone)]
pub enum LifecycleRequest {
    /// Archive a version, with a reason; `force` also clears what it holds.
    Archive {
        target: ModelRef,
        reason: String,
        force: bool,
        message: Option<String>,
    },
    /// Make an archived version usable again.
    Unarchive {
        target: ModelRef,
        message: Option<String>,
    },
    /// Point `alias` at `target`.
    SetAlias {
        target: ModelRef,
        alias: String,
        message: Option<String>,
    },
    /// Remove `alias` of `model`.
    RemoveAlias {
        model: ModelName,
        alias: String,
        message: Option<String>,
    },
}

/// Runs `request` as one commit (a dry run commits nothing) and returns it.
pub fn lifecycle(
    store: &Store,
    sign_mode: SignMode,
    dry_run: bool,
    request: LifecycleRequest,
) -> Result<Committed, CommandError> {
    let (writer, signing) = open_writer(store, sign_mode)?;
    match request {
        LifecycleRequest::Archive {
            target,
            reason,
            force,
            message,
        } => {
            // Emptying a stage with `--force` needs the rights to move it.
            let signer_principals = if force {
                super::signing::principals_for_policy(&writer, &signing)?
            } else {
                None
            };
            let request = ArchiveRequest {
                target,
                message: commit_body(Some(&reason), message),
                reason,
                force,
                actor: actor(writer.identity()),
                signer_principals,
            };
            commit_action(&writer, dry_run, None, &mut |snapshot| {
                registry::archive(snapshot, &request)
            })
        }
        LifecycleRequest::Unarchive { target, message } => {
            commit_action(&writer, dry_run, None, &mut |snapshot| {
                registry::unarchive(snapshot, &target, message.clone())
            })
        }
        LifecycleRequest::SetAlias {
            target,
            alias,
            message,
        } => {
            let principals = alias_principals(&writer, &signing, &target.model, &alias)?;
            commit_action(&writer, dry_run, None, &mut |snapshot| {
                let principals = principals.as_deref();
                registry::set_alias(snapshot, &target, &alias, principals, message.clone())
            })
        }
        LifecycleRequest::RemoveAlias {
            model,
            alias,
            message,
        } => {
            let principals = alias_principals(&writer, &signing, &model, &alias)?;
            commit_action(&writer, dry_run, None, &mut |snapshot| {
                let principals = principals.as_deref();
                registry::remove_alias(snapshot, &model, &alias, principals, message.clone())
            })
        }
    }
}

/// Who the commit will be signed as, when moving `alias` needs a stage's signers (an
/// endpoint gated by a stage follows it); else nothing is probed.
fn alias_principals(
    writer: &crate::store::Writer<'_>,
    signing: &super::signing::Signing,
    model: &ModelName,
    alias: &str,
) -> Result<Option<Vec<String>>, CommandError> {
    let gated = signing
        .head
        .as_ref()
        .is_some_and(|config| config.alias_gate(model, alias).is_some());
    if gated {
        super::signing::principals_for_policy(writer, signing)
    } else {
        Ok(None)
    }
}

/// `--reason` and `-m` joined into one commit message body.
pub fn commit_body(reason: Option<&str>, message: Option<String>) -> Option<String> {
    match (reason.filter(|r| !r.trim().is_empty()), message) {
        (Some(reason), Some(message)) => Some(format!("Reason: {reason}\n\n{message}")),
        (Some(reason), None) => Some(format!("Reason: {reason}")),
        (None, message) => message,
    }
}
