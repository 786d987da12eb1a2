//! `models/<model>/versions/<version>.yaml`: one registered version.
//!
//! Field order here is the key order on disk.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::json_schema::{DIGEST, MODEL_NAME, STATUS, TIME, VERSION};

use super::ParamValue;

/// The version document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionDoc {
    /// The model's name: the name of its folder under `models/`.
    #[schemars(regex(pattern = MODEL_NAME))]
    pub model: String,
    /// The version (SemVer, no build metadata): the file's name without `.yaml`.
    #[schemars(regex(pattern = VERSION))]
    pub version: String,
    /// When the version was registered (RFC 3339).
    #[schemars(regex(pattern = TIME), extend("format" = "date-time"))]
    pub created: String,
    /// Who registered it (`Name <e-mail>`).
    #[serde(default)]
    pub created_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<LineageDoc>,
    #[serde(default)]
    pub artifacts: Vec<ArtifactDoc>,
    /// The artifact a server loads (its `path`), when the version has several files;
    /// endpoint templates point at it instead of the version's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// `active`, or `archived` (with `archived`).
    #[serde(default = "default_status")]
    #[schemars(regex(pattern = STATUS))]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<ArchivedDoc>,
    /// `false` when an artifact of the version could not be read when it was
    /// recorded (an imported `s3://` source): its location is in `imported`, with no
    /// digest; stages that require verified artifacts refuse it. Absent: verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Where an imported version comes from (`omgreg import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportedDoc>,
}

/// The provenance of an imported version: the source, its own ids, and the artifact
/// locations that could not be read (never given an invented digest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImportedDoc {
    /// `mlflow` or `gto`.
    pub from: String,
    /// The source's id of the version (`NAME/NUMBER` in MLflow, the registration tag
    /// in GTO): what a second import recognises.
    pub id: String,
    /// The version as the source spells it (`3`, `v1.2.0`).
    pub version: String,
    /// MLflow's `source` of the version (`runs:/…`, `models:/m-…`, a storage URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The run in the tracking server's UI, when the source is a server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_link: Option<String>,
    /// The Git commit a GTO version was registered at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Artifact locations that were not read, so carry no digest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<UnverifiedDoc>,
}

/// An artifact location an import could not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnverifiedDoc {
    pub uri: String,
    /// Why it was not read (`no access to s3://`, `not in the repository`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// The data a version was trained on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// The code a version was trained with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CodeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
}

/// The software environment of a version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvironmentDoc {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<EnvFileDoc>,
}

/// An environment file (requirements.txt, conda.yaml, ...) identified by its hash.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EnvFileDoc {
    pub path: String,
    #[schemars(regex(pattern = DIGEST))]
    pub sha256: String,
}

/// Where a version comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineageDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// One artifact file: stored in Git LFS under `artifacts/<version>/<path>`, or linked
/// by `uri`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArtifactDoc {
    /// The file's path under `artifacts/<version>/` (relative, `/`-separated).
    pub path: String,
    /// The SHA-256 of the file's bytes (64 hex digits).
    #[schemars(regex(pattern = DIGEST))]
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// Why and when a version was archived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArchivedDoc {
    #[schemars(regex(pattern = TIME), extend("format" = "date-time"))]
    pub at: String,
    pub by: String,
    #[serde(default)]
    pub reason: String,
}

fn default_status() -> String {
    "active".to_owned()
}
