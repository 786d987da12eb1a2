//! Completing an action whose writer died: the journal it left says which commit
//! the branch was moving to and which working-tree files and index entries follow;
//! the next omgreg command brings them there (or notes that the branch never
//! moved) and removes what the dead writer left behind.

use std::path::Path;

use git2::{Oid, Repository};

use super::super::error::GitContext;
use super::super::{Store, StoreError, tempfiles};
use super::index_file::{IndexLock, file_id};
use super::journal::{self, Journal};
use super::{PlannedFile, worktree};

impl Store {
    /// Completes the interrupted action left in the journal, if any, and says in one
    /// line what was done. Waits for a running writer (its journal is not stale).
    pub fn recover_interrupted(&self) -> Result<Option<String>, StoreError> {
        if !journal::path(self.repo.commondir()).exists() {
            return Ok(None);
        }
        let _lock = self.writer_lock()?;
        self.recover_locked()
    }

    /// [`Store::recover_interrupted`] for a caller that holds the writer lock.
    pub(crate) fn recover_locked(&self) -> Result<Option<String>, StoreError> {
        let common = self.repo.commondir().to_owned();
        let Some(read) = Journal::read(&common) else {
            return Ok(None);
        };
        if let Ok(journal) = &read {
            self.release_dead_locks(journal);
        }
        let line = match &read {
            Ok(journal) => self.complete(journal)?,
            Err(()) => "omgreg: removed the unreadable record of an interrupted action \
                        (`.git/omgreg/pending`)"
                .to_owned(),
        };
        if let Ok(journal) = &read {
            self.clean_after(journal);
        }
        tempfiles::sweep(&common.join("omgreg"), journal::TEMP_PREFIX);
        Journal::remove(&common)?;
        Ok(Some(line))
    }

    /// Brings the journal's files to its commit when the branch got there.
    fn complete(&self, journal: &Journal) -> Result<String, StoreError> {
        let tip = self
            .repo
            .find_reference(&journal.branch)
            .ok()
            .and_then(|reference| reference.target());
        let short = &journal.new[..journal.new.len().min(12)];
        let subject = &journal.subject;
        if tip.map(|t| t.to_string()).as_deref() == Some(journal.new.as_str()) {
            let left = match self.repo.workdir() {
                Some(_) => self.bring_to_commit(journal)?,
                None => Vec::new(),
            };
            let mut line = format!(
                "omgreg: completed the interrupted `{subject}` (commit {short}): the working \
                 tree and index now match it"
            );
            if !left.is_empty() {
                line.push_str(&format!(
                    "; left alone, edited since: {}",
                    left.iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            return Ok(line);
        }
        if tip.map(|t| t.to_string()) == journal.old {
            return Ok(format!(
                "omgreg: the interrupted `{subject}` never reached the branch; nothing was changed"
            ));
        }
        Ok(format!(
            "omgreg: the interrupted `{subject}` (commit {short}) was followed by other commits; \
             its files are left as they are"
        ))
    }

    /// Rewrites the journal's files and index entries as in its new commit, except
    /// files edited since (neither the old nor the new content): those are returned.
    fn bring_to_commit(&self, journal: &Journal) -> Result<Vec<String>, StoreError> {
        let repo = &self.repo;
        let workdir = repo.workdir().expect("checked by the caller");
        let new = blob_ids(repo, Some(&journal.new), &journal.paths)?;
        let old = blob_ids(repo, journal.old.as_deref(), &journal.paths)?;
        let mut planned = Vec::new();
        let mut left = Vec::new();
        for ((path, new), old) in journal.paths.iter().zip(new).zip(old) {
            let file = workdir.join(path);
            if !worktree::on_disk_is(repo, &file, new)? && !worktree::on_disk_is(repo, &file, old)?
            {
                left.push(path.clone());
                continue;
            }
            let content = new
                .map(|id| repo.find_blob(id).map(|blob| blob.content().to_vec()))
                .transpose()
                .git_context("reading a blob")?;
            planned.push(PlannedFile {
                repo_path: path.clone(),
                content,
                blob: new,
            });
        }
        let lock = IndexLock::acquire(repo.path())?;
        worktree::refresh(repo, &planned, lock)?;
        Ok(left)
    }

    /// Removes `index.lock` and the branch's lock when they are the ones the dead
    /// writer took — `index.lock` the same file (device and inode) or holding the
    /// writer's token, the branch lock holding the commit it was moving to — or when
    /// they are still empty and were created within seconds after the journal (the
    /// writer died creating them). Never a lock a live git command is writing.
    fn release_dead_locks(&self, journal: &Journal) {
        let journal_at = std::fs::metadata(journal::path(self.repo.commondir()))
            .and_then(|meta| meta.modified())
            .ok();
        let just_created = |meta: &std::fs::Metadata| {
            meta.len() == 0
                && journal_at.is_some_and(|at| {
                    meta.modified()
                        .ok()
                        .and_then(|locked| locked.duration_since(at).ok())
                        .is_some_and(|after| after < std::time::Duration::from_secs(10))
                })
        };
        let index = self.repo.path().join("index.lock");
        if let Ok(meta) = std::fs::symlink_metadata(&index) {
            let same_file = journal.index_lock.is_some() && file_id(&meta) == journal.index_lock;
            let marked = !journal.token.is_empty()
                && meta.len() == journal.token.len() as u64
                && std::fs::read(&index).is_ok_and(|bytes| bytes == journal.token.as_bytes());
            if same_file || marked || just_created(&meta) {
                let _ = std::fs::remove_file(&index);
            }
        }
        let branch = self.repo.path().join(format!("{}.lock", journal.branch));
        if let Ok(meta) = std::fs::symlink_metadata(&branch) {
            let ours =
                std::fs::read_to_string(&branch).is_ok_and(|text| text.trim() == journal.new);
            if ours || just_created(&meta) {
                let _ = std::fs::remove_file(&branch);
            }
        }
    }

    /// Removes the temporary files the dead writer left beside the journal's files.
    fn clean_after(&self, journal: &Journal) {
        let Some(workdir) = self.repo.workdir() else {
            return;
        };
        let mut folders: Vec<&Path> = Vec::new();
        for path in &journal.paths {
            if let Some(parent) = Path::new(path).parent()
                && !folders.contains(&parent)
            {
                folders.push(parent);
            }
        }
        for folder in folders {
            tempfiles::sweep(&workdir.join(folder), worktree::TEMP_PREFIX);
        }
    }
}

/// The blob ids at `paths` in commit `commit` (`None`: absent, or no commit).
fn blob_ids(
    repo: &Repository,
    commit: Option<&str>,
    paths: &[String],
) -> Result<Vec<Option<Oid>>, StoreError> {
    let tree = match commit {
        Some(id) => {
            let id = Oid::from_str(id).git_context("reading the journal's commit")?;
            Some(
                repo.find_commit(id)
                    .and_then(|c| c.tree())
                    .git_context("reading a commit")?,
            )
        }
        None => None,
    };
    Ok(paths
        .iter()
        .map(|path| {
            tree.as_ref()
                .and_then(|tree| tree.get_path(Path::new(path)).ok())
                .map(|entry| entry.id())
        })
        .collect())
}
