//! The Git index, locked and rewritten the way git does it, for the touched entries only.
//!
//! libgit2 takes `index.lock` only for the moment it writes, so it cannot hold the
//! index across a branch move; and it parses and rewrites every entry. Here the lock
//! is git's lockfile protocol (`index.lock` made with create-new, written, renamed
//! over `index`), held from before the branch moves until the index is written, so
//! git's locking writers (`add`, `commit`, `reset`, `checkout`, `merge`) wait or fail
//! instead of interleaving. The index is read as bytes (versions 2, 3 and 4): untouched
//! entries are copied as they are and only the updated ones are encoded.
//!
//! Used only by the writer's working-tree refresh; it knows nothing of the registry.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use sha1::{Digest, Sha1};

use super::super::StoreError;
use super::super::error::{GitContext, IoContext};
use IndexUpdate as Update;

/// How long a lock held by someone else is waited for before giving up: git's own
/// commands hold `index.lock` for milliseconds (a `git status` refreshing stat data).
const PATIENCE: Duration = Duration::from_secs(1);

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
    fn path(&self) -> &[u8] {
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

    fn lock_path(&self) -> PathBuf {
        self.git_dir.join("index.lock")
    }

    /// Applies `updates` to the index and makes the lock file the new index.
    ///
    /// The index is read now, under the lock (an absent index is empty), so nothing
    /// another writer did before the lock was taken is lost.
    pub(crate) fn commit(mut self, updates: &[IndexUpdate]) -> Result<(), StoreError> {
        let index_path = self.git_dir.join("index");
        let (bytes, written_at) = read_index(&index_path)?;
        let malformed = |what: &str| StoreError::Io {
            what: "reading",
            path: index_path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not a Git index this omgreg reads: {what}"),
            ),
        };
        let mut index = if bytes.is_empty() {
            Index::empty()
        } else {
            Index::parse(&bytes).map_err(malformed)?
        };
        index.smudge_racily_clean(written_at);
        if index.requires_libgit2 {
            let git_dir = self.git_dir.clone();
            drop(self);
            return update_with_libgit2(&git_dir, updates);
        }
        let written = index.updated(updates).encode();
        let lock_path = self.lock_path();
        let mut file = self.file.take().expect("a lock is committed once");
        file.write_all(&written).io_context("writing", &lock_path)?;
        drop(file);
        if let Err(err) = std::fs::rename(&lock_path, &index_path) {
            let _ = std::fs::remove_file(&lock_path);
            return Err(err).io_context("renaming the index lock over", &index_path);
        }
        Ok(())
    }
}

/// The bytes of the index (none when it does not exist) and when it was written
/// (seconds and nanoseconds of its modified time, as git reads them).
fn read_index(path: &Path) -> Result<(Vec<u8>, (u32, u32)), StoreError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), (0, 0))),
        Err(err) => return Err(err).io_context("reading", path),
    };
    let meta = file.metadata().io_context("reading", path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or_default());
    std::io::Read::read_to_end(&mut file, &mut bytes).io_context("reading", path)?;
    Ok((bytes, FileStat::of(&meta).mtime))
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

/// Fixed-size part of an entry before its flags: ten 32-bit fields and a SHA-1.
const STAT_AND_OID: usize = 40 + 20;
/// Fixed-size part with the 16-bit flags.
const FIXED: usize = STAT_AND_OID + 2;
const EXTENDED: u16 = 0x4000;
const SHA1_LEN: usize = 20;

/// One entry: its fixed part (stat data, object id, flags and, in version 3 and
/// later, extended flags) and its path.
struct Entry<'a> {
    fixed: Cow<'a, [u8]>,
    path: Cow<'a, [u8]>,
}

/// A parsed index borrowing the bytes it was read from.
struct Index<'a> {
    version: u32,
    entries: Vec<Entry<'a>>,
    /// Optional extensions kept as they are (signature, size and data).
    kept_extensions: Vec<&'a [u8]>,
    /// A required extension omgreg does not write is present.
    requires_libgit2: bool,
}

impl<'a> Index<'a> {
    /// No index yet: git's default version 2, no entries.
    fn empty() -> Self {
        Self {
            version: 2,
            entries: Vec::new(),
            kept_extensions: Vec::new(),
            requires_libgit2: false,
        }
    }

    fn parse(bytes: &'a [u8]) -> Result<Self, &'static str> {
        if bytes.len() < 12 + SHA1_LEN || &bytes[..4] != b"DIRC" {
            return Err("no `DIRC` header");
        }
        let (body, checksum) = bytes.split_at(bytes.len() - SHA1_LEN);
        // `index.skipHash` writes zeros instead of the checksum.
        if checksum.iter().any(|&b| b != 0) && Sha1::digest(body).as_slice() != checksum {
            return Err("its checksum does not match");
        }
        let version = be32(body, 4).ok_or("truncated header")?;
        if !(2..=4).contains(&version) {
            return Err("unknown version");
        }
        let count = be32(body, 8).ok_or("truncated header")? as usize;
        let mut entries = Vec::with_capacity(count);
        let mut pos = 12;
        for _ in 0..count {
            let previous = entries.last().map(|e: &Entry<'_>| e.path.as_ref());
            let (entry, next) = parse_entry(body, pos, version, previous)?;
            entries.push(entry);
            pos = next;
        }
        let mut index = Self {
            version,
            entries,
            kept_extensions: Vec::new(),
            requires_libgit2: false,
        };
        while pos < body.len() {
            let size = be32(body, pos + 4).ok_or("truncated extension")? as usize;
            let end = (pos + 8).checked_add(size).ok_or("truncated extension")?;
            let extension = body.get(pos..end).ok_or("truncated extension")?;
            match &extension[..4] {
                // Resolve-undo records do not depend on the entries: kept.
                b"REUC" => index.kept_extensions.push(extension),
                // Optional extensions (cache tree, untracked cache, fsmonitor, entry
                // offsets...) describe the entries: dropped, git rebuilds them.
                [b'A'..=b'Z', ..] => {}
                _ => index.requires_libgit2 = true,
            }
            pos = end;
        }
        Ok(index)
    }

    /// Marks the entries git could take for unchanged by their stat data alone only
    /// because the index is rewritten later than `written_at`, as git does when it
    /// writes an index (`ce_smudge_racily_clean_entry`): a file modified in the same
    /// clock tick as the last index write has the same modified time as its entry,
    /// which the old index's time made suspicious and the new one would not. A size
    /// of 0 makes git compare the content next time.
    fn smudge_racily_clean(&mut self, written_at: (u32, u32)) {
        if written_at == (0, 0) {
            return;
        }
        for entry in &mut self.entries {
            let mtime = (be32(&entry.fixed, 8), be32(&entry.fixed, 12));
            let racy = mtime >= (Some(written_at.0), Some(written_at.1));
            if racy && be32(&entry.fixed, 36) != Some(0) {
                entry.fixed.to_mut()[36..40].fill(0);
            }
        }
    }

    /// This index with `updates` applied; entries stay in git's order (path bytes,
    /// then stage), untouched ones as they were.
    fn updated(self, updates: &[IndexUpdate]) -> Self {
        let mut sorted: Vec<&IndexUpdate> = updates.iter().collect();
        // Stable: of two updates to one path, the last one given wins.
        sorted.sort_by(|a, b| a.path().cmp(b.path()));
        sorted.dedup_by(|later, earlier| {
            let same = later.path() == earlier.path();
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let mut old = self.entries.into_iter().peekable();
        let mut entries = Vec::with_capacity(old.len() + sorted.len());
        for update in sorted {
            while let Some(entry) = old.next_if(|e| e.path.as_ref() < update.path()) {
                entries.push(entry);
            }
            while old.next_if(|e| e.path.as_ref() == update.path()).is_some() {}
            if let Update::Upsert {
                path,
                oid,
                mode,
                stat,
            } = update
            {
                entries.push(new_entry(path, *oid, *mode, stat));
            }
        }
        entries.extend(old);
        Self { entries, ..self }
    }

    /// The bytes of the index file, checksum included.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.entries.len() * 96);
        out.extend_from_slice(b"DIRC");
        out.extend_from_slice(&self.version.to_be_bytes());
        let count = u32::try_from(self.entries.len()).expect("an index holds < 2^32 entries");
        out.extend_from_slice(&count.to_be_bytes());
        let mut previous: &[u8] = &[];
        for entry in &self.entries {
            out.extend_from_slice(&entry.fixed);
            if self.version >= 4 {
                let common = previous
                    .iter()
                    .zip(entry.path.iter())
                    .take_while(|(a, b)| a == b)
                    .count();
                encode_varint(&mut out, (previous.len() - common) as u64);
                out.extend_from_slice(&entry.path[common..]);
                out.push(0);
                previous = &entry.path;
            } else {
                out.extend_from_slice(&entry.path);
                let len = entry.fixed.len() + entry.path.len();
                let padded = (len + 8) & !7;
                out.resize(out.len() + padded - len, 0);
            }
        }
        for extension in &self.kept_extensions {
            out.extend_from_slice(extension);
        }
        let checksum = Sha1::digest(&out);
        out.extend_from_slice(&checksum);
        out
    }
}

/// The entry starting at `pos`, and where the next one starts.
fn parse_entry<'a>(
    body: &'a [u8],
    pos: usize,
    version: u32,
    previous: Option<&[u8]>,
) -> Result<(Entry<'a>, usize), &'static str> {
    let flags = be16(body, pos + STAT_AND_OID).ok_or("truncated entry")?;
    let fixed_len = if flags & EXTENDED == 0 {
        FIXED
    } else if version >= 3 {
        FIXED + 2
    } else {
        return Err("extended flags in a version 2 index");
    };
    let fixed = body.get(pos..pos + fixed_len).ok_or("truncated entry")?;
    let mut at = pos + fixed_len;
    let (path, next): (Cow<'a, [u8]>, usize) = if version >= 4 {
        let previous = previous.unwrap_or_default();
        let (strip, used) =
            decode_varint(body.get(at..).unwrap_or_default()).ok_or("bad path compression")?;
        at += used;
        let keep = usize::try_from(strip)
            .ok()
            .and_then(|strip| previous.len().checked_sub(strip))
            .ok_or("bad path compression")?;
        let len = nul_at(body, at)?;
        let mut path = previous[..keep].to_vec();
        path.extend_from_slice(&body[at..at + len]);
        (Cow::Owned(path), at + len + 1)
    } else {
        let len = nul_at(body, at)?;
        let next = pos + ((fixed_len + len + 8) & !7);
        if next > body.len() {
            return Err("truncated entry");
        }
        (Cow::Borrowed(&body[at..at + len]), next)
    };
    let fixed = Cow::Borrowed(fixed);
    Ok((Entry { fixed, path }, next))
}

/// A new stage-0 entry.
fn new_entry(path: &str, oid: git2::Oid, mode: u32, stat: &FileStat) -> Entry<'static> {
    let mut fixed = Vec::with_capacity(FIXED);
    for field in [
        stat.ctime.0,
        stat.ctime.1,
        stat.mtime.0,
        stat.mtime.1,
        stat.dev,
        stat.ino,
        mode,
        stat.uid,
        stat.gid,
        stat.size,
    ] {
        fixed.extend_from_slice(&field.to_be_bytes());
    }
    fixed.extend_from_slice(oid.as_bytes());
    let name_len = u16::try_from(path.len().min(0xfff)).expect("at most 12 bits");
    fixed.extend_from_slice(&name_len.to_be_bytes());
    Entry {
        fixed: Cow::Owned(fixed),
        path: Cow::Owned(path.as_bytes().to_vec()),
    }
}

/// The length of the NUL-terminated string at `at`.
fn nul_at(body: &[u8], at: usize) -> Result<usize, &'static str> {
    body.get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == 0))
        .ok_or("unterminated path")
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(field.try_into().ok()?))
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(field.try_into().ok()?))
}

/// git's offset varint (`varint.c`): the value and the bytes it took.
fn decode_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut used = 0;
    let mut byte = *bytes.first()?;
    let mut value = u64::from(byte & 127);
    while byte & 128 != 0 {
        used += 1;
        value = value.checked_add(1)?;
        if value >> 57 != 0 {
            return None;
        }
        byte = *bytes.get(used)?;
        value = (value << 7) + u64::from(byte & 127);
    }
    Some((value, used + 1))
}

fn encode_varint(out: &mut Vec<u8>, mut value: u64) {
    let mut buf = [0u8; 10];
    let mut pos = buf.len() - 1;
    buf[pos] = (value & 127) as u8;
    while {
        value >>= 7;
        value != 0
    } {
        value -= 1;
        pos -= 1;
        buf[pos] = 128 | (value & 127) as u8;
    }
    out.extend_from_slice(&buf[pos..]);
}

#[cfg(test)]
#[path = "index_file_tests.rs"]
mod tests;
