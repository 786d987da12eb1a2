//! What a crash can leave in a repository, found and removed for `omgreg doctor`:
//! an interrupted action (its journal), lock files of git commands that died,
//! temporary files of dead writers, unreadable caches.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::lfs::INGEST_PREFIX;
use super::list_cache::{CACHE_TEMP_PREFIX, cache_is_readable};
use super::writer::{JOURNAL_TEMP_PREFIX, WORKTREE_TEMP_PREFIX, journal_path};
use super::{Store, tempfiles};

/// One thing left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// An action whose writer died half-way (`.git/omgreg/pending`).
    InterruptedAction { path: PathBuf },
    /// A git lock file and how long ago it was last written: a git command is
    /// running, or one died.
    Lock { path: PathBuf, age: Duration },
    /// A temporary file whose writer is gone.
    TempFile { path: PathBuf },
    /// A cache omgreg cannot read; it is rebuilt when removed.
    UnreadableCache { path: PathBuf },
    /// The event index's tip file, when the index is damaged or its commit is not
    /// in the branch's history; the index is rebuilt when it is removed.
    EventIndex { path: PathBuf, problem: String },
}

/// The lock files git takes for what omgreg reads and writes.
const LOCKS: [&str; 3] = ["index.lock", "HEAD.lock", "packed-refs.lock"];

impl Store {
    /// Everything a crash may have left here: locks first, then the interrupted
    /// action (completing it takes the index lock), temporary files, caches.
    pub fn leftovers(&self) -> Vec<Leftover> {
        let git_dir = self.repo.path();
        let common = self.repo.commondir();
        let mut found = Vec::new();
        let branch_lock = self.branch().ok().map(|branch| format!("{branch}.lock"));
        for name in LOCKS.iter().copied().chain(branch_lock.as_deref()) {
            let path = git_dir.join(name);
            if let Some(age) = age_of(&path) {
                found.push(Leftover::Lock { path, age });
            }
        }
        // After the locks: completing the action needs the index lock.
        let journal = journal_path(common);
        if journal.exists() {
            found.push(Leftover::InterruptedAction { path: journal });
        }
        let omgreg_dir = common.join("omgreg");
        let mut temp = tempfiles::abandoned(&common.join("lfs").join("tmp"), INGEST_PREFIX);
        temp.extend(tempfiles::abandoned(&omgreg_dir, JOURNAL_TEMP_PREFIX));
        temp.extend(tempfiles::abandoned(&omgreg_dir, CACHE_TEMP_PREFIX));
        if let Some(root) = self.root_dir() {
            temp.extend(worktree_temp_files(&root));
        }
        found.extend(temp.into_iter().map(|path| Leftover::TempFile { path }));
        let cache = self.cache_path();
        if cache.exists() && !cache_is_readable(&cache) {
            found.push(Leftover::UnreadableCache { path: cache });
        }
        found
    }
}

impl Store {
    /// Removes the temporary files of dead writers in the Git directory (LFS ingest
    /// copies, the journal's and the list cache's); returns how many. Cheap: three
    /// folder listings, so every command runs it.
    pub fn remove_abandoned_temp_files(&self) -> usize {
        let common = self.repo.commondir();
        let omgreg_dir = common.join("omgreg");
        tempfiles::sweep(&common.join("lfs").join("tmp"), INGEST_PREFIX)
            + tempfiles::sweep(&omgreg_dir, JOURNAL_TEMP_PREFIX)
            + tempfiles::sweep(&omgreg_dir, CACHE_TEMP_PREFIX)
    }
}

impl Leftover {
    /// The file this leftover is.
    pub fn path(&self) -> &Path {
        match self {
            Self::InterruptedAction { path }
            | Self::Lock { path, .. }
            | Self::TempFile { path }
            | Self::UnreadableCache { path }
            | Self::EventIndex { path, .. } => path,
        }
    }

    /// Removes the file (for a lock: only once the caller knows no git runs).
    pub fn remove(&self) -> std::io::Result<()> {
        std::fs::remove_file(self.path())
    }
}

/// How long ago `path` was last written, if it exists.
fn age_of(path: &Path) -> Option<Duration> {
    let modified = std::fs::symlink_metadata(path).ok()?.modified().ok()?;
    Some(modified.elapsed().unwrap_or_default())
}

/// Abandoned temporary files of working-tree writes under the registry root (the
/// `.git` folder and symbolic links are not followed).
fn worktree_temp_files(root: &Path) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| entry.file_name() != ".git")
        .filter_map(Result::ok)
    {
        if entry.file_type().is_dir() {
            folders.push(entry.into_path());
        }
    }
    folders
        .iter()
        .flat_map(|folder| tempfiles::abandoned(folder, WORKTREE_TEMP_PREFIX))
        .collect()
}
