//! Reads an MLflow model registry into plain values, the way `MlflowClient` answers.
//!
//! Three stores, chosen by the tracking URI: a tracking server over REST API 2.0
//! (`http(s)://`, whatever database it runs on), an SQLite database read directly and
//! read-only (`sqlite:///PATH`), and the file store (`file:///PATH`, `mlruns`).
//! Besides the registered models and their versions, it reads the tracking data the
//! versions point to: the source runs (params, latest metrics) and, for MLflow 3's
//! `models:/m-…` sources, the logged models. [`MlflowSource`] also lists and reads a
//! version's artifact files where they can be read.
//!
//! What the stores keep differs, and the values say so rather than guess (MLflow
//! 3.17): the SQLite store keeps a deleted version's row (stage `Deleted_Internal`,
//! fields redacted) and so does the file store, while the REST API hides deleted
//! versions (the reader reports the missing numbers below the highest); only the
//! file store keeps a version's logged-model id (elsewhere it is read from a
//! `models:/m-…` source); registry rows of MLflow 3's workspaces are read from the
//! `default` workspace, the one `MlflowClient` sees without workspaces.
//!
//! This module knows nothing of omgreg's registry (no `store`, no `registry` rules):
//! mapping names, versions and stages is the importer's work.

mod artifacts;
mod error;
mod file_store;
mod file_tracking;
pub mod map;
mod rest;
mod rest_wire;
mod sqlite;
mod sqlite_schema;
mod uri;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub use artifacts::{ArtifactFile, ArtifactReader};
pub use error::MlflowError;
pub use uri::{ArtifactLocation, TrackingUri, parse_tracking_uri, redact};

/// Everything read from one MLflow store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MlflowRegistry {
    /// Registered models by name (prompts, which MLflow keeps as models tagged
    /// `mlflow.prompt.is_prompt`, are left out as `MlflowClient` leaves them out).
    pub models: Vec<RegisteredModel>,
    /// The runs the versions name (`run_id`), by run id.
    pub runs: BTreeMap<String, Run>,
    /// The logged models (MLflow 3) the versions come from, by model id (`m-…`).
    pub logged_models: BTreeMap<String, LoggedModel>,
    /// Tracking data a version names but the store does not hold (a deleted run, a
    /// server without the logged-models API): the import goes on without it.
    pub missing: Vec<Missing>,
    /// The alembic revision of an SQLite store's schema (its MLflow version).
    pub schema_revision: Option<String>,
}

/// A registered model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegisteredModel {
    pub name: String,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Alias -> version number.
    pub aliases: BTreeMap<String, u64>,
    /// Milliseconds since the Unix epoch, as MLflow keeps every time.
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    /// By version number, deleted ones included (see [`ModelVersion::deleted`]).
    pub versions: Vec<ModelVersion>,
}

/// A model version. Text fields MLflow leaves empty are `None`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelVersion {
    pub version: u64,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    /// Who registered it: open-source MLflow mostly leaves it empty.
    pub user_id: Option<String>,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Where the model came from: `runs:/RUN/PATH`, `models:/m-…`, a path or a URI.
    pub source: Option<String>,
    /// Where MLflow resolved the source to when registering (SQLite and file stores;
    /// the REST API does not show it).
    pub storage_location: Option<String>,
    pub run_id: Option<String>,
    pub run_link: Option<String>,
    /// The logged model (MLflow 3): as the store keeps it, else read from a
    /// `models:/m-…` source (the SQLite store does not keep it).
    pub model_id: Option<String>,
    /// `None` for a deleted version.
    pub current_stage: Option<MlflowStage>,
    /// `READY`, `PENDING_REGISTRATION` or `FAILED_REGISTRATION`.
    pub status: Option<String>,
    pub status_message: Option<String>,
    /// Deleted in MLflow. The SQLite and file stores keep a deleted version's number
    /// (its fields redacted); over REST it is invisible, and a missing number below
    /// the highest one is reported as deleted (a deleted highest version cannot be
    /// seen). Only the number and times are kept.
    pub deleted: bool,
}

impl ModelVersion {
    /// A deleted version: its number and times, nothing MLflow redacted.
    fn deleted(version: u64, creation: Option<i64>, updated: Option<i64>) -> Self {
        Self {
            version,
            creation_timestamp: creation,
            last_updated_timestamp: updated,
            deleted: true,
            ..Self::default()
        }
    }
}

/// MLflow's stages (case-insensitive in MLflow, canonical here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MlflowStage {
    /// MLflow's `None`: omgreg's implicit unassigned stage, whose name it shares.
    Unassigned,
    Staging,
    Production,
    Archived,
}

/// What a stored stage string says.
enum StageText {
    Stage(MlflowStage),
    /// `Deleted_Internal`: how the SQLite and file stores mark a deleted version.
    Deleted,
}

impl MlflowStage {
    /// The name MLflow answers.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unassigned => unassigned_name(),
            Self::Staging => "Staging",
            Self::Production => "Production",
            Self::Archived => "Archived",
        }
    }

    /// Reads a stored stage as MLflow's `get_canonical_stage` does (any case).
    fn parse(text: &str) -> Option<StageText> {
        let stage = [
            Self::Unassigned,
            Self::Staging,
            Self::Production,
            Self::Archived,
        ]
        .into_iter()
        .find(|stage| stage.name().eq_ignore_ascii_case(text));
        match stage {
            Some(stage) => Some(StageText::Stage(stage)),
            None => text
                .eq_ignore_ascii_case("Deleted_Internal")
                .then_some(StageText::Deleted),
        }
    }
}

/// MLflow's name for "no stage" is omgreg's name for the implicit stage; it is
/// spelled once, in `registry::VersionStage`.
fn unassigned_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        crate::registry::VersionStage::Unassigned
            .as_str()
            .to_owned()
    })
}

impl Serialize for MlflowStage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for MlflowStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A run, as `MlflowClient.get_run` answers it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Run {
    pub run_id: String,
    pub experiment_id: Option<String>,
    pub run_name: Option<String>,
    /// Often the login of whoever ran the training (`mlflow.user` is in the tags too).
    pub user_id: Option<String>,
    /// `RUNNING`, `SCHEDULED`, `FINISHED`, `FAILED` or `KILLED`.
    pub status: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    /// `active` or `deleted`.
    pub lifecycle_stage: Option<String>,
    pub artifact_uri: Option<String>,
    pub params: BTreeMap<String, String>,
    /// The latest value of each metric (highest step, then latest time, then
    /// largest value), as `get_run` answers.
    pub metrics: BTreeMap<String, Metric>,
    pub tags: BTreeMap<String, String>,
}

/// One metric value. NaN is kept as NaN (JSON shows it as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metric {
    pub value: f64,
    pub step: i64,
    pub timestamp: i64,
}

/// A logged model (MLflow 3), as `MlflowClient.get_logged_model` answers it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoggedModel {
    pub model_id: String,
    pub experiment_id: Option<String>,
    pub name: Option<String>,
    pub artifact_location: Option<String>,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    /// `PENDING`, `READY` or `FAILED`.
    pub status: Option<String>,
    pub source_run_id: Option<String>,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// Its metrics as the store returns them: per key, one value per dataset.
    pub metrics: Vec<ModelMetric>,
}

/// A metric of a logged model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelMetric {
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub timestamp: i64,
    pub run_id: Option<String>,
    pub dataset_name: Option<String>,
    pub dataset_digest: Option<String>,
}

/// Tracking data a version names that the store could not give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// `run` or `logged_model`.
    pub kind: &'static str,
    pub id: String,
    pub reason: String,
}

/// An opened MLflow store.
pub struct MlflowSource {
    backend: Backend,
}

enum Backend {
    Rest(rest::RestStore),
    Sqlite(sqlite::SqliteStore),
    File(file_store::FileStore),
}

impl MlflowSource {
    /// Opens the store `uri` names (relative paths from `cwd`): an SQLite database is
    /// opened read-only and its schema checked, a file store must exist; a server is
    /// first asked when something is read.
    pub fn open(uri: &str, cwd: &Path) -> Result<Self, MlflowError> {
        let backend = match parse_tracking_uri(uri, cwd)? {
            TrackingUri::Rest { base } => Backend::Rest(rest::RestStore::new(base)),
            TrackingUri::Sqlite { path } => Backend::Sqlite(sqlite::SqliteStore::open(path)?),
            TrackingUri::File { root } => Backend::File(file_store::FileStore::open(root)?),
        };
        Ok(Self { backend })
    }

    /// Reads the registered models (all of them, or those named in `only`), their
    /// versions, and the runs and logged models the versions come from.
    pub fn read(&self, only: &[String]) -> Result<MlflowRegistry, MlflowError> {
        let mut models = match &self.backend {
            Backend::Rest(store) => store.read_models()?,
            Backend::Sqlite(store) => store.read_models()?,
            Backend::File(store) => store.read_models()?,
        };
        if !only.is_empty() {
            models.retain(|model| only.contains(&model.name));
        }
        models.sort_by(|a, b| a.name.cmp(&b.name));
        for model in &mut models {
            model.versions.sort_by_key(|version| version.version);
        }
        let wanted = Wanted::of(&models);
        let mut registry = MlflowRegistry {
            models,
            ..MlflowRegistry::default()
        };
        if let Backend::Sqlite(store) = &self.backend {
            registry.schema_revision = Some(store.revision().to_owned());
        }
        match &self.backend {
            Backend::Rest(store) => store.read_tracking(&wanted, &mut registry)?,
            Backend::Sqlite(store) => store.read_tracking(&wanted, &mut registry)?,
            Backend::File(store) => store.read_tracking(&wanted, &mut registry)?,
        }
        Ok(registry)
    }

    /// Lists and reads a version's artifact files.
    pub fn artifacts(&self) -> ArtifactReader<'_> {
        let server = match &self.backend {
            Backend::Rest(store) => Some(store),
            _ => None,
        };
        ArtifactReader::new(server)
    }
}

/// The runs and logged models the (live) versions name.
#[derive(Debug, Default)]
struct Wanted {
    runs: Vec<String>,
    logged_models: Vec<String>,
}

impl Wanted {
    fn of(models: &[RegisteredModel]) -> Self {
        let live = || {
            models
                .iter()
                .flat_map(|model| &model.versions)
                .filter(|version| !version.deleted)
        };
        let mut runs: Vec<String> = live().filter_map(|v| v.run_id.clone()).collect();
        let mut logged_models: Vec<String> = live().filter_map(|v| v.model_id.clone()).collect();
        runs.sort();
        runs.dedup();
        logged_models.sort();
        logged_models.dedup();
        Self {
            runs,
            logged_models,
        }
    }
}

/// The logged model a `models:/m-…` source names (MLflow 3), if it names one.
fn model_id_of_source(source: &str) -> Option<String> {
    let id = source.strip_prefix("models:/")?.trim_end_matches('/');
    (id.starts_with("m-") && !id.contains('/') && !id.contains('@')).then(|| id.to_owned())
}

/// `Some` unless empty: MLflow's stores say "nothing" as NULL, `""` or an absent field.
fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|text| !text.is_empty())
}

/// Whether a tag set marks a prompt, which `MlflowClient` leaves out of models.
fn is_prompt(tags: &BTreeMap<String, String>) -> bool {
    tags.get("mlflow.prompt.is_prompt")
        .is_some_and(|value| value == "true")
}

/// A version read from a store, its stage text parsed: a `Deleted_Internal` version
/// becomes [`ModelVersion::deleted`]. `Err` carries the unknown stage text.
fn finish_version(mut version: ModelVersion, stage: &str) -> Result<ModelVersion, String> {
    match MlflowStage::parse(stage) {
        Some(StageText::Stage(stage)) => {
            version.current_stage = Some(stage);
            if version.model_id.is_none() {
                version.model_id = version.source.as_deref().and_then(model_id_of_source);
            }
            Ok(version)
        }
        Some(StageText::Deleted) => Ok(ModelVersion::deleted(
            version.version,
            version.creation_timestamp,
            version.last_updated_timestamp,
        )),
        None => Err(format!(
            "version {} has the unknown stage `{stage}`",
            version.version
        )),
    }
}

/// MLflow's run statuses by their stored number (file store).
fn run_status_name(number: i64) -> Option<&'static str> {
    ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]
        .get(usize::try_from(number).ok()?.checked_sub(1)?)
        .copied()
}

/// MLflow's logged-model statuses by their stored number, and the REST API's
/// `LOGGED_MODEL_…` names, as `MlflowClient` names them.
fn logged_model_status_name(stored: &str) -> String {
    match stored {
        "1" => "PENDING".to_owned(),
        "2" => "READY".to_owned(),
        "3" => "FAILED".to_owned(),
        "0" => "UNSPECIFIED".to_owned(),
        other => other
            .strip_prefix("LOGGED_MODEL_")
            .unwrap_or(other)
            .to_owned(),
    }
}

/// The latest of two values of a metric, as MLflow picks it: highest step, then
/// latest time, then largest value.
fn later(a: Metric, b: Metric) -> Metric {
    let key = |m: &Metric| (m.step, m.timestamp);
    match key(&a).cmp(&key(&b)) {
        std::cmp::Ordering::Less => b,
        std::cmp::Ordering::Greater => a,
        std::cmp::Ordering::Equal => {
            if b.value > a.value {
                b
            } else {
                a
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_in_any_case_and_deleted_versions_lose_their_fields() {
        let version = ModelVersion {
            version: 3,
            source: Some("models:/m-0123abc".into()),
            description: Some("d".into()),
            ..ModelVersion::default()
        };
        let read = finish_version(version.clone(), "production").unwrap();
        assert_eq!(read.current_stage, Some(MlflowStage::Production));
        assert_eq!(read.model_id.as_deref(), Some("m-0123abc"));
        let deleted = finish_version(version.clone(), "Deleted_Internal").unwrap();
        assert!(deleted.deleted && deleted.description.is_none() && deleted.source.is_none());
        assert!(finish_version(version, "Prod").is_err());
        let unassigned = crate::registry::VersionStage::Unassigned;
        assert_eq!(MlflowStage::Unassigned.name(), unassigned.as_str());
    }

    #[test]
    fn latest_metric_is_highest_step_then_time_then_value() {
        let m = |value, step, timestamp| Metric {
            value,
            step,
            timestamp,
        };
        assert_eq!(later(m(1.0, 2, 5), m(9.0, 1, 9)), m(1.0, 2, 5));
        assert_eq!(later(m(1.0, 2, 5), m(0.5, 2, 6)), m(0.5, 2, 6));
        assert_eq!(later(m(1.0, 2, 5), m(3.0, 2, 5)), m(3.0, 2, 5));
        assert_eq!(model_id_of_source("models:/churn/3"), None);
        assert_eq!(run_status_name(3), Some("FINISHED"));
        assert_eq!(run_status_name(0), None);
        assert_eq!(logged_model_status_name("LOGGED_MODEL_READY"), "READY");
    }
}
