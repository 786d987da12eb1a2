//! The `register` action: a new immutable version file plus its artifact pointers.

use std::collections::BTreeSet;

use crate::schema::{self, ArtifactDoc, LineageDoc, ModelDoc, StagesDoc, VersionDoc};

use super::layout::{model_file, stages_file, version_file};
use super::{
    Bump, Change, Digest, Event, FileChange, ModelName, ModelRef, RegistryError, Snapshot,
    VersionId, artifact_path, check_new_paths, load_config, query, validate_relative_path,
    version_ids,
};

/// Which version to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    Exact(VersionId),
    /// The greatest registered version bumped at this level (`1.0.0` for a new model).
    Bump(Bump),
}

/// One artifact of the new version, already hashed (and, when stored, already in
/// the local LFS object store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactInput {
    /// Path below `artifacts/<version>/`.
    pub path: String,
    pub sha256: Digest,
    pub size: Option<u64>,
    /// `None`: stored in Git LFS. `Some`: linked external artifact.
    pub uri: Option<String>,
}

/// Everything `register` needs, resolved and validated by the caller.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    pub model: ModelName,
    pub version: VersionSpec,
    pub artifacts: Vec<ArtifactInput>,
    pub parent: Option<ModelRef>,
    /// Description, tags, metrics, params, data, code and environment of the new
    /// version; `model`, `version`, `created`, `created_by`, `artifacts`, `lineage`
    /// and `status` are filled in by the action.
    pub details: VersionDoc,
    pub created: String,
    pub created_by: String,
    pub message: Option<String>,
}

/// Registers a new version of `request.model`.
pub fn register(
    snapshot: &dyn Snapshot,
    request: &RegisterRequest,
) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let model = &request.model;
    let version = new_version(snapshot, model, &request.version)?;
    let parent = match &request.parent {
        Some(parent) => {
            let resolved = query::resolve(snapshot, &config, parent)?;
            Some(format!(
                "{}@{}",
                resolved.version.model, resolved.version.version
            ))
        }
        None => None,
    };
    let ArtifactEntries {
        mut files,
        docs: artifacts,
    } = artifact_entries(model, &version, &request.artifacts)?;

    if let Some(primary) = &request.details.primary
        && !artifacts.iter().any(|artifact| &artifact.path == primary)
    {
        return Err(RegistryError::InvalidPrimary {
            primary: primary.clone(),
            paths: artifacts
                .iter()
                .map(|a| format!("`{}`", a.path))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let doc = VersionDoc {
        model: model.to_string(),
        version: version.to_string(),
        created: request.created.clone(),
        created_by: request.created_by.clone(),
        artifacts,
        lineage: parent.map(|parent| LineageDoc {
            parent: Some(parent),
        }),
        status: "active".to_owned(),
        archived: None,
        ..request.details.clone()
    };
    files.push((
        version_file(model, &version),
        FileChange::Write(schema::to_yaml(&doc).into_bytes()),
    ));
    files.extend(missing_model_files(snapshot, model)?);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // Every path the version brings must check out everywhere: refused here, before
    // anything is stored. Linked artifacts are no paths (not in the tree, and
    // `checkout` only lists them).
    let created: Vec<String> = files.iter().map(|(path, _)| path.clone()).collect();
    check_new_paths(snapshot, &created)?;
    Ok(Change {
        files,
        event: Event::Registered {
            model: model.clone(),
            version,
        },
        message: request.message.clone(),
    })
}

/// The version `spec` names for `model`, refused when it is already registered.
fn new_version(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    spec: &VersionSpec,
) -> Result<VersionId, RegistryError> {
    let existing = version_ids(snapshot, model)?;
    let version = match spec {
        VersionSpec::Exact(version) => version.clone(),
        VersionSpec::Bump(level) => match existing.last() {
            None => VersionId::first(),
            Some(greatest) => greatest
                .bump(*level)
                .ok_or_else(|| RegistryError::BumpOverflow {
                    model: model.to_string(),
                    version: greatest.to_string(),
                    level: level.to_string(),
                })?,
        },
    };
    if let Some(clash) = existing.iter().find(|v| **v == version) {
        return Err(RegistryError::VersionExists {
            model: model.to_string(),
            version: clash.to_string(),
        });
    }
    Ok(version)
}

/// What the artifacts of a new version add: pointer files and `artifacts` entries.
struct ArtifactEntries {
    /// LFS pointers of the stored artifacts (linked ones have none).
    files: Vec<(String, FileChange)>,
    docs: Vec<ArtifactDoc>,
}

/// The LFS pointer files and `artifacts` entries of the new version, sorted by path.
fn artifact_entries(
    model: &ModelName,
    version: &VersionId,
    artifacts: &[ArtifactInput],
) -> Result<ArtifactEntries, RegistryError> {
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut docs = Vec::new();
    let mut inputs: Vec<&ArtifactInput> = artifacts.iter().collect();
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    for input in inputs {
        validate_relative_path(&input.path)?;
        // A file and a folder of the same name, or the same name twice, would collide.
        let clashes = seen.iter().any(|other: &String| {
            other == &input.path
                || input.path.starts_with(&format!("{other}/"))
                || other.starts_with(&format!("{}/", input.path))
        });
        if clashes {
            return Err(RegistryError::DuplicateArtifact {
                path: input.path.clone(),
            });
        }
        seen.insert(input.path.clone());
        if input.uri.is_none() {
            let size = input.size.unwrap_or_default();
            // git-lfs stores an empty file as itself (its pointer would be
            // `nonCanonicalPointer` to `git lfs fsck`), so omgreg does too.
            let file = if size == 0 {
                FileChange::Write(Vec::new())
            } else {
                FileChange::LfsPointer {
                    sha256: input.sha256.clone(),
                    size,
                }
            };
            files.push((artifact_path(model, version, &input.path), file));
        }
        docs.push(ArtifactDoc {
            path: input.path.clone(),
            sha256: input.sha256.to_string(),
            size: input.size,
            uri: input.uri.clone(),
        });
    }
    Ok(ArtifactEntries { files, docs })
}

/// `model.yaml` and `stages.yaml` for a model that does not have them yet.
fn missing_model_files(
    snapshot: &dyn Snapshot,
    model: &ModelName,
) -> Result<Vec<(String, FileChange)>, RegistryError> {
    let mut files = Vec::new();
    if !snapshot.exists(&model_file(model))? {
        let model_doc = ModelDoc {
            model: model.to_string(),
            ..ModelDoc::default()
        };
        files.push((
            model_file(model),
            FileChange::Write(schema::to_yaml(&model_doc).into_bytes()),
        ));
    }
    if !snapshot.exists(&stages_file(model))? {
        let stages = schema::to_yaml(&StagesDoc::default());
        files.push((stages_file(model), FileChange::Write(stages.into_bytes())));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{MemorySnapshot, load_version};

    fn request(version: VersionSpec) -> RegisterRequest {
        RegisterRequest {
            model: "churn".parse().unwrap(),
            version,
            artifacts: vec![],
            parent: None,
            details: VersionDoc::default(),
            created: "2026-01-01T00:00:00Z".into(),
            created_by: "A <a@example.com>".into(),
            message: None,
        }
    }

    fn apply(snapshot: &mut MemorySnapshot, change: &Change) {
        for (path, file) in &change.files {
            if let FileChange::Write(bytes) = file {
                snapshot.files.insert(path.clone(), bytes.clone());
            }
        }
    }

    #[test]
    fn bumping_starts_at_one_and_follows_the_greatest() {
        let mut snap = MemorySnapshot::default().with("omgreg.toml", "");
        for expected in ["1.0.0", "1.1.0"] {
            let change = register(&snap, &request(VersionSpec::Bump(Bump::Minor))).unwrap();
            assert!(
                matches!(&change.event, Event::Registered { version, .. } if version.to_string() == expected)
            );
            apply(&mut snap, &change);
        }
        let loaded =
            load_version(&snap, &"churn".parse().unwrap(), &"1.1.0".parse().unwrap()).unwrap();
        assert_eq!(loaded.unwrap().doc.created_by, "A <a@example.com>");
    }

    #[test]
    fn existing_version_is_refused() {
        let mut snap = MemorySnapshot::default().with("omgreg.toml", "");
        let first = register(
            &snap,
            &request(VersionSpec::Exact("1.0.0".parse().unwrap())),
        )
        .unwrap();
        apply(&mut snap, &first);
        let again = register(
            &snap,
            &request(VersionSpec::Exact("1.0.0".parse().unwrap())),
        );
        assert!(matches!(again, Err(RegistryError::VersionExists { .. })));
    }

    #[test]
    fn colliding_artifact_paths_are_refused() {
        let snap = MemorySnapshot::default().with("omgreg.toml", "");
        let artifact = |path: &str| ArtifactInput {
            path: path.into(),
            sha256: "a".repeat(64).parse().unwrap(),
            size: Some(1),
            uri: None,
        };
        let mut req = request(VersionSpec::Bump(Bump::Patch));
        req.artifacts = vec![artifact("model"), artifact("model/weights.bin")];
        assert!(matches!(
            register(&snap, &req),
            Err(RegistryError::DuplicateArtifact { .. })
        ));
    }

    // Finding 8: a 0-byte artifact became an LFS pointer `git lfs fsck` rejects.
    #[test]
    fn empty_artifacts_are_empty_files() {
        let snap = MemorySnapshot::default().with("omgreg.toml", "");
        let mut req = request(VersionSpec::Exact("1.0.0".parse().unwrap()));
        req.artifacts = vec![ArtifactInput {
            path: "empty.bin".into(),
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                .parse()
                .unwrap(),
            size: Some(0),
            uri: None,
        }];
        let change = register(&snap, &req).unwrap();
        let file = change.files.iter().find(|(p, _)| p.ends_with("/empty.bin"));
        assert_eq!(file.map(|f| &f.1), Some(&FileChange::Write(Vec::new())));
    }

    #[test]
    fn missing_parent_is_refused() {
        let snap = MemorySnapshot::default().with("omgreg.toml", "");
        let mut req = request(VersionSpec::Bump(Bump::Patch));
        req.parent = Some("base@1.0.0".parse().unwrap());
        assert!(matches!(
            register(&snap, &req),
            Err(RegistryError::ModelNotFound { .. })
        ));
    }
}
