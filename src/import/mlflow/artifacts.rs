//! A version's artifact files: where MLflow put them (its `source`, resolved through
//! `runs:/` and `models:/` URIs as `mlflow.artifacts.download_artifacts` resolves
//! them), their list, and their bytes, for the locations omgreg can read: local paths
//! and the tracking server's artifact proxy (`mlflow-artifacts:`).

use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::rest::RestStore;
use super::uri::{ArtifactLocation, classify_artifact_uri};
use super::{MlflowError, MlflowRegistry, ModelVersion, RegisteredModel, model_id_of_source};

/// One file of a version's artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactFile {
    /// Its path below the version's artifact location, `/`-separated.
    pub path: String,
    /// Its size when the store tells it.
    pub size: Option<u64>,
}

/// Lists and reads artifact files, through the tracking server when reading one.
pub struct ArtifactReader<'a> {
    server: Option<&'a RestStore>,
}

/// How many `models:/NAME/VERSION` hops a source may take to reach its files.
const MAX_HOPS: usize = 4;

impl<'a> ArtifactReader<'a> {
    pub(super) fn new(server: Option<&'a RestStore>) -> Self {
        Self { server }
    }

    /// Where the files of `version` of `model` are.
    pub fn locate(
        &self,
        registry: &MlflowRegistry,
        model: &RegisteredModel,
        version: &ModelVersion,
    ) -> ArtifactLocation {
        let unreadable = |uri: &str, reason: String| ArtifactLocation::Unreadable {
            uri: uri.to_owned(),
            reason,
        };
        let uri = match self.resolve(registry, model, version, 0) {
            Ok(uri) => uri,
            Err((uri, reason)) => return unreadable(&uri, reason),
        };
        let location = classify_artifact_uri(&uri, self.server.map(|s| s.base.as_str()));
        match &location {
            ArtifactLocation::Local { path, .. } if !path.exists() => {
                unreadable(&uri, "no such file or folder on this machine".to_owned())
            }
            _ => location,
        }
    }

    /// The artifact URI of a version; `Err((uri, why))` when it cannot be resolved.
    fn resolve(
        &self,
        registry: &MlflowRegistry,
        model: &RegisteredModel,
        version: &ModelVersion,
        hops: usize,
    ) -> Result<String, (String, String)> {
        let source = version.source.clone().unwrap_or_default();
        // What `get_model_version_download_uri` answers: where MLflow resolved the
        // source when registering, else the source.
        let uri = version.storage_location.clone().unwrap_or(source);
        if uri.is_empty() {
            return Err((uri, "the version has no source".to_owned()));
        }
        if let Some(rest) = uri.strip_prefix("runs:/") {
            let (run_id, path) = rest.split_once('/').unwrap_or((rest, ""));
            let run = registry.runs.get(run_id).ok_or_else(|| {
                (
                    uri.clone(),
                    format!("its run `{run_id}` is not in the store"),
                )
            })?;
            let base = run.artifact_uri.clone().ok_or_else(|| {
                (
                    uri.clone(),
                    format!("its run `{run_id}` has no artifact location"),
                )
            })?;
            return Ok(join(&base, path));
        }
        if let Some(model_id) = model_id_of_source(&uri) {
            let logged = registry.logged_models.get(&model_id).ok_or_else(|| {
                (
                    uri.clone(),
                    format!("its logged model `{model_id}` is not in the store"),
                )
            })?;
            return logged.artifact_location.clone().ok_or_else(|| {
                (
                    uri.clone(),
                    format!("its logged model `{model_id}` has no artifact location"),
                )
            });
        }
        if let Some(rest) = uri.strip_prefix("models:/") {
            let target = registered_version(registry, model, rest)
                .filter(|_| hops < MAX_HOPS)
                .ok_or_else(|| {
                    (
                        uri.clone(),
                        "it names a model version not in the store".to_owned(),
                    )
                })?;
            return self.resolve(registry, target.0, target.1, hops + 1);
        }
        Ok(uri)
    }

    /// Every file of a readable location, by path.
    pub fn list(&self, location: &ArtifactLocation) -> Result<Vec<ArtifactFile>, MlflowError> {
        match location {
            ArtifactLocation::Local { uri, path } => list_local(uri, path),
            ArtifactLocation::Proxied { base, path, .. } => {
                let server = self.server.ok_or_else(|| not_readable(location))?;
                let mut files = Vec::new();
                let mut folders = vec![String::new()];
                while let Some(folder) = folders.pop() {
                    for entry in server.list_proxied(base, &join(path, &folder))? {
                        let name = entry.path.rsplit('/').next().unwrap_or_default();
                        if name.is_empty() || name == "." || name == ".." {
                            return Err(MlflowError::BadResponse {
                                url: base.clone(),
                                detail: format!("the artifact listing names `{}`", entry.path),
                            });
                        }
                        let relative = join(&folder, name);
                        if entry.is_dir {
                            folders.push(relative);
                        } else {
                            let size = entry.file_size.and_then(|s| u64::try_from(s.get()?).ok());
                            files.push(ArtifactFile {
                                path: relative,
                                size,
                            });
                        }
                    }
                }
                files.sort_by(|a, b| a.path.cmp(&b.path));
                Ok(files)
            }
            ArtifactLocation::Unreadable { .. } => Err(not_readable(location)),
        }
    }

    /// The bytes of `file` (a path [`Self::list`] gave) as a stream.
    pub fn open(
        &self,
        location: &ArtifactLocation,
        file: &str,
    ) -> Result<Box<dyn Read + Send>, MlflowError> {
        if file
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(MlflowError::Artifact {
                uri: join(location.uri(), file),
                detail: "not a path below the artifact location".to_owned(),
            });
        }
        match location {
            ArtifactLocation::Local { uri, path } => {
                let full = if path.is_file() {
                    path.clone()
                } else {
                    path.join(file)
                };
                let opened = std::fs::File::open(&full).map_err(|err| MlflowError::Artifact {
                    uri: join(uri, file),
                    detail: err.to_string(),
                })?;
                Ok(Box::new(opened))
            }
            ArtifactLocation::Proxied { base, path, .. } => {
                let server = self.server.ok_or_else(|| not_readable(location))?;
                server.open_proxied(base, &join(path, file))
            }
            ArtifactLocation::Unreadable { .. } => Err(not_readable(location)),
        }
    }
}

/// The model and version a `models:/NAME/VERSION` or `models:/NAME@ALIAS` names.
fn registered_version<'r>(
    registry: &'r MlflowRegistry,
    from: &'r RegisteredModel,
    rest: &str,
) -> Option<(&'r RegisteredModel, &'r ModelVersion)> {
    let (name, number) = match rest.rsplit_once('@') {
        Some((name, alias)) => {
            let model = find_model(registry, from, name)?;
            (name, *model.aliases.get(alias)?)
        }
        None => {
            let (name, number) = rest.rsplit_once('/')?;
            (name, number.parse().ok()?)
        }
    };
    let model = find_model(registry, from, name)?;
    let version = model
        .versions
        .iter()
        .find(|v| v.version == number && !v.deleted)?;
    Some((model, version))
}

fn find_model<'r>(
    registry: &'r MlflowRegistry,
    from: &'r RegisteredModel,
    name: &str,
) -> Option<&'r RegisteredModel> {
    if from.name == name {
        return Some(from);
    }
    registry.models.iter().find(|model| model.name == name)
}

fn not_readable(location: &ArtifactLocation) -> MlflowError {
    let detail = match location {
        ArtifactLocation::Unreadable { reason, .. } => reason.clone(),
        _ => "only a tracking server reads it".to_owned(),
    };
    MlflowError::Artifact {
        uri: location.uri().to_owned(),
        detail,
    }
}

/// `base/path`, one `/` between them; `base` alone for an empty path.
fn join(base: &str, path: &str) -> String {
    let path = path.trim_matches('/');
    if path.is_empty() {
        base.to_owned()
    } else if base.is_empty() {
        path.to_owned()
    } else {
        format!("{}/{path}", base.trim_end_matches('/'))
    }
}

/// The files of a local folder (symbolic links not followed), or the file itself.
fn list_local(uri: &str, path: &Path) -> Result<Vec<ArtifactFile>, MlflowError> {
    let failed = |detail: String| MlflowError::Artifact {
        uri: uri.to_owned(),
        detail,
    };
    if path.is_file() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = path
            .metadata()
            .map_err(|err| failed(err.to_string()))?
            .len();
        return Ok(vec![ArtifactFile {
            path: name,
            size: Some(size),
        }]);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|err| failed(err.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(path)
            .unwrap_or(entry.path())
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let size = entry
            .metadata()
            .map_err(|err| failed(err.to_string()))?
            .len();
        files.push(ArtifactFile {
            path: relative,
            size: Some(size),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
