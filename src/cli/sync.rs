//! `omgreg push` and `omgreg pull`: the registry and its artifacts through the `git`
//! and `git-lfs` programs, with local actions replayed on a remote that moved.

use git2::Oid;

use crate::registry::{
    Change, Event, FileChange, ModelName, SlotConflict, card_file, load_config, merge_stages,
    model_of_path,
};
use crate::render;
use crate::store::{Identity, Store};

use super::signing::{self, Signing};
use super::transport::{git, require_git_lfs};
use super::{CommandError, Ctx};

/// Push the registry branch and its artifacts.
///
/// Uploads the Git LFS objects the branch needs first (`git lfs push`), then the
/// branch (`git push`); credential helpers and ssh configuration apply. A remote that
/// has moved on refuses the push: exit 4, `omgreg pull` first.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The remote.
    #[arg(value_name = "REMOTE", default_value = "origin")]
    remote: String,
}

/// Bring in the remote's registry actions.
///
/// Fetches the registry branch; fast-forwards when the local branch has nothing of
/// its own; otherwise replays each local action on top of the remote's, as actions:
/// stage and alias changes merge slot by slot, new versions are added, model cards
/// and endpoints are re-rendered. The same stage or alias moved on both sides, or
/// the same version registered twice, stops with exit 4 and shows both sides; then
/// nothing local has changed.
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The remote.
    #[arg(value_name = "REMOTE", default_value = "origin")]
    remote: String,
}

pub fn push(ctx: &Ctx, args: PushArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let (branch, _) = store.branch_tip()?;
    let short = branch.trim_start_matches("refs/heads/");
    if store.lfs().has_any_object() {
        require_git_lfs()?;
        git(&store, &["lfs", "push", &args.remote, short])?;
    }
    match git(
        &store,
        &[
            "push",
            "--porcelain",
            &args.remote,
            &format!("{branch}:{branch}"),
        ],
    ) {
        Ok(_) => {
            ctx.output
                .status(&format!("Pushed `{short}` to `{}`", args.remote));
            Ok(())
        }
        Err(CommandError::User(report)) if is_rejection(&report.to_string()) => {
            Err(CommandError::Conflict(
                SyncError::Behind {
                    remote: args.remote,
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

pub fn pull(ctx: &Ctx, args: PullArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
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
    let tracking = format!("refs/remotes/{}/{short}", args.remote);
    git(
        &store,
        &[
            "fetch",
            "--quiet",
            &args.remote,
            &format!("+{branch}:{tracking}"),
        ],
    )?;
    let remote = store.find_commit(&tracking)?.id();
    let reflog = format!("omgreg pull {} {short}", args.remote);
    let outcome = match local {
        None => {
            store.advance_branch(None, remote, &reflog)?;
            "Checked out".to_owned()
        }
        Some(local) if store.is_ancestor(remote, local)? => "Already up to date".to_owned(),
        Some(local) if store.is_ancestor(local, remote)? => {
            store.advance_branch(Some(local), remote, &reflog)?;
            "Fast-forwarded".to_owned()
        }
        Some(local) => {
            let identity = Identity::from_git(store.repository())?;
            let signing = signing::prepare(ctx, &store, &identity)?;
            let base = store.merge_base(local, remote)?;
            let mine = store.first_parent_range(base, local)?;
            let mut tip = remote;
            for commit in &mine {
                tip = replay(&store, &identity, &signing, *commit, tip, &args.remote)?;
            }
            store.advance_branch(Some(local), tip, &reflog)?;
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
        let _ = git(&store, &["lfs", "fetch", &args.remote, &short]);
    }
    ctx.output
        .status(&format!("{outcome} `{}/{short}`", args.remote));
    Ok(())
}

/// Replays local `commit` on top of `tip`; returns the new commit.
fn replay(
    store: &Store,
    identity: &Identity,
    signing: &Signing,
    commit: Oid,
    tip: Oid,
    remote: &str,
) -> Result<Oid, CommandError> {
    let parent = store
        .repository()
        .find_commit(commit)
        .ok()
        .and_then(|c| c.parent_id(0).ok());
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
                commit: commit.to_string()[..12].to_owned(),
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
    let author = store.replay_identity(commit, identity)?;
    Ok(store.commit_change(tip, &change, &message, &author, signing.signer())?)
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
