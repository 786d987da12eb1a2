//! Rule `artifact` of `check`: every stored artifact has a well-formed LFS pointer
//! naming its digest and size, and the object is in the local store with that content.
//! An empty artifact is an empty file instead, as git-lfs stores it (no pointer, no
//! object needed).

use crate::policy::{Finding, Rule};
use crate::registry::{
    Artifact, ModelName, RegistryConfig, Snapshot, VersionId, artifact_path, load_version,
    version_ids,
};
use crate::store::{LfsPointer, LfsStore, Store, hash_file};

/// Checks the artifacts of every version, hashing each local object.
pub fn check_artifacts(
    store: &Store,
    snapshot: &dyn Snapshot,
    _config: &RegistryConfig,
) -> Vec<Finding> {
    let lfs = store.lfs();
    let mut findings = Vec::new();
    let models = crate::registry::model_names(snapshot);
    for model in &models {
        for version in version_ids(snapshot, model).unwrap_or_default() {
            let Ok(Some(found)) = load_version(snapshot, model, &version) else {
                continue;
            };
            for artifact in found.artifacts().filter(|a| a.is_stored()) {
                let path = artifact_path(model, &version, &artifact.record.path);
                if let Some(problem) = check_one(&lfs, snapshot, (model, &version), &path, artifact)
                {
                    findings.push(Finding::new(Rule::Artifact, problem).at(&path, None));
                }
            }
        }
    }
    findings
}

/// What is wrong with one stored artifact at `path`, if anything.
fn check_one(
    lfs: &LfsStore,
    snapshot: &dyn Snapshot,
    (model, version): (&ModelName, &VersionId),
    path: &str,
    artifact: Artifact<'_>,
) -> Option<String> {
    let bytes = snapshot.read(path).ok().flatten();
    if artifact.is_empty_file() && bytes.as_ref().is_some_and(Vec::is_empty) {
        return None;
    }
    let Some(pointer) = bytes.and_then(|bytes| LfsPointer::parse(&bytes)) else {
        return Some("missing or not a Git LFS pointer".to_owned());
    };
    let oid = artifact.digest;
    if pointer.oid != *oid
        || artifact
            .record
            .size
            .is_some_and(|size| size != pointer.size)
    {
        return Some(format!(
            "the pointer does not match `{model}@{version}`'s record"
        ));
    }
    if artifact.is_empty_file() && pointer.size == 0 {
        // A pointer to the empty object, as earlier omgreg wrote it: `git lfs fsck`
        // calls it non-canonical, but the content is known and needs no object.
        return None;
    }
    match hash_file(&lfs.object_path(oid)) {
        Err(_) => Some(format!(
            "Git LFS object {oid} is not in the local store (`git lfs fetch`?)"
        )),
        Ok((digest, size)) if digest != *oid || size != pointer.size => Some(format!(
            "Git LFS object {oid} is corrupt: its content hashes to {digest} ({size} bytes)"
        )),
        Ok(_) => None,
    }
}
