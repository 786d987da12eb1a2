//! The report of `omgreg register`.

use serde::Serialize;

use super::Output;
use super::json::{CommitSummary, Document};
use crate::registry::{Event, FileChange};
use crate::store::Committed;

/// What a registration did (or would do, on a dry run).
#[derive(Debug, Serialize)]
pub struct RegisterReport {
    pub model: String,
    pub version: String,
    #[serde(flatten)]
    pub commit: CommitSummary,
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
            commit: CommitSummary::of(committed),
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
            report.commit.commit.clone(),
            report,
        ));
    }
    let reference = format!("{}@{}", report.model, report.version);
    if report.commit.dry_run {
        let mut text = report.commit.dry_run_text(&format!("register {reference}"));
        if let Some(yaml) = &report.version_yaml {
            text.push('\n');
            text.push_str(yaml);
        }
        return output.data(&text);
    }
    let commit = report.commit.commit.as_deref().unwrap_or_default();
    output.status(&format!(
        "Registered `{reference}` in commit {} on `{}`",
        &commit[..commit.len().min(12)],
        report.commit.branch
    ));
    output.data(&format!("{reference}\n"))
}
