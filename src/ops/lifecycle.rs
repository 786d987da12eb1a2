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
    let (writer, _) = open_writer(store, sign_mode)?;
    match request {
        LifecycleRequest::Archive {
            target,
            reason,
            force,
            message,
        } => {
            let request = ArchiveRequest {
                target,
                message: commit_body(Some(&reason), message),
                reason,
                force,
                actor: actor(writer.identity()),
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
        } => commit_action(&writer, dry_run, None, &mut |snapshot| {
            registry::set_alias(snapshot, &target, &alias, message.clone())
        }),
        LifecycleRequest::RemoveAlias {
            model,
            alias,
            message,
        } => commit_action(&writer, dry_run, None, &mut |snapshot| {
            registry::remove_alias(snapshot, &model, &alias, message.clone())
        }),
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
