//! The bytes of a Git index file (versions 2, 3 and 4), streamed: entries are read
//! one at a time through a small buffer and written out as they come, with git's
//! checksum computed on the way, so that a large index costs a sequential copy and
//! no memory proportional to its size.
//!
//! Pure byte work for `index_file`; no file or lock handling here.

use std::io::{BufRead, BufWriter, Read, Write};

use sha1::{Digest, Sha1};

use super::index_file::{FileStat, IndexUpdate as Update};

/// Fixed-size part of an entry before its flags: ten 32-bit fields and a SHA-1.
const STAT_AND_OID: usize = 40 + 20;
/// Fixed-size part with the 16-bit flags.
const FIXED: usize = STAT_AND_OID + 2;
const EXTENDED: u16 = 0x4000;
const SHA1_LEN: usize = 20;
/// The offset of the file size in an entry's stat data.
const SIZE_AT: usize = 36;
/// The write buffer the index goes through.
const BUFFER: usize = 64 * 1024;

/// What the index holds for one path (see [`staged`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Staged {
    Absent,
    Blob(git2::Oid),
    /// Only conflict stages: a merge left it unresolved.
    Conflicted,
}

/// Why an index could not be rewritten here.
#[derive(Debug)]
pub(super) enum Refused {
    /// Not an index this code reads (the reason).
    Malformed(&'static str),
    /// A required extension omgreg does not write (`link`, a split index; `sdir`, a
    /// sparse index): libgit2 has to do it.
    RequiresLibgit2,
    Io(std::io::Error),
}

impl From<std::io::Error> for Refused {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::UnexpectedEof {
            Self::Malformed("truncated")
        } else {
            Self::Io(err)
        }
    }
}

/// One entry as read: its fixed part (stat data, object id, flags and, in version 3
/// and later, extended flags) and its path.
struct Entry {
    fixed: [u8; FIXED + 2],
    fixed_len: usize,
    path: Vec<u8>,
}

impl Entry {
    fn fixed(&self) -> &[u8] {
        &self.fixed[..self.fixed_len]
    }

    fn stage(&self) -> u16 {
        (be16(&self.fixed, STAT_AND_OID) >> 12) & 3
    }

    fn oid(&self) -> git2::Oid {
        git2::Oid::from_bytes(&self.fixed[40..60]).expect("20 bytes")
    }

    /// A new stage-0 entry.
    fn new(path: &str, oid: git2::Oid, mode: u32, stat: &FileStat) -> Self {
        let mut fixed = [0u8; FIXED + 2];
        let fields = [
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
        ];
        for (at, field) in fields.iter().enumerate() {
            fixed[at * 4..at * 4 + 4].copy_from_slice(&field.to_be_bytes());
        }
        fixed[40..60].copy_from_slice(oid.as_bytes());
        let name_len = u16::try_from(path.len().min(0xfff)).expect("at most 12 bits");
        fixed[60..62].copy_from_slice(&name_len.to_be_bytes());
        Self {
            fixed,
            fixed_len: FIXED,
            path: path.as_bytes().to_vec(),
        }
    }
}

/// Reads an index from its start. Its checksum is not checked, as git does not
/// check it when it reads the index (`verify_index_checksum` in git's
/// `read-cache.c` is set by `git fsck` alone): a truncated or malformed index is
/// refused, and the rewritten index gets a checksum of its own.
struct Reader<R> {
    input: R,
    version: u32,
    remaining: u32,
    entry: Entry,
    /// Bytes consumed so far.
    pos: u64,
}

impl<R: BufRead> Reader<R> {
    fn new(mut input: R) -> Result<Self, Refused> {
        let mut header = [0u8; 12];
        input.read_exact(&mut header)?;
        if &header[..4] != b"DIRC" {
            return Err(Refused::Malformed("no `DIRC` header"));
        }
        let version = be32(&header, 4);
        if !(2..=4).contains(&version) {
            return Err(Refused::Malformed("unknown version"));
        }
        Ok(Self {
            input,
            version,
            remaining: be32(&header, 8),
            pos: 12,
            entry: Entry {
                fixed: [0; FIXED + 2],
                fixed_len: FIXED,
                path: Vec::new(),
            },
        })
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), Refused> {
        self.input.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// Appends bytes up to the next NUL (consumed, not appended) to `self.entry.path`.
    fn read_path(&mut self) -> Result<usize, Refused> {
        let used = self.input.read_until(0, &mut self.entry.path)?;
        self.pos += used as u64;
        if self.entry.path.pop() != Some(0) {
            return Err(Refused::Malformed("unterminated path"));
        }
        Ok(used)
    }

    /// The next entry, `None` after the last one.
    fn next_entry(&mut self) -> Result<Option<&Entry>, Refused> {
        if self.remaining == 0 {
            return Ok(None);
        }
        self.remaining -= 1;
        let mut fixed = [0u8; FIXED + 2];
        self.read(&mut fixed[..FIXED])?;
        let fixed_len = if be16(&fixed, STAT_AND_OID) & EXTENDED == 0 {
            FIXED
        } else if self.version >= 3 {
            self.read(&mut fixed[FIXED..])?;
            FIXED + 2
        } else {
            return Err(Refused::Malformed("extended flags in a version 2 index"));
        };
        self.entry.fixed = fixed;
        self.entry.fixed_len = fixed_len;
        if self.version >= 4 {
            let strip = self.read_varint()?;
            let keep = usize::try_from(strip)
                .ok()
                .and_then(|strip| self.entry.path.len().checked_sub(strip))
                .ok_or(Refused::Malformed("bad path compression"))?;
            self.entry.path.truncate(keep);
            self.read_path()?;
        } else {
            self.entry.path.clear();
            let used = self.read_path()?;
            let padded = (fixed_len + used - 1 + 8) & !7;
            let mut padding = [0u8; 8];
            self.read(&mut padding[..padded - fixed_len - used])?;
        }
        Ok(Some(&self.entry))
    }

    /// git's offset varint (`varint.c`), read byte by byte.
    fn read_varint(&mut self) -> Result<u64, Refused> {
        let mut bytes = Vec::with_capacity(2);
        loop {
            let mut byte = [0u8];
            self.read(&mut byte)?;
            bytes.push(byte[0]);
            if byte[0] & 128 == 0 || bytes.len() > 10 {
                break;
            }
        }
        decode_varint(&bytes)
            .map(|(value, _)| value)
            .ok_or(Refused::Malformed("bad path compression"))
    }

    /// The extensions after the entries of an index `len` bytes long (the checksum
    /// follows them): the kept extensions' bytes.
    fn finish(mut self, len: u64) -> Result<Vec<u8>, Refused> {
        let mut left = len
            .checked_sub(self.pos)
            .ok_or(Refused::Malformed("truncated"))?;
        let mut kept = Vec::new();
        let mut requires_libgit2 = false;
        while left > SHA1_LEN as u64 {
            let mut header = [0u8; 8];
            self.read(&mut header)?;
            let size = u64::from(be32(&header, 4));
            left = left
                .checked_sub(8 + size)
                .filter(|left| *left >= SHA1_LEN as u64)
                .ok_or(Refused::Malformed("truncated extension"))?;
            match &header[..4] {
                // Resolve-undo records do not depend on the entries: kept.
                b"REUC" => {
                    kept.extend_from_slice(&header);
                    let start = kept.len();
                    (&mut self.input).take(size).read_to_end(&mut kept)?;
                    if kept.len() - start != usize::try_from(size).unwrap_or(usize::MAX) {
                        return Err(Refused::Malformed("truncated extension"));
                    }
                    self.pos += size;
                }
                // Optional extensions (cache tree, untracked cache, fsmonitor, entry
                // offsets...) describe the entries: dropped, git rebuilds them.
                [b'A'..=b'Z', ..] => self.skip(size)?,
                _ => {
                    requires_libgit2 = true;
                    self.skip(size)?;
                }
            }
        }
        if left != SHA1_LEN as u64 {
            return Err(Refused::Malformed("truncated"));
        }
        if requires_libgit2 {
            return Err(Refused::RequiresLibgit2);
        }
        Ok(kept)
    }

    fn skip(&mut self, mut size: u64) -> Result<(), Refused> {
        let mut buf = [0u8; 4096];
        while size > 0 {
            let n = usize::try_from(size.min(4096)).expect("at most 4096");
            self.read(&mut buf[..n])?;
            size -= n as u64;
        }
        Ok(())
    }
}

/// What the index stages for each of `paths`, reading no further than the greatest
/// of them (entries are sorted by path bytes, then stage).
pub(super) fn staged(input: impl BufRead, paths: &[String]) -> Result<Vec<Staged>, Refused> {
    let mut found = vec![Staged::Absent; paths.len()];
    let Some(last) = paths.iter().map(String::as_bytes).max() else {
        return Ok(found);
    };
    let mut reader = Reader::new(input)?;
    while let Some(entry) = reader.next_entry()? {
        if entry.path.as_slice() > last {
            break;
        }
        for (slot, path) in found.iter_mut().zip(paths) {
            if *slot == Staged::Absent && entry.path == path.as_bytes() {
                *slot = if entry.stage() == 0 {
                    Staged::Blob(entry.oid())
                } else {
                    Staged::Conflicted
                };
            }
        }
    }
    Ok(found)
}

/// How many entries (of any stage) each of the sorted `paths` has; stops after the
/// last of them. With the header's count this gives the rewritten index's count.
fn entry_counts(input: impl BufRead, paths: &[&[u8]]) -> Result<(u32, Vec<u32>), Refused> {
    let mut counts = vec![0u32; paths.len()];
    let mut reader = Reader::new(input)?;
    let total = reader.remaining;
    let Some(last) = paths.last() else {
        return Ok((total, counts));
    };
    while let Some(entry) = reader.next_entry()? {
        if entry.path.as_slice() > *last {
            break;
        }
        if let Ok(at) = paths.binary_search(&entry.path.as_slice()) {
            counts[at] += 1;
        }
    }
    Ok((total, counts))
}

/// The updates in git's order, one per path (of two updates to one path, the last
/// one given wins).
fn sorted(updates: &[Update]) -> Vec<&Update> {
    let mut sorted: Vec<&Update> = updates.iter().collect();
    sorted.sort_by(|a, b| a.path().cmp(b.path()));
    sorted.dedup_by(|later, earlier| {
        let same = later.path() == earlier.path();
        if same {
            std::mem::swap(later, earlier);
        }
        same
    });
    sorted
}

/// Writes to `out` the index read twice from `open()` (once to count, once to copy)
/// with `updates` applied: entries stay in git's order, untouched ones as they were
/// except that racily clean ones are smudged (see [`smudged`]); `written_at` is when
/// the old index was written and `len` its length. `None` for `open` is no index.
pub(super) fn rewrite<R: BufRead>(
    mut open: impl FnMut() -> std::io::Result<Option<R>>,
    len: u64,
    written_at: (u32, u32),
    updates: &[Update],
    out: impl Write,
) -> Result<(), Refused> {
    let updates = sorted(updates);
    let paths: Vec<&[u8]> = updates.iter().map(|u| u.path()).collect();
    let upserts = updates
        .iter()
        .filter(|u| matches!(u, Update::Upsert { .. }))
        .count();
    let mut out = Output {
        out: BufWriter::with_capacity(
            BUFFER,
            Hashing {
                inner: out,
                hasher: Sha1::new(),
            },
        ),
        previous: Vec::new(),
        version: 2,
    };
    let Some(first) = open()? else {
        out.header(u32::try_from(upserts).expect("fewer than 2^32 updates"))?;
        for update in updates {
            if let Update::Upsert { .. } = update {
                out.entry(&new_entry(update))?;
            }
        }
        return out.finish(&[]);
    };
    let (total, counts) = entry_counts(first, &paths)?;
    let count = counts
        .iter()
        .try_fold(u64::from(total), |n, c| n.checked_sub(u64::from(*c)))
        .and_then(|n| u32::try_from(n + upserts as u64).ok())
        .ok_or(Refused::Malformed("entry count"))?;
    let mut reader = Reader::new(open()?.ok_or(Refused::Malformed("vanished"))?)?;
    out.version = reader.version;
    out.header(count)?;
    let mut pending = updates.into_iter().peekable();
    while let Some(entry) = reader.next_entry()? {
        while let Some(update) = pending.next_if(|u| u.path() < entry.path.as_slice()) {
            if let Update::Upsert { .. } = update {
                out.entry(&new_entry(update))?;
            }
        }
        if pending
            .peek()
            .is_some_and(|u| u.path() == entry.path.as_slice())
        {
            continue;
        }
        out.entry_smudged(entry, written_at)?;
    }
    for update in pending {
        if let Update::Upsert { .. } = update {
            out.entry(&new_entry(update))?;
        }
    }
    let kept = reader.finish(len)?;
    out.finish(&kept)
}

fn new_entry(update: &Update) -> Entry {
    match update {
        Update::Upsert {
            path,
            oid,
            mode,
            stat,
        } => Entry::new(path, *oid, *mode, stat),
        Update::Remove { .. } => unreachable!("only upserts make entries"),
    }
}

/// A writer that hashes what it passes on (in the large blocks a buffer hands it).
struct Hashing<W> {
    inner: W,
    hasher: Sha1,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes an index through a buffer, hashing what it writes.
struct Output<W: Write> {
    out: BufWriter<Hashing<W>>,
    /// The path of the last entry written (version 4 compresses against it).
    previous: Vec<u8>,
    version: u32,
}

impl<W: Write> Output<W> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Refused> {
        self.out.write_all(bytes)?;
        Ok(())
    }

    fn header(&mut self, count: u32) -> Result<(), Refused> {
        let mut header = [0u8; 12];
        header[..4].copy_from_slice(b"DIRC");
        header[4..8].copy_from_slice(&self.version.to_be_bytes());
        header[8..].copy_from_slice(&count.to_be_bytes());
        self.write(&header)
    }

    fn entry_smudged(&mut self, entry: &Entry, written_at: (u32, u32)) -> Result<(), Refused> {
        if smudged(entry.fixed(), written_at) {
            let mut copy = Entry {
                fixed: entry.fixed,
                fixed_len: entry.fixed_len,
                path: Vec::new(),
            };
            copy.fixed[SIZE_AT..SIZE_AT + 4].fill(0);
            self.fixed_and_path(copy.fixed(), &entry.path)
        } else {
            self.fixed_and_path(entry.fixed(), &entry.path)
        }
    }

    fn entry(&mut self, entry: &Entry) -> Result<(), Refused> {
        self.fixed_and_path(entry.fixed(), &entry.path)
    }

    fn fixed_and_path(&mut self, fixed: &[u8], path: &[u8]) -> Result<(), Refused> {
        self.write(fixed)?;
        if self.version >= 4 {
            let common = self
                .previous
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b)
                .count();
            let mut varint = Vec::with_capacity(10);
            encode_varint(&mut varint, (self.previous.len() - common) as u64);
            self.write(&varint)?;
            self.write(&path[common..])?;
            self.write(&[0])?;
            self.previous.clear();
            self.previous.extend_from_slice(path);
        } else {
            self.write(path)?;
            let len = fixed.len() + path.len();
            let padded = (len + 8) & !7;
            self.write(&[0u8; 8][..padded - len])?;
        }
        Ok(())
    }

    fn finish(mut self, kept_extensions: &[u8]) -> Result<(), Refused> {
        self.write(kept_extensions)?;
        let Hashing { mut inner, hasher } = self
            .out
            .into_inner()
            .map_err(|err| Refused::Io(err.into_error()))?;
        inner.write_all(&hasher.finalize())?;
        inner.flush()?;
        Ok(())
    }
}

/// Whether git could take the entry for unchanged by its stat data alone only because
/// the index is rewritten later than `written_at`, as git judges when it writes an
/// index (`ce_smudge_racily_clean_entry`): a file modified in the same clock tick as
/// the last index write has the same modified time as its entry, which the old
/// index's time made suspicious and the new one would not. A size of 0 makes git
/// compare the content next time.
fn smudged(fixed: &[u8], written_at: (u32, u32)) -> bool {
    if written_at == (0, 0) {
        return false;
    }
    let mtime = (be32(fixed, 8), be32(fixed, 12));
    mtime >= written_at && be32(fixed, SIZE_AT) != 0
}

pub(super) fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes(bytes[at..at + 2].try_into().expect("2 bytes"))
}

/// git's offset varint (`varint.c`): the value and the bytes it took.
pub(super) fn decode_varint(bytes: &[u8]) -> Option<(u64, usize)> {
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

pub(super) fn encode_varint(out: &mut Vec<u8>, mut value: u64) {
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
