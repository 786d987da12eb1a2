//! The report of `omgreg check`: human, JSON, GitHub workflow annotations, or a GitLab
//! Code Quality report (written by `check_gitlab.rs`).

use serde::Serialize;

#[path = "check_gitlab.rs"]
mod gitlab;

use super::Output;
use super::json::Document;
use crate::policy::Finding;

/// How `check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Human,
    Json,
    /// `::error file=...,line=...::message` lines, turned into annotations by GitHub.
    Github,
    /// A GitLab Code Quality report: a JSON array of issues with repository paths.
    Gitlab,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    message: &'a str,
    /// Registry-relative.
    file: Option<&'a str>,
    line: Option<usize>,
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct CheckBody<'a> {
    ok: bool,
    findings: Vec<FindingJson<'a>>,
}

/// Prints the findings; `prefix` is the registry's folder in the repository.
pub fn check(
    output: &Output,
    format: CheckFormat,
    commit: Option<String>,
    prefix: &str,
    findings: &[Finding],
) -> std::io::Result<()> {
    match format {
        CheckFormat::Json => {
            let body = CheckBody {
                ok: findings.is_empty(),
                findings: findings
                    .iter()
                    .map(|f| FindingJson {
                        rule: f.rule.code(),
                        message: &f.message,
                        file: f.file.as_deref(),
                        line: f.line,
                        commit: f.commit.as_deref(),
                    })
                    .collect(),
            };
            output.json(&Document::new("check", commit, &body))
        }
        CheckFormat::Github => output.data(&github_annotations(prefix, findings)),
        CheckFormat::Gitlab => output.data(&gitlab::report(prefix, findings)),
        CheckFormat::Human => {
            let mut text = String::new();
            for f in findings {
                text.push_str(&format!("error[{}]: {}\n", f.rule.code(), f.message));
                let commit = f
                    .commit
                    .as_deref()
                    .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
                    .unwrap_or_default();
                let file = f.file.as_deref().map(escape_controls);
                match (&file, f.line, &f.commit) {
                    (Some(file), Some(line), _) => {
                        text.push_str(&format!("  --> {prefix}{file}:{line}{commit}\n"))
                    }
                    (Some(file), None, _) => {
                        text.push_str(&format!("  --> {prefix}{file}{commit}\n"))
                    }
                    (None, _, Some(commit)) => text.push_str(&format!(
                        "  --> commit {}\n",
                        &commit[..commit.len().min(12)]
                    )),
                    _ => {}
                }
            }
            output.data(&text)?;
            match findings.len() {
                0 => output.status("check passed: no problems found"),
                1 => output.status("check failed: 1 problem"),
                n => output.status(&format!("check failed: {n} problems")),
            }
            Ok(())
        }
    }
}

/// One GitHub workflow command per finding; file paths from the repository root.
fn github_annotations(prefix: &str, findings: &[Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!(
                "file={}",
                escape_property(&format!("{prefix}{file}"))
            ));
        }
        if let Some(line) = f.line {
            props.push(format!("line={line}"));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("omgreg {}", f.rule.code()))
        ));
        let mut message = f.message.clone();
        if let Some(commit) = &f.commit {
            message.push_str(&format!(" (commit {})", &commit[..commit.len().min(12)]));
        }
        text.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    text
}

/// Workflow-command escaping of a message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `text` with control characters written as `\u{..}`: a file name from a hand-made
/// commit must not drive the terminal.
fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
