//! `omgreg check --format gitlab`: a GitLab Code Quality report (issue 14, item 7).
//! Every finding is one issue, at its repository path and line, with a fingerprint
//! that is the same on every run and differs between findings, so GitLab can tell new
//! problems of a merge request from old ones.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::common::TestEnv;
use crate::common::refusal::commit_by_hand;
use crate::test_check::{check_json, check_text, edit, example_registry, line_of};

const V200: &str = "models/churn/versions/2.0.0.yaml";

/// `omgreg check --format gitlab ARGS` in `dir`, which must exit with `code`; the
/// report, parsed.
fn gitlab_report(env: &TestEnv, dir: &Path, args: &[&str], code: i32) -> Vec<Value> {
    let mut full = vec!["--format", "gitlab"];
    full.extend_from_slice(args);
    let text = check_text(env, dir, &full, code);
    let report: Value = serde_json::from_str(&text).expect("a JSON report");
    report.as_array().expect("a JSON array").clone()
}

/// Asserts the fields GitLab requires, and returns the issue's (check_name, path, line).
fn shape(issue: &Value) -> (String, String, u64) {
    assert_eq!(issue["severity"], "major", "{issue:#}");
    let fingerprint = issue["fingerprint"].as_str().expect("fingerprint");
    assert!(
        fingerprint.len() == 64 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()),
        "{issue:#}"
    );
    assert!(issue["description"].as_str().is_some_and(|d| !d.is_empty()));
    let line = issue["location"]["lines"]["begin"]
        .as_u64()
        .expect("lines.begin");
    assert!(line >= 1, "{issue:#}");
    (
        issue["check_name"].as_str().expect("check_name").to_owned(),
        issue["location"]["path"].as_str().expect("path").to_owned(),
        line,
    )
}

fn fingerprints(report: &[Value]) -> Vec<String> {
    report
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint").to_owned())
        .collect()
}

#[test]
fn gitlab_format_reports_every_finding_with_a_stable_distinct_fingerprint() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let text = edit(&env, &reg, V200, "\ndata:", "\ndata: @x");
    let schema_line = line_of(&text, "data: @x");
    let stages = "stages:\n  Staging: 9.9.9\naliases: {}\n";
    commit_by_hand(&env, &reg, "models/fraud/stages.yaml", stages);

    let report = gitlab_report(&env, &reg, &[], 3);
    let doc = check_json(&env, &reg, &[], 3);
    let findings = doc["findings"].as_array().expect("findings");
    assert!(findings.len() >= 3, "{doc:#}");
    assert_eq!(
        report.len(),
        findings.len(),
        "one issue per finding:\n{report:#?}"
    );
    for (issue, finding) in report.iter().zip(findings) {
        let (check_name, path, line) = shape(issue);
        assert_eq!(
            check_name,
            format!("omgreg/{}", finding["rule"].as_str().unwrap())
        );
        assert_eq!(path, finding["file"].as_str().expect("a file"), "{issue:#}");
        assert_eq!(line, finding["line"].as_u64().unwrap_or(1), "{issue:#}");
        assert_eq!(issue["description"], finding["message"], "{issue:#}");
    }
    let places: Vec<_> = report.iter().map(shape).collect();
    assert!(
        places.contains(&("omgreg/schema".into(), V200.into(), schema_line as u64)),
        "{places:?}"
    );
    assert!(
        places.contains(&(
            "omgreg/reference".into(),
            "models/fraud/stages.yaml".into(),
            2
        )),
        "{places:?}"
    );
    assert!(
        places.contains(&(
            "omgreg/generated".into(),
            "models/fraud/README.md".into(),
            1
        )),
        "a finding without a line is on line 1: {places:?}"
    );

    let first = fingerprints(&report);
    let distinct: HashSet<_> = first.iter().collect();
    assert_eq!(distinct.len(), first.len(), "{first:?}");
    assert_eq!(fingerprints(&gitlab_report(&env, &reg, &[], 3)), first);

    // Fixing one problem leaves the other fingerprints as they were.
    edit(&env, &reg, V200, "\ndata: @x", "\ndata:");
    let after = fingerprints(&gitlab_report(&env, &reg, &[], 3));
    assert_eq!(after.len(), first.len() - 1, "{after:?}");
    assert!(
        after.iter().all(|f| first.contains(f)),
        "{after:?} vs {first:?}"
    );
}

#[test]
fn a_clean_registry_is_an_empty_report() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    assert!(gitlab_report(&env, &reg, &[], 0).is_empty());
}

/// GitLab resolves paths against the project, so a registry in `ml/reg/` reports
/// `ml/reg/models/...`; a finding about a whole commit (here `registry`: a commit
/// broke `omgreg.toml`, a later one mended it) has no file and sits on the registry's
/// `omgreg.toml`, line 1, naming the commit.
#[test]
fn gitlab_paths_start_at_the_repository_root_and_commit_findings_sit_on_omgreg_toml() {
    let env = TestEnv::new();
    let repo = env.path().join("mono");
    env.git(env.path(), &["init", "-q", "mono"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "root"]);
    env.omgreg(&repo)
        .args(["init", "--example", "ml/reg"])
        .assert()
        .success();
    let reg = repo.join("ml/reg");
    let base = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_owned();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    commit_by_hand(&env, &reg, "omgreg.toml", "schema = [\n");
    let broken = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_owned();
    commit_by_hand(&env, &reg, "omgreg.toml", &config);
    let text = edit(&env, &reg, V200, "\ndata:", "\ndata: @x");
    let schema_line = line_of(&text, "data: @x") as u64;

    let range = format!("{base}..HEAD");
    let report = gitlab_report(&env, &reg, &["--range", &range], 3);
    let doc = check_json(&env, &reg, &["--range", &range], 3);
    assert_eq!(
        report.len(),
        doc["findings"].as_array().expect("findings").len()
    );
    let places: Vec<_> = report.iter().map(shape).collect();
    assert!(
        places
            .iter()
            .all(|(_, path, _)| path.starts_with("ml/reg/")),
        "{places:?}"
    );
    assert!(
        places.contains(&(
            "omgreg/schema".into(),
            format!("ml/reg/{V200}"),
            schema_line
        )),
        "{places:?}"
    );
    let registry: Vec<_> = report
        .iter()
        .filter(|i| i["check_name"] == "omgreg/registry")
        .collect();
    assert_eq!(registry.len(), 1, "{report:#?}");
    let (_, path, line) = shape(registry[0]);
    assert_eq!((path.as_str(), line), ("ml/reg/omgreg.toml", 1));
    let description = registry[0]["description"].as_str().expect("description");
    assert!(description.contains(&broken[..12]), "{description}");
    let all = fingerprints(&report);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        all.len(),
        "{all:?}"
    );

    // The same findings seen from the repository's root, through `-C`.
    let again = gitlab_report(&env, &repo, &["-C", "ml/reg", "--range", &range], 3);
    assert_eq!(fingerprints(&again), all);
}
