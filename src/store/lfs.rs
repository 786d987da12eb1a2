//! The Git LFS side: pointer files and the local object store
//! (`<git common dir>/lfs/objects/aa/bb/<oid>`), written natively.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use sha2::{Digest as _, Sha256};

use super::error::IoContext;
use super::{StoreError, failpoint, tempfiles};
use crate::registry::Digest;

/// The content of a Git LFS pointer file (spec v1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LfsPointer {
    pub oid: Digest,
    pub size: u64,
}

const SPEC: &str = "version https://git-lfs.github.com/spec/v1";

impl LfsPointer {
    pub fn to_text(&self) -> String {
        format!("{SPEC}\noid sha256:{}\nsize {}\n", self.oid, self.size)
    }

    /// Parses a pointer file; `None` when `bytes` is not one.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > 1024 {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        if lines.next()? != SPEC {
            return None;
        }
        let (mut oid, mut size) = (None, None);
        for line in lines {
            if let Some(rest) = line.strip_prefix("oid sha256:") {
                oid = rest.parse().ok();
            } else if let Some(rest) = line.strip_prefix("size ") {
                size = rest.parse().ok();
            }
        }
        Some(Self {
            oid: oid?,
            size: size?,
        })
    }
}

/// The local Git LFS object store of one repository.
pub struct LfsStore {
    root: PathBuf,
}

/// Bytes per read; several chunks are in flight between the reader and the writer.
const CHUNK: usize = 4 << 20;
const IN_FLIGHT: usize = 4;

impl LfsStore {
    pub(crate) fn new(git_common_dir: &Path) -> Self {
        Self {
            root: git_common_dir.join("lfs"),
        }
    }

    /// Where the object `oid` lives.
    pub fn object_path(&self, oid: &Digest) -> PathBuf {
        let hex = oid.as_str();
        self.root
            .join("objects")
            .join(&hex[0..2])
            .join(&hex[2..4])
            .join(hex)
    }

    /// Whether the store holds any object at all.
    pub fn has_any_object(&self) -> bool {
        walkdir::WalkDir::new(self.root.join("objects"))
            .into_iter()
            .flatten()
            .any(|e| e.file_type().is_file())
    }

    /// Whether the object is present with the expected size. The empty object always
    /// is: git-lfs never stores it (an empty artifact is an empty file in the tree).
    pub fn has_object(&self, oid: &Digest, size: u64) -> bool {
        (size == 0 && oid.is_empty_content())
            || std::fs::metadata(self.object_path(oid))
                .is_ok_and(|meta| meta.is_file() && meta.len() == size)
    }

    /// A file holding the object's bytes, for reading: [`Self::object_path`], where
    /// the empty object, which no fetch brings (see [`Self::has_object`]), is
    /// created when missing, so that every present artifact has a file to read.
    pub fn object_file(&self, oid: &Digest) -> PathBuf {
        let path = self.object_path(oid);
        if oid.is_empty_content() && !path.is_file() {
            // Best effort: in a read-only repository the caller reports it missing.
            let _ = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| File::create(&path).map(drop));
        }
        path
    }

    /// Copies `source` into the store while hashing it, in one streaming pass.
    ///
    /// The copy goes to a temporary file under `lfs/tmp` and is renamed to its final
    /// path only once complete, so an interrupted ingest never leaves a partial object
    /// where Git LFS would find it. Reading, hashing (this thread) and writing overlap
    /// on three threads. `progress` receives the bytes done so far.
    pub fn ingest(
        &self,
        source: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Digest, u64), StoreError> {
        let mut input = File::open(source).io_context("opening", source)?;
        self.ingest_reader(&mut input, source, progress)
    }

    /// Like [`LfsStore::ingest`], from any reader (`source` names it in errors): an
    /// imported artifact read from another store.
    pub fn ingest_reader(
        &self,
        input: &mut (dyn std::io::Read + Send),
        source: &Path,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(Digest, u64), StoreError> {
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir).io_context("creating", &tmp_dir)?;
        // Copies left by killed writers go first: their lock is free.
        tempfiles::sweep(&tmp_dir, INGEST_PREFIX);
        let mut temp = tempfiles::create(&tmp_dir, INGEST_PREFIX)?;
        let temp_path = temp.path().to_owned();
        let (digest, size) = match copy_and_hash(input, temp.as_file_mut(), progress) {
            Ok(done) => done,
            Err(Failed::Reading(err)) => return Err(err).io_context("reading", source),
            Err(Failed::Writing(err)) => return Err(err).io_context("writing", &temp_path),
        };
        let final_path = self.object_path(&digest);
        let parent = final_path.parent().expect("object paths have a parent");
        std::fs::create_dir_all(parent).io_context("creating", parent)?;
        set_readable(temp.as_file(), &temp_path)?;
        failpoint("lfs-temp-written");
        temp.persist(&final_path).map_err(|err| StoreError::Io {
            what: "moving the LFS object into place at",
            path: final_path.clone(),
            source: err.error,
        })?;
        failpoint("lfs-object-renamed");
        Ok((digest, size))
    }
}

/// The prefix of ingest copies in `lfs/tmp` (see [`tempfiles`]).
pub(crate) const INGEST_PREFIX: &str = "omgreg-ingest-";

/// Which side of a copy failed.
enum Failed {
    Reading(std::io::Error),
    Writing(std::io::Error),
}

/// Copies `input` to `output` while hashing it: a reader thread, this thread hashing
/// (and reporting progress), a writer thread. Each chunk goes to both consumers and
/// comes back to the reader from each; the second return recycles the buffer.
fn copy_and_hash(
    input: &mut (dyn Read + Send),
    output: &mut File,
    progress: &mut dyn FnMut(u64),
) -> Result<(Digest, u64), Failed> {
    std::thread::scope(|scope| {
        let (hash_tx, hash_rx) = mpsc::sync_channel::<Arc<Vec<u8>>>(IN_FLIGHT);
        let (write_tx, write_rx) = mpsc::sync_channel::<Arc<Vec<u8>>>(IN_FLIGHT);
        let (back_tx, back_rx) = mpsc::channel::<Arc<Vec<u8>>>();
        let writer_back = back_tx.clone();
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for chunk in write_rx {
                output.write_all(&chunk)?;
                // The reader may be gone after an error; the buffer is then dropped.
                let _ = writer_back.send(chunk);
            }
            Ok(())
        });
        let reader = scope.spawn(move || read_chunks(input, &hash_tx, &write_tx, &back_rx));
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        for chunk in hash_rx {
            hasher.update(chunk.as_slice());
            total += chunk.len() as u64;
            progress(total);
            let _ = back_tx.send(chunk);
        }
        drop(back_tx);
        let read_result = reader.join().expect("the LFS reader thread does not panic");
        let write_result = writer.join().expect("the LFS writer thread does not panic");
        read_result.map_err(Failed::Reading)?;
        write_result.map_err(Failed::Writing)?;
        Ok((Digest::from_bytes(&hasher.finalize().into()), total))
    })
}

/// The reader of [`copy_and_hash`]: sends each chunk to both consumers, reusing
/// buffers once both have returned them.
fn read_chunks(
    input: &mut (dyn Read + Send),
    hash_tx: &mpsc::SyncSender<Arc<Vec<u8>>>,
    write_tx: &mpsc::SyncSender<Arc<Vec<u8>>>,
    back_rx: &mpsc::Receiver<Arc<Vec<u8>>>,
) -> std::io::Result<()> {
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let mut allocated = 0;
    loop {
        let mut buffer = match pool.pop() {
            Some(buffer) => buffer,
            None if allocated < 2 * IN_FLIGHT + 2 => {
                allocated += 1;
                vec![0; CHUNK]
            }
            None => loop {
                match back_rx.recv() {
                    Ok(chunk) => match Arc::try_unwrap(chunk) {
                        Ok(buffer) => break buffer,
                        Err(_) => continue, // the other consumer still holds it
                    },
                    Err(_) => return Ok(()),
                }
            },
        };
        buffer.resize(CHUNK, 0);
        let filled = read_full(input, &mut buffer)?;
        if filled == 0 {
            return Ok(());
        }
        buffer.truncate(filled);
        let chunk = Arc::new(buffer);
        if hash_tx.send(Arc::clone(&chunk)).is_err() || write_tx.send(chunk).is_err() {
            return Ok(()); // a consumer failed; its error is reported
        }
        while let Ok(returned) = back_rx.try_recv() {
            if let Ok(buffer) = Arc::try_unwrap(returned) {
                pool.push(buffer);
            }
        }
        if filled < CHUNK {
            return Ok(());
        }
    }
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(input: &mut (impl Read + ?Sized), buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

#[cfg(unix)]
fn set_readable(file: &File, path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .io_context("setting permissions of", path)
}

#[cfg(not(unix))]
fn set_readable(_: &File, _: &Path) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_round_trips() {
        let pointer = LfsPointer {
            oid: "ab".repeat(32).parse().unwrap(),
            size: 42,
        };
        assert_eq!(
            LfsPointer::parse(pointer.to_text().as_bytes()),
            Some(pointer)
        );
        assert_eq!(LfsPointer::parse(b"hello"), None);
    }

    #[test]
    fn ingest_hashes_and_copies_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("blob");
        let data: Vec<u8> = (0..(CHUNK * 2 + 12345)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&source, &data).unwrap();
        let store = LfsStore::new(&dir.path().join("git"));
        let mut last = 0;
        let (digest, size) = store.ingest(&source, &mut |done| last = done).unwrap();
        assert_eq!(size, data.len() as u64);
        assert_eq!(last, size);
        assert_eq!(digest.as_str(), hex::encode(Sha256::digest(&data)));
        assert_eq!(std::fs::read(store.object_path(&digest)).unwrap(), data);
        assert!(store.has_object(&digest, size));
    }
}
