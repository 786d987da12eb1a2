//! The one write path: an action applied to the branch tip as exactly one commit,
//! published with compare-and-swap and re-run when another writer got there first.

use std::fs::File;
use std::time::Duration;

use git2::build::TreeUpdateBuilder;
use git2::{ErrorCode, FileMode, ObjectType, Oid, Repository};

use super::error::{GitContext, IoContext};
use super::{Identity, LfsPointer, Store, StoreError, TreeSnapshot, worktree};
use crate::registry::{Change, FileChange, RegistryError};

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
    /// Sign the commit; `None` writes it unsigned.
    pub signer: Option<&'a dyn CommitSigner>,
    /// Commit on this new branch (`refs/heads/...`), made from the registry branch,
    /// instead of moving the registry branch: the working tree is left alone.
    pub new_branch: Option<&'a str>,
}

/// What a transaction did.
#[derive(Debug)]
pub struct Committed {
    /// The new commit; `None` on a dry run.
    pub commit: Option<Oid>,
    /// The commit the change was applied to; `None` for the first commit of a branch.
    pub parent: Option<Oid>,
    pub branch: String,
    pub change: Change,
    /// How many times the action ran (more than one when the branch moved meanwhile).
    pub attempts: u32,
}

/// One file of the new tree: its path in the repository and its new content
/// (`None` when removed).
pub(crate) struct PlannedFile {
    pub repo_path: String,
    pub content: Option<Vec<u8>>,
    /// The blob written for `content`.
    pub blob: Option<Oid>,
}

const MAX_ATTEMPTS: u32 = 8;

impl Store {
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
        identity: &Identity,
        options: &TxOptions,
        action: &mut dyn FnMut(&TreeSnapshot<'_>) -> Result<Change, RegistryError>,
    ) -> Result<Committed, StoreError> {
        let base_branch = self.branch()?;
        let _lock = self.writer_lock()?;
        let branch = match options.new_branch {
            Some(target) => {
                if self.repo.find_reference(target).is_ok() {
                    return Err(StoreError::BranchExists {
                        branch: target.to_owned(),
                    });
                }
                target.to_owned()
            }
            None => base_branch.clone(),
        };
        let touch_worktree = options.new_branch.is_none() && self.repo.workdir().is_some();
        for attempt in 1..=MAX_ATTEMPTS {
            let parent = match self.repo.find_reference(&base_branch) {
                Ok(reference) => Some(
                    reference
                        .peel_to_commit()
                        .git_context("reading the branch tip")?,
                ),
                Err(err) if err.code() == ErrorCode::NotFound => None,
                Err(err) => return Err(err).git_context("reading the branch"),
            };
            let snapshot = TreeSnapshot::new(&self.repo, parent.as_ref(), &self.prefix)?;
            let change = action(&snapshot)?;
            let parent_id = parent.as_ref().map(git2::Commit::id);
            if options.dry_run {
                return Ok(Committed {
                    commit: None,
                    parent: parent_id,
                    branch,
                    change,
                    attempts: attempt,
                });
            }
            if touch_worktree {
                worktree::ensure_clean(&self.repo, &self.prefix, &snapshot, &change)?;
            }
            let (tree, planned) = self.build_tree(&snapshot, &change)?;
            if parent.as_ref().is_some_and(|p| p.tree_id() == tree) {
                return Err(StoreError::NothingToCommit);
            }
            let commit = self.write_commit(
                identity,
                options.signer,
                &change.commit_message(),
                tree,
                parent.as_ref(),
            )?;
            let reflog = format!("omgreg: {}", change.event.subject());
            let moved = match (parent_id, options.new_branch) {
                (_, Some(target)) => match self.repo.reference(target, commit, false, &reflog) {
                    Err(err) if err.code() == ErrorCode::Exists => {
                        return Err(StoreError::BranchExists {
                            branch: target.to_owned(),
                        });
                    }
                    other => other,
                },
                (Some(current), None) => self
                    .repo
                    .reference_matching(&branch, commit, true, current, &reflog),
                (None, None) => self.repo.reference(&branch, commit, false, &reflog),
            };
            match moved {
                Ok(_) => {
                    if touch_worktree {
                        worktree::refresh(&self.repo, &planned)?;
                    }
                    return Ok(Committed {
                        commit: Some(commit),
                        parent: parent_id,
                        branch,
                        change,
                        attempts: attempt,
                    });
                }
                Err(err)
                    if matches!(
                        err.code(),
                        ErrorCode::Modified | ErrorCode::Locked | ErrorCode::Exists
                    ) =>
                {
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
                }
                Err(err) => return Err(err).git_context("moving the branch"),
            }
        }
        Err(StoreError::Conflict {
            branch,
            attempts: MAX_ATTEMPTS,
        })
    }

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

    /// The branch HEAD points at (possibly unborn).
    pub(crate) fn branch(&self) -> Result<String, StoreError> {
        let head = self
            .repo
            .find_reference("HEAD")
            .git_context("reading HEAD")?;
        head.symbolic_target()
            .ok()
            .flatten()
            .map(str::to_owned)
            .ok_or(StoreError::DetachedHead)
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

    pub(crate) fn build_tree(
        &self,
        snapshot: &TreeSnapshot<'_>,
        change: &Change,
    ) -> Result<(Oid, Vec<PlannedFile>), StoreError> {
        let repo: &Repository = &self.repo;
        let lfs = self.lfs();
        let mut update = TreeUpdateBuilder::new();
        let mut planned = Vec::with_capacity(change.files.len());
        for (path, file) in &change.files {
            let repo_path = format!("{}{path}", self.prefix);
            let content = match file {
                FileChange::Write(bytes) => Some(bytes.clone()),
                FileChange::LfsPointer { sha256, size } => {
                    if !lfs.has_object(sha256, *size) {
                        return Err(StoreError::LfsObjectMissing {
                            oid: sha256.to_string(),
                        });
                    }
                    let pointer = LfsPointer {
                        oid: sha256.clone(),
                        size: *size,
                    };
                    Some(pointer.to_text().into_bytes())
                }
                FileChange::Remove => None,
            };
            let blob = content
                .as_deref()
                .map(|bytes| repo.blob(bytes))
                .transpose()
                .git_context("writing a blob")?;
            match blob {
                Some(blob) => update.upsert(&repo_path, blob, FileMode::Blob),
                None => update.remove(&repo_path),
            };
            planned.push(PlannedFile {
                repo_path,
                content,
                blob,
            });
        }
        let tree = match snapshot.tree() {
            Some(base) => update
                .create_updated(repo, base)
                .git_context("building the new tree")?,
            // No empty base tree is written: it would linger as a dangling object.
            None => tree_from_scratch(repo, &planned)?,
        };
        Ok((tree, planned))
    }

    pub(crate) fn write_commit(
        &self,
        identity: &Identity,
        signer: Option<&dyn CommitSigner>,
        message: &str,
        tree: Oid,
        parent: Option<&git2::Commit<'_>>,
    ) -> Result<Oid, StoreError> {
        let tree = self
            .repo
            .find_tree(tree)
            .git_context("reading the new tree")?;
        let parents: Vec<&git2::Commit<'_>> = parent.into_iter().collect();
        let buffer = self
            .repo
            .commit_create_buffer(
                &identity.author,
                &identity.committer,
                message,
                &tree,
                &parents,
            )
            .git_context("creating the commit")?;
        match signer {
            None => {
                let odb = self.repo.odb().git_context("opening the object database")?;
                odb.write(ObjectType::Commit, &buffer)
                    .git_context("writing the commit")
            }
            Some(signer) => {
                let text = buffer.as_str().map_err(|_| StoreError::Signing {
                    message: "the commit is not UTF-8 and cannot be signed".to_owned(),
                    help: "use UTF-8 names and messages".to_owned(),
                })?;
                let signature = signer.sign(text).map_err(|failed| StoreError::Signing {
                    message: failed.message,
                    help: failed.help,
                })?;
                self.repo
                    .commit_signed(text, &signature, None)
                    .git_context("writing the signed commit")
            }
        }
    }
}

/// Builds the tree of a first commit from its files, deepest folders first.
fn tree_from_scratch(repo: &Repository, files: &[PlannedFile]) -> Result<Oid, StoreError> {
    let entries: Vec<(&str, Oid)> = files
        .iter()
        .filter_map(|file| file.blob.map(|blob| (file.repo_path.as_str(), blob)))
        .collect();
    build_level(repo, &entries)
}

fn build_level(repo: &Repository, entries: &[(&str, Oid)]) -> Result<Oid, StoreError> {
    let mut builder = repo.treebuilder(None).git_context("building a tree")?;
    let mut folders: std::collections::BTreeMap<&str, Vec<(&str, Oid)>> = Default::default();
    for &(path, blob) in entries {
        match path.split_once('/') {
            Some((folder, rest)) => folders.entry(folder).or_default().push((rest, blob)),
            None => {
                builder
                    .insert(path, blob, FileMode::Blob.into())
                    .git_context("building a tree")?;
            }
        }
    }
    for (folder, children) in folders {
        let subtree = build_level(repo, &children)?;
        builder
            .insert(folder, subtree, FileMode::Tree.into())
            .git_context("building a tree")?;
    }
    builder.write().git_context("writing a tree")
}

#[cfg(test)]
#[path = "tx_tests.rs"]
mod tests;
