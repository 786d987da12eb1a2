//! Read access to one registry state, and the loaders that turn its files into
//! domain values.

use std::collections::BTreeMap;

use miette::Diagnostic;

use crate::schema::{self, ConfigDoc, StagesDoc, VersionDoc};

use super::layout::{stages_file, version_file, versions_dir};
use super::{Assignments, ModelName, ModelVersion, RegistryConfig, RegistryError, VersionId};

/// The registry configuration file, at the registry root.
pub const CONFIG_FILE: &str = "omgreg.toml";

/// One immutable registry state: the files under the registry root at one commit.
///
/// Paths are relative to the registry root and use `/`.
pub trait Snapshot {
    /// The content of the file at `path`, or `None` when there is no such file.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError>;

    /// The names of the entries of the folder at `path`, sorted; empty when absent.
    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError>;

    /// Whether a file or folder exists at `path`.
    fn exists(&self, path: &str) -> Result<bool, SnapshotError>;

    /// Every file below the folder `path` (`""`: the whole registry), as paths
    /// from the registry root, in no particular order.
    ///
    /// The default asks [`Snapshot::list`] folder by folder (an entry with nothing
    /// inside is a file: Git has no empty folders); snapshots over a Git tree walk
    /// it in one pass.
    fn files_under(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let mut files = Vec::new();
        let mut folders = vec![path.to_owned()];
        while let Some(folder) = folders.pop() {
            for name in self.list(&folder)? {
                let entry = if folder.is_empty() {
                    name
                } else {
                    format!("{folder}/{name}")
                };
                if self.list(&entry)?.is_empty() {
                    files.push(entry);
                } else {
                    folders.push(entry);
                }
            }
        }
        Ok(files)
    }

    /// A content id of the file or folder at `path` (a Git object id), when the
    /// snapshot has one: equal ids mean equal content, so comparisons can skip
    /// reading. `None` says nothing.
    fn content_id(&self, _path: &str) -> Option<String> {
        None
    }

    /// The content of a text file, failing when it is not UTF-8.
    fn read_text(&self, path: &str) -> Result<Option<String>, SnapshotError> {
        match self.read(path)? {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|err| SnapshotError {
                    path: path.to_owned(),
                    source: Box::new(err),
                }),
        }
    }
}

/// A snapshot could not be read (corrupt object, I/O error).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("cannot read `{path}` from the registry")]
#[diagnostic(
    code(omgreg::store::read_failed),
    help("run `git fsck` to check the repository")
)]
pub struct SnapshotError {
    pub path: String,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// An in-memory snapshot, for tests and for previews of a change.
#[derive(Debug, Clone, Default)]
pub struct MemorySnapshot {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl MemorySnapshot {
    pub fn with(mut self, path: &str, content: &str) -> Self {
        self.files
            .insert(path.to_owned(), content.as_bytes().to_vec());
        self
    }
}

impl Snapshot for MemorySnapshot {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        Ok(self.files.get(path).cloned())
    }

    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|file| file.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_owned())
            .collect();
        names.dedup();
        Ok(names)
    }

    fn exists(&self, path: &str) -> Result<bool, SnapshotError> {
        let prefix = format!("{path}/");
        Ok(
            self.files.contains_key(path)
                || self.files.keys().any(|file| file.starts_with(&prefix)),
        )
    }
}

/// Loads and validates `omgreg.toml`.
pub fn load_config(snapshot: &dyn Snapshot) -> Result<RegistryConfig, RegistryError> {
    let text = snapshot.read_text(CONFIG_FILE)?.unwrap_or_default();
    let doc = ConfigDoc::parse(CONFIG_FILE, &text)?;
    RegistryConfig::try_from(doc)
}

/// The models of the registry (folders under `models/` with valid names), in tree
/// order; unreadable or invalid entries are left to `check` to report.
pub fn model_names(snapshot: &dyn Snapshot) -> Vec<ModelName> {
    snapshot
        .list(super::MODELS_DIR)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|name| name.parse().ok())
        .collect()
}

/// Whether `model` has been registered (its folder exists).
pub fn model_exists(snapshot: &dyn Snapshot, model: &ModelName) -> Result<bool, RegistryError> {
    Ok(snapshot.exists(&super::model_dir(model))?)
}

/// The versions of `model`, ascending, read from file names only (no file is parsed).
pub fn version_ids(
    snapshot: &dyn Snapshot,
    model: &ModelName,
) -> Result<Vec<VersionId>, RegistryError> {
    let mut ids = Vec::new();
    for name in snapshot.list(&versions_dir(model))? {
        let Some(stem) = name.strip_suffix(".yaml") else {
            continue;
        };
        let path = format!("{}/{name}", versions_dir(model));
        let id = stem.parse::<VersionId>().map_err(|err| {
            schema::SchemaError::value(&path, "", "", format!("file name is not a version: {err}"))
        })?;
        if id.to_string() != stem {
            let message =
                format!("file name should be `{id}.yaml`, the canonical form of the version");
            return Err(schema::SchemaError::value(&path, "", "", message).into());
        }
        ids.push(id);
    }
    ids.sort();
    Ok(ids)
}

/// Loads one version file, `None` when the version is not registered.
pub fn load_version(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    version: &VersionId,
) -> Result<Option<ModelVersion>, RegistryError> {
    let path = version_file(model, version);
    let id = snapshot.content_id(&path);
    if let Some(id) = &id
        && let Some(parsed) = parsed::get(id, &path)
    {
        return Ok(Some(parsed));
    }
    let Some(text) = snapshot.read_text(&path)? else {
        return Ok(None);
    };
    let doc: VersionDoc = schema::from_yaml(&path, &text)?;
    let parsed = ModelVersion::from_doc(doc, model, version, &path, &text)?;
    if let Some(id) = id {
        parsed::put(id, path, &parsed);
    }
    Ok(Some(parsed))
}

/// Version records already parsed, by content id and path: a content id names the
/// bytes, so a record read again (each commit of an import renders the model card
/// from every version) is parsed once. Bounded; emptied when full.
mod parsed {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use super::ModelVersion;

    const LIMIT: usize = 50_000;

    type Cache = Mutex<HashMap<(String, String), ModelVersion>>;

    fn cache() -> &'static Cache {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        CACHE.get_or_init(Cache::default)
    }

    pub(super) fn get(id: &str, path: &str) -> Option<ModelVersion> {
        let cache = cache().lock().ok()?;
        cache.get(&(id.to_owned(), path.to_owned())).cloned()
    }

    pub(super) fn put(id: String, path: String, version: &ModelVersion) {
        if let Ok(mut cache) = cache().lock() {
            if cache.len() >= LIMIT {
                cache.clear();
            }
            cache.insert((id, path), version.clone());
        }
    }
}

/// Loads the stage and alias pointers of `model` (empty when it has none yet).
pub fn load_assignments(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
) -> Result<Assignments, RegistryError> {
    let path = stages_file(model);
    let Some(text) = snapshot.read_text(&path)? else {
        return Ok(Assignments::default());
    };
    let doc: StagesDoc = if text.trim().is_empty() {
        StagesDoc::default()
    } else {
        schema::from_yaml(&path, &text)?
    };
    Assignments::from_doc(&doc, &config.ladder, &path, &text)
}

/// Loads `models/<model>/model.yaml` (defaults when absent).
pub fn load_model(
    snapshot: &dyn Snapshot,
    model: &ModelName,
) -> Result<crate::schema::ModelDoc, RegistryError> {
    let path = super::layout::model_file(model);
    match snapshot.read_text(&path)? {
        Some(text) => Ok(schema::from_yaml(&path, &text)?),
        None => Ok(crate::schema::ModelDoc {
            model: model.to_string(),
            ..Default::default()
        }),
    }
}
