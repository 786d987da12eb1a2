//! Judging a version's OMS bundle: the registry's trusted artifact keys, the bundle's
//! signature, and its files against the version record's digests (no bytes read).

use std::collections::BTreeMap;

use crate::registry::{ARTIFACT_KEYS_DIR, ModelVersion, Snapshot, signature_file};
use crate::sign::oms::{self, FileDigest, Manifest, OmsError, PublicKey};

use super::super::CommandError;

/// Why a version's artifacts are not vouched for (or not as the record says).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ArtifactSigError {
    #[error("`{model}@{version}` has no artifact signature (`{path}`)")]
    #[diagnostic(
        code(omgreg::oms::unsigned),
        help(
            "sign it: `omgreg sign {model}@{version} --key KEY.pem` (or attach a bundle: `--signature FILE`)"
        )
    )]
    Unsigned {
        model: String,
        version: String,
        path: String,
    },

    #[error("the artifact signature of `{model}@{version}` does not match its record: {why}")]
    #[diagnostic(
        code(omgreg::oms::mismatch),
        help(
            "sign the files the version holds (`omgreg checkout` writes them), or pass `--rehash` to compare the bundle with the bytes"
        )
    )]
    Mismatch {
        model: String,
        version: String,
        why: String,
    },

    #[error(
        "artifact `{file}` of `{model}@{version}` does not hash to {what} `{expected}` (found `{actual}`)"
    )]
    #[diagnostic(
        code(omgreg::oms::bytes_mismatch),
        help(
            "the local LFS object is corrupt or the bundle signs other bytes; delete the object from `.git/lfs/objects` and fetch it again (`git lfs fetch`)"
        )
    )]
    BytesMismatch {
        model: String,
        version: String,
        file: String,
        what: &'static str,
        expected: String,
        actual: String,
    },

    #[error("`{model}@{version}` already has this artifact signature")]
    #[diagnostic(
        code(omgreg::oms::already_signed),
        help("nothing to do: `omgreg verify {model}@{version} --artifacts` checks it")
    )]
    AlreadySigned { model: String, version: String },

    #[error("the trusted artifact key `{path}` cannot be read: {why}")]
    #[diagnostic(
        code(omgreg::oms::trusted_key),
        help(
            "each file of `.omgreg/artifact_keys/` is one PEM EC public key on P-256, P-384 or P-521 (`*.pem`)"
        )
    )]
    TrustedKey { path: String, why: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Oms(#[from] OmsError),
}

impl From<ArtifactSigError> for CommandError {
    fn from(err: ArtifactSigError) -> Self {
        Self::User(err.into())
    }
}

/// The public keys in `.omgreg/artifact_keys/*.pem` of `snapshot` (BASE, for a
/// judge of a range), sorted by file name.
pub fn trusted_keys(snapshot: &dyn Snapshot) -> Result<Vec<PublicKey>, ArtifactSigError> {
    let mut keys = Vec::new();
    let mut names = snapshot.list(ARTIFACT_KEYS_DIR).unwrap_or_default();
    names.sort();
    for name in names.iter().filter(|n| n.ends_with(".pem")) {
        let path = format!("{ARTIFACT_KEYS_DIR}/{name}");
        let unreadable = |why: String| ArtifactSigError::TrustedKey {
            path: path.clone(),
            why,
        };
        let text = snapshot
            .read_text(&path)
            .map_err(|err| unreadable(err.to_string()))?
            .unwrap_or_default();
        keys.push(PublicKey::from_pem(&path, &text).map_err(|err| unreadable(err.to_string()))?);
    }
    Ok(keys)
}

/// The files a version holds (stored artifacts; linked ones have no bytes here), as
/// OMS names them: paths below the version's artifact folder.
pub fn record_files(version: &ModelVersion) -> Vec<FileDigest> {
    version
        .artifacts()
        .filter(|a| a.is_stored())
        .filter_map(|a| {
            let bytes: [u8; 32] = hex::decode(a.digest.as_str()).ok()?.try_into().ok()?;
            Some(FileDigest {
                name: a.record.path.clone(),
                sha256: bytes,
            })
        })
        .collect()
}

/// Checks a manifest of another serialization against the artifacts' bytes.
pub type CheckBytes<'a> = dyn Fn(&Manifest) -> Result<(), ArtifactSigError> + 'a;

/// A verified bundle of a version: the trusted key's name and what it signs.
pub struct Judged {
    pub key: String,
    pub manifest: Manifest,
}

/// Reads and verifies the bundle of `version` in `snapshot` against `trusted`, then
/// compares its files with the record; a bundle of another serialization only with
/// `bytes`, which checks it against the artifacts' bytes.
pub fn judge_version(
    snapshot: &dyn Snapshot,
    version: &ModelVersion,
    trusted: &[PublicKey],
    bytes: Option<&CheckBytes<'_>>,
) -> Result<Judged, ArtifactSigError> {
    let path = signature_file(&version.model, &version.version);
    let bundle = snapshot
        .read(&path)
        .ok()
        .flatten()
        .ok_or_else(|| ArtifactSigError::Unsigned {
            model: version.model.to_string(),
            version: version.version.to_string(),
            path: path.clone(),
        })?;
    let judged = verify_bundle(&bundle, trusted)?;
    if let Some(check_bytes) = bytes
        && !judged.manifest.serialization.is_files_sha256()
    {
        check_bytes(&judged.manifest)?;
        return Ok(judged);
    }
    compare(
        &judged.manifest,
        &version.model,
        &version.version,
        &record_files(version),
    )?;
    Ok(judged)
}

/// Verifies a bundle's signature against `trusted`.
pub fn verify_bundle(bundle: &[u8], trusted: &[PublicKey]) -> Result<Judged, ArtifactSigError> {
    let verified = oms::verify(bundle, trusted)?;
    Ok(Judged {
        key: verified.key,
        manifest: verified.manifest,
    })
}

/// Whether a `files`/`sha256` manifest names exactly the record's files with their
/// digests: below the version's artifact folder (what `checkout` writes), or below
/// the one folder that holds every file (what `model_signing sign key DIR` signs
/// when `register --artifact DIR` stored `DIR/...`).
pub fn compare(
    manifest: &Manifest,
    model: &impl std::fmt::Display,
    version: &impl std::fmt::Display,
    record: &[FileDigest],
) -> Result<(), ArtifactSigError> {
    let signed = manifest.file_digests()?;
    let recorded: BTreeMap<&str, [u8; 32]> =
        record.iter().map(|f| (f.name.as_str(), f.sha256)).collect();
    let within = common_folder(record)
        .map(|folder| {
            recorded
                .iter()
                .map(|(name, digest)| (&name[folder.len() + 1..], *digest))
                .collect::<BTreeMap<&str, [u8; 32]>>()
        })
        .filter(|within| within.keys().eq(signed.keys()));
    let expected = within.as_ref().unwrap_or(&recorded);
    let mismatch = |why: String| ArtifactSigError::Mismatch {
        model: model.to_string(),
        version: version.to_string(),
        why,
    };
    if let Some(name) = expected.keys().find(|n| !signed.contains_key(*n)) {
        return Err(mismatch(format!("it does not sign `{name}`")));
    }
    if let Some(name) = signed.keys().find(|n| !expected.contains_key(*n)) {
        return Err(mismatch(format!(
            "it signs `{name}`, which the version does not hold"
        )));
    }
    if let Some((name, _)) = signed.iter().find(|(n, d)| expected[*n] != **d) {
        return Err(mismatch(format!("it signs other bytes for `{name}`")));
    }
    Ok(())
}

/// The one top folder every recorded file lies in, if there is one.
fn common_folder(record: &[FileDigest]) -> Option<&str> {
    let first = record.first()?.name.split_once('/')?.0;
    record
        .iter()
        .all(|f| f.name.split_once('/').is_some_and(|(top, _)| top == first))
        .then_some(first)
}
