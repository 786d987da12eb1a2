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
    /// The model, version, stage and alias the action moved, for scripts
    /// (`jq -r .version`): each set when the action names one (a promotion of several
    /// models leaves `model` and `version` null; `trailers` has them all).
    pub model: Option<String>,
    pub version: Option<String>,
    pub stage: Option<String>,
    pub alias: Option<String>,
    #[serde(flatten)]
    pub commit: CommitSummary,
    /// The `Omgreg-*` trailers, in order.
    pub trailers: Vec<(String, String)>,
}

impl ActionReport {
    pub fn new(committed: &Committed) -> Self {
        let event = &committed.change.event;
        let trailers: Vec<(String, String)> = event
            .trailers()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        // The value of `key` when the trailers give it one value (however often).
        let one = |key: &str| {
            let mut values = trailers.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
            let first = values.next()?;
            values.all(|v| v == first).then(|| first.clone())
        };
        Self {
            action: event.action(),
            subject: event.subject(),
            model: one("Omgreg-Model"),
            version: one("Omgreg-Version"),
            stage: one("Omgreg-Stage"),
            alias: one("Omgreg-Alias"),
            commit: CommitSummary::of(committed),
            trailers,
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
