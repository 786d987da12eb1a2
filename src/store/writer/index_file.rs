//! The Git index, locked and rewritten the way git does it, for the touched entries only.
//!
//! libgit2 takes `index.lock` only for the moment it writes, so it cannot hold the
//! index across a branch move; and it parses and rewrites every entry. Here the lock
//! is git's lockfile protocol (`index.lock` made with create-new, written, renamed
//! over `index`), held from before the branch moves until the index is written, so
//! git's locking writers (`add`, `commit`, `reset`, `checkout`, `merge`) wait or fail
//! instead of interleaving. The index (versions 2, 3 and 4) is streamed through a
//! small buffer: untouched entries are copied as they are, only the updated ones are
//! encoded, and nothing proportional to the index's size is held in memory.
//!
//! Used only by the writer's working-tree refresh; it knows nothing of the registry.

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::super::StoreError;
use super::super::error::{GitContext, IoContext};
use super::index_format::{self, Refused, Staged};
use super::index_rewrite;
use IndexUpdate as Update;

/// How long a lock held by someone else is waited for before giving up: git's own
/// commands hold `index.lock` for milliseconds (a `git status` refreshing stat data).
const PATIENCE: Duration = Duration::from_secs(1);

/// The read and write buffers the index is streamed through.
const BUFFER: usize = 64 * 1024;

/// `index.lock`, held: the index cannot change under us until it is dropped or
/// committed. Dropping it without committing removes it.
pub(crate) struct IndexLock {
    git_dir: PathBuf,
    /// `None` once committed (the lock file has become the index).
    file: Option<File>,
}

/// The file-system data git keeps in an index entry to tell an unchanged file
/// without hashing it (seconds and nanoseconds for the times).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FileStat {
    pub ctime: (u32, u32),
    pub mtime: (u32, u32),
    pub dev: u32,
    pub ino: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u32,
}

/// A change to one path of the index.
#[derive(Debug, Clone)]
pub(crate) enum IndexUpdate {
    /// Stage 0 of `path` becomes this blob (conflict stages 1-3 go, as with `git add`).
    Upsert {
        path: String,
        oid: git2::Oid,
        mode: u32,
        stat: FileStat,
    },
    /// Every stage of `path` goes.
    Remove { path: String },
}

impl IndexUpdate {
    pub(super) fn path(&self) -> &[u8] {
        match self {
            Self::Upsert { path, .. } | Self::Remove { path } => path.as_bytes(),
        }
    }
}

impl FileStat {
    /// What git records for a file with `meta` (values truncated to 32 bits, as git does).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Self {
                ctime: (meta.ctime() as u32, meta.ctime_nsec() as u32),
                mtime: (meta.mtime() as u32, meta.mtime_nsec() as u32),
                dev: meta.dev() as u32,
                ino: meta.ino() as u32,
                uid: meta.uid(),
                gid: meta.gid(),
                size: meta.len() as u32,
            }
        }
        #[cfg(not(unix))]
        {
            Self {
                size: meta.len() as u32,
                ..Self::default()
            }
        }
    }
}

impl IndexLock {
    /// Takes `<git_dir>/index.lock` as git does (create-new); when someone else holds
    /// it for longer than a moment, fails with [`StoreError::IndexLocked`] having
    /// changed nothing.
    pub(crate) fn acquire(git_dir: &Path) -> Result<Self, StoreError> {
        let path = git_dir.join("index.lock");
        let deadline = Instant::now() + PATIENCE;
        loop {
            match File::options().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        git_dir: git_dir.to_owned(),
                        file: Some(file),
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    if Instant::now() >= deadline {
                        let age = std::fs::metadata(&path)
                            .and_then(|meta| meta.modified())
                            .ok()
                            .and_then(|at| SystemTime::now().duration_since(at).ok())
                            .unwrap_or_default();
                        return Err(StoreError::IndexLocked { path, age });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(err) => return Err(err).io_context("creating", &path),
            }
        }
    }

    /// Writes `token` into the lock file, so that the next omgreg command can tell
    /// this lock (its writer's journal names the token) from a live git command's.
    pub(crate) fn mark(&mut self, token: &str) -> Result<(), StoreError> {
        let path = self.lock_path();
        let file = self
            .file
            .as_mut()
            .expect("a lock is marked before it is committed");
        file.write_all(token.as_bytes())
            .io_context("writing", &path)
    }

    /// The lock file's device and inode, which tell it from a later lock file of
    /// the same name.
    pub(crate) fn file_id(&self) -> Option<(u64, u64)> {
        let meta = self.file.as_ref()?.metadata().ok()?;
        file_id(&meta)
    }

    fn lock_path(&self) -> PathBuf {
        self.git_dir.join("index.lock")
    }

    /// Applies `updates` to the index and makes the lock file the new index.
    ///
    /// The index is read now, under the lock (an absent index is empty), so nothing
    /// another writer did before the lock was taken is lost.
    pub(crate) fn commit(mut self, updates: &[IndexUpdate]) -> Result<(), StoreError> {
        let index_path = self.git_dir.join("index");
        let (len, written_at) = match std::fs::metadata(&index_path) {
            Ok(meta) => (meta.len(), FileStat::of(&meta).mtime),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => (0, (0, 0)),
            Err(err) => return Err(err).io_context("reading", &index_path),
        };
        let open = || -> std::io::Result<Option<BufReader<File>>> {
            if len == 0 {
                return Ok(None);
            }
            let file = File::open(&index_path)?;
            Ok(Some(BufReader::with_capacity(BUFFER, file)))
        };
        let lock_path = self.lock_path();
        let file = self.file.as_mut().expect("a lock is committed once");
        // The lock may hold its writer's mark (see `mark`): the index replaces it.
        file.set_len(0).io_context("writing", &lock_path)?;
        file.seek(std::io::SeekFrom::Start(0))
            .io_context("writing", &lock_path)?;
        preallocate(file, len + 512 * updates.len() as u64);
        let out: &File = file;
        match index_rewrite::rewrite(open, len, written_at, updates, out) {
            Ok(()) => {}
            Err(Refused::RequiresLibgit2) => {
                let git_dir = self.git_dir.clone();
                drop(self);
                return update_with_libgit2(&git_dir, updates);
            }
            Err(Refused::Malformed(what)) => return Err(malformed(&index_path, what)),
            Err(Refused::Io(err)) => return Err(err).io_context("rewriting", &index_path),
        }
        // The lock file becomes the index: nothing to remove when `self` is dropped.
        drop(self.file.take());
        if let Err(err) = std::fs::rename(&lock_path, &index_path) {
            let _ = std::fs::remove_file(&lock_path);
            return Err(err).io_context("renaming the index lock over", &index_path);
        }
        Ok(())
    }
}

/// Reserves `len` bytes of disk for the lock file without changing its size, so that
/// the file system allocates its blocks now: ext4 otherwise writes a file with delayed
/// allocation to disk synchronously when it is renamed over an existing one (its
/// `auto_da_alloc` guard), which is most of the rename's time. Best effort: a file
/// system without the call just goes without. Durability against power loss stays git's
/// `core.fsync` business, as for git's own index writes.
#[cfg(target_os = "linux")]
fn preallocate(file: &File, len: u64) {
    let _ = rustix::fs::fallocate(file, rustix::fs::FallocateFlags::KEEP_SIZE, 0, len);
}

#[cfg(not(target_os = "linux"))]
fn preallocate(_: &File, _: u64) {}

/// What the index at `<git_dir>/index` stages for each of `paths`, read without the
/// lock (as `git status` reads it) and only as far as the greatest of them.
pub(crate) fn staged(git_dir: &Path, paths: &[String]) -> Result<Vec<Staged>, StoreError> {
    let index_path = git_dir.join("index");
    let file = match File::open(&index_path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(vec![Staged::Absent; paths.len()]);
        }
        Err(err) => return Err(err).io_context("reading", &index_path),
    };
    if file.metadata().io_context("reading", &index_path)?.len() == 0 {
        return Ok(vec![Staged::Absent; paths.len()]);
    }
    match index_format::staged(BufReader::with_capacity(BUFFER, file), paths) {
        Ok(staged) => Ok(staged),
        Err(Refused::Malformed(what)) => Err(malformed(&index_path, what)),
        Err(Refused::Io(err)) => Err(err).io_context("reading", &index_path),
        Err(Refused::RequiresLibgit2) => unreachable!("extensions are not read here"),
    }
}

fn malformed(index_path: &Path, what: &str) -> StoreError {
    StoreError::Io {
        what: "reading",
        path: index_path.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not a Git index this omgreg reads: {what}"),
        ),
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(self.lock_path());
        }
    }
}

/// The rare index with a required extension omgreg does not write (`link`, a split
/// index; `sdir`, a sparse index): the updates go through libgit2 instead, after the
/// lock is released (libgit2 takes it again for its own write). The branch has
/// already moved at that point, so the window the lock closes is open again here.
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
fn update_with_libgit2(git_dir: &Path, updates: &[IndexUpdate]) -> Result<(), StoreError> {
    let repo = git2::Repository::open(git_dir).git_context("opening the repository")?;
    let mut index = repo.index().git_context("opening the index")?;
    index.read(true).git_context("reading the index")?;
    for update in updates {
        match update {
            Update::Upsert {
                path,
                oid,
                mode,
                stat,
            } => index.add(&git2::IndexEntry {
                ctime: git2::IndexTime::new(stat.ctime.0 as i32, stat.ctime.1),
                mtime: git2::IndexTime::new(stat.mtime.0 as i32, stat.mtime.1),
                dev: stat.dev,
                ino: stat.ino,
                mode: *mode,
                uid: stat.uid,
                gid: stat.gid,
                file_size: stat.size,
                id: *oid,
                flags: path.len().min(0xfff) as u16,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            }),
            Update::Remove { path } => index.remove_path(Path::new(path)),
        }
        .git_context("updating the index")?;
    }
    index.write().git_context("writing the index")
}

#[cfg(test)]
#[path = "index_file_tests.rs"]
mod tests;

/// Device and inode of a file (`None` where the platform has none).
pub(crate) fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}
