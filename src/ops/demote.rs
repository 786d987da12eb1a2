//! Demoting a version: it leaves its stage for `None`, in one commit on the registry
//! branch (or on a new branch for a pull request).

use crate::registry::{self, DemoteRequest, ModelRef};
use crate::sign::SignMode;
use crate::store::{Committed, Store};

use super::{CommandError, Progress, commit_action, open_writer, signing};

/// How a demotion runs.
pub struct DemoteOptions<'a> {
    pub sign_mode: SignMode,
    /// Compute the change but write nothing.
    pub dry_run: bool,
    /// Commit on this new branch instead of the registry branch; `""` for the
    /// default name (see [`default_branch`]).
    pub branch: Option<String>,
    /// Where the status line about the new branch goes.
    pub progress: &'a dyn Progress,
}

/// Takes `target` out of its stage as one commit, and returns the new branch
/// committed on (`--branch`). The signing key's names are checked against the
/// signers of the stage it leaves; `committed` is told of the commit before the new
/// branch is announced.
pub fn demote(
    store: &Store,
    target: ModelRef,
    message: Option<String>,
    options: &DemoteOptions<'_>,
    committed: &mut dyn FnMut(&Committed) -> Result<(), CommandError>,
) -> Result<Option<String>, CommandError> {
    let (writer, signing) = open_writer(store, options.sign_mode)?;
    let signer_principals = signing::principals_for_policy(&writer, &signing)?;
    let branch = options.branch.as_deref().map(|name| match name {
        "" => default_branch(&target),
        name => name.trim_start_matches("refs/heads/").to_owned(),
    });
    let request = DemoteRequest {
        target,
        message,
        signer_principals,
    };
    let new_branch = branch.as_ref().map(|name| format!("refs/heads/{name}"));
    let done = commit_action(
        &writer,
        options.dry_run,
        new_branch.as_deref(),
        &mut |snapshot| registry::demote(snapshot, &request),
    )?;
    committed(&done)?;
    if let (Some(branch), false) = (&branch, options.dry_run) {
        let base = store
            .head_branch_name()
            .unwrap_or_else(|| "main".to_owned());
        options.progress.status(&format!(
            "The registry branch `{base}` is unchanged; review `{branch}` and merge it to demote."
        ));
    }
    Ok(branch)
}

/// `omgreg/demote-churn-1.1.0` (the reference as typed, lowercased:
/// `omgreg/demote-churn-production` for `churn@Production`).
pub fn default_branch(target: &ModelRef) -> String {
    format!("omgreg/demote-{}-{}", target.model, target.target).to_ascii_lowercase()
}
