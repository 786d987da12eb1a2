//! JSON wire types: serialize-only, each document with `kind` and `schema_version`.
//! Documented in docs/json.md; changing a field is a breaking change.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::registry::{VersionRow, artifact_path};
use crate::schema::{ArchivedDoc, CodeDoc, DataDoc, EnvironmentDoc, ImportedDoc, ParamValue};

/// Version of the JSON output format.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// One model version, as every command prints it.
#[derive(Debug, Serialize)]
pub struct VersionJson {
    pub model: String,
    pub version: String,
    /// A configured stage, or `None` / `Archived`.
    pub stage: String,
    pub aliases: Vec<String>,
    pub status: &'static str,
    pub created: String,
    pub created_by: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub params: BTreeMap<String, ParamValue>,
    pub data: Option<DataDoc>,
    pub code: Option<CodeDoc>,
    pub environment: Option<EnvironmentDoc>,
    /// `model@version` of the parent.
    pub parent: Option<String>,
    pub artifacts: Vec<ArtifactJson>,
    /// The artifact a server loads (`register --primary`), when named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    pub archived: Option<ArchivedDoc>,
    /// `false` when an artifact could not be read when the version was recorded (its
    /// location is in `imported.unverified`).
    pub verified: bool,
    /// Where an imported version comes from (`omgreg import`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportedDoc>,
}

/// One artifact of a version.
#[derive(Debug, Serialize)]
pub struct ArtifactJson {
    pub path: String,
    pub sha256: String,
    pub size: Option<u64>,
    /// `lfs` (stored in the registry) or `uri` (linked).
    pub storage: &'static str,
    /// Linked artifacts only.
    pub uri: Option<String>,
    /// Stored artifacts only: the pointer file, relative to the registry root.
    pub registry_path: Option<String>,
    /// `resolve` only: the local Git LFS object holding the bytes, when present.
    pub object_path: Option<String>,
}

impl VersionJson {
    pub fn from_row(row: &VersionRow) -> Self {
        let version = &row.version;
        let doc = &version.doc;
        let artifacts = doc
            .artifacts
            .iter()
            .map(|artifact| ArtifactJson {
                path: artifact.path.clone(),
                sha256: artifact.sha256.clone(),
                size: artifact.size,
                storage: if artifact.uri.is_some() { "uri" } else { "lfs" },
                uri: artifact.uri.clone(),
                registry_path: artifact
                    .uri
                    .is_none()
                    .then(|| artifact_path(&version.model, &version.version, &artifact.path)),
                object_path: None,
            })
            .collect();
        Self {
            model: version.model.to_string(),
            version: version.version.to_string(),
            stage: row.display_stage().to_string(),
            aliases: row.aliases.clone(),
            status: version.status.as_str(),
            created: doc.created.clone(),
            created_by: doc.created_by.clone(),
            description: doc.description.clone(),
            tags: doc.tags.clone(),
            metrics: doc.metrics.clone(),
            params: doc.params.clone(),
            data: doc.data.clone(),
            code: doc.code.clone(),
            environment: doc.environment.clone(),
            parent: doc
                .lineage
                .as_ref()
                .and_then(|lineage| lineage.parent.clone()),
            artifacts,
            primary: doc.primary.clone(),
            archived: doc.archived.clone(),
            verified: doc.verified != Some(false),
            imported: doc.imported.clone(),
        }
    }
}

/// A JSON document: `kind`, `schema_version`, the commit it was read from, then the body.
#[derive(Debug, Serialize)]
pub(crate) struct Document<'a, T: Serialize> {
    pub kind: &'static str,
    pub schema_version: u32,
    pub commit: Option<String>,
    #[serde(flatten)]
    pub body: &'a T,
}

impl<'a, T: Serialize> Document<'a, T> {
    pub fn new(kind: &'static str, commit: Option<String>, body: &'a T) -> Self {
        Self {
            kind,
            schema_version: JSON_SCHEMA_VERSION,
            commit,
            body,
        }
    }
}

/// Where an action's commit went: shared by the reports of every writing command.
#[derive(Debug, Serialize)]
pub struct CommitSummary {
    pub branch: String,
    pub parent_commit: Option<String>,
    pub dry_run: bool,
    /// Registry-relative paths the commit writes or removes.
    pub files: Vec<String>,
    /// The subset of `files` the commit removes.
    pub removed: Vec<String>,
    /// The new commit (`null` on a dry run); printed as the document's `commit`.
    #[serde(skip)]
    pub commit: Option<String>,
}

impl CommitSummary {
    /// What a dry run would commit: `would commit `SUBJECT` on `BRANCH`:` and a
    /// line per file.
    pub fn dry_run_text(&self, subject: &str) -> String {
        let mut text = format!("would commit `{subject}` on `{}`:\n", self.branch);
        for file in &self.files {
            let verb = if self.removed.contains(file) {
                "remove"
            } else {
                "write"
            };
            text.push_str(&format!("  {verb} {file}\n"));
        }
        text
    }

    pub fn of(committed: &crate::store::Committed) -> Self {
        Self {
            branch: committed
                .branch
                .trim_start_matches("refs/heads/")
                .to_owned(),
            parent_commit: committed.parent.map(|id| id.to_string()),
            dry_run: committed.commit.is_none(),
            files: committed
                .change
                .files
                .iter()
                .map(|(path, _)| path.clone())
                .collect(),
            removed: committed
                .change
                .files
                .iter()
                .filter(|(_, file)| matches!(file, crate::registry::FileChange::Remove))
                .map(|(path, _)| path.clone())
                .collect(),
            commit: committed.commit.map(|id| id.to_string()),
        }
    }
}
