//! The pack an import writes: every object the chain made, whole (no deltas), in
//! Git's pack format version 2, streamed into the object database's pack writer,
//! which indexes and checks it. libgit2's packbuilder would search for deltas
//! among them all, which cost most of a large import; `git gc` packs them tighter
//! later, as it does any pack.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use git2::{ObjectType, Odb, Oid};
use sha1::{Digest, Sha1};

use super::super::StoreError;
use super::super::error::{GitContext, IoContext};

/// Writes the objects `ids` (read from `from`) into `into` as one pack.
pub(super) fn write_pack(
    from: &Odb<'_>,
    into: &Odb<'_>,
    ids: &std::collections::BTreeSet<Oid>,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    let writer = into.packwriter().git_context("writing the import's pack")?;
    let mut out = Hashing {
        inner: writer,
        hasher: Sha1::new(),
    };
    let count = u32::try_from(ids.len()).expect("an import writes fewer than 4 billion objects");
    let mut header = Vec::with_capacity(12);
    header.extend_from_slice(b"PACK");
    header.extend_from_slice(&2u32.to_be_bytes());
    header.extend_from_slice(&count.to_be_bytes());
    out.write_all(&header)
        .io_context("writing the import's pack into", path)?;
    for id in ids {
        let object = from
            .read(*id)
            .git_context("reading an object of the import")?;
        let kind = match object.kind() {
            ObjectType::Commit => 1u8,
            ObjectType::Tree => 2,
            ObjectType::Blob => 3,
            ObjectType::Tag => 4,
            _ => unreachable!("an odb object is a commit, tree, blob or tag"),
        };
        let data = object.data();
        out.write_all(&entry_header(kind, data.len() as u64))
            .io_context("writing the import's pack into", path)?;
        let mut zlib = ZlibEncoder::new(&mut out, Compression::fast());
        zlib.write_all(data)
            .and_then(|()| zlib.finish().map(|_| ()))
            .io_context("writing the import's pack into", path)?;
    }
    let trailer = out.hasher.finalize_reset();
    out.inner
        .write_all(&trailer)
        .io_context("writing the import's pack into", path)?;
    out.inner
        .commit()
        .git_context("writing the import's pack")?;
    Ok(())
}

/// A pack entry's header: the type in bits 4-6 of the first byte, the size in its
/// low 4 bits and then 7 bits per byte, the high bit saying more follow.
fn entry_header(kind: u8, size: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(10);
    let mut first = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    if rest > 0 {
        first |= 0x80;
    }
    bytes.push(first);
    while rest > 0 {
        let mut byte = (rest & 0x7f) as u8;
        rest >>= 7;
        if rest > 0 {
            byte |= 0x80;
        }
        bytes.push(byte);
    }
    bytes
}

/// A writer that hashes what passes through it (the pack's SHA-1 trailer).
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha1,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::entry_header;

    #[test]
    fn entry_headers_are_git_varints() {
        assert_eq!(entry_header(3, 5), vec![0x35]);
        assert_eq!(entry_header(1, 16), vec![0x90, 0x01]);
        assert_eq!(entry_header(2, 0x1234), vec![0xa4, 0xa3, 0x02]);
    }
}
