//! The one writer: every commit, every reference update and every change to the
//! index and working tree goes through [`Writer`] (or the lock it shares).
//!
//! An action is applied to the branch tip as exactly one commit, published with
//! compare-and-swap and re-run when another writer got there first. Nothing else in
//! omgreg writes commits, moves references or touches the index.

mod chain;
mod index_file;
mod index_format;
mod index_rewrite;
mod journal;
mod pack;
mod recover;
mod refs;
mod tree;
mod worktree;

use std::fs::File;
use std::time::Duration;

use git2::ErrorCode;

use super::error::{GitContext, IoContext};
use super::failpoint;
use super::{CommitId, Identity, Store, StoreError, TreeSnapshot};
use crate::registry::{Change, RegistryError};
use journal::Journal;

pub use chain::{ChainCommitted, ChainStep, Stamp};
pub(crate) use journal::{TEMP_PREFIX as JOURNAL_TEMP_PREFIX, path as journal_path};
pub(crate) use tree::PlannedFile;
pub(crate) use worktree::TEMP_PREFIX as WORKTREE_TEMP_PREFIX;

/// Signs commit buffers the way git does (implemented by `sign`).
pub trait CommitSigner {
    /// The armored signature of `buffer`, stored in the commit's `gpgsig` header.
    fn sign(&self, buffer: &str) -> Result<String, SigningFailed>;
}

/// A signature could not be made; nothing is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningFailed {
    pub message: String,
    pub help: String,
}

/// How a transaction runs.
#[derive(Clone, Copy, Default)]
pub struct TxOptions<'a> {
    /// Compute the change but write nothing.
    pub dry_run: bool,
    /// Commit on this new branch (`refs/heads/...`), made from the registry branch,
    /// instead of moving the registry branch: the working tree is left alone.
    pub new_branch: Option<&'a str>,
}

/// What a transaction did.
#[derive(Debug)]
pub struct Committed {
    /// The new commit; `None` on a dry run.
    pub commit: Option<CommitId>,
    /// The commit the change was applied to; `None` for the first commit of a branch.
    pub parent: Option<CommitId>,
    pub branch: String,
    pub change: Change,
    /// How many times the action ran (more than one when the branch moved meanwhile).
    pub attempts: u32,
}

/// The registry, who writes and how commits are signed: the only way to change the
/// repository.
pub struct Writer<'s> {
    store: &'s Store,
    identity: Option<Identity>,
    signer: Option<Box<dyn CommitSigner>>,
}

const MAX_ATTEMPTS: u32 = 8;

impl<'s> Writer<'s> {
    /// A writer that commits as `identity`, signing with `signer` when given.
    pub fn new(
        store: &'s Store,
        identity: Identity,
        signer: Option<Box<dyn CommitSigner>>,
    ) -> Self {
        Self {
            store,
            identity: Some(identity),
            signer,
        }
    }

    /// A writer that only moves omgreg's own references (notification cursors) and
    /// never commits: it needs no identity.
    pub fn for_refs(store: &'s Store) -> Self {
        Self {
            store,
            identity: None,
            signer: None,
        }
    }

    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// Who commits; every writer that commits has one.
    pub fn identity(&self) -> &Identity {
        self.identity
            .as_ref()
            .expect("only writers made with an identity commit")
    }

    pub fn signer(&self) -> Option<&dyn CommitSigner> {
        self.signer.as_deref()
    }

    /// Runs `action` on the branch tip and commits its change.
    ///
    /// The action is a pure function of the snapshot; when the branch moves between
    /// reading the snapshot and publishing the commit, the action runs again on the
    /// new tip (so its preconditions are checked again), up to a bound. Local omgreg
    /// writers are also serialised by a lock file, so the retry is for writers that
    /// do not take it (git itself, other tools). Only after the branch moved are the
    /// touched working-tree files and index entries refreshed.
    pub fn transact(
        &self,
        options: &TxOptions,
        action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
    ) -> Result<Committed, StoreError> {
        let store = self.store;
        let Started {
            base_branch,
            branch,
            touch_worktree,
            _lock,
        } = self.start(options)?;
        for attempt in 1..=MAX_ATTEMPTS {
            let parent = store.tip_commit(&base_branch)?;
            let snapshot = TreeSnapshot::new(&store.repo, parent.as_ref(), &store.prefix)?;
            let change = action(&snapshot)?;
            let parent_id = parent.as_ref().map(|p| CommitId::from(p.id()));
            let done = |commit, change| Committed {
                commit,
                parent: parent_id,
                branch: branch.clone(),
                change,
                attempts: attempt,
            };
            if options.dry_run {
                return Ok(done(None, change));
            }
            if touch_worktree {
                worktree::ensure_clean(&store.repo, &store.prefix, &snapshot, &change)?;
            }
            let (tree, planned) = store.build_tree(&snapshot, &change)?;
            if parent.as_ref().is_some_and(|p| p.tree_id() == tree) {
                return Err(StoreError::NothingToCommit);
            }
            let commit = store.write_commit(
                self.identity(),
                self.signer(),
                &change.commit_message(),
                tree,
                parent.as_ref(),
            )?;
            failpoint("commit-written");
            let target = options
                .new_branch
                .map_or(Target::Move(parent_id), Target::Create);
            let landing = Landing {
                branch: &branch,
                target,
                commit,
                subject: change.event.subject(),
                planned: touch_worktree.then_some(&planned[..]),
            };
            let moved = self.land(&landing);
            if moved? {
                if options.new_branch.is_none() {
                    store.warm_read_caches(parent_id, commit.into());
                }
                return Ok(done(Some(commit.into()), change));
            }
            std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
        }
        Err(store.gave_up(branch))
    }

    /// What every transaction does first, under the writer lock it returns: completes
    /// a writer that died half-way (the command line has usually done it already and
    /// said so), and names the branch the commits go to (a new one must not exist).
    fn start(&self, options: &TxOptions<'_>) -> Result<Started, StoreError> {
        let store = self.store;
        let base_branch = store.branch()?;
        let lock = store.writer_lock()?;
        store.recover_locked()?;
        let branch = match options.new_branch {
            Some(target) => {
                if store.repo.find_reference(target).is_ok() {
                    return Err(StoreError::BranchExists {
                        branch: target.to_owned(),
                    });
                }
                target.to_owned()
            }
            None => base_branch.clone(),
        };
        Ok(Started {
            touch_worktree: options.new_branch.is_none() && store.repo.workdir().is_some(),
            base_branch,
            branch,
            _lock: lock,
        })
    }
}

/// A transaction under way: the writer lock held, its branches named.
struct Started {
    /// The registry branch the commits are made on.
    base_branch: String,
    /// Where they go: the registry branch, or the new branch.
    branch: String,
    /// Whether the working tree and index follow (the registry branch, not bare).
    touch_worktree: bool,
    _lock: File,
}

impl Store {
    /// Why the branch could not be moved after every attempt: a ref lock left there,
    /// or other writers getting there first.
    fn gave_up(&self, branch: String) -> StoreError {
        self.stale_ref_lock(&branch)
            .unwrap_or(StoreError::Conflict {
                branch,
                attempts: MAX_ATTEMPTS,
            })
    }
}

/// A written commit on its way to the branch.
struct Landing<'a> {
    branch: &'a str,
    target: Target<'a>,
    commit: git2::Oid,
    /// What the action does, for the reflog and the journal.
    subject: String,
    /// The working-tree files that follow the commit; `None` without a working tree.
    planned: Option<&'a [PlannedFile]>,
}

/// Where a transaction's commit goes.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// Move the registry branch from this tip (`None`: the branch is unborn).
    Move(Option<CommitId>),
    /// Create this new branch.
    Create(&'a str),
}

impl Writer<'_> {
    /// Moves the branch to the commit, then the working tree and index, under the
    /// intent journal (written before the branch moves, removed once all three
    /// agree): `false` when another writer got there first (retry).
    fn land(&self, landing: &Landing<'_>) -> Result<bool, StoreError> {
        let store = self.store;
        let common = store.repo.commondir();
        // git's lock on the index, held from before the branch moves until the index
        // matches it, so that no `git add`/`commit` interleaves; released (dropped)
        // when the branch moved under us and the action runs again.
        let mut index_lock = None;
        if let Some(planned) = landing.planned {
            let parent = match landing.target {
                Target::Move(parent) => parent,
                Target::Create(_) => None,
            };
            let paths = planned.iter().map(|f| f.repo_path.clone()).collect();
            let mut journal = Journal::new(
                landing.branch,
                parent,
                landing.commit.into(),
                &landing.subject,
                paths,
            );
            index_lock = Some(journal.begin(store.repo.path(), common)?);
            failpoint("journal-written");
            failpoint("index-locked");
        }
        let reflog = format!("omgreg: {}", landing.subject);
        let moved = self.publish(landing.branch, landing.target, landing.commit, &reflog);
        if matches!(moved, Ok(true)) {
            failpoint("ref-updated");
            if let (Some(planned), Some(lock)) = (landing.planned, index_lock) {
                worktree::refresh(&store.repo, planned, lock)?;
                failpoint("index-written");
            }
        }
        if landing.planned.is_some() {
            // Done, or the branch did not move: either way nothing to complete.
            Journal::remove(common)?;
            failpoint("journal-removed");
        }
        moved
    }

    /// Points `branch` (or the new branch of `target`) at `commit` with
    /// compare-and-swap; `false` when another writer got there first (retry).
    fn publish(
        &self,
        branch: &str,
        target: Target<'_>,
        commit: git2::Oid,
        reflog: &str,
    ) -> Result<bool, StoreError> {
        let repo = &self.store.repo;
        let moved = match target {
            Target::Create(new) => match repo.reference(new, commit, false, reflog) {
                Err(err) if err.code() == ErrorCode::Exists => {
                    return Err(StoreError::BranchExists {
                        branch: new.to_owned(),
                    });
                }
                other => other,
            },
            Target::Move(Some(current)) => {
                repo.reference_matching(branch, commit, true, current.raw(), reflog)
            }
            Target::Move(None) => repo.reference(branch, commit, false, reflog),
        };
        match moved {
            Ok(_) => Ok(true),
            Err(err)
                if matches!(
                    err.code(),
                    ErrorCode::Modified | ErrorCode::Locked | ErrorCode::Exists
                ) =>
            {
                Ok(false)
            }
            Err(err) => Err(err).git_context("moving the branch"),
        }
    }
}

impl Store {
    /// Checks, before any slow work, what the transaction would refuse for `change`:
    /// a detached HEAD, and uncommitted edits or links on the paths it writes.
    pub fn preflight(&self, change: &Change) -> Result<(), StoreError> {
        self.branch()?;
        if self.repo.workdir().is_some() {
            // Under the lock: another writer's commit and working-tree refresh are
            // then either both visible or neither.
            let _lock = self.writer_lock()?;
            let head = self
                .repo
                .head()
                .ok()
                .and_then(|head| head.peel_to_commit().ok());
            let snapshot = TreeSnapshot::new(&self.repo, head.as_ref(), &self.prefix)?;
            worktree::ensure_clean(&self.repo, &self.prefix, &snapshot, change)?;
        }
        Ok(())
    }

    /// The commit `branch` points at; `None` when it is unborn.
    fn tip_commit(&self, branch: &str) -> Result<Option<git2::Commit<'_>>, StoreError> {
        match self.repo.find_reference(branch) {
            Ok(reference) => Ok(Some(
                reference
                    .peel_to_commit()
                    .git_context("reading the branch tip")?,
            )),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err).git_context("reading the branch"),
        }
    }

    /// The lock file of `branch` (`.git/refs/heads/main.lock`) when one has been left
    /// there: no retry moves the branch until it is gone.
    pub(crate) fn stale_ref_lock(&self, branch: &str) -> Option<StoreError> {
        let path = self.repo.path().join(format!("{branch}.lock"));
        let age = std::fs::metadata(&path)
            .ok()?
            .modified()
            .ok()?
            .elapsed()
            .ok()?;
        Some(StoreError::RefLocked {
            path,
            age: humanize(age),
        })
    }

    /// An exclusive lock shared by all omgreg writers of this repository; the OS
    /// releases it when the process dies, so a killed writer never wedges the next.
    pub(crate) fn writer_lock(&self) -> Result<File, StoreError> {
        let path = self.repo.commondir().join("omgreg.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .io_context("opening the writer lock", &path)?;
        file.lock().io_context("taking the writer lock", &path)?;
        Ok(file)
    }
}

/// `12 s`, `3 min`, `5 h`, `2 days`: how long ago, for people.
pub(crate) fn humanize(age: Duration) -> String {
    match age.as_secs() {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests;
