//! The JSON the tracking server's REST API 2.0 answers, leniently: protobuf's JSON
//! leaves out empty fields, and writes 64-bit numbers as numbers or strings.

use serde::Deserialize;

/// An integer written as a number or a string (`"version": "2"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Int {
    Number(i64),
    Text(String),
}

impl Int {
    pub fn get(&self) -> Option<i64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::Text(text) => text.parse().ok(),
        }
    }
}

/// A float written as a number or, for NaN and infinities, a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Float {
    Number(f64),
    Text(String),
}

impl Float {
    pub fn get(&self) -> f64 {
        match self {
            Self::Number(x) => *x,
            Self::Text(text) => text.parse().unwrap_or(f64::NAN),
        }
    }
}

pub fn int(field: &Option<Int>) -> Option<i64> {
    field.as_ref().and_then(Int::get)
}

#[derive(Debug, Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Deserialize)]
pub struct SearchModels {
    #[serde(default)]
    pub registered_models: Vec<Model>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub name: String,
    pub creation_timestamp: Option<Int>,
    pub last_updated_timestamp: Option<Int>,
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
    #[serde(default)]
    pub aliases: Vec<Alias>,
}

#[derive(Debug, Deserialize)]
pub struct Alias {
    pub alias: String,
    pub version: Int,
}

#[derive(Debug, Deserialize)]
pub struct SearchVersions {
    #[serde(default)]
    pub model_versions: Vec<Version>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Version {
    pub name: String,
    pub version: Int,
    pub creation_timestamp: Option<Int>,
    pub last_updated_timestamp: Option<Int>,
    pub user_id: Option<String>,
    pub current_stage: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub run_id: Option<String>,
    pub status: Option<String>,
    pub status_message: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
    pub run_link: Option<String>,
    pub model_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct GetRun {
    pub run: RunBody,
}

#[derive(Debug, Deserialize)]
pub struct RunBody {
    pub info: RunInfo,
    #[serde(default)]
    pub data: RunData,
}

#[derive(Debug, Deserialize)]
pub struct RunInfo {
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
    pub run_name: Option<String>,
    pub experiment_id: Option<String>,
    pub user_id: Option<String>,
    pub status: Option<String>,
    pub start_time: Option<Int>,
    pub end_time: Option<Int>,
    pub artifact_uri: Option<String>,
    pub lifecycle_stage: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RunData {
    #[serde(default)]
    pub metrics: Vec<WireMetric>,
    #[serde(default)]
    pub params: Vec<KeyValue>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Deserialize)]
pub struct WireMetric {
    pub key: String,
    pub value: Option<Float>,
    pub timestamp: Option<Int>,
    pub step: Option<Int>,
    pub run_id: Option<String>,
    pub dataset_name: Option<String>,
    pub dataset_digest: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct GetLoggedModel {
    pub model: LoggedModelBody,
}

#[derive(Debug, Deserialize)]
pub struct LoggedModelBody {
    pub info: LoggedModelInfo,
    #[serde(default)]
    pub data: LoggedModelData,
}

#[derive(Debug, Deserialize)]
pub struct LoggedModelInfo {
    pub model_id: String,
    pub experiment_id: Option<String>,
    pub name: Option<String>,
    pub creation_timestamp_ms: Option<Int>,
    pub last_updated_timestamp_ms: Option<Int>,
    pub artifact_uri: Option<String>,
    pub status: Option<String>,
    pub source_run_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoggedModelData {
    #[serde(default)]
    pub params: Vec<KeyValue>,
    #[serde(default)]
    pub metrics: Vec<WireMetric>,
}

#[derive(Debug, Deserialize)]
pub struct ListArtifacts {
    #[serde(default)]
    pub files: Vec<FileInfo>,
}

#[derive(Debug, Deserialize)]
pub struct FileInfo {
    pub path: String,
    #[serde(default)]
    pub is_dir: bool,
    pub file_size: Option<Int>,
}

/// MLflow's error answer: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": ...}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error_code: Option<String>,
    pub message: Option<String>,
}
