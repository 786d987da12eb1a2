//! Keeping the working tree and index in step with the branch, for touched paths only.

use std::path::Path;

use git2::{ObjectType, Oid, Repository};

use super::super::error::{GitContext, IoContext};
use super::super::failpoint;
use super::super::{LfsPointer, StoreError, TreeSnapshot, hash_file, tempfiles};
use super::PlannedFile;
use super::index_file::{self, FileStat, IndexLock, IndexUpdate};
use super::index_format::Staged;
use crate::registry::Change;

/// Refuses the change when a file it touches has uncommitted edits (staged, modified,
/// deleted, or an untracked file in the way), before anything is written.
pub(crate) fn ensure_clean(
    repo: &Repository,
    prefix: &str,
    snapshot: &TreeSnapshot<'_>,
    change: &Change,
) -> Result<(), StoreError> {
    let workdir = repo
        .workdir()
        .expect("only called for repositories with a working tree");
    let repo_paths: Vec<String> = change
        .files
        .iter()
        .map(|(path, _)| format!("{prefix}{path}"))
        .collect();
    let staged = index_file::staged(repo.path(), &repo_paths)?;
    let mut dirty = Vec::new();
    for (((path, _), repo_path), staged) in change.files.iter().zip(repo_paths).zip(staged) {
        if let Some(link) = symlinked_ancestor(workdir, &repo_path) {
            return Err(StoreError::SymlinkInWorkingTree { path: link });
        }
        let base = snapshot.entry_id(path).map(|(id, _)| id);
        let staged_as_base = match (staged, base) {
            (Staged::Absent, None) => true,
            (Staged::Blob(staged), Some(base)) => staged == base,
            _ => false,
        };
        let on_disk = workdir.join(&repo_path);
        if !(staged_as_base && on_disk_is(repo, &on_disk, base)?) {
            dirty.push(repo_path);
        }
    }
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(StoreError::DirtyPaths { paths: dirty })
    }
}

/// The first folder on the way to `repo_path` that is a symbolic link (or not a
/// folder at all): writing through it would land outside the working tree.
fn symlinked_ancestor(workdir: &Path, repo_path: &str) -> Option<String> {
    let parts: Vec<&str> = repo_path.split('/').collect();
    let mut current = workdir.to_owned();
    for (depth, part) in parts[..parts.len().saturating_sub(1)].iter().enumerate() {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Some(parts[..=depth].join("/")),
            Err(_) => return None,
        }
    }
    None
}

/// The prefix of the temporary files written next to working-tree files.
pub(crate) const TEMP_PREFIX: &str = ".omgreg-";

/// Whether `file` holds blob `id` (or its LFS object), or is absent for `None`.
pub(crate) fn on_disk_is(
    repo: &Repository,
    file: &Path,
    id: Option<Oid>,
) -> Result<bool, StoreError> {
    match (std::fs::symlink_metadata(file), id) {
        (Err(err), None) => Ok(err.kind() == std::io::ErrorKind::NotFound),
        (Ok(meta), Some(id)) if meta.is_file() => matches_blob(repo, file, meta.len(), id),
        _ => Ok(false),
    }
}

/// Whether the file on disk holds blob `id`, or the content an LFS pointer blob names.
fn matches_blob(repo: &Repository, file: &Path, len: u64, id: Oid) -> Result<bool, StoreError> {
    if Oid::hash_file(ObjectType::Blob, file).git_context("hashing a working-tree file")? == id {
        return Ok(true);
    }
    let blob = repo.find_blob(id).git_context("reading a blob")?;
    match LfsPointer::parse(blob.content()) {
        Some(pointer) if pointer.size == len => Ok(hash_file(file)?.0 == pointer.oid),
        _ => Ok(false),
    }
}

/// Writes the touched files into the working tree (each atomically) and updates
/// their index entries through `lock`, which the caller took before the branch moved.
pub(crate) fn refresh(
    repo: &Repository,
    planned: &[PlannedFile],
    lock: IndexLock,
) -> Result<(), StoreError> {
    let workdir = repo
        .workdir()
        .expect("only called for repositories with a working tree");
    let mut updates = Vec::with_capacity(planned.len());
    for file in planned {
        let path = workdir.join(&file.repo_path);
        let update = match (&file.content, file.blob) {
            (Some(bytes), Some(oid)) => {
                write_atomically(&path, bytes)?;
                // The blob id is known: stat the file instead of hashing it again.
                let meta = std::fs::metadata(&path).io_context("reading", &path)?;
                IndexUpdate::Upsert {
                    path: file.repo_path.clone(),
                    oid,
                    mode: 0o100_644,
                    stat: FileStat::of(&meta),
                }
            }
            _ => {
                remove_and_prune(workdir, &path)?;
                IndexUpdate::Remove {
                    path: file.repo_path.clone(),
                }
            }
        };
        updates.push(update);
        failpoint("worktree-file");
    }
    lock.commit(&updates)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let parent = path
        .parent()
        .expect("working-tree files have a parent folder");
    std::fs::create_dir_all(parent).io_context("creating", parent)?;
    let mut temp = tempfiles::create(parent, TEMP_PREFIX)?;
    std::io::Write::write_all(&mut temp, bytes).io_context("writing", temp.path())?;
    set_file_mode(temp.as_file(), path)?;
    temp.persist(path).map_err(|err| StoreError::Io {
        what: "writing",
        path: path.to_owned(),
        source: err.error,
    })?;
    Ok(())
}

#[cfg(unix)]
fn set_file_mode(file: &std::fs::File, path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .io_context("setting permissions of", path)
}

#[cfg(not(unix))]
fn set_file_mode(_: &std::fs::File, _: &Path) -> Result<(), StoreError> {
    Ok(())
}

fn remove_and_prune(workdir: &Path, path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).io_context("removing", path),
    }
    let mut folder = path.parent();
    while let Some(dir) = folder {
        if dir == workdir || std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}
