//! The event index's folder: `<common git dir>/omgreg/[<registry prefix>/]history/`
//! with `tip`, `lock` and `models/<model>`; the lock that orders its writers and
//! readers, and the only code that reads or writes those files.
//!
//! Writers hold an exclusive `flock` of `lock`, readers a shared one. A reader that
//! finds the lock taken waits a little (another reader may be bringing the index up
//! to date), then answers by walking the commits; an action's writer never waits.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::format::{Corrupt, encode};
use super::tip::{Step, Tip, TipLine, TipLog, parse_tip};

/// How this process may use the index.
pub(super) enum Access {
    /// Exclusive lock held (released when dropped): read and write.
    Write { _lock: File },
    /// Shared lock held (or nothing can write here at all): read only.
    Read { _lock: Option<File> },
}

impl Access {
    pub fn may_write(&self) -> bool {
        matches!(self, Self::Write { .. })
    }
}

/// The index's folder.
pub(super) struct IndexDir {
    path: PathBuf,
}

impl IndexDir {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn tip_path(&self) -> PathBuf {
        self.path.join("tip")
    }

    fn model_path(&self, model: &str) -> PathBuf {
        self.path.join("models").join(model)
    }

    /// Takes the lock: exclusive when `may_write` and free, else shared, waiting up
    /// to `patience` for a writer to finish; `None` when one still holds it (or
    /// there is no index to read and none may be written).
    pub fn lock(&self, may_write: bool, patience: Duration) -> Option<Access> {
        let path = self.path.join("lock");
        let file = if may_write {
            let _ = std::fs::create_dir_all(&self.path);
            File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .or_else(|_| File::open(&path))
        } else {
            File::open(&path)
        };
        let Ok(file) = file else {
            // A read-only copy without a lock file: nobody writes it either.
            return (self.tip_path().exists()).then_some(Access::Read { _lock: None });
        };
        if may_write && file.try_lock().is_ok() {
            return Some(Access::Write { _lock: file });
        }
        let deadline = Instant::now() + patience;
        loop {
            if file.try_lock_shared().is_ok() {
                return Some(Access::Read { _lock: Some(file) });
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The tip log; `Ok(None)` when there is none.
    pub fn read_tip(&self) -> Result<Option<TipLog>, Corrupt> {
        match std::fs::read(self.tip_path()) {
            Ok(bytes) => parse_tip(&bytes).map(Some),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Corrupt(format!("the tip log cannot be read: {err}"))),
        }
    }

    /// Starts the tip log afresh with `tip` as its base line (a temporary file
    /// renamed over it: readers see the old log or the new one); its length. Only
    /// under the exclusive lock.
    pub fn write_base(&self, tip: &Tip) -> std::io::Result<u64> {
        let line = encode(&TipLine::Base(tip.clone()));
        let temp = self.path.join("tip.new");
        std::fs::write(&temp, &line)?;
        std::fs::rename(&temp, self.tip_path())?;
        Ok(line.len() as u64)
    }

    /// Appends `step` to the tip log after its first `len` bytes (its complete
    /// lines); the new length. Only under the exclusive lock.
    pub fn append_step(&self, len: u64, step: &Step) -> std::io::Result<u64> {
        let line = encode(&TipLine::Step(step.clone()));
        append_at(&self.tip_path(), len, &line)
    }

    /// `model`'s file, opened for reading.
    pub fn open_model(&self, model: &str) -> Option<File> {
        File::open(self.model_path(model)).ok()
    }

    /// The first `len` bytes of `model`'s file: what the tip vouches for.
    pub fn read_model(&self, model: &str, len: u64) -> Result<Vec<u8>, Corrupt> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let cut = || Corrupt(format!("`models/{model}` is shorter than the tip says"));
        let file = File::open(self.model_path(model)).map_err(|_| cut())?;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.take(len).read_to_end(&mut bytes).map_err(|_| cut())?;
        if bytes.len() as u64 != len {
            return Err(cut());
        }
        Ok(bytes)
    }

    /// Appends `lines` to `model`'s file after its first `len` bytes (dropping what a
    /// dead writer left beyond them); the new length. Only under the exclusive lock.
    pub fn append(&self, model: &str, len: u64, lines: &[u8]) -> std::io::Result<u64> {
        if len == 0 {
            std::fs::create_dir_all(self.path.join("models"))?;
        }
        append_at(&self.model_path(model), len, lines)
    }

    /// Writes `bytes` as the next content of `model`'s file, beside it; its length.
    /// Only under the exclusive lock.
    pub fn write_replacement(&self, model: &str, bytes: &[u8]) -> std::io::Result<u64> {
        std::fs::write(self.replacement_path(model), bytes)?;
        Ok(bytes.len() as u64)
    }

    /// Puts the content written by [`Self::write_replacement`] in place.
    pub fn replace(&self, model: &str) -> std::io::Result<()> {
        std::fs::rename(self.replacement_path(model), self.model_path(model))
    }

    fn replacement_path(&self, model: &str) -> PathBuf {
        // Model names never contain `/`; `~` is not in any, so no model has this file.
        self.path.join("models").join(format!("{model}~new"))
    }

    /// Forgets everything indexed: the tip log goes; model files stay, and are cut
    /// to nothing when next written (cheaper than deleting and creating them). Only
    /// under the exclusive lock.
    pub fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(self.tip_path()) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

/// Writes `bytes` at offset `len` of the file at `path` (created when missing), first
/// cutting what lies beyond `len`; the new length.
fn append_at(path: &std::path::Path, len: u64, bytes: &[u8]) -> std::io::Result<u64> {
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    if file.metadata()?.len() != len {
        file.set_len(len)?;
    }
    file.seek(SeekFrom::Start(len))?;
    file.write_all(bytes)?;
    Ok(len + bytes.len() as u64)
}
