//! `models/<model>/versions/<version>.yaml`: one registered version.
//!
//! Field order here is the key order on disk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ParamValue;

/// The version document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionDoc {
    pub model: String,
    pub version: String,
    pub created: String,
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
    #[serde(default = "default_status")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<ArchivedDoc>,
}

/// The data a version was trained on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// The code a version was trained with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dirty: bool,
}

/// The software environment of a version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentDoc {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<EnvFileDoc>,
}

/// An environment file (requirements.txt, conda.yaml, ...) identified by its hash.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvFileDoc {
    pub path: String,
    pub sha256: String,
}

/// Where a version comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineageDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// One artifact file: stored in Git LFS under `artifacts/<version>/<path>`, or linked
/// by `uri`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArtifactDoc {
    pub path: String,
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// Why and when a version was archived.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArchivedDoc {
    pub at: String,
    pub by: String,
    #[serde(default)]
    pub reason: String,
}

fn default_status() -> String {
    "active".to_owned()
}
