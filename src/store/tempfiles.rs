//! Temporary files that the next run can clean up: each is locked (an OS file lock,
//! released when its writer dies) for as long as its writer lives, so a later run
//! removes exactly those whose lock it can take — the leftovers of killed writers.
//!
//! A file can only be locked once it exists, so it is born under a staging name
//! (`.creating-<prefix>…`), locked, and only then renamed to `<prefix>…` (the lock
//! goes with it): a `<prefix>…` file is always either locked or abandoned. Staging
//! files are left alone for [`GRACE`], the instant between creating and renaming.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::{NamedTempFile, TempPath};

use super::StoreError;
use super::error::IoContext;

/// How old an unlocked staging file must be before it counts as abandoned.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// The prefix of a temporary file before it is locked.
const STAGING: &str = ".creating-";

/// A new temporary file named `<prefix>…` in `dir`, locked by this process.
pub(crate) fn create(dir: &Path, prefix: &str) -> Result<NamedTempFile, StoreError> {
    let staging_prefix = format!("{STAGING}{prefix}");
    let staged = tempfile::Builder::new()
        .prefix(&staging_prefix)
        .tempfile_in(dir)
        .io_context("creating a temporary file in", dir)?;
    staged
        .as_file()
        .lock()
        .io_context("locking the temporary file", staged.path())?;
    let name = staged
        .path()
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_prefix(STAGING))
        .expect("tempfile names the file with the prefix it was given")
        .to_owned();
    let path = dir.join(name);
    let file = staged
        .persist_noclobber(&path)
        .map_err(|err| StoreError::Io {
            what: "naming the temporary file",
            path: path.clone(),
            source: err.error,
        })?;
    let path = TempPath::try_from_path(&path).io_context("naming the temporary file", &path)?;
    Ok(NamedTempFile::from_parts(file, path))
}

/// The files `<prefix>…` in `dir` whose writer is gone (their lock can be taken),
/// and staging files of that prefix older than [`GRACE`].
pub(crate) fn abandoned(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let staging_prefix = format!("{STAGING}{prefix}");
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let dead = if name.starts_with(prefix) {
                is_unlocked(&path)
            } else {
                name.starts_with(&staging_prefix) && is_old(&path) && is_unlocked(&path)
            };
            dead.then_some(path)
        })
        .collect()
}

/// Removes the abandoned `<prefix>…` files of `dir`; returns how many.
pub(crate) fn sweep(dir: &Path, prefix: &str) -> usize {
    abandoned(dir, prefix)
        .iter()
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count()
}

/// Whether `path` is a regular file whose lock no live process holds.
fn is_unlocked(path: &Path) -> bool {
    if !std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file()) {
        return false;
    }
    File::open(path).is_ok_and(|file| file.try_lock().is_ok())
}

/// Whether `path` was last written at least [`GRACE`] ago.
fn is_old(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .ok()
        .and_then(|meta| meta.modified().ok())
        .and_then(|at| at.elapsed().ok())
        .is_some_and(|age| age >= GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_temp_file_is_kept_and_an_abandoned_one_is_swept() {
        let dir = tempfile::tempdir().unwrap();
        let live = create(dir.path(), "omgreg-test-").unwrap();
        assert!(!live.path().to_string_lossy().contains(STAGING));
        // Files of the same name pattern that nobody holds: a killed writer's.
        let dead = dir.path().join("omgreg-test-dead");
        std::fs::write(&dead, b"partial").unwrap();
        let staged_old = dir.path().join(".creating-omgreg-test-old");
        std::fs::write(&staged_old, b"").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        let file = File::options().write(true).open(&staged_old).unwrap();
        file.set_modified(an_hour_ago).unwrap();
        // One being created right now by a live writer.
        let staged_young = dir.path().join(".creating-omgreg-test-young");
        std::fs::write(&staged_young, b"").unwrap();
        let mut found = abandoned(dir.path(), "omgreg-test-");
        found.sort();
        assert_eq!(found, vec![staged_old.clone(), dead.clone()]);
        assert_eq!(sweep(dir.path(), "omgreg-test-"), 2);
        assert!(live.path().exists() && staged_young.exists());
        assert!(!dead.exists() && !staged_old.exists());
        // The live file is still a temporary file: dropping it removes it.
        let path = live.path().to_owned();
        drop(live);
        assert!(!path.exists());
    }
}
