//! Commits made on an arbitrary parent (pull's replay), and reference moves that are
//! not a transaction: the branch to a commit computed elsewhere, tags, cursors.

use git2::ErrorCode;

use super::super::error::GitContext;
use super::super::failpoint;
use super::super::{CommitId, Identity, StoreError, TreeSnapshot};
use super::journal::Journal;
use super::{Writer, worktree};
use crate::registry::{Change, Event, FileChange};

/// Where notification cursors live: `refs/omgreg/notified/<target>`.
const CURSOR_PREFIX: &str = "refs/omgreg/notified/";

impl Writer<'_> {
    /// Writes `change` on top of `parent` as a commit with `message`, authored as
    /// `author_of` was (its author, this writer's committer); no reference moves.
    pub fn commit_on(
        &self,
        parent: CommitId,
        change: &Change,
        message: &str,
        author_of: CommitId,
    ) -> Result<CommitId, StoreError> {
        let store = self.store();
        let find = |id: CommitId| {
            store
                .repo
                .find_commit(id.raw())
                .git_context("reading a commit")
        };
        let original = find(author_of)?;
        let identity = Identity {
            author: original.author().to_owned(),
            committer: self.identity().committer.clone(),
        };
        let parent = find(parent)?;
        let snapshot = TreeSnapshot::new(&store.repo, Some(&parent), &store.prefix)?;
        let (tree, _) = store.build_tree(&snapshot, change)?;
        let commit = store.write_commit(&identity, self.signer(), message, tree, Some(&parent))?;
        failpoint("commit-written");
        Ok(commit.into())
    }

    /// Moves the registry branch from `expected` to `new` with compare-and-swap, and
    /// brings the working tree and index along for the files that differ. Refuses
    /// (before moving anything) when those files have uncommitted edits. The steps,
    /// and their failpoints, are those of a transaction's landing.
    pub fn advance_branch(
        &self,
        expected: Option<CommitId>,
        new: CommitId,
        reflog: &str,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let _lock = store.writer_lock()?;
        store.recover_locked()?;
        let (branch, tip) = store.branch_tip()?;
        let conflict = || StoreError::Conflict {
            branch: branch.clone(),
            attempts: 1,
        };
        if tip != expected {
            return Err(conflict());
        }
        let change = Change {
            files: store
                .changed_files(expected, new)?
                .into_iter()
                .map(|(path, content)| {
                    (path, content.map_or(FileChange::Remove, FileChange::Write))
                })
                .collect(),
            event: Event::Initialized {
                name: String::new(),
            },
            message: None,
        };
        let touch_worktree = store.repo.workdir().is_some();
        let planned = if touch_worktree {
            let parent = expected
                .map(|id| store.repo.find_commit(id.raw()))
                .transpose()
                .git_context("reading a commit")?;
            let snapshot = TreeSnapshot::new(&store.repo, parent.as_ref(), &store.prefix)?;
            worktree::ensure_clean(&store.repo, &store.prefix, &snapshot, &change)?;
            store.build_tree(&snapshot, &change)?.1
        } else {
            Vec::new()
        };
        // Held from before the branch moves until the index matches it (see land).
        let mut index_lock = None;
        if touch_worktree {
            let paths = planned.iter().map(|f| f.repo_path.clone()).collect();
            let mut journal = Journal::new(&branch, expected, new, reflog, paths);
            index_lock = Some(journal.begin(store.repo.path(), store.repo.commondir())?);
            failpoint("journal-written");
            failpoint("index-locked");
        }
        let moved = match expected {
            Some(current) => {
                store
                    .repo
                    .reference_matching(&branch, new.raw(), true, current.raw(), reflog)
            }
            None => store.repo.reference(&branch, new.raw(), false, reflog),
        };
        match moved {
            Ok(_) => failpoint("ref-updated"),
            Err(err) => {
                Journal::remove(store.repo.commondir())?;
                return Err(match err.code() {
                    ErrorCode::Locked => store.stale_ref_lock(&branch).unwrap_or_else(conflict),
                    ErrorCode::Modified | ErrorCode::Exists => conflict(),
                    _ => return Err(err).git_context("moving the branch"),
                });
            }
        }
        if let Some(lock) = index_lock {
            worktree::refresh(&store.repo, &planned, lock)?;
            failpoint("index-written");
        }
        Journal::remove(store.repo.commondir())?;
        failpoint("journal-removed");
        store.warm_read_caches(expected, new);
        Ok(())
    }

    /// Creates the lightweight tag `name` on `commit` (refused when it exists).
    pub fn tag(&self, name: &str, commit: CommitId) -> Result<(), StoreError> {
        let repo = &self.store().repo;
        let object = repo
            .find_object(commit.raw(), None)
            .git_context("reading a commit")?;
        match repo.tag_lightweight(name, &object, false) {
            Ok(_) => Ok(()),
            Err(err) if err.code() == ErrorCode::Exists => Err(StoreError::BranchExists {
                branch: format!("refs/tags/{name}"),
            }),
            Err(err) => Err(err).git_context("creating the tag"),
        }
    }

    /// Moves the notification cursor of `target` to `commit`.
    pub fn move_cursor(&self, target: &str, commit: CommitId) -> Result<(), StoreError> {
        self.store()
            .repo
            .reference(
                &format!("{CURSOR_PREFIX}{target}"),
                commit.raw(),
                true,
                "omgreg notify",
            )
            .git_context("moving a notification cursor")?;
        failpoint("notify-cursor");
        Ok(())
    }
}

impl super::super::Store {
    /// Where the notification cursor of `target` points; `None` when it has none.
    pub fn find_cursor(&self, target: &str) -> Option<CommitId> {
        self.repo
            .find_reference(&format!("{CURSOR_PREFIX}{target}"))
            .ok()
            .and_then(|reference| reference.target())
            .map(CommitId::from)
    }
}
