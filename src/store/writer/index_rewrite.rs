//! Rewriting a Git index with updates applied, streamed from the old file to the lock
//! file: untouched entries are copied as they are read, only the updated ones are
//! encoded, and git's checksum is computed over what is written.
//!
//! Pure byte work for `index_file`; no file or lock handling here.

use std::io::{BufRead, BufWriter, Write};

use sha1::{Digest, Sha1};

use super::index_file::IndexUpdate as Update;
use super::index_format::{Entry, Reader, Refused, be32, encode_varint, entry_counts};

/// The offset of the file size in an entry's stat data.
const SIZE_AT: usize = 36;
/// The write buffer the index goes through.
const BUFFER: usize = 64 * 1024;

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
