//! Materializing one version's artifacts as real files: resolving the version,
//! fetching the Git LFS objects missing locally, verifying every object, copying.

use std::path::{Component, Path, PathBuf};

use crate::registry::{
    self, Artifact, ModelName, ModelRef, ModelVersion, Snapshot, VersionId, artifact_path,
    load_config,
};
use crate::schema::ArtifactDoc;
use crate::store::{LfsStore, Store, StoreError, hash_file_reporting};

use super::transport::{git, require_git_lfs};
use super::{CommandError, Progress, ProgressBytes};

/// What to check out.
pub struct CheckoutRequest {
    pub reference: ModelRef,
    /// Where to write the files; `None`: `<model>-<version>` in `base`, or in the
    /// user's cache when `base` is inside the registry's working tree.
    pub dest: Option<PathBuf>,
    /// The folder a relative `dest` is taken from.
    pub base: PathBuf,
    /// The remote to fetch missing objects from.
    pub remote: String,
}

/// What `checkout` did.
pub struct CheckoutReport {
    pub model: ModelName,
    pub version: VersionId,
    /// The destination folder.
    pub dest: PathBuf,
    /// The files written, then the linked artifacts (listed, not downloaded).
    pub artifacts: Vec<CheckedOut>,
}

/// One artifact of a checkout: a file written, or (with `uri`) a linked artifact.
pub struct CheckedOut {
    /// The file written, or the artifact's path in the version for a linked one.
    pub path: String,
    pub sha256: String,
    pub size: Option<u64>,
    /// Where a linked artifact lives; `None` for the files written.
    pub uri: Option<String>,
}

/// Copies each stored artifact of the requested version into the destination,
/// fetching the missing objects from `request.remote` first. Every object is
/// verified before any file is written: a corrupt or missing one leaves the
/// destination untouched.
pub fn checkout(
    store: &Store,
    snapshot: &dyn Snapshot,
    request: &CheckoutRequest,
    progress: &dyn Progress,
    bytes: &dyn ProgressBytes,
) -> Result<CheckoutReport, CommandError> {
    let config = load_config(snapshot)?;
    let row = registry::resolve(snapshot, &config, &request.reference)?;
    let version = &row.version;
    let folder = format!("{}-{}", version.model, version.version);
    let dest = match &request.dest {
        Some(dest) => request.base.join(dest),
        None => default_dest(store, &request.base, &folder),
    };
    let lfs = store.lfs();
    let stored: Vec<_> = version.artifacts().filter(|a| a.is_stored()).collect();
    fetch_missing(store, &lfs, version, &stored, &request.remote, progress)?;
    // The bundle (when the version has one) before any byte is written.
    super::artifact_sig::judge_if_signed(snapshot, version, &lfs)?;
    let verified = verify(&lfs, &stored, bytes)?;
    let mut artifacts = write(&dest, verified)?;
    for artifact in version.doc.artifacts.iter().filter(|a| a.uri.is_some()) {
        artifacts.push(CheckedOut {
            path: artifact.path.clone(),
            sha256: artifact.sha256.clone(),
            size: artifact.size,
            uri: artifact.uri.clone(),
        });
    }
    Ok(CheckoutReport {
        model: version.model.clone(),
        version: version.version.clone(),
        dest,
        artifacts,
    })
}

/// Where a checkout without `--dest` goes: `<model>-<version>` in the working folder,
/// unless that is inside the registry's working tree (the files would sit there
/// untracked, one `git add -A` away from the registry): then in the user's cache,
/// `$XDG_CACHE_HOME/omgreg/checkouts/` (else `~/.cache/omgreg/checkouts/`).
fn default_dest(store: &Store, base: &Path, folder: &str) -> PathBuf {
    let inside = store.workdir().is_some_and(|workdir| {
        let (Ok(base), Ok(workdir)) = (base.canonicalize(), workdir.canonicalize()) else {
            return false;
        };
        base.starts_with(workdir)
    });
    if !inside {
        return base.join(folder);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    match cache {
        Some(cache) => cache.join("omgreg/checkouts").join(folder),
        None => base.join(folder),
    }
}

/// `git lfs fetch --include` of the stored artifacts that have no local object.
fn fetch_missing(
    store: &Store,
    lfs: &LfsStore,
    version: &ModelVersion,
    stored: &[Artifact<'_>],
    remote: &str,
    progress: &dyn Progress,
) -> Result<(), CommandError> {
    let missing: Vec<String> = stored
        .iter()
        .filter(|a| !lfs.has_object(a.digest, a.record.size.unwrap_or_default()))
        .map(|a| {
            format!(
                "{}{}",
                store.prefix(),
                artifact_path(&version.model, &version.version, &a.record.path)
            )
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    progress.status(&format!(
        "Fetching {} artifact(s) from `{remote}`",
        missing.len(),
    ));
    require_git_lfs()?;
    git(
        store,
        &["lfs", "fetch", remote, "--include", &missing.join(",")],
    )?;
    Ok(())
}

/// Each stored artifact's record, local object and size, once its content hashes
/// to the recorded sha256 and size.
fn verify<'a>(
    lfs: &LfsStore,
    stored: &[Artifact<'a>],
    bytes: &dyn ProgressBytes,
) -> Result<Vec<(&'a ArtifactDoc, PathBuf, u64)>, CommandError> {
    bytes.total(stored.iter().filter_map(|a| a.record.size).sum());
    let mut done_before = 0;
    let mut verified = Vec::new();
    for artifact in stored {
        let oid = &artifact.digest;
        let object = lfs.object_file(oid);
        let (digest, size) =
            hash_file_reporting(&object, &mut |done| bytes.set(done_before + done)).map_err(
                |_| super::read::ObjectMissing {
                    oid: oid.to_string(),
                },
            )?;
        done_before += size;
        if digest != **oid
            || artifact
                .record
                .size
                .is_some_and(|expected| expected != size)
        {
            // Exit 3, naming the artifact: the store holds other bytes than recorded.
            return Err(CommandError::Corrupt(
                CheckoutError::ObjectCorrupt {
                    file: artifact.record.path.clone(),
                    oid: oid.to_string(),
                    actual: digest.to_string(),
                }
                .into(),
            ));
        }
        verified.push((artifact.record, object, size));
    }
    bytes.finish();
    Ok(verified)
}

/// Copies the verified objects to their paths under `dest`, never through a link:
/// every path is judged before the first file is written (so a refusal leaves the
/// destination as it was), folders are made one at a time, and each file is written
/// beside its place and renamed there.
fn write(
    dest: &Path,
    verified: Vec<(&ArtifactDoc, PathBuf, u64)>,
) -> Result<Vec<CheckedOut>, CommandError> {
    for (artifact, _, _) in &verified {
        judge_path(dest, &artifact.path)?;
    }
    let mut written = Vec::new();
    for (artifact, object, size) in verified {
        let target = dest.join(&artifact.path);
        make_folders(dest, Path::new(&artifact.path))?;
        copy_beside(&object, &target)?;
        written.push(CheckedOut {
            path: target.display().to_string(),
            sha256: artifact.sha256.clone(),
            size: Some(size),
            uri: None,
        });
    }
    Ok(written)
}

/// Refuses a recorded path that could leave `dest` (`..`, absolute) and any link (or a
/// file where a folder is needed) already on its way inside `dest`.
fn judge_path(dest: &Path, relative: &str) -> Result<(), CheckoutError> {
    let path = Path::new(relative);
    if relative.is_empty()
        || !path
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
    {
        return Err(CheckoutError::UnsafePath {
            path: relative.to_owned(),
        });
    }
    let mut current = dest.to_owned();
    let parts: Vec<_> = path.components().collect();
    for (depth, part) in parts.iter().enumerate() {
        current.push(part);
        let last = depth + 1 == parts.len();
        match std::fs::symlink_metadata(&current) {
            Err(_) => return Ok(()),
            Ok(meta) if meta.file_type().is_symlink() => {}
            Ok(meta) if !last && meta.is_dir() => continue,
            Ok(meta) if last && meta.is_file() => return Ok(()),
            Ok(_) => {}
        }
        return Err(CheckoutError::LinkInDestination {
            path: current.display().to_string(),
        });
    }
    Ok(())
}

/// Makes the folders of `relative` under `dest` one at a time, refusing a link that
/// appeared on the way since [`judge_path`].
fn make_folders(dest: &Path, relative: &Path) -> Result<(), CommandError> {
    let mut current = dest.to_owned();
    std::fs::create_dir_all(&current).map_err(io("creating", &current))?;
    let Some(parent) = relative.parent() else {
        return Ok(());
    };
    for part in parent.components() {
        current.push(part);
        match std::fs::create_dir(&current) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                let meta = std::fs::symlink_metadata(&current).map_err(io("reading", &current))?;
                if !meta.is_dir() {
                    return Err(CheckoutError::LinkInDestination {
                        path: current.display().to_string(),
                    }
                    .into());
                }
            }
            Err(err) => return Err(io("creating", &current)(err).into()),
        }
    }
    Ok(())
}

/// Copies `object` to a new file beside `target` and renames it over `target`: a
/// rename replaces a link planted there instead of writing through it.
fn copy_beside(object: &Path, target: &Path) -> Result<(), CommandError> {
    let parent = target.parent().expect("a file under the destination");
    let mut temp = tempfile::Builder::new()
        .prefix(".omgreg-checkout-")
        .tempfile_in(parent)
        .map_err(io("writing", parent))?;
    let mut source = std::fs::File::open(object).map_err(io("reading", object))?;
    std::io::copy(&mut source, temp.as_file_mut()).map_err(io("writing", temp.path()))?;
    temp.persist(target)
        .map_err(|err| io("writing", target)(err.error))?;
    Ok(())
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io { what, path, source }
}

/// Why `checkout` refuses to write a file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CheckoutError {
    #[error(
        "`{path}` is a symbolic link (or not a folder where one is needed); checkout never writes through links"
    )]
    #[diagnostic(
        code(omgreg::checkout::link_in_destination),
        help("remove it, or check out into a new folder (`--dest`)")
    )]
    LinkInDestination { path: String },

    #[error("the artifact path `{path}` would leave the destination folder")]
    #[diagnostic(
        code(omgreg::checkout::unsafe_path),
        help("the version file was edited by hand; `omgreg check` names it")
    )]
    UnsafePath { path: String },

    #[error(
        "artifact `{file}`: its local LFS object `{oid}` holds other bytes (sha256 `{actual}`)"
    )]
    #[diagnostic(
        code(omgreg::checkout::object_corrupt),
        help(
            "delete it from `.git/lfs/objects` and fetch it again (`git lfs fetch`); nothing was written"
        )
    )]
    ObjectCorrupt {
        file: String,
        oid: String,
        actual: String,
    },
}

impl From<CheckoutError> for CommandError {
    fn from(err: CheckoutError) -> Self {
        Self::User(err.into())
    }
}
