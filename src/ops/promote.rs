//! Promoting versions to a stage: on the registry branch, or on a new branch for a
//! pull request (optionally pushed, LFS objects first).

use crate::registry::{self, ModelRef, PromoteRequest};
use crate::sign::SignMode;
use crate::store::{Committed, Store};

use super::transport::{compare_url, push_branch};
use super::{CommandError, Progress, actor, commit_action, open_writer, signing};

/// What to promote, resolved from the command line.
#[derive(Debug, Clone)]
pub struct PromoteTargets {
    pub targets: Vec<ModelRef>,
    /// The stage as typed; `None` for the next rung of each version.
    pub stage: Option<String>,
    /// Extra text for the commit message.
    pub message: Option<String>,
}

/// How a promotion runs.
pub struct PromoteOptions<'a> {
    pub sign_mode: SignMode,
    /// Compute the change but write nothing.
    pub dry_run: bool,
    /// Commit on this new branch instead of the registry branch; `""` for the
    /// default name (see [`default_branch`]).
    pub branch: Option<String>,
    /// Push the new branch to this remote.
    pub push: Option<String>,
    /// Where the status lines about the new branch go.
    pub progress: &'a dyn Progress,
}

/// What a promotion did.
pub struct PromoteReport {
    pub committed: Committed,
    /// The new branch committed on (`--branch`).
    pub branch: Option<String>,
    /// Where to open the pull request, when pushed to a known forge.
    pub pull_request: Option<String>,
}

/// Promotes `targets` as one commit; `committed` is told of the commit before the
/// new branch, if any, is announced and pushed.
pub fn promote(
    store: &Store,
    targets: PromoteTargets,
    options: &PromoteOptions<'_>,
    committed: &mut dyn FnMut(&Committed) -> Result<(), CommandError>,
) -> Result<PromoteReport, CommandError> {
    let (writer, signing) = open_writer(store, options.sign_mode)?;
    let signer_principals = signing::principals_for_policy(&writer, &signing)?;
    let request = PromoteRequest {
        targets: targets.targets,
        stage: targets.stage,
        actor: actor(writer.identity()),
        message: targets.message,
        signer_principals,
    };
    let branch = options.branch.as_deref().map(|name| match name {
        "" => default_branch(&request, planned_stage(store, &request).as_deref()),
        name => name.trim_start_matches("refs/heads/").to_owned(),
    });
    let target = branch.as_ref().map(|name| format!("refs/heads/{name}"));
    let done = commit_action(
        &writer,
        options.dry_run,
        target.as_deref(),
        &mut |snapshot| {
            let change = registry::promote(snapshot, &request)?;
            super::artifact_sig::require_for_moves(snapshot, &change)?;
            Ok(change)
        },
    )?;
    committed(&done)?;
    let mut report = PromoteReport {
        committed: done,
        branch,
        pull_request: None,
    };
    if let (Some(branch), false) = (&report.branch, options.dry_run) {
        report.pull_request = publish(store, branch, options)?;
    }
    Ok(report)
}

/// Announces the new branch and pushes it when asked; returns the pull request URL.
fn publish(
    store: &Store,
    branch: &str,
    options: &PromoteOptions<'_>,
) -> Result<Option<String>, CommandError> {
    let progress = options.progress;
    let base = store
        .head_branch_name()
        .unwrap_or_else(|| "main".to_owned());
    progress.status(&format!(
        "The registry branch `{base}` is unchanged; review `{branch}` and merge it to promote."
    ));
    let Some(remote) = &options.push else {
        return Ok(None);
    };
    push_branch(store, remote, branch)?;
    progress.status(&format!("Pushed `{branch}` to `{remote}`"));
    let url = store
        .remote_url(remote)
        .and_then(|url| compare_url(&url, &base, branch));
    if let Some(url) = &url {
        // GitLab calls them merge requests.
        let what = if url.contains("/-/merge_requests/") {
            "merge request"
        } else {
            "pull request"
        };
        progress.status(&format!("Open a {what}: {url}"));
    }
    Ok(url)
}

/// The stage the first target would enter at HEAD (without `--stage`: the next rung
/// of the ladder), to name the branch after; `None` when the promotion would fail
/// (the transaction then says why).
fn planned_stage(store: &Store, request: &PromoteRequest) -> Option<String> {
    let snapshot = store.snapshot(None).ok()?;
    match registry::promote(&snapshot, request).ok()?.event {
        crate::registry::Event::Promoted { moves } => moves.first().map(|m| m.stage.clone()),
        _ => None,
    }
}

/// `omgreg/promote-churn-2.1.0-production` (`-and-N-more` for several models), named
/// after the stage entered (`planned`), else the one asked for.
pub fn default_branch(request: &PromoteRequest, planned: Option<&str>) -> String {
    let first = &request.targets[0];
    let stage = planned
        .or(request.stage.as_deref())
        .unwrap_or("next")
        .to_ascii_lowercase();
    let mut name = format!("omgreg/promote-{}-{}-{stage}", first.model, first.target);
    if request.targets.len() > 1 {
        name.push_str(&format!("-and-{}-more", request.targets.len() - 1));
    }
    name
}
