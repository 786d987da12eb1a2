//! `omgreg check --format gitlab`: a GitLab Code Quality report
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>), the
//! JSON array GitLab reads from `artifacts:reports:codequality` and shows in merge
//! requests.
//!
//! Paths are relative to the repository root (the registry's folder is prefixed), as
//! GitLab resolves them against the project. A finding about a whole commit (no file)
//! is placed on the registry's `omgreg.toml`, line 1: GitLab needs a path, and the
//! policy that judged the commit lives there. Notices (the `warning:` lines) stay on
//! stderr and are not part of the report.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::policy::Finding;

/// One Code Quality issue.
#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// The report: a pretty-printed JSON array (`[]` when there is no finding), newline
/// ended.
pub(super) fn report(prefix: &str, findings: &[Finding]) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue> = findings
        .iter()
        .map(|f| {
            let path = match &f.file {
                Some(file) => format!("{prefix}{file}"),
                None => format!("{prefix}omgreg.toml"),
            };
            let begin = f.line.unwrap_or(1).max(1);
            let mut description = f.message.clone();
            if let Some(commit) = &f.commit {
                description.push_str(&format!(" (commit {})", &commit[..commit.len().min(12)]));
            }
            let key = fingerprint_key(f, &path);
            // Two findings identical in every field still get distinct fingerprints
            // (GitLab shows only one issue per fingerprint); the first keeps the plain one.
            let count = seen.entry(key.clone()).or_insert(0);
            let fingerprint = match *count {
                0 => sha256_hex(&key),
                n => sha256_hex(&format!("{key}\0{n}")),
            };
            *count += 1;
            Issue {
                description,
                check_name: format!("omgreg/{}", f.rule.code()),
                fingerprint,
                severity: "major",
                location: Location {
                    path,
                    lines: Lines { begin },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).expect("plain structs serialize");
    text.push('\n');
    text
}

/// What identifies a finding across runs: rule, repository path, line, message and
/// commit, NUL-separated.
fn fingerprint_key(f: &Finding, path: &str) -> String {
    let line = f.line.map(|l| l.to_string()).unwrap_or_default();
    let commit = f.commit.as_deref().unwrap_or_default();
    format!("{}\0{path}\0{line}\0{}\0{commit}", f.rule.code(), f.message)
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
