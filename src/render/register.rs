//! The report of `omgreg register`.

use serde::Serialize;

use super::Output;
use super::json::Document;
use crate::registry::{Event, FileChange};
use crate::store::Committed;

/// What a registration did (or would do, on a dry run).
#[derive(Debug, Serialize)]
pub struct RegisterReport {
    pub model: String,
    pub version: String,
    pub branch: String,
    pub parent_commit: Option<String>,
    pub dry_run: bool,
    /// Registry-relative paths of the files the commit writes.
    pub files: Vec<String>,
    #[serde(skip)]
    commit: Option<String>,
    #[serde(skip)]
    version_yaml: Option<String>,
}

impl RegisterReport {
    pub fn new(committed: &Committed) -> Self {
        let (model, version) = match &committed.change.event {
            Event::Registered { model, version } => (model.to_string(), version.to_string()),
            other => (String::new(), other.subject()),
        };
        let version_yaml = committed
            .change
            .files
            .iter()
            .find_map(|(path, file)| match file {
                FileChange::Write(bytes) if path.contains("/versions/") => {
                    Some(String::from_utf8_lossy(bytes).into_owned())
                }
                _ => None,
            });
        Self {
            model,
            version,
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
            commit: committed.commit.map(|id| id.to_string()),
            version_yaml,
        }
    }
}

/// Prints the registered reference on stdout (so scripts can capture it) and a status
/// line on stderr; on a dry run, the change set.
pub fn register(output: &Output, report: &RegisterReport) -> std::io::Result<()> {
    if output.json {
        return output.json(&Document::new(
            "registration",
            report.commit.clone(),
            report,
        ));
    }
    let reference = format!("{}@{}", report.model, report.version);
    if report.dry_run {
        let mut text = format!(
            "would commit `register {reference}` on `{}`:\n",
            report.branch
        );
        for file in &report.files {
            text.push_str(&format!("  write {file}\n"));
        }
        if let Some(yaml) = &report.version_yaml {
            text.push('\n');
            text.push_str(yaml);
        }
        return output.data(&text);
    }
    let commit = report.commit.as_deref().unwrap_or_default();
    output.status(&format!(
        "Registered `{reference}` in commit {} on `{}`",
        &commit[..commit.len().min(12)],
        report.branch
    ));
    output.data(&format!("{reference}\n"))
}
