//! `--rehash`: the version's bytes read again from the local LFS store, checked
//! against the record, and a bundle of another serialization (`shards`) checked
//! against the bytes themselves.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use sha2::Digest as _;

use crate::registry::ModelVersion;
use crate::sign::oms::{Manifest, OmsError};
use crate::store::LfsStore;

use super::judge::ArtifactSigError;

/// Each stored artifact's object, once its bytes hash to the recorded sha256.
pub fn rehash_record(
    lfs: &LfsStore,
    version: &ModelVersion,
) -> Result<Vec<(String, Option<PathBuf>)>, ArtifactSigError> {
    let mut objects = Vec::new();
    for artifact in version.artifacts().filter(|a| a.is_stored()) {
        let object = (!artifact.is_empty_file()).then(|| lfs.object_file(artifact.digest));
        let actual =
            hash_range(object.as_deref(), None).unwrap_or_else(|_| "(no local object)".to_owned());
        if actual != artifact.digest.as_str() {
            return Err(ArtifactSigError::BytesMismatch {
                model: version.model.to_string(),
                version: version.version.to_string(),
                file: artifact.record.path.clone(),
                what: "its recorded sha256",
                expected: artifact.digest.to_string(),
                actual,
            });
        }
        objects.push((artifact.record.path.clone(), object));
    }
    Ok(objects)
}

/// Checks a `shards` bundle (sha256) against the bytes: each `path:start:end`
/// resource hashes to its digest, and every file of the version is covered.
pub fn check_shards(
    lfs: &LfsStore,
    version: &ModelVersion,
    manifest: &Manifest,
) -> Result<(), ArtifactSigError> {
    let serialization = &manifest.serialization;
    if serialization.method != "shards" || serialization.hash_type != "sha256" {
        return Err(OmsError::Serialization {
            method: serialization.method.clone(),
            hash_type: serialization.hash_type.clone(),
        }
        .into());
    }
    let objects = rehash_record(lfs, version)?;
    let folder = common_folder(&objects);
    let find = |name: &str| {
        objects.iter().find(|(path, _)| {
            path == name || folder.is_some_and(|f| path.strip_prefix(f) == Some(name))
        })
    };
    let mismatch = |why: String| ArtifactSigError::Mismatch {
        model: version.model.to_string(),
        version: version.version.to_string(),
        why,
    };
    let mut covered = std::collections::BTreeSet::new();
    for resource in &manifest.resources {
        let parsed = resource.name.rsplitn(3, ':').collect::<Vec<_>>();
        let [end, start, name] = parsed[..] else {
            return Err(mismatch(format!(
                "`{}` is not a shard (`path:start:end`)",
                resource.name
            )));
        };
        let (Ok(start), Ok(end)) = (start.parse::<u64>(), end.parse::<u64>()) else {
            return Err(mismatch(format!(
                "`{}` is not a shard (`path:start:end`)",
                resource.name
            )));
        };
        let (path, object) = find(name).ok_or_else(|| {
            mismatch(format!(
                "it signs `{name}`, which the version does not hold"
            ))
        })?;
        let actual = hash_range(object.as_deref(), Some((start, end.saturating_sub(start))))
            .map_err(|err| mismatch(format!("`{name}` cannot be read: {err}")))?;
        if actual != hex::encode(&resource.digest) {
            return Err(ArtifactSigError::BytesMismatch {
                model: version.model.to_string(),
                version: version.version.to_string(),
                file: path.clone(),
                what: "the signed shard digest",
                expected: hex::encode(&resource.digest),
                actual,
            });
        }
        covered.insert(path.as_str());
    }
    if let Some((path, _)) = objects.iter().find(|(p, _)| !covered.contains(p.as_str())) {
        return Err(mismatch(format!("it does not sign `{path}`")));
    }
    Ok(())
}

/// The folder (with its `/`) every file lies in, if there is one.
fn common_folder(objects: &[(String, Option<PathBuf>)]) -> Option<&str> {
    let first = objects.first()?.0.split_once('/')?.0;
    let prefix = &objects[0].0[..first.len() + 1];
    objects
        .iter()
        .all(|(p, _)| p.starts_with(prefix))
        .then_some(prefix)
}

/// The hex sha256 of a file (or `len` bytes from `start`); no file: no bytes.
fn hash_range(
    file: Option<&std::path::Path>,
    range: Option<(u64, u64)>,
) -> std::io::Result<String> {
    let mut hasher = sha2::Sha256::new();
    if let Some(file) = file {
        let mut file = std::fs::File::open(file)?;
        let mut reader: Box<dyn Read> = match range {
            Some((start, len)) => {
                file.seek(SeekFrom::Start(start))?;
                Box::new(file.take(len))
            }
            None => Box::new(file),
        };
        std::io::copy(&mut reader, &mut hasher)?;
    }
    Ok(hex::encode(hasher.finalize()))
}
