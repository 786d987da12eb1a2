//! Rule `artifact` of `check`: every stored artifact has a well-formed LFS pointer
//! naming its digest and size, and the object is in the local store with that content.
//! An empty artifact is an empty file instead, as git-lfs stores it (no pointer, no
//! object needed).

use crate::ops::ProgressBytes;
use crate::policy::{Finding, Rule};
use crate::registry::{
    Artifact, ModelName, RegistryConfig, Snapshot, VersionId, artifact_path, artifacts_dir,
    load_version, version_artifacts_dir, version_ids,
};
use crate::store::{LfsPointer, LfsStore, Store, hash_file};

/// Checks the artifacts of every version, hashing each local object.
pub fn check_artifacts(
    store: &Store,
    snapshot: &dyn Snapshot,
    _config: &RegistryConfig,
    bytes: &dyn ProgressBytes,
) -> Vec<Finding> {
    let lfs = store.lfs();
    let mut findings = Vec::new();
    let models = crate::registry::model_names(snapshot);
    let mut records = Vec::new();
    for model in &models {
        for version in version_ids(snapshot, model).unwrap_or_default() {
            if let Ok(Some(found)) = load_version(snapshot, model, &version) {
                records.push((model, version, found));
            }
        }
    }
    bytes.total(
        records
            .iter()
            .flat_map(|(_, _, found)| found.artifacts())
            .filter(|a| a.is_stored())
            .filter_map(|a| a.record.size)
            .sum(),
    );
    let mut done = 0;
    for (model, version, found) in &records {
        for artifact in found.artifacts().filter(|a| a.is_stored()) {
            let path = artifact_path(model, version, &artifact.record.path);
            let size = artifact.record.size.unwrap_or_default();
            if let Some(problem) = check_one(&lfs, snapshot, (model, version), &path, artifact) {
                findings.push(Finding::new(Rule::Artifact, problem).at(&path, None));
            }
            done += size;
            bytes.set(done);
        }
    }
    bytes.finish();
    findings
}

/// Rule `artifact`, always on and reading no object: each version's artifact folder
/// holds exactly the stored artifacts its record lists, each pointer naming the
/// record's digest and size, and no artifact folder lacks a version. A pointer swapped
/// for another object, or a file added to a registered version, is a finding.
pub fn check_artifact_folders(snapshot: &dyn Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in &crate::registry::model_names(snapshot) {
        let versions = version_ids(snapshot, model).unwrap_or_default();
        for folder in snapshot.list(&artifacts_dir(model)).unwrap_or_default() {
            let registered = folder
                .parse::<VersionId>()
                .is_ok_and(|version| versions.contains(&version));
            if !registered {
                findings.push(
                    Finding::new(
                        Rule::Artifact,
                        format!(
                            "artifacts of `{model}@{folder}`, which is not a registered version"
                        ),
                    )
                    .at(format!("{}/{folder}", artifacts_dir(model)), None),
                );
            }
        }
        for version in &versions {
            let Ok(Some(found)) = load_version(snapshot, model, version) else {
                continue;
            };
            let recorded: Vec<(String, Artifact<'_>)> = found
                .artifacts()
                .filter(|a| a.is_stored())
                .map(|a| (artifact_path(model, version, &a.record.path), a))
                .collect();
            let folder = version_artifacts_dir(model, version);
            for path in snapshot.files_under(&folder).unwrap_or_default() {
                if !recorded.iter().any(|(recorded, _)| *recorded == path) {
                    findings.push(
                        Finding::new(
                            Rule::Artifact,
                            format!("not in `{model}@{version}`'s record: a registered version's artifacts never change"),
                        )
                        .at(&path, None),
                    );
                }
            }
            for (path, artifact) in recorded {
                if let Err(problem) = pointer_of(snapshot, (model, version), &path, &artifact) {
                    findings.push(Finding::new(Rule::Artifact, problem).at(&path, None));
                }
            }
        }
    }
    findings
}

/// The pointer at `path` when it names the record's digest and size (`None` for an
/// empty artifact stored as an empty file), or what is wrong with it.
fn pointer_of(
    snapshot: &dyn Snapshot,
    (model, version): (&ModelName, &VersionId),
    path: &str,
    artifact: &Artifact<'_>,
) -> Result<Option<LfsPointer>, String> {
    let bytes = snapshot.read(path).ok().flatten();
    if artifact.is_empty_file() && bytes.as_ref().is_some_and(Vec::is_empty) {
        return Ok(None);
    }
    let Some(pointer) = bytes.and_then(|bytes| LfsPointer::parse(&bytes)) else {
        return Err("missing or not a Git LFS pointer".to_owned());
    };
    if pointer.oid != *artifact.digest
        || artifact
            .record
            .size
            .is_some_and(|size| size != pointer.size)
    {
        return Err(format!(
            "the pointer does not match `{model}@{version}`'s record"
        ));
    }
    Ok(Some(pointer))
}

/// What is wrong with one stored artifact's local object, if anything (its pointer is
/// judged by [`check_artifact_folders`]).
fn check_one(
    lfs: &LfsStore,
    snapshot: &dyn Snapshot,
    (model, version): (&ModelName, &VersionId),
    path: &str,
    artifact: Artifact<'_>,
) -> Option<String> {
    let pointer = match pointer_of(snapshot, (model, version), path, &artifact) {
        Ok(Some(pointer)) => pointer,
        Ok(None) | Err(_) => return None,
    };
    let oid = artifact.digest;
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
