//! Building blocks for replaying local actions on top of a remote (`omgreg pull`):
//! what changed between commits, commits made on an arbitrary parent, and moving the
//! registry branch (with its working tree) to a commit computed elsewhere.

use git2::{DiffOptions, ErrorCode, Oid};

use super::error::GitContext;
use super::{CommitSigner, Identity, Store, StoreError, TreeSnapshot, worktree};
use crate::registry::{Change, Event, FileChange};

/// A registry-relative path and its new content (`None`: removed).
pub type ChangedFile = (String, Option<Vec<u8>>);

impl Store {
    /// The registry branch and its tip (`None` when unborn).
    pub fn branch_tip(&self) -> Result<(String, Option<Oid>), StoreError> {
        let branch = self.branch()?;
        let tip = match self.repo.find_reference(&branch) {
            Ok(reference) => Some(
                reference
                    .peel_to_commit()
                    .git_context("reading the branch tip")?
                    .id(),
            ),
            Err(err) if err.code() == ErrorCode::NotFound => None,
            Err(err) => return Err(err).git_context("reading the branch"),
        };
        Ok((branch, tip))
    }

    pub fn merge_base(&self, a: Oid, b: Oid) -> Result<Option<Oid>, StoreError> {
        match self.repo.merge_base(a, b) {
            Ok(base) => Ok(Some(base)),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err).git_context("finding the merge base"),
        }
    }

    pub fn is_ancestor(&self, ancestor: Oid, of: Oid) -> Result<bool, StoreError> {
        Ok(ancestor == of
            || self
                .repo
                .graph_descendant_of(of, ancestor)
                .git_context("comparing commits")?)
    }

    /// The commits after `base` up to `tip` along first parents, oldest first.
    pub fn first_parent_range(&self, base: Option<Oid>, tip: Oid) -> Result<Vec<Oid>, StoreError> {
        let mut commits = Vec::new();
        let mut current = Some(tip);
        while let Some(id) = current {
            if Some(id) == base {
                break;
            }
            commits.push(id);
            let commit = self.repo.find_commit(id).git_context("reading a commit")?;
            current = commit.parent_id(0).ok();
        }
        commits.reverse();
        Ok(commits)
    }

    /// Registry files that differ between `old` (or nothing) and `new`:
    /// registry-relative path and the content in `new` (`None`: removed).
    pub fn changed_files(
        &self,
        old: Option<Oid>,
        new: Oid,
    ) -> Result<Vec<ChangedFile>, StoreError> {
        let tree_of = |id: Oid| self.repo.find_commit(id).and_then(|c| c.tree());
        let old_tree = old.map(tree_of).transpose().git_context("reading a tree")?;
        let new_tree = tree_of(new).git_context("reading a tree")?;
        let mut options = DiffOptions::new();
        if !self.prefix.is_empty() {
            options.pathspec(&self.prefix);
        }
        let diff = self
            .repo
            .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut options))
            .git_context("comparing trees")?;
        let mut files = Vec::new();
        for delta in diff.deltas() {
            let removed = delta.status() == git2::Delta::Deleted;
            let file = if removed {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let Some(path) = file.path().and_then(|p| p.to_str()) else {
                continue;
            };
            let Some(relative) = path.strip_prefix(&self.prefix) else {
                continue;
            };
            let content = if removed {
                None
            } else {
                Some(
                    self.repo
                        .find_blob(file.id())
                        .git_context("reading a blob")?
                        .content()
                        .to_vec(),
                )
            };
            files.push((relative.to_owned(), content));
        }
        Ok(files)
    }

    /// Writes `change` on top of `parent` as a commit; no reference moves.
    pub fn commit_change(
        &self,
        parent: Oid,
        change: &Change,
        message: &str,
        identity: &Identity,
        signer: Option<&dyn CommitSigner>,
    ) -> Result<Oid, StoreError> {
        let parent = self
            .repo
            .find_commit(parent)
            .git_context("reading a commit")?;
        let snapshot = TreeSnapshot::new(&self.repo, Some(&parent), &self.prefix)?;
        let (tree, _) = self.build_tree(&snapshot, change)?;
        self.write_commit(identity, signer, message, tree, Some(&parent))
    }

    /// A snapshot of the registry at `commit` (which need not hold a registry).
    pub fn snapshot_at(&self, commit: Oid) -> Result<TreeSnapshot<'_>, StoreError> {
        let commit = self
            .repo
            .find_commit(commit)
            .git_context("reading a commit")?;
        TreeSnapshot::new(&self.repo, Some(&commit), &self.prefix)
    }

    /// The identity that replays `commit`: its author, with `identity`'s committer.
    pub fn replay_identity(
        &self,
        commit: Oid,
        identity: &Identity,
    ) -> Result<Identity, StoreError> {
        let commit = self
            .repo
            .find_commit(commit)
            .git_context("reading a commit")?;
        Ok(Identity {
            author: commit.author().to_owned(),
            committer: identity.committer.clone(),
        })
    }

    /// Creates the lightweight tag `name` on `commit` (refused when it exists).
    pub fn tag(&self, name: &str, commit: Oid) -> Result<(), StoreError> {
        let object = self
            .repo
            .find_object(commit, None)
            .git_context("reading a commit")?;
        match self.repo.tag_lightweight(name, &object, false) {
            Ok(_) => Ok(()),
            Err(err) if err.code() == ErrorCode::Exists => Err(StoreError::BranchExists {
                branch: format!("refs/tags/{name}"),
            }),
            Err(err) => Err(err).git_context("creating the tag"),
        }
    }

    /// The message of `commit`.
    pub fn commit_message(&self, commit: Oid) -> Result<String, StoreError> {
        let commit = self
            .repo
            .find_commit(commit)
            .git_context("reading a commit")?;
        Ok(String::from_utf8_lossy(commit.message_bytes()).into_owned())
    }

    /// Moves the registry branch from `expected` to `new` with compare-and-swap, and
    /// brings the working tree and index along for the files that differ. Refuses
    /// (before moving anything) when those files have uncommitted edits.
    pub fn advance_branch(
        &self,
        expected: Option<Oid>,
        new: Oid,
        reflog: &str,
    ) -> Result<(), StoreError> {
        let _lock = self.writer_lock()?;
        let (branch, tip) = self.branch_tip()?;
        if tip != expected {
            return Err(StoreError::Conflict {
                branch,
                attempts: 1,
            });
        }
        let changed = self.changed_files(expected, new)?;
        let change = Change {
            files: changed
                .iter()
                .map(|(path, content)| {
                    let file = content
                        .clone()
                        .map_or(FileChange::Remove, FileChange::Write);
                    (path.clone(), file)
                })
                .collect(),
            event: Event::Initialized {
                name: String::new(),
            },
            message: None,
        };
        let touch_worktree = self.repo.workdir().is_some();
        let planned = if touch_worktree {
            let parent = expected
                .map(|id| self.repo.find_commit(id))
                .transpose()
                .git_context("reading a commit")?;
            let snapshot = TreeSnapshot::new(&self.repo, parent.as_ref(), &self.prefix)?;
            worktree::ensure_clean(&self.repo, &self.prefix, &snapshot, &change)?;
            self.build_tree(&snapshot, &change)?.1
        } else {
            Vec::new()
        };
        let moved = match expected {
            Some(current) => self
                .repo
                .reference_matching(&branch, new, true, current, reflog),
            None => self.repo.reference(&branch, new, false, reflog),
        };
        match moved {
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.code(),
                    ErrorCode::Modified | ErrorCode::Exists | ErrorCode::Locked
                ) =>
            {
                return Err(StoreError::Conflict {
                    branch,
                    attempts: 1,
                });
            }
            Err(err) => return Err(err).git_context("moving the branch"),
        }
        if touch_worktree {
            worktree::refresh(&self.repo, &planned)?;
        }
        Ok(())
    }
}
