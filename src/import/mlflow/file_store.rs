//! MLflow's file store (`mlruns`): the registry under `models/`, one folder per
//! registered model holding `meta.yaml`, `tags/`, `aliases/` and a `version-N/`
//! folder per version (`meta.yaml`, `tags/`). MLflow 3 keeps this store in
//! maintenance mode (it refuses it unless `MLFLOW_ALLOW_FILE_STORE=true`); omgreg
//! reads it as MLflow 3.17 writes it, and as older versions did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    MlflowError, MlflowRegistry, ModelVersion, RegisteredModel, Wanted, finish_version, is_prompt,
    non_empty,
};

/// A file store's root folder.
pub struct FileStore {
    pub(super) root: PathBuf,
}

/// A scalar of an MLflow YAML file: MLflow writes numbers as numbers or strings
/// depending on the field and the version.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl Scalar {
    pub(super) fn text(&self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Float(x) => x.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Text(text) => text.clone(),
        }
    }

    pub(super) fn int(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Text(text) => text.trim().parse().ok(),
            Self::Float(_) | Self::Bool(_) => None,
        }
    }
}

/// `Some` text of a field unless absent, null or empty.
pub(super) fn text(field: &Option<Scalar>) -> Option<String> {
    non_empty(field.as_ref().map(Scalar::text))
}

pub(super) fn int(field: &Option<Scalar>) -> Option<i64> {
    field.as_ref().and_then(Scalar::int)
}

#[derive(Debug, Deserialize)]
struct ModelMeta {
    name: Option<Scalar>,
    creation_timestamp: Option<Scalar>,
    last_updated_timestamp: Option<Scalar>,
    description: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
struct VersionMeta {
    version: Option<Scalar>,
    creation_timestamp: Option<Scalar>,
    last_updated_timestamp: Option<Scalar>,
    description: Option<Scalar>,
    user_id: Option<Scalar>,
    current_stage: Option<Scalar>,
    source: Option<Scalar>,
    storage_location: Option<Scalar>,
    run_id: Option<Scalar>,
    run_link: Option<Scalar>,
    status: Option<Scalar>,
    status_message: Option<Scalar>,
    model_id: Option<Scalar>,
}

impl FileStore {
    pub fn open(root: PathBuf) -> Result<Self, MlflowError> {
        if !root.exists() {
            return Err(MlflowError::MissingStore { path: root });
        }
        if !root.is_dir() {
            return Err(MlflowError::NotAFileStore {
                path: root,
                detail: "it is a file, not a folder".to_owned(),
            });
        }
        let store = Self { root };
        let has_experiment = subfolders(&store.root)?
            .iter()
            .any(|folder| folder.join("meta.yaml").is_file());
        if !store.root.join("models").is_dir() && !has_experiment {
            return Err(MlflowError::NotAFileStore {
                path: store.root,
                detail: "it holds neither `models/` nor an experiment folder with a `meta.yaml`"
                    .to_owned(),
            });
        }
        Ok(store)
    }

    pub fn read_models(&self) -> Result<Vec<RegisteredModel>, MlflowError> {
        let models_dir = self.root.join("models");
        if !models_dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut models = Vec::new();
        for dir in subfolders(&models_dir)? {
            let model = read_model(&dir)?;
            if !is_prompt(&model.tags) {
                models.push(model);
            }
        }
        Ok(models)
    }

    pub fn read_tracking(
        &self,
        wanted: &Wanted,
        registry: &mut MlflowRegistry,
    ) -> Result<(), MlflowError> {
        super::file_tracking::read(self, wanted, registry)
    }
}

fn read_model(dir: &Path) -> Result<RegisteredModel, MlflowError> {
    let meta: ModelMeta = read_meta(dir)?;
    let folder_name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut model = RegisteredModel {
        name: text(&meta.name).or(folder_name).unwrap_or_default(),
        creation_timestamp: int(&meta.creation_timestamp),
        last_updated_timestamp: int(&meta.last_updated_timestamp),
        description: text(&meta.description),
        tags: read_resources(&dir.join("tags"))?,
        ..RegisteredModel::default()
    };
    for (alias, version) in read_resources(&dir.join("aliases"))? {
        let number = version.trim().parse().map_err(|_| {
            corrupt(
                &dir.join("aliases").join(&alias),
                format!("alias `{alias}` names `{version}`, not a version number"),
            )
        })?;
        model.aliases.insert(alias, number);
    }
    for version_dir in subfolders(dir)? {
        let is_version = version_dir
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("version-"));
        if is_version && let Some(version) = read_version(&version_dir)? {
            model.versions.push(version);
        }
    }
    Ok(model)
}

/// A `version-N` folder; `None` for a prompt's version.
fn read_version(dir: &Path) -> Result<Option<ModelVersion>, MlflowError> {
    let meta: VersionMeta = read_meta(dir)?;
    let meta_path = dir.join("meta.yaml");
    let number = int(&meta.version)
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| corrupt(&meta_path, "no version number".to_owned()))?;
    let version = ModelVersion {
        version: number,
        creation_timestamp: int(&meta.creation_timestamp),
        last_updated_timestamp: int(&meta.last_updated_timestamp),
        description: text(&meta.description),
        user_id: text(&meta.user_id),
        source: text(&meta.source),
        storage_location: text(&meta.storage_location),
        run_id: text(&meta.run_id),
        run_link: text(&meta.run_link),
        model_id: text(&meta.model_id),
        status: text(&meta.status),
        status_message: text(&meta.status_message),
        ..ModelVersion::default()
    };
    let stage = text(&meta.current_stage).unwrap_or_default();
    let mut version =
        finish_version(version, &stage).map_err(|detail| corrupt(&meta_path, detail))?;
    if !version.deleted {
        version.tags = read_resources(&dir.join("tags"))?;
        if is_prompt(&version.tags) {
            return Ok(None);
        }
    }
    Ok(Some(version))
}

/// Reads `dir/meta.yaml` as MLflow wrote it.
pub(super) fn read_meta<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<T, MlflowError> {
    let path = dir.join("meta.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|err| corrupt(&path, format!("cannot read it: {err}")))?;
    let name = path.to_string_lossy();
    crate::schema::from_yaml(&name, &text).map_err(|err| {
        // The message names the file already.
        let detail = err.to_string();
        let detail = detail
            .strip_prefix(&format!("`{name}` "))
            .unwrap_or(&detail);
        corrupt(&path, detail.to_owned())
    })
}

/// The files under `dir` (tags, params, aliases: one file per key, keys with `/`
/// in nested folders) as key -> content; none when `dir` is absent.
pub(super) fn read_resources(dir: &Path) -> Result<BTreeMap<String, String>, MlflowError> {
    let mut found = BTreeMap::new();
    for (key, path) in resource_files(dir)? {
        let value = std::fs::read_to_string(&path)
            .map_err(|err| corrupt(&path, format!("cannot read it: {err}")))?;
        found.insert(key, value);
    }
    Ok(found)
}

/// The files under `dir` by key (their path below `dir`, `/`-separated).
pub(super) fn resource_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, MlflowError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|err| corrupt(dir, err.to_string()))?;
        if entry.file_type().is_file() {
            let key = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((key, entry.into_path()));
        }
    }
    Ok(files)
}

/// The folders directly in `dir`, by name.
pub(super) fn subfolders(dir: &Path) -> Result<Vec<PathBuf>, MlflowError> {
    let entries = std::fs::read_dir(dir).map_err(|err| corrupt(dir, err.to_string()))?;
    let mut folders = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| corrupt(dir, err.to_string()))?;
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            folders.push(entry.path());
        }
    }
    folders.sort();
    Ok(folders)
}

pub(super) fn corrupt(path: &Path, detail: String) -> MlflowError {
    MlflowError::CorruptFileStore {
        path: path.to_owned(),
        detail,
    }
}
