//! `omgreg check` on one registry state: schema errors (with file and line), unknown
//! keys, references, generated files, artifacts (`--artifacts`), `--staged`, and the
//! three output formats. Each violation exits 3 and is reported with its rule and
//! location both for humans and in `--json`.
//!
//! Rules on what a range of commits did (`--range`) are in `test_check_range.rs`,
//! which shares the helpers here.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::lifecycle::{KSERVE_ENDPOINT, act, configure};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::common::{TestEnv, stderr_of};

/// The sample versions of `init --example` without its promotions: `churn` 1.0.0,
/// 1.1.0 and 2.0.0 (accuracy 0.871, 0.902, 0.915) and `fraud` 0.1.0, none in a stage,
/// registered one by one as `init --example` registers them.
pub(crate) fn example_registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    let samples = [
        ("churn", "1.0.0", "0.871", "baseline gradient-boosted trees"),
        ("churn", "1.1.0", "0.902", "adds tenure features"),
        ("churn", "2.0.0", "0.915", "transformer encoder"),
        ("fraud", "0.1.0", "0.954", "isolation forest prototype"),
    ];
    for (model, version, accuracy, description) in samples {
        let dir = env.path().join(format!("sample-{model}-{version}"));
        std::fs::create_dir_all(&dir).expect("sample folder");
        let content: Vec<u8> = format!("{model} {version} weights\n")
            .bytes()
            .cycle()
            .take(64 * 1024)
            .collect();
        std::fs::write(dir.join("model.bin"), content).expect("sample artifact");
        let artifact = dir.join("model.bin").display().to_string();
        let accuracy = format!("accuracy={accuracy}");
        env.omgreg(&reg)
            .args([
                "register",
                model,
                "--version",
                version,
                "--artifact",
                &artifact,
            ])
            .args(["--description", description, "--tag", "team=sample"])
            .args(["--metric", &accuracy, "--metric", "latency_ms=12.5"])
            .args(["--param", "lr=0.001", "--data-version", "2026-10"])
            .args(["-m", "sample version from `omgreg init --example`"])
            .assert()
            .success();
    }
    reg
}

/// `omgreg check ARGS` in `dir`, which must exit with `code`; returns stdout.
pub(crate) fn check_text(env: &TestEnv, dir: &Path, args: &[&str], code: i32) -> String {
    let output = env
        .omgreg(dir)
        .arg("check")
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).expect("omgreg prints UTF-8")
}

/// Whether `report` has a finding of `rule` whose message contains `needle`.
pub(crate) fn has_finding(report: &Value, rule: &str, needle: &str) -> bool {
    report["findings"].as_array().is_some_and(|found| {
        found
            .iter()
            .any(|f| f["rule"] == rule && f["message"].as_str().is_some_and(|m| m.contains(needle)))
    })
}

/// `omgreg check ARGS --json`, which must exit with `code`; checks the envelope and
/// returns the document.
pub(crate) fn check_json(env: &TestEnv, dir: &Path, args: &[&str], code: i32) -> Value {
    let mut full = args.to_vec();
    full.push("--json");
    let text = check_text(env, dir, &full, code);
    let doc: Value = serde_json::from_str(&text).expect("check --json prints JSON");
    assert_eq!(doc["kind"], "check", "{doc}");
    assert_eq!(doc["schema_version"], 1, "{doc}");
    assert_eq!(doc["ok"], code == 0, "{doc}");
    assert!(doc["findings"].is_array(), "{doc}");
    doc
}

/// The rules of a document's findings, in order.
pub(crate) fn rules(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// The findings of `rule`.
pub(crate) fn findings_of<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The one finding of `rule` (there must be exactly one).
#[track_caller]
pub(crate) fn finding<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    let found = findings_of(doc, rule);
    assert_eq!(found.len(), 1, "one `{rule}` finding expected in {doc:#}");
    found[0]
}

/// The human report has `error[rule]: ...` followed by `  --> location`.
#[track_caller]
pub(crate) fn assert_reported(stdout: &str, rule: &str, location: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    let found = lines.windows(2).any(|pair| {
        // The location may be followed by ` (commit <sha>)` for rules on a range.
        pair[0].starts_with(&format!("error[{rule}]: "))
            && (pair[1] == format!("  --> {location}")
                || pair[1].starts_with(&format!("  --> {location} (commit ")))
    });
    assert!(
        found,
        "expected `error[{rule}]` at `{location}` in:\n{stdout}"
    );
}

/// `omgreg check ARGS` for humans and with `--json`, both exiting 3, report one
/// finding of `rule` at `file` (and `line`); returns the JSON finding.
#[track_caller]
pub(crate) fn assert_violation(
    env: &TestEnv,
    dir: &Path,
    args: &[&str],
    rule: &str,
    file: &str,
    line: Option<usize>,
) -> Value {
    let text = check_text(env, dir, args, 3);
    let location = match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    };
    assert_reported(&text, rule, &location);
    let doc = check_json(env, dir, args, 3);
    let found = finding(&doc, rule).clone();
    assert_eq!(found["file"], file, "{found}");
    assert_eq!(found["line"], serde_json::json!(line), "{found}");
    // Rules on one state name no commit; rules on a range name the commit too.
    let commit = &found["commit"];
    assert!(
        commit.is_null() || commit.as_str().is_some_and(|c| c.len() == 40),
        "{found}"
    );
    found
}

/// The 1-based number of the first line of `text` containing `needle`.
#[track_caller]
pub(crate) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{text}"))
        + 1
}

/// Replaces `from` (which must be there) by `to` in `path` and commits by hand;
/// returns the new text.
pub(crate) fn edit(env: &TestEnv, reg: &Path, path: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(reg.join(path)).expect("read");
    assert!(text.contains(from), "{from:?} not in {path}:\n{text}");
    let text = text.replacen(from, to, 1);
    commit_by_hand(env, reg, path, &text);
    text
}

const V200: &str = "models/churn/versions/2.0.0.yaml";
const STAGES: &str = "models/churn/stages.yaml";
const CARD: &str = "models/churn/README.md";

#[test]
fn a_clean_registry_passes_in_every_format() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    configure(&env, &reg, KSERVE_ENDPOINT);
    let range = format!("{}..HEAD", head(&env, &reg));
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Staging"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    act(&env, &reg, &["alias", "set", "churn@1.1.0", "champion"]);
    act(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--reason", "superseded"],
    );
    assert!(reg.join("deploy/churn-prod.yaml").is_file());

    let output = env
        .omgreg(&reg)
        .arg("check")
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(output.stdout.is_empty(), "no findings, no data");
    assert_mentions(&stderr_of(&output), &["check passed"]);
    for args in [
        vec![],
        vec!["--artifacts"],
        vec!["--rev", "HEAD~2"],
        vec!["--range", &range],
        vec!["--range", &range, "--artifacts"],
    ] {
        let doc = check_json(&env, &reg, &args, 0);
        assert_eq!(doc["findings"], serde_json::json!([]), "{args:?}: {doc}");
    }
    let doc = check_json(&env, &reg, &[], 0);
    assert_eq!(doc["commit"], head(&env, &reg));
    assert_eq!(check_text(&env, &reg, &["--format", "github"], 0), "");
    let doc = check_json(&env, &reg, &["--format", "json"], 0);
    assert_eq!(doc["ok"], true);
}

#[test]
fn broken_yaml_in_a_version_file_is_a_schema_error_at_its_line() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let text = edit(&env, &reg, V200, "\ndata:", "\ndata: @x");
    let line = line_of(&text, "data: @x");

    let found = assert_violation(&env, &reg, &[], "schema", V200, Some(line));
    assert!(!found["message"].as_str().unwrap().is_empty(), "{found}");
    // The model card of a model that cannot be read is not judged.
    assert_eq!(rules(&check_json(&env, &reg, &[], 3)), ["schema"]);
    // The commit before is clean.
    check_json(&env, &reg, &["--rev", "HEAD~1"], 0);
}

#[test]
fn a_stage_that_is_not_in_the_ladder_is_a_schema_error() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    commit_by_hand(
        &env,
        &reg,
        STAGES,
        "stages:\n  Canary: 2.0.0\naliases: {}\n",
    );
    let found = assert_violation(&env, &reg, &[], "schema", STAGES, Some(2));
    assert_mentions(found["message"].as_str().unwrap(), &["Canary"]);
}

#[test]
fn unknown_keys_are_reported_with_their_file_and_line() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let version = edit(&env, &reg, V200, "\nstatus:", "\ncolour: red\nstatus:");
    let config = format!(
        "{}colour = \"red\"\n",
        std::fs::read_to_string(reg.join("omgreg.toml")).unwrap()
    );
    commit_by_hand(&env, &reg, "omgreg.toml", &config);

    let text = check_text(&env, &reg, &[], 3);
    let version_line = line_of(&version, "colour: red");
    let config_line = line_of(&config, "colour = ");
    assert_reported(&text, "unknown-key", &format!("{V200}:{version_line}"));
    assert_reported(&text, "unknown-key", &format!("omgreg.toml:{config_line}"));
    let doc = check_json(&env, &reg, &[], 3);
    assert_eq!(rules(&doc), ["unknown-key", "unknown-key"], "{doc:#}");
    let found = findings_of(&doc, "unknown-key");
    let at = |file: &str| {
        *found
            .iter()
            .find(|f| f["file"] == file)
            .unwrap_or_else(|| panic!("no finding in {file}: {doc:#}"))
    };
    assert_eq!(at(V200)["line"], version_line);
    assert_mentions(at(V200)["message"].as_str().unwrap(), &["colour"]);
    assert_eq!(at("omgreg.toml")["line"], config_line);
    assert_mentions(at("omgreg.toml")["message"].as_str().unwrap(), &["colour"]);
}

#[test]
fn stages_and_aliases_must_name_registered_active_versions() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    act(&env, &reg, &["archive", "churn@1.0.0"]);
    commit_by_hand(
        &env,
        &reg,
        STAGES,
        "stages:\n  Staging: 9.9.9\naliases:\n  champion: 1.0.0\n",
    );

    let text = check_text(&env, &reg, &[], 3);
    assert_reported(&text, "reference", &format!("{STAGES}:2"));
    assert_reported(&text, "reference", &format!("{STAGES}:4"));
    let doc = check_json(&env, &reg, &[], 3);
    let found = findings_of(&doc, "reference");
    assert_eq!(found.len(), 2, "{doc:#}");
    assert_eq!(
        (&found[0]["file"], &found[0]["line"]),
        (&serde_json::json!(STAGES), &serde_json::json!(2))
    );
    assert_mentions(
        found[0]["message"].as_str().unwrap(),
        &["churn@9.9.9", "not registered"],
    );
    assert_eq!(found[1]["line"], 4);
    assert_mentions(
        found[1]["message"].as_str().unwrap(),
        &["champion", "churn@1.0.0", "archived"],
    );
    // The hand edit did not re-render the model card either.
    assert_eq!(finding(&doc, "generated")["file"], CARD);
}

#[test]
fn a_missing_lineage_parent_is_a_reference_error() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let text = edit(
        &env,
        &reg,
        V200,
        "\nstatus:",
        "\nlineage:\n  parent: churn@0.9.0\nstatus:",
    );
    let line = line_of(&text, "parent: churn@0.9.0");
    let found = assert_violation(&env, &reg, &[], "reference", V200, Some(line));
    assert_mentions(found["message"].as_str().unwrap(), &["churn@0.9.0"]);
}

#[test]
fn a_hand_edited_model_card_is_a_generated_error() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let card = std::fs::read_to_string(reg.join(CARD)).unwrap();
    commit_by_hand(&env, &reg, CARD, &format!("{card}\nHand-written note.\n"));

    let found = assert_violation(&env, &reg, &[], "generated", CARD, None);
    assert_mentions(found["message"].as_str().unwrap(), &["differs"]);
    assert_eq!(rules(&check_json(&env, &reg, &[], 3)), ["generated"]);

    env.git(&reg, &["rm", "-q", CARD]);
    env.git(&reg, &["commit", "-q", "-m", "delete the card"]);
    let found = assert_violation(&env, &reg, &[], "generated", CARD, None);
    assert_mentions(found["message"].as_str().unwrap(), &["missing"]);
}

#[test]
fn a_hand_edited_endpoint_manifest_is_a_generated_error() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    configure(&env, &reg, KSERVE_ENDPOINT);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let manifest = "deploy/churn-prod.yaml";
    let text = std::fs::read_to_string(reg.join(manifest)).unwrap();
    commit_by_hand(&env, &reg, manifest, &format!("{text}# replicas: 3\n"));

    assert_violation(&env, &reg, &[], "generated", manifest, None);
    assert_eq!(rules(&check_json(&env, &reg, &[], 3)), ["generated"]);
}

#[test]
fn github_format_prints_workflow_annotations() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let text = edit(&env, &reg, V200, "\ndata:", "\ndata: @x");
    let schema_line = line_of(&text, "data: @x");
    let stages = "stages:\n  Staging: 9.9.9\naliases: {}\n";
    commit_by_hand(&env, &reg, "models/fraud/stages.yaml", stages);

    let out = check_text(&env, &reg, &["--format", "github"], 3);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().all(|l| l.starts_with("::error ")),
        "only annotations on stdout:\n{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "::error file={V200},line={schema_line},title=omgreg schema::"
        ))),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l
            .starts_with("::error file=models/fraud/stages.yaml,line=2,title=omgreg reference::")
            && l.contains("fraud@9.9.9")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error file=models/fraud/README.md,title=omgreg generated::")),
        "a finding without a line has no `line=`:\n{out}"
    );
    // `--json` wins over `--format github`.
    let doc = check_json(&env, &reg, &["--format", "github"], 3);
    assert_eq!(rules(&doc).len(), lines.len(), "{doc:#}");
}

#[test]
fn a_registry_in_a_sub_folder_reports_paths_from_the_repository_root() {
    let env = TestEnv::new();
    let repo = env.path().join("mono");
    env.git(env.path(), &["init", "-q", "mono"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "root"]);
    env.omgreg(&repo)
        .args(["init", "--example", "ml/reg"])
        .assert()
        .success();
    let reg = repo.join("ml/reg");
    let text = edit(&env, &reg, V200, "\ndata:", "\ndata: @x");
    let line = line_of(&text, "data: @x");

    // GitHub and people read paths from the repository's root ...
    let out = check_text(&env, &reg, &["--format", "github"], 3);
    assert!(
        out.starts_with(&format!(
            "::error file=ml/reg/{V200},line={line},title=omgreg schema::"
        )),
        "{out}"
    );
    let out = check_text(&env, &repo, &["-C", "ml/reg"], 3);
    assert_reported(&out, "schema", &format!("ml/reg/{V200}:{line}"));
    // ... JSON names registry-relative files.
    let doc = check_json(&env, &reg, &[], 3);
    assert_eq!(finding(&doc, "schema")["file"], V200);
}

#[test]
fn staged_checks_the_index_not_head_nor_the_working_tree() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let path = reg.join(V200);
    let clean = std::fs::read_to_string(&path).unwrap();
    let broken = clean.replacen("\ndata:", "\ndata: @x", 1);
    let line = line_of(&broken, "data: @x");

    // Broken in the working tree only: the index is clean.
    std::fs::write(&path, &broken).unwrap();
    check_json(&env, &reg, &["--staged"], 0);

    // Staged: seen by --staged, not by a check of HEAD.
    env.git(&reg, &["add", V200]);
    assert_violation(&env, &reg, &["--staged"], "schema", V200, Some(line));
    check_json(&env, &reg, &[], 0);

    // A staged change to a registered version is judged against HEAD.
    let changed = clean.replacen("accuracy: 0.915", "accuracy: 0.99", 1);
    std::fs::write(&path, &changed).unwrap();
    env.git(&reg, &["add", V200]);
    let doc = check_json(&env, &reg, &["--staged"], 3);
    let found = finding(&doc, "immutable");
    assert_eq!(found["file"], V200);
    assert_eq!(found["line"], line_of(&changed, "metrics:"));
}
