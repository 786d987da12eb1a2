//! `omgreg lineage`: parents, children, data, code and commits of a version.

use std::fmt::Write as _;

use serde::Serialize;

use super::Output;
use super::history::rfc3339;
use super::json::{Document, VersionJson};
use crate::registry::VersionRow;
use crate::store::HistoryEntry;

/// Everything `lineage` found.
pub struct LineageReport {
    pub version: VersionRow,
    /// Nearest first; `Err(reference)` for a parent that is not in the registry.
    pub parents: Vec<Result<VersionRow, String>>,
    pub children: Vec<VersionRow>,
    /// Events of this version, newest first.
    pub commits: Vec<HistoryEntry>,
}

#[derive(Serialize)]
struct Ancestor {
    model: Option<String>,
    version: Option<String>,
    reference: String,
    found: bool,
    data: Option<crate::schema::DataDoc>,
    code: Option<crate::schema::CodeDoc>,
}

#[derive(Serialize)]
struct Child {
    model: String,
    version: String,
}

#[derive(Serialize)]
struct Touch {
    commit: String,
    time: String,
    author: String,
    event: &'static str,
    subject: String,
}

#[derive(Serialize)]
struct LineageBody {
    #[serde(flatten)]
    version: VersionJson,
    parents: Vec<Ancestor>,
    children: Vec<Child>,
    commits: Vec<Touch>,
}

fn reference(row: &VersionRow) -> String {
    format!("{}@{}", row.version.model, row.version.version)
}

/// Prints the lineage.
pub fn lineage(
    output: &Output,
    commit: Option<String>,
    report: &LineageReport,
) -> std::io::Result<()> {
    if output.json {
        let body = lineage_body(report);
        return output.json(&Document::new("lineage", commit, &body));
    }
    output.data(&lineage_text(report))
}

/// The `--json` body of the lineage.
fn lineage_body(report: &LineageReport) -> LineageBody {
    LineageBody {
        version: VersionJson::from_row(&report.version),
        parents: report
            .parents
            .iter()
            .map(|parent| match parent {
                Ok(row) => Ancestor {
                    model: Some(row.version.model.to_string()),
                    version: Some(row.version.version.to_string()),
                    reference: reference(row),
                    found: true,
                    data: row.version.doc.data.clone(),
                    code: row.version.doc.code.clone(),
                },
                Err(missing) => Ancestor {
                    model: None,
                    version: None,
                    reference: missing.clone(),
                    found: false,
                    data: None,
                    code: None,
                },
            })
            .collect(),
        children: report
            .children
            .iter()
            .map(|row| Child {
                model: row.version.model.to_string(),
                version: row.version.version.to_string(),
            })
            .collect(),
        commits: report
            .commits
            .iter()
            .map(|entry| Touch {
                commit: entry.commit.to_string(),
                time: rfc3339(entry.time),
                author: entry.author.clone(),
                event: entry.event.kind.as_str(),
                subject: entry.subject.clone(),
            })
            .collect(),
    }
}

/// The human-readable lineage: the version, its parents, children and commits.
fn lineage_text(report: &LineageReport) -> String {
    let mut text = String::new();
    let doc = &report.version.version.doc;
    let _ = writeln!(
        text,
        "{} ({})",
        reference(&report.version),
        report.version.display_stage()
    );
    describe_sources(&mut text, "  ", doc);
    let _ = writeln!(text, "parents:");
    if report.parents.is_empty() {
        let _ = writeln!(text, "  -");
    }
    for (depth, parent) in report.parents.iter().enumerate() {
        let indent = "  ".repeat(depth + 1);
        match parent {
            Ok(row) => {
                let _ = writeln!(text, "{indent}{}", reference(row));
                describe_sources(&mut text, &format!("{indent}  "), &row.version.doc);
            }
            Err(missing) => {
                let _ = writeln!(text, "{indent}{missing} (not in the registry)");
            }
        }
    }
    let _ = writeln!(text, "children:");
    if report.children.is_empty() {
        let _ = writeln!(text, "  -");
    }
    for child in &report.children {
        let _ = writeln!(text, "  {}", reference(child));
    }
    let _ = writeln!(text, "commits:");
    for entry in &report.commits {
        let _ = writeln!(
            text,
            "  {}  {}  {:<11}  {}",
            rfc3339(entry.time),
            &entry.commit.to_string()[..12],
            entry.event.kind.as_str(),
            entry.author
        );
    }
    text
}

fn describe_sources(text: &mut String, indent: &str, doc: &crate::schema::VersionDoc) {
    if let Some(data) = &doc.data {
        let _ = writeln!(text, "{indent}data: {}", super::data_summary(data, " "));
    }
    if let Some(code) = &doc.code {
        let repo = code.repo.as_deref().unwrap_or("-");
        let _ = writeln!(
            text,
            "{indent}code: {repo} @ {}",
            code.commit.as_deref().unwrap_or("-")
        );
    }
}
