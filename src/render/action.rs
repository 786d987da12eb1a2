//! The report of a lifecycle action (promote, alias, archive, unarchive, rollback).

use serde::Serialize;

use super::Output;
use super::json::{CommitSummary, Document};
use crate::store::Committed;

/// What one action commit did.
#[derive(Debug, Serialize)]
pub struct ActionReport {
    /// The `Omgreg-Action` value: `promote`, `alias-set`, `archive`, ...
    pub action: &'static str,
    /// The commit subject, e.g. `promote churn@2.1.0 to Production`.
    pub subject: String,
    #[serde(flatten)]
    pub commit: CommitSummary,
    /// The `Omgreg-*` trailers, in order.
    pub trailers: Vec<(String, String)>,
}

impl ActionReport {
    pub fn new(committed: &Committed) -> Self {
        let event = &committed.change.event;
        Self {
            action: event.action(),
            subject: event.subject(),
            commit: CommitSummary::of(committed),
            trailers: event
                .trailers()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }
}

/// Prints a status line (or, on a dry run, the change set on stdout).
pub fn action(output: &Output, report: &ActionReport) -> std::io::Result<()> {
    if output.json {
        return output.json(&Document::new(
            "action",
            report.commit.commit.clone(),
            report,
        ));
    }
    if report.commit.dry_run {
        let text = report.commit.dry_run_text(&report.subject);
        return output.data(&text);
    }
    let commit = report.commit.commit.as_deref().unwrap_or_default();
    let mut subject = report.subject.clone();
    if let Some(first) = subject.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    output.status(&format!(
        "{subject} (commit {} on `{}`)",
        &commit[..commit.len().min(12)],
        report.commit.branch
    ));
    Ok(())
}
