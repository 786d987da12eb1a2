//! The report of a lifecycle action (promote, alias, archive, unarchive, rollback).

use serde::Serialize;

use super::Output;
use super::json::Document;
use crate::store::Committed;

/// What one action commit did.
#[derive(Debug, Serialize)]
pub struct ActionReport {
    /// The `Omgreg-Action` value: `promote`, `alias-set`, `archive`, ...
    pub action: &'static str,
    /// The commit subject, e.g. `promote churn@2.1.0 to Production`.
    pub subject: String,
    pub branch: String,
    pub parent_commit: Option<String>,
    pub dry_run: bool,
    /// Registry-relative paths the commit writes or removes.
    pub files: Vec<String>,
    /// The `Omgreg-*` trailers, in order.
    pub trailers: Vec<(String, String)>,
    #[serde(skip)]
    commit: Option<String>,
}

impl ActionReport {
    pub fn new(committed: &Committed) -> Self {
        let event = &committed.change.event;
        Self {
            action: event.action(),
            subject: event.subject(),
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
            trailers: event
                .trailers()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            commit: committed.commit.map(|id| id.to_string()),
        }
    }
}

/// Prints a status line (or, on a dry run, the change set on stdout).
pub fn action(output: &Output, report: &ActionReport) -> std::io::Result<()> {
    if output.json {
        return output.json(&Document::new("action", report.commit.clone(), report));
    }
    if report.dry_run {
        let mut text = format!(
            "would commit `{}` on `{}`:\n",
            report.subject, report.branch
        );
        for file in &report.files {
            text.push_str(&format!("  write {file}\n"));
        }
        return output.data(&text);
    }
    let commit = report.commit.as_deref().unwrap_or_default();
    let mut subject = report.subject.clone();
    if let Some(first) = subject.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    output.status(&format!(
        "{subject} (commit {} on `{}`)",
        &commit[..commit.len().min(12)],
        report.branch
    ));
    Ok(())
}
