//! Temporary files that the next run can clean up: each is locked (an OS file lock,
//! released when its writer dies) for as long as its writer lives, so a later run
//! removes exactly those whose lock it can take — the leftovers of killed writers.
//!
//! A file is created before it can be locked; one younger than [`GRACE`] may be a
//! live writer's in that instant and is left alone.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How old an unlocked temporary file must be before it counts as abandoned.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

use tempfile::NamedTempFile;

use super::StoreError;
use super::error::IoContext;

/// A new temporary file named `<prefix>…` in `dir`, locked by this process.
pub(crate) fn create(dir: &Path, prefix: &str) -> Result<NamedTempFile, StoreError> {
    let temp = tempfile::Builder::new()
        .prefix(prefix)
        .tempfile_in(dir)
        .io_context("creating a temporary file in", dir)?;
    temp.as_file()
        .lock()
        .io_context("locking the temporary file", temp.path())?;
    Ok(temp)
}

/// The files `<prefix>…` in `dir` whose writer is gone (their lock can be taken).
pub(crate) fn abandoned(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(prefix))
        .map(|entry| entry.path())
        .filter(|path| is_abandoned(path))
        .collect()
}

/// Removes the abandoned `<prefix>…` files of `dir`; returns how many.
pub(crate) fn sweep(dir: &Path, prefix: &str) -> usize {
    abandoned(dir, prefix)
        .iter()
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count()
}

/// Whether no live process holds the lock of `path` (a regular file older than
/// [`GRACE`]).
fn is_abandoned(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(meta)
            if meta.is_file()
                && meta
                    .modified()
                    .ok()
                    .and_then(|at| at.elapsed().ok())
                    .is_some_and(|age| age >= GRACE) => {}
        _ => return false,
    }
    match File::open(path) {
        Ok(file) => file.try_lock().is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_temp_file_is_kept_and_an_abandoned_one_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let live = create(dir.path(), "omgreg-test-").unwrap();
        // A file of the same name pattern that nobody holds: a killed writer's.
        let dead = dir.path().join("omgreg-test-dead");
        std::fs::write(&dead, b"partial").unwrap();
        let young = dir.path().join("omgreg-test-young");
        std::fs::write(&young, b"just created, not locked yet").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for path in [&dead, &live.path().to_owned()] {
            let file = File::options().write(true).open(path).unwrap();
            file.set_modified(an_hour_ago).unwrap();
        }
        assert_eq!(abandoned(dir.path(), "omgreg-test-"), vec![dead.clone()]);
        assert_eq!(sweep(dir.path(), "omgreg-test-"), 1);
        assert!(live.path().exists() && young.exists() && !dead.exists());
    }
}
