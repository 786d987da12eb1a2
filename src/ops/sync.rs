//! Sync with a remote: push (LFS objects before the branch) and pull (fast-forward,
//! or local actions replayed on top of the remote's as actions).

use crate::registry::{
    Change, Event, FileChange, ModelName, SlotConflict, card_file, load_config, merge_stages,
    model_of_path,
};
use crate::render;
use crate::sign::SignMode;
use crate::store::{CommitId, Store, Writer};

use super::transport::{git, require_git_lfs};
use super::{CommandError, signing};

/// Pushes the registry branch and its LFS objects to `remote`; returns the short
/// name of the branch pushed.
pub fn push(store: &Store, remote: &str) -> Result<String, CommandError> {
    let (branch, _) = store.branch_tip()?;
    let short = branch.trim_start_matches("refs/heads/");
    if store.lfs().has_any_object() {
        require_git_lfs()?;
        git(store, &["lfs", "push", remote, short])?;
    }
    match git(
        store,
        &["push", "--porcelain", remote, &format!("{branch}:{branch}")],
    ) {
        Ok(_) => Ok(short.to_owned()),
        Err(CommandError::User(report)) if is_rejection(&report.to_string()) => {
            Err(CommandError::Conflict(
                SyncError::Behind {
                    remote: remote.to_owned(),
                    branch: short.to_owned(),
                }
                .into(),
            ))
        }
        Err(other) => Err(other),
    }
}

fn is_rejection(message: &str) -> bool {
    ["rejected", "non-fast-forward", "fetch first"]
        .iter()
        .any(|needle| message.contains(needle))
}

/// Brings in the remote's registry actions; returns what happened, for people
/// (`Fast-forwarded `origin/main``).
pub fn pull(store: &Store, remote_name: &str, sign_mode: SignMode) -> Result<String, CommandError> {
    if !store.prefix().is_empty() {
        // Replaying registry actions would drop or leave stale the rest of the
        // repository's files: there, plain Git does the job.
        return Err(CommandError::User(
            SyncError::Monorepo {
                prefix: store.prefix().to_owned(),
            }
            .into(),
        ));
    }
    let (branch, local) = store.branch_tip()?;
    let short = branch.trim_start_matches("refs/heads/").to_owned();
    let tracking = format!("refs/remotes/{remote_name}/{short}");
    git(
        store,
        &[
            "fetch",
            "--quiet",
            remote_name,
            &format!("+{branch}:{tracking}"),
        ],
    )?;
    let remote = store.resolve(&tracking)?;
    let reflog = format!("omgreg pull {remote_name} {short}");
    let outcome = match local {
        None => {
            Writer::for_refs(store).advance_branch(None, remote, &reflog)?;
            "Checked out".to_owned()
        }
        Some(local) if store.is_ancestor(remote, local)? => "Already up to date".to_owned(),
        Some(local) if store.is_ancestor(local, remote)? => {
            Writer::for_refs(store).advance_branch(Some(local), remote, &reflog)?;
            "Fast-forwarded".to_owned()
        }
        Some(local) => {
            let identity = store.identity()?;
            let (signer, _) = signing::prepare(sign_mode, store, &identity)?;
            let writer = Writer::new(store, identity, signer);
            let base = store.merge_base(local, remote)?;
            let mine = store.first_parent_range(base, local)?;
            let mut tip = remote;
            for commit in &mine {
                tip = replay(&writer, *commit, tip, remote_name)?;
            }
            writer.advance_branch(Some(local), tip, &reflog)?;
            format!("Replayed {} local action(s) on top of", mine.len())
        }
    };
    if std::process::Command::new("git")
        .args(["lfs", "version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        // Best effort: artifacts of new versions come with the registry, as with
        // `git pull`; `omgreg checkout` fetches whatever is still missing.
        let _ = git(store, &["lfs", "fetch", remote_name, &short]);
    }
    Ok(format!("{outcome} `{remote_name}/{short}`"))
}

/// Replays local `commit` on top of `tip`; returns the new commit.
fn replay(
    writer: &Writer<'_>,
    commit: CommitId,
    tip: CommitId,
    remote: &str,
) -> Result<CommitId, CommandError> {
    let store = writer.store();
    let parent = store.parent_of(commit).ok().flatten();
    let current = store.snapshot_at(tip)?;
    let config = load_config(&current)?;
    let derived: Vec<String> = config.endpoints.iter().map(|e| e.output.clone()).collect();
    let before = parent.map(|p| store.snapshot_at(p)).transpose()?;
    let mut files = Vec::new();
    let mut models: Vec<ModelName> = Vec::new();
    let mut conflicts: Vec<String> = Vec::new();
    for (path, new) in store.changed_files(parent, commit)? {
        let model = model_of_path(&path).map(|(model, _)| model);
        if let Some(model) = &model {
            if !models.contains(model) {
                models.push(model.clone());
            }
            if path == card_file(model) {
                continue; // re-rendered below
            }
        }
        if derived.contains(&path) {
            continue;
        }
        let old = match &before {
            Some(snapshot) => crate::registry::Snapshot::read(snapshot, &path)?,
            None => None,
        };
        let now = crate::registry::Snapshot::read(&current, &path)?;
        if now == old || now == new {
            files.push((path, new.map_or(FileChange::Remove, FileChange::Write)));
            continue;
        }
        if path.ends_with("/stages.yaml") {
            let text = |bytes: &Option<Vec<u8>>| {
                bytes
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            };
            let (old, new, now) = (text(&old), text(&new), text(&now));
            match merge_stages(
                &config,
                &path,
                old.as_deref(),
                new.as_deref(),
                now.as_deref(),
            )? {
                Ok(merged) => files.push((path, FileChange::Write(merged.into_bytes()))),
                Err(slots) => conflicts.extend(slots.iter().map(|c| describe(&path, c, remote))),
            }
            continue;
        }
        conflicts.push(format!(
            "`{path}`: changed here and on `{remote}` (e.g. the same version registered on both sides)"
        ));
    }
    if !conflicts.is_empty() {
        let summary = store
            .commit_message(commit)?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        return Err(CommandError::Conflict(
            SyncError::Conflict {
                commit: commit.short(),
                summary,
                details: conflicts,
            }
            .into(),
        ));
    }
    let change = Change {
        files,
        event: Event::Replayed { models },
        message: None,
    };
    let change = render::with_derived_files(&current, change)?;
    let message = store.commit_message(commit)?;
    Ok(writer.commit_on(tip, &change, &message, commit)?)
}

fn describe(path: &str, conflict: &SlotConflict, remote: &str) -> String {
    format!(
        "{} in `{path}`: here {}, on `{remote}` it now holds {}",
        conflict.slot, conflict.local, conflict.remote
    )
}

/// Why `push` or `pull` stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SyncError {
    #[error("`{remote}` has actions on `{branch}` that are not here")]
    #[diagnostic(
        code(omgreg::sync::behind),
        help("run `omgreg pull {remote}`, then push again")
    )]
    Behind { remote: String, branch: String },

    #[error(
        "the registry is the folder `{prefix}` of a larger repository; `omgreg pull` only syncs whole registries"
    )]
    #[diagnostic(
        code(omgreg::sync::monorepo),
        help("use `git pull --rebase` (then `omgreg check`); `omgreg push` works as usual")
    )]
    Monorepo { prefix: String },

    #[error("local action {commit} ({summary}) conflicts with the remote:\n{}", details.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    #[diagnostic(
        code(omgreg::sync::conflict),
        help(
            "nothing local was changed (the remote-tracking ref was updated); drop or redo the local action (`git reset --hard HEAD^` if it is the last), then pull again"
        )
    )]
    Conflict {
        commit: String,
        summary: String,
        details: Vec<String>,
    },
}
