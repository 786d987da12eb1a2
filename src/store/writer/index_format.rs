//! The bytes of a Git index file (versions 2, 3 and 4): parsed without copying
//! the untouched entries, updated, and encoded again with git's checksum.
//!
//! Pure byte work for `index_file`; no file or lock handling here.

use std::borrow::Cow;

use sha1::{Digest, Sha1};

use super::index_file::{FileStat, IndexUpdate as Update};

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
pub(super) struct Index<'a> {
    version: u32,
    entries: Vec<Entry<'a>>,
    /// Optional extensions kept as they are (signature, size and data).
    kept_extensions: Vec<&'a [u8]>,
    /// A required extension omgreg does not write is present.
    pub requires_libgit2: bool,
}

impl<'a> Index<'a> {
    /// No index yet: git's default version 2, no entries.
    pub(super) fn empty() -> Self {
        Self {
            version: 2,
            entries: Vec::new(),
            kept_extensions: Vec::new(),
            requires_libgit2: false,
        }
    }

    pub(super) fn parse(bytes: &'a [u8]) -> Result<Self, &'static str> {
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
    pub(super) fn smudge_racily_clean(&mut self, written_at: (u32, u32)) {
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
    pub(super) fn updated(self, updates: &[Update]) -> Self {
        let mut sorted: Vec<&Update> = updates.iter().collect();
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
    pub(super) fn encode(&self) -> Vec<u8> {
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

pub(super) fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(field.try_into().ok()?))
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes(field.try_into().ok()?))
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
