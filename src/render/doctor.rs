//! The report of `omgreg doctor`.

use serde::Serialize;

use super::Output;
use super::json::Document;
use crate::ops::doctor::{DoctorFinding, Outcome};
use crate::store::Leftover;

#[derive(Serialize)]
struct FindingJson<'a> {
    /// `interrupted_action`, `lock`, `temp_file`, `unreadable_cache` or `event_index`.
    leftover: &'static str,
    path: String,
    /// What is wrong with an event index.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
    /// Seconds since a lock file was last written.
    age_seconds: Option<u64>,
    /// `repaired`, `removed`, `kept` or `failed`.
    outcome: &'static str,
    detail: Option<&'a str>,
}

#[derive(Serialize)]
struct DoctorBody<'a> {
    clean: bool,
    findings: Vec<FindingJson<'a>>,
}

/// One line per leftover: what it is and what was done; `Nothing to repair` alone.
pub fn doctor(output: &Output, findings: &[DoctorFinding]) -> std::io::Result<()> {
    let clean = !findings.iter().any(DoctorFinding::is_open);
    if output.json {
        let findings = findings.iter().map(to_json).collect();
        return output.json(&Document::new(
            "doctor",
            None,
            &DoctorBody { clean, findings },
        ));
    }
    if findings.is_empty() {
        return output.data("Nothing to repair\n");
    }
    let mut text = String::new();
    for finding in findings {
        text.push_str(&line(finding));
        text.push('\n');
    }
    output.data(&text)
}

fn to_json(finding: &DoctorFinding) -> FindingJson<'_> {
    let (outcome, detail) = match &finding.outcome {
        Outcome::Repaired(line) => ("repaired", Some(line.as_str())),
        Outcome::Removed => ("removed", None),
        Outcome::Kept => ("kept", None),
        Outcome::Failed(why) => ("failed", Some(why.as_str())),
    };
    let (leftover, age_seconds) = match &finding.leftover {
        Leftover::InterruptedAction { .. } => ("interrupted_action", None),
        Leftover::Lock { age, .. } => ("lock", Some(age.as_secs())),
        Leftover::TempFile { .. } => ("temp_file", None),
        Leftover::UnreadableCache { .. } => ("unreadable_cache", None),
        Leftover::EventIndex { .. } => ("event_index", None),
    };
    let problem = match &finding.leftover {
        Leftover::EventIndex { problem, .. } => Some(problem.as_str()),
        _ => None,
    };
    FindingJson {
        leftover,
        path: finding.leftover.path().display().to_string(),
        problem,
        age_seconds,
        outcome,
        detail,
    }
}

fn line(finding: &DoctorFinding) -> String {
    let path = finding.leftover.path().display();
    let what = match &finding.leftover {
        Leftover::InterruptedAction { .. } => format!("interrupted action `{path}`"),
        Leftover::Lock { age, .. } => {
            format!("lock file `{path}` (last written {} s ago)", age.as_secs())
        }
        Leftover::TempFile { .. } => format!("temporary file of a dead writer `{path}`"),
        Leftover::UnreadableCache { .. } => format!("unreadable cache `{path}`"),
        Leftover::EventIndex { problem, .. } => {
            format!("event index `{path}` ({problem}; it is rebuilt once removed)")
        }
    };
    match &finding.outcome {
        Outcome::Repaired(how) => format!("repaired  {what}: {how}"),
        Outcome::Removed => format!("removed   {what}"),
        Outcome::Kept if matches!(finding.leftover, Leftover::Lock { .. }) => format!(
            "kept      {what}: a git command may be running; once none is, \
             run `omgreg doctor --remove-locks`"
        ),
        Outcome::Kept => format!("found     {what}"),
        Outcome::Failed(why) => format!("failed    {what}: {why}"),
    }
}
