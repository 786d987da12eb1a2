//! Signed artifacts (OMS bundles, issue 15): `omgreg sign`, `register --sign-artifacts`
//! and `--signature`, `verify --artifacts`, and the judges that `checkout`, `promote`
//! and `check` call. The bundle lives at `models/<m>/signatures/<v>.sig`; the keys it
//! may be signed by at `.omgreg/artifact_keys/*.pem`, as the judging state holds them.

mod judge;
mod rehash;

use std::path::PathBuf;

use crate::registry::{
    self, Change, Event, FileChange, ModelName, ModelRef, ModelVersion, RefTarget, RegistryError,
    Snapshot, VersionId, load_config, signature_file,
};
use crate::sign::SignMode;
use crate::sign::oms::{self, FileDigest, OmsError, PublicKey, SigningKey};
use crate::store::{Committed, LfsStore, Store};

pub use judge::{ArtifactSigError, Judged, compare, judge_version, record_files, trusted_keys};
pub use rehash::rehash_record;

use super::{CommandError, commit_action, open_writer};

/// Where a version's signature comes from.
pub enum SignSource {
    /// Sign the record's digests with this PEM private key.
    Key(PathBuf),
    /// Attach this bundle (made by `model_signing sign key`, or by omgreg).
    Bundle(PathBuf),
}

impl SignSource {
    /// `--key` (which wins; clap refuses both) or `--signature`, if either is given.
    pub fn from_flags(key: Option<PathBuf>, signature: Option<PathBuf>) -> Option<Self> {
        key.map(Self::Key).or(signature.map(Self::Bundle))
    }
}

/// A signature source, read.
pub enum LoadedSource {
    Key(SigningKey),
    Bundle { path: PathBuf, bytes: Vec<u8> },
}

impl LoadedSource {
    /// Reads the key or bundle file (before anything else runs).
    pub fn load(source: &SignSource) -> Result<Self, CommandError> {
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|err| {
                ArtifactSigError::from(OmsError::Key {
                    path: path.display().to_string(),
                    why: err.to_string(),
                })
            })
        };
        Ok(match source {
            SignSource::Key(path) => {
                let text = String::from_utf8(read(path)?).unwrap_or_default();
                Self::Key(
                    SigningKey::from_pem(&path.display().to_string(), &text)
                        .map_err(ArtifactSigError::from)?,
                )
            }
            SignSource::Bundle(path) => Self::Bundle {
                path: path.clone(),
                bytes: read(path)?,
            },
        })
    }

    /// The bundle file, when one is attached.
    pub fn bundle_path(&self) -> Option<&std::path::Path> {
        match self {
            Self::Bundle { path, .. } => Some(path),
            Self::Key(_) => None,
        }
    }

    /// The bundle to store for `files` of `model@version`: signed with the key (which
    /// must be trusted), or the attached one once a trusted key verifies it and it
    /// signs `files` (another serialization only with `rehash`: the version's bytes).
    pub fn bundle_for(
        &self,
        (model, version): (&ModelName, &str),
        files: &[FileDigest],
        trusted: &[PublicKey],
        rehash: Option<(&LfsStore, &ModelVersion)>,
    ) -> Result<Vec<u8>, ArtifactSigError> {
        match self {
            Self::Key(key) => {
                let hint = key.public().hint();
                if !trusted.iter().any(|k| k.hint() == hint) {
                    return Err(OmsError::UntrustedKey {
                        hint: hint.to_owned(),
                    }
                    .into());
                }
                Ok(oms::sign(model.as_str(), files, key))
            }
            Self::Bundle { bytes, .. } => {
                let judged = judge::verify_bundle(bytes, trusted)?;
                match rehash {
                    Some((lfs, v)) if !judged.manifest.serialization.is_files_sha256() => {
                        rehash::check_shards(lfs, v, &judged.manifest)?;
                    }
                    _ => compare(&judged.manifest, model, &version, files)?,
                }
                Ok(bytes.clone())
            }
        }
    }
}

/// `omgreg sign`: what to sign and how.
pub struct SignRequest {
    pub reference: ModelRef,
    pub source: SignSource,
    /// Read the artifacts' bytes again (and accept bundles of other serializations
    /// when the bytes agree with them).
    pub rehash: bool,
    /// Extra text for the commit message (`-m`).
    pub message: Option<String>,
    /// Compute the change but write nothing.
    pub dry_run: bool,
}

impl SignRequest {
    pub fn new(reference: ModelRef, source: SignSource, rehash: bool) -> Self {
        Self {
            reference,
            source,
            rehash,
            message: None,
            dry_run: false,
        }
    }
}

/// Writes the version's signature bundle in one commit, signed as every action is.
pub fn sign(
    store: &Store,
    request: &SignRequest,
    mode: SignMode,
) -> Result<Committed, CommandError> {
    let source = LoadedSource::load(&request.source)?;
    let snapshot = store.snapshot(None)?;
    let config = load_config(&snapshot)?;
    let version = registry::resolve(&snapshot, &config, &request.reference)?.version;
    let trusted = trusted_keys(&snapshot)?;
    let lfs = store.lfs();
    if request.rehash {
        rehash_record(&lfs, &version)?;
    }
    let bundle = source.bundle_for(
        (&version.model, &version.version.to_string()),
        &record_files(&version),
        &trusted,
        request.rehash.then_some((&lfs, &version)),
    )?;
    let path = signature_file(&version.model, &version.version);
    if snapshot.read(&path)?.as_deref() == Some(bundle.as_slice()) {
        return Err(ArtifactSigError::AlreadySigned {
            model: version.model.to_string(),
            version: version.version.to_string(),
        }
        .into());
    }
    drop(snapshot);
    let (model, id) = (version.model.clone(), version.version.clone());
    let exact = ModelRef {
        model: model.clone(),
        target: RefTarget::Version(id.clone()),
    };
    let (writer, _) = open_writer(store, mode)?;
    commit_action(&writer, request.dry_run, None, &mut |snapshot| {
        // Registered versions are immutable: the bundle made from HEAD still holds.
        registry::resolve(snapshot, &load_config(snapshot)?, &exact)?;
        Ok(Change {
            files: vec![(path.clone(), FileChange::Write(bundle.clone()))],
            event: Event::Signed {
                model: model.clone(),
                version: id.clone(),
            },
            message: request.message.clone(),
        })
    })
}

/// `register --sign-artifacts` / `--signature`: the bundle for the registered files,
/// judged before the commit; the caller adds it to the registration's change.
pub fn bundle_for_registration(
    store: &Store,
    source: &LoadedSource,
    model: &ModelName,
    artifacts: &[crate::registry::ArtifactInput],
) -> Result<Vec<u8>, CommandError> {
    let snapshot = store.snapshot(None)?;
    let trusted = trusted_keys(&snapshot)?;
    let files: Vec<FileDigest> = artifacts
        .iter()
        .filter(|a| a.uri.is_none())
        .filter_map(|a| {
            Some(FileDigest {
                name: a.path.clone(),
                sha256: hex::decode(a.sha256.as_str()).ok()?.try_into().ok()?,
            })
        })
        .collect();
    Ok(source.bundle_for((model, "(new)"), &files, &trusted, None)?)
}

/// Adds the bundle to a registration's change, at the registered version's path.
pub fn add_to_registration(change: &mut Change, bundle: &[u8]) {
    if let Event::Registered { model, version } = &change.event {
        let path = signature_file(model, version);
        change
            .files
            .push((path, FileChange::Write(bundle.to_vec())));
    }
}

/// What `verify --artifacts` found: the trusted key and the files whose bytes match.
pub struct ArtifactsVerdict {
    pub model: ModelName,
    pub version: VersionId,
    pub key: String,
    pub files: usize,
}

/// `verify MODEL@REF --artifacts`: the bundle against the trusted keys of `snapshot`
/// and the record, then every stored artifact's bytes against the record. Every
/// failure is a violation (exit 3).
pub fn verify_artifacts(
    store: &Store,
    reference: &ModelRef,
) -> Result<ArtifactsVerdict, CommandError> {
    let snapshot = &store.snapshot(None)?;
    let config = load_config(snapshot)?;
    let version = registry::resolve(snapshot, &config, reference)?.version;
    let violation = |err: ArtifactSigError| CommandError::Corrupt(err.into());
    let trusted = trusted_keys(snapshot).map_err(violation)?;
    let lfs = store.lfs();
    let shards = |manifest: &oms::Manifest| rehash::check_shards(&lfs, &version, manifest);
    let judged = judge_version(snapshot, &version, &trusted, Some(&shards)).map_err(violation)?;
    let files = rehash_record(&lfs, &version).map_err(violation)?.len();
    Ok(ArtifactsVerdict {
        model: version.model,
        version: version.version,
        key: judged.key,
        files,
    })
}

/// For `checkout`: a version with a bundle must be signed by a trusted key over its
/// record (a `shards` bundle: over the bytes of `lfs`), exit 3 otherwise; a version
/// without one passes.
pub fn judge_if_signed(
    snapshot: &dyn Snapshot,
    version: &ModelVersion,
    lfs: &LfsStore,
) -> Result<(), CommandError> {
    if !snapshot
        .exists(&signature_file(&version.model, &version.version))
        .unwrap_or(false)
    {
        return Ok(());
    }
    let violation = |err: ArtifactSigError| CommandError::Corrupt(err.into());
    let trusted = trusted_keys(snapshot).map_err(violation)?;
    let shards = |manifest: &oms::Manifest| rehash::check_shards(lfs, version, manifest);
    judge_version(snapshot, version, &trusted, Some(&shards)).map_err(violation)?;
    Ok(())
}

/// For a promotion or a rollback: each version entering a stage that requires signed
/// artifacts has a bundle a trusted key (of `snapshot`, the state acted on) signed.
/// (`check` judges the state the same way: a rollback is no way around it.)
pub fn require_for_moves(snapshot: &dyn Snapshot, change: &Change) -> Result<(), RegistryError> {
    let entering: Vec<(&ModelName, &VersionId, &str)> = match &change.event {
        Event::Promoted { moves } => moves
            .iter()
            .map(|m| (&m.model, &m.version, m.stage.as_str()))
            .collect(),
        Event::RolledBack {
            model,
            slot: registry::Slot::Stage(stage),
            to,
            ..
        } => vec![(model, to, stage.as_str())],
        _ => return Ok(()),
    };
    let config = load_config(snapshot)?;
    for (model, id, stage) in entering {
        if !config.requires_artifact_signature(stage) {
            continue;
        }
        let refuse = |why: String| RegistryError::UnsignedArtifacts {
            model: model.to_string(),
            version: id.to_string(),
            stage: stage.to_owned(),
            why,
        };
        let version = registry::load_version(snapshot, model, id)?
            .ok_or_else(|| refuse("it is not registered".to_owned()))?;
        let trusted = trusted_keys(snapshot).map_err(|err| refuse(err.to_string()))?;
        judge_version(snapshot, &version, &trusted, None).map_err(|err| refuse(err.to_string()))?;
    }
    Ok(())
}
