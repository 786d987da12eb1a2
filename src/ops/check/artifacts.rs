//! Rule `artifact` of `check`: every stored artifact has a well-formed LFS pointer
//! naming its digest and size, and the object is in the local store with that content.

use crate::policy::{Finding, Rule};
use crate::registry::{RegistryConfig, Snapshot, artifact_path, load_version, version_ids};
use crate::store::{LfsPointer, Store, hash_file};

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
                let oid = &artifact.digest;
                let pointer = snapshot
                    .read(&path)
                    .ok()
                    .flatten()
                    .and_then(|bytes| LfsPointer::parse(&bytes));
                let Some(pointer) = pointer else {
                    findings.push(
                        Finding::new(Rule::Artifact, "missing or not a Git LFS pointer")
                            .at(&path, None),
                    );
                    continue;
                };
                if pointer.oid != **oid
                    || artifact
                        .record
                        .size
                        .is_some_and(|size| size != pointer.size)
                {
                    findings.push(
                        Finding::new(
                            Rule::Artifact,
                            format!("the pointer does not match `{model}@{version}`'s record"),
                        )
                        .at(&path, None),
                    );
                    continue;
                }
                let object = lfs.object_path(oid);
                match hash_file(&object) {
                    Err(_) => findings.push(
                        Finding::new(
                            Rule::Artifact,
                            format!("Git LFS object {oid} is not in the local store (`git lfs fetch`?)"),
                        )
                        .at(&path, None),
                    ),
                    Ok((digest, size)) if digest != **oid || size != pointer.size => findings.push(
                        Finding::new(
                            Rule::Artifact,
                            format!("Git LFS object {oid} is corrupt: its content hashes to {digest} ({size} bytes)"),
                        )
                        .at(&path, None),
                    ),
                    Ok(_) => {}
                }
            }
        }
    }
    findings
}
