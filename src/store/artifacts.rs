//! Artifact sources on disk: files or whole folders, symbolic links refused.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::StoreError;
use super::error::IoContext;
use crate::registry::Digest;

/// One file to store, and the path it gets below `artifacts/<version>/`.
#[derive(Debug, Clone)]
pub struct ArtifactSource {
    pub relative: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Lists the files of one `--artifact` argument: the file itself, or every file of a
/// folder (named `<folder>/<relative path>`), in a stable order. Symbolic links are
/// refused anywhere, so nothing outside the given path is ever read.
pub fn collect_artifacts(arg: &Path) -> Result<Vec<ArtifactSource>, StoreError> {
    let meta = artifact_metadata(arg)?;
    let name = artifact_name(arg)?;
    if meta.is_file() {
        return Ok(vec![ArtifactSource {
            relative: name,
            path: arg.to_owned(),
            size: meta.len(),
        }]);
    }
    if !meta.is_dir() {
        return Err(StoreError::ArtifactNotAFile {
            path: arg.to_owned(),
        });
    }
    let sources = folder_sources(arg, &name)?;
    if sources.is_empty() {
        return Err(StoreError::ArtifactEmptyFolder {
            path: arg.to_owned(),
        });
    }
    Ok(sources)
}

/// The metadata of `arg` itself, refusing a missing path or a symbolic link.
fn artifact_metadata(arg: &Path) -> Result<std::fs::Metadata, StoreError> {
    let meta = match std::fs::symlink_metadata(arg) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::ArtifactNotFound {
                path: arg.to_owned(),
            });
        }
        Err(err) => return Err(err).io_context("reading", arg),
    };
    if meta.file_type().is_symlink() {
        return Err(StoreError::ArtifactSymlink {
            path: arg.to_owned(),
        });
    }
    Ok(meta)
}

/// The UTF-8 name `arg` goes by once resolved: the first part of its relative paths.
fn artifact_name(arg: &Path) -> Result<String, StoreError> {
    arg.canonicalize()
        .io_context("resolving", arg)?
        .file_name()
        .map(|name| name.to_str().map(str::to_owned))
        .ok_or_else(|| StoreError::ArtifactNotAFile {
            path: arg.to_owned(),
        })?
        .ok_or_else(|| StoreError::ArtifactName {
            path: arg.to_owned(),
        })
}

/// Every file below the folder `arg`, named `<name>/<relative path>`, sorted by name.
fn folder_sources(arg: &Path, name: &str) -> Result<Vec<ArtifactSource>, StoreError> {
    let mut sources = Vec::new();
    for entry in walkdir::WalkDir::new(arg)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|err| {
            let path = err.path().unwrap_or(arg).to_owned();
            StoreError::Io {
                what: "walking",
                path,
                source: err.into(),
            }
        })?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_symlink() {
            return Err(StoreError::ArtifactSymlink {
                path: entry.path().to_owned(),
            });
        }
        if !kind.is_file() {
            return Err(StoreError::ArtifactNotAFile {
                path: entry.path().to_owned(),
            });
        }
        let inner = entry
            .path()
            .strip_prefix(arg)
            .expect("walkdir yields paths below its root");
        let inner = inner
            .components()
            .map(|part| part.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::ArtifactName {
                path: entry.path().to_owned(),
            })?;
        let size = entry.metadata().map_err(|err| StoreError::Io {
            what: "reading",
            path: entry.path().to_owned(),
            source: err.into(),
        })?;
        sources.push(ArtifactSource {
            relative: format!("{name}/{}", inner.join("/")),
            path: entry.path().to_owned(),
            size: size.len(),
        });
    }
    Ok(sources)
}

/// The sha256 and size of a file, read in one pass.
pub fn hash_file(path: &Path) -> Result<(Digest, u64), StoreError> {
    hash_file_reporting(path, &mut |_| {})
}

/// [`hash_file`], telling `read_so_far` how many bytes it has hashed after each chunk
/// (for progress bars over big objects).
pub fn hash_file_reporting(
    path: &Path,
    read_so_far: &mut dyn FnMut(u64),
) -> Result<(Digest, u64), StoreError> {
    let mut file = File::open(path).io_context("opening", path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    let mut total = 0u64;
    loop {
        let read = file.read(&mut buffer).io_context("reading", path)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
        read_so_far(total);
    }
    Ok((Digest::from_bytes(&hasher.finalize().into()), total))
}
