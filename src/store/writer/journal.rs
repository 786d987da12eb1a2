//! The intent journal: what a writer is about to do to the branch, the index and the
//! working tree, written (and flushed) before the branch moves and removed once all
//! three agree. A journal left behind means its writer died half-way; the next
//! omgreg command completes the action from it (see `recover.rs`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::super::error::IoContext;
use super::super::{CommitId, StoreError, tempfiles};
use super::index_file::IndexLock;

/// One action in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Journal {
    /// The branch being moved (`refs/heads/main`).
    pub branch: String,
    /// Its tip before the action; `None` for its first commit.
    pub old: Option<String>,
    /// The commit the branch moves to.
    pub new: String,
    /// What the action does, for people (`register churn@1.0.0`).
    pub subject: String,
    /// Repository paths whose working-tree file and index entry change.
    pub paths: Vec<String>,
    /// The writer's `index.lock` (device and inode), so that the next command can
    /// tell it from a lock a live git command holds.
    #[serde(default)]
    pub index_lock: Option<(u64, u64)>,
    /// What the writer writes into its `index.lock` when it takes it (before its
    /// device and inode are recorded here).
    #[serde(default)]
    pub token: String,
}

/// `<common dir>/omgreg/pending`.
pub(crate) fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("omgreg").join("pending")
}

/// The prefix of the journal's temporary files (next to it).
pub(crate) const TEMP_PREFIX: &str = "pending.tmp-";

impl Journal {
    pub fn new(
        branch: &str,
        old: Option<CommitId>,
        new: CommitId,
        subject: &str,
        paths: Vec<String>,
    ) -> Self {
        Self {
            branch: branch.to_owned(),
            old: old.map(|id| id.to_string()),
            new: new.to_string(),
            subject: subject.to_owned(),
            paths,
            index_lock: None,
            token: format!(
                "omgreg {} {}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos()
            ),
        }
    }

    /// Writes the journal durably (a temporary file, flushed, renamed into place).
    pub fn write(&self, common_dir: &Path) -> Result<(), StoreError> {
        let target = path(common_dir);
        let dir = target.parent().expect("the journal has a folder");
        std::fs::create_dir_all(dir).io_context("creating", dir)?;
        let mut temp = tempfiles::create(dir, TEMP_PREFIX)?;
        let text = serde_json::to_vec(self).expect("journals serialize");
        // Renamed into place whole: a writer that dies leaves the old journal or the
        // new one. (Durability against power loss is git's `core.fsync` business.)
        temp.write_all(&text).io_context("writing", &target)?;
        temp.persist(&target).map_err(|err| StoreError::Io {
            what: "writing",
            path: target.clone(),
            source: err.error,
        })?;
        Ok(())
    }

    /// Starts landing: records the intent, takes `index.lock` in `git_dir` (marked
    /// with the token), and records the lock's identity. A writer killed at any point
    /// of this leaves either no lock or one the next command can tell as its own.
    pub fn begin(&mut self, git_dir: &Path, common_dir: &Path) -> Result<IndexLock, StoreError> {
        self.write(common_dir)?;
        let taken = IndexLock::acquire(git_dir).and_then(|mut lock| {
            lock.mark(&self.token)?;
            self.index_lock = lock.file_id();
            self.write(common_dir)?;
            Ok(lock)
        });
        if taken.is_err() {
            Self::remove(common_dir)?;
        }
        taken
    }

    /// The journal left in `common_dir`, if any; `Err(())` when it is unreadable.
    pub fn read(common_dir: &Path) -> Option<Result<Self, ()>> {
        let text = std::fs::read(path(common_dir)).ok()?;
        Some(serde_json::from_slice(&text).map_err(drop))
    }

    /// Removes the journal: the action is complete.
    pub fn remove(common_dir: &Path) -> Result<(), StoreError> {
        let target = path(common_dir);
        match std::fs::remove_file(&target) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(err).io_context("removing", &target)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_as_written_and_is_gone_after_remove() {
        let dir = tempfile::tempdir().unwrap();
        let id = CommitId::from(git2::Oid::from_str(&"ab".repeat(20)).unwrap());
        let journal = Journal::new(
            "refs/heads/main",
            None,
            id,
            "register m@1.0.0",
            vec!["a/b.yaml".into()],
        );
        journal.write(dir.path()).unwrap();
        assert_eq!(Journal::read(dir.path()), Some(Ok(journal)));
        Journal::remove(dir.path()).unwrap();
        assert_eq!(Journal::read(dir.path()), None);
        assert!(tempfiles::abandoned(&dir.path().join("omgreg"), TEMP_PREFIX).is_empty());
    }
}
