//! Sync with a remote: push (LFS objects before the branch) and pull (fast-forward,
//! or local actions replayed on top of the remote's as actions).

mod replay;

use crate::sign::SignMode;
use crate::store::{CommitId, Store, Writer};

use super::transport::{git, require_git_lfs};
use super::{CommandError, actor, signing};
use replay::{ReplayContext, replay};

/// Pushes the registry branch and its LFS objects to `remote`; returns the short
/// name of the branch pushed.
pub fn push(store: &Store, remote: &str) -> Result<String, CommandError> {
    let (branch, tip) = store.branch_tip()?;
    let short = branch.trim_start_matches("refs/heads/");
    if store.lfs().has_any_object() {
        require_git_lfs()?;
        verify_outgoing(store, remote, short)?;
        git(store, &["lfs", "push", remote, short])?;
    }
    // The `MODEL@VERSION` tags of `register --git-tag` go with the branch, all or
    // nothing (a server refusing one refuses the push).
    let tags = match tip {
        Some(tip) => store.version_tags(tip)?,
        None => Vec::new(),
    };
    let refspec = format!("{branch}:{branch}");
    let mut args = vec!["push", "--porcelain", "--atomic", remote, refspec.as_str()];
    args.extend(tags.iter().map(String::as_str));
    match git(store, &args) {
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

/// Hashes every LFS object `git lfs push` would upload and refuses the push when one
/// does not hash to its name: a local object overwritten after it was stored must not
/// reach the server under its good name.
fn verify_outgoing(store: &Store, remote: &str, branch: &str) -> Result<(), CommandError> {
    let listing = git(store, &["lfs", "push", "--dry-run", remote, branch])?;
    let lfs = store.lfs();
    for oid in listing
        .lines()
        .filter_map(|line| line.strip_prefix("push "))
        .filter_map(|rest| rest.split_whitespace().next())
    {
        let Ok(expected) = oid.parse::<crate::registry::Digest>() else {
            continue;
        };
        let object = lfs.object_file(&expected);
        // A missing object is git-lfs's to report.
        let Ok((actual, _)) = crate::store::hash_file(&object) else {
            continue;
        };
        if actual != expected {
            return Err(CommandError::Corrupt(
                crate::store::StoreError::LfsObjectCorrupt {
                    oid: oid.to_owned(),
                    actual: actual.to_string(),
                }
                .into(),
            ));
        }
    }
    Ok(())
}

/// Whether git refused the push because the remote has moved on. A `[remote
/// rejected]` ref is the server's hook or policy saying no: pulling would not help.
fn is_rejection(message: &str) -> bool {
    !message.contains("[remote rejected]")
        && ["rejected", "non-fast-forward", "fetch first"]
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
            let replayed = replay_all(store, remote_name, sign_mode, local, remote)?;
            Writer::for_refs(store).advance_branch(Some(local), replayed.0, &reflog)?;
            format!("Replayed {} local action(s) on top of", replayed.1)
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

/// Replays the local commits since the merge base on top of `remote`, each as its
/// action (or, for a hand edit, as its files judged by `check`); returns the new tip
/// and how many commits were replayed. Writes commits, moves no reference.
fn replay_all(
    store: &Store,
    remote_name: &str,
    sign_mode: SignMode,
    local: CommitId,
    remote: CommitId,
) -> Result<(CommitId, usize), CommandError> {
    let identity = store.identity()?;
    let (signer, signing) = signing::prepare(sign_mode, store, &identity)?;
    let writer = Writer::new(store, identity, signer);
    let base = store.merge_base(local, remote)?;
    let mine = store.first_parent_range(base, local)?;
    let context = ReplayContext {
        remote: remote_name,
        theirs: store.first_parent_range(base, remote)?,
        signer_principals: signing::principals_for_policy(&writer, &signing)?,
        actor: actor(writer.identity()),
    };
    let mut tip = remote;
    for commit in &mine {
        tip = replay(&writer, &context, *commit, tip)?;
    }
    Ok((tip, mine.len()))
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
