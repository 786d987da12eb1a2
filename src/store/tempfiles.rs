//! Temporary files that the next run can clean up: each is locked (an OS file lock,
//! released when its writer dies) for as long as its writer lives, so a later run
//! removes exactly those whose lock it can take — the leftovers of killed writers.
//!
//! A file can only be locked once it exists, so it is born under a staging name
//! (`.creating-<prefix>…`), locked, and only then renamed to `<prefix>…` (the lock
//! goes with it): a `<prefix>…` file is always either locked or abandoned. A staging
//! name carries its writer's process id (`.creating-<pid>-<prefix>…`): one whose
//! process is gone is abandoned at once; others (a live process, or a system without
//! `/proc` to ask) are left alone for [`GRACE`], the instant between creating and
//! renaming.

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
    let owner = format!("{STAGING}{}-", std::process::id());
    let staging_prefix = format!("{owner}{prefix}");
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
        .and_then(|name| name.strip_prefix(&owner))
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
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let dead = if name.starts_with(prefix) {
                is_unlocked(&path)
            } else {
                match staging_owner(&name, prefix) {
                    None => false,
                    Some(owner) => {
                        (owner.is_some_and(process_is_gone) || is_old(&path)) && is_unlocked(&path)
                    }
                }
            };
            dead.then_some(path)
        })
        .collect()
}

/// For a staging name of `prefix`: `Some(Some(pid))` with its writer's process id,
/// `Some(None)` for a name without one (written by an earlier omgreg); `None` for
/// any other name.
fn staging_owner(name: &str, prefix: &str) -> Option<Option<u32>> {
    let rest = name.strip_prefix(STAGING)?;
    if rest.starts_with(prefix) {
        return Some(None);
    }
    let (pid, rest) = rest.split_once('-')?;
    let pid = pid.parse().ok()?;
    rest.starts_with(prefix).then_some(Some(pid))
}

/// Whether process `pid` certainly no longer exists (Linux: no `/proc/<pid>`); on
/// systems without `/proc`, never certain.
fn process_is_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
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
        // A staging file of a process that is gone: abandoned at once.
        let staged_dead = dir
            .path()
            .join(format!(".creating-{}-omgreg-test-x", u32::MAX - 1));
        std::fs::write(&staged_dead, b"").unwrap();
        let staged_old = dir.path().join(".creating-omgreg-test-old");
        std::fs::write(&staged_old, b"").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        let file = File::options().write(true).open(&staged_old).unwrap();
        file.set_modified(an_hour_ago).unwrap();
        // Ones being created right now by a live writer (this process), with and
        // without a process id in the name.
        let staged_young = dir.path().join(".creating-omgreg-test-young");
        std::fs::write(&staged_young, b"").unwrap();
        let staged_live = dir
            .path()
            .join(format!(".creating-{}-omgreg-test-y", std::process::id()));
        std::fs::write(&staged_live, b"").unwrap();
        let mut found = abandoned(dir.path(), "omgreg-test-");
        found.sort();
        let mut expected = vec![staged_old.clone(), dead.clone()];
        if Path::new("/proc/self").exists() {
            expected.push(staged_dead.clone());
        }
        expected.sort();
        assert_eq!(found, expected);
        assert_eq!(sweep(dir.path(), "omgreg-test-"), expected.len());
        assert!(live.path().exists() && staged_young.exists() && staged_live.exists());
        assert!(!dead.exists() && !staged_old.exists());
        // The live file is still a temporary file: dropping it removes it.
        let path = live.path().to_owned();
        drop(live);
        assert!(!path.exists());
    }
}
