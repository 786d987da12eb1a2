//! The bytes of a Git index file (versions 2, 3 and 4), read as a stream: entries
//! come one at a time through a small buffer, so a large index costs a sequential
//! read and no memory proportional to its size. Rewriting is `index_rewrite`'s.
//!
//! Pure byte work for `index_file`; no file or lock handling here.

use std::io::{BufRead, Read};

use super::index_file::FileStat;

/// Fixed-size part of an entry before its flags: ten 32-bit fields and a SHA-1.
const STAT_AND_OID: usize = 40 + 20;
/// Fixed-size part with the 16-bit flags.
const FIXED: usize = STAT_AND_OID + 2;
const EXTENDED: u16 = 0x4000;
const SHA1_LEN: usize = 20;

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
pub(super) struct Entry {
    pub(super) fixed: [u8; FIXED + 2],
    pub(super) fixed_len: usize,
    pub(super) path: Vec<u8>,
}

impl Entry {
    pub(super) fn fixed(&self) -> &[u8] {
        &self.fixed[..self.fixed_len]
    }

    fn stage(&self) -> u16 {
        (be16(&self.fixed, STAT_AND_OID) >> 12) & 3
    }

    fn oid(&self) -> git2::Oid {
        git2::Oid::from_bytes(&self.fixed[40..60]).expect("20 bytes")
    }

    /// A new stage-0 entry.
    pub(super) fn new(path: &str, oid: git2::Oid, mode: u32, stat: &FileStat) -> Self {
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
pub(super) struct Reader<R> {
    input: R,
    pub(super) version: u32,
    remaining: u32,
    entry: Entry,
    /// Bytes consumed so far.
    pos: u64,
}

impl<R: BufRead> Reader<R> {
    pub(super) fn new(mut input: R) -> Result<Self, Refused> {
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
    pub(super) fn next_entry(&mut self) -> Result<Option<&Entry>, Refused> {
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
    pub(super) fn finish(mut self, len: u64) -> Result<Vec<u8>, Refused> {
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
pub(super) fn entry_counts(
    input: impl BufRead,
    paths: &[&[u8]],
) -> Result<(u32, Vec<u32>), Refused> {
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

pub(super) fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub(super) fn be16(bytes: &[u8], at: usize) -> u16 {
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
