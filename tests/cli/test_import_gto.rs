//! `omgreg import gto` against real GTO: `tests/fixtures/gto_fixture.py` writes a
//! registry with GTO's own API (registrations by two authors, assignments and
//! re-assignments, an unassignment, a deregistration, a deprecation, `dvc.yaml`
//! annotations); after the import, `omgreg history` must tell the story
//! `gto history --json` tells, event for event, and `omgreg list` / `show` must hold
//! what `gto show --json` holds, as far as omgreg's one-stage-per-version rule lets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::TestEnv;
use crate::common::tools::tool;

/// The fixture's GTO stages that the registry does not have by name.
const STAGE_MAP: [&str; 2] = ["--stage-map", "prod=Production"];

/// The registry's stages: `dev` and `staging` match by name, ignoring case.
fn registry_stage(gto: &str) -> &'static str {
    match gto {
        "dev" => "Dev",
        "staging" => "Staging",
        "prod" => "Production",
        other => panic!("the fixture has no stage `{other}`"),
    }
}

/// docs/migrating.md: `dir:name` becomes `dir-name`.
fn model_of(artifact: &str) -> String {
    artifact.replace([':', '/'], "-").to_lowercase()
}

/// Builds the fixture repository; `None` (skipped) without the tools.
fn build_fixture(env: &TestEnv) -> Option<PathBuf> {
    let python = tool("python")?;
    tool("gto")?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gto_fixture.py");
    let repo = env.path().join("gto-repo");
    let output = Command::new(python)
        .arg(script)
        .args(["build"])
        .arg(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "gto_fixture.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(repo)
}

/// `gto ARGS` in `repo`, as JSON.
fn gto_json(repo: &Path, args: &[&str]) -> Value {
    let gto = tool("gto").expect("checked by build_fixture");
    let output = Command::new(gto)
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("gto runs");
    assert!(
        output.status.success(),
        "gto {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("gto --json prints JSON")
}

/// A registry whose ladder is Dev -> Staging -> Production.
fn registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    let config = config.replace(
        "ladder = [\"Staging\", \"Production\"]",
        "ladder = [\"Dev\", \"Staging\", \"Production\"]",
    );
    assert!(
        config.contains("\"Dev\""),
        "the template's ladder moved: {config}"
    );
    std::fs::write(reg.join("omgreg.toml"), config).expect("write config");
    env.git(&reg, &["commit", "-q", "-am", "stages for the GTO import"]);
    reg
}

fn epoch(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|err| panic!("`{rfc3339}` is not RFC 3339: {err}"))
        .unix_timestamp()
}

/// One commit's worth of history, comparable across the two tools.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Step {
    time: i64,
    author: String,
    email: String,
    model: String,
    event: String,
    version: String,
    stage: Option<String>,
}

/// What omgreg must hold after replaying GTO's events under its rules: a version
/// holds one stage, a stage one version, an archived version none.
#[derive(Default)]
struct Expected {
    steps: Vec<Step>,
    /// model -> version -> (archived, stage), versions in registration order.
    state: BTreeMap<String, Vec<(String, bool, Option<String>)>>,
}

impl Expected {
    /// Replays `gto history --json --ascending`.
    fn from_gto(history: &Value) -> Self {
        let mut expected = Self::default();
        for event in history.as_array().expect("a list") {
            let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
            let model = model_of(&text("artifact"));
            let version = text("version").trim_start_matches('v').to_owned();
            let step = |event: &str, version: &str, stage: Option<&str>| Step {
                time: epoch(&text("timestamp")),
                author: text("author"),
                email: text("author_email"),
                model: model.clone(),
                event: event.to_owned(),
                version: version.to_owned(),
                stage: stage.map(str::to_owned),
            };
            let versions = expected.state.entry(model.clone()).or_default();
            match text("event").as_str() {
                "registration" => {
                    versions.push((version.clone(), false, None));
                    expected.steps.push(step("registered", &version, None));
                }
                "assignment" => {
                    let stage = registry_stage(&text("stage"));
                    for (_, _, held) in versions.iter_mut() {
                        if held.as_deref() == Some(stage) {
                            *held = None;
                        }
                    }
                    let slot = versions
                        .iter_mut()
                        .find(|v| v.0 == version)
                        .expect("registered");
                    assert!(!slot.1, "the fixture assigns no archived version");
                    slot.2 = Some(stage.to_owned());
                    expected.steps.push(step("promoted", &version, Some(stage)));
                }
                "unassignment" => {
                    let stage = registry_stage(&text("stage"));
                    let slot = versions
                        .iter_mut()
                        .find(|v| v.0 == version)
                        .expect("registered");
                    if slot.2.as_deref() == Some(stage) {
                        slot.2 = None;
                        expected
                            .steps
                            .push(step("unassigned", &version, Some(stage)));
                    }
                }
                "deregistration" => {
                    let slot = versions
                        .iter_mut()
                        .find(|v| v.0 == version)
                        .expect("registered");
                    *slot = (version.clone(), true, None);
                    expected.steps.push(step("archived", &version, None));
                }
                "deprecation" => {
                    for slot in versions.iter_mut().filter(|v| !v.1) {
                        *slot = (slot.0.clone(), true, None);
                        expected.steps.push(step("archived", &slot.0, None));
                    }
                }
                other => panic!("GTO event `{other}` is not in the fixture"),
            }
        }
        expected
    }
}

/// `omgreg history --json MODEL`, one step per commit (the commit's main event:
/// the ousting of a stage's former holder rides along), oldest first.
fn omgreg_steps(env: &TestEnv, reg: &Path, model: &str) -> Vec<Step> {
    let history = env.json(reg, &["history", model]);
    let mut by_commit: Vec<(String, Vec<&Value>)> = Vec::new();
    for event in history["events"].as_array().expect("events") {
        let commit = event["commit"].as_str().expect("commit").to_owned();
        match by_commit.last_mut() {
            Some((last, events)) if *last == commit => events.push(event),
            _ => by_commit.push((commit, vec![event])),
        }
    }
    by_commit.reverse();
    let main_event = |events: &[&Value]| -> Value {
        for kind in ["registered", "archived", "promoted", "unassigned"] {
            if let Some(found) = events.iter().find(|e| e["event"] == kind) {
                return (*found).clone();
            }
        }
        panic!("a commit with no registry event: {events:?}")
    };
    by_commit
        .iter()
        .map(|(_, events)| {
            let event = main_event(events);
            let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
            Step {
                time: epoch(&text("time")),
                author: text("author"),
                email: text("author_email"),
                model: text("model"),
                event: text("event"),
                version: text("version"),
                stage: event["stage"].as_str().map(str::to_owned),
            }
        })
        .collect()
}

#[test]
fn import_tells_gtos_history_and_holds_gtos_state() {
    let env = TestEnv::new();
    let Some(source) = build_fixture(&env) else {
        return;
    };
    let reg = registry(&env);
    env.omgreg(&reg)
        .args(["import", "gto"])
        .arg(&source)
        .args(STAGE_MAP)
        .assert()
        .success();

    let history = gto_json(&source, &["history", "--json", "--ascending"]);
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(13),
        "the fixture's events"
    );
    let expected = Expected::from_gto(&history);
    for model in ["churn", "nlp-sentiment"] {
        let want: Vec<Step> = expected
            .steps
            .iter()
            .filter(|s| s.model == model)
            .cloned()
            .collect();
        assert_eq!(
            omgreg_steps(&env, &reg, model),
            want,
            "history of `{model}`"
        );
    }
    // Two authors, as GTO recorded them.
    let authors: std::collections::BTreeSet<&str> =
        expected.steps.iter().map(|s| s.author.as_str()).collect();
    assert_eq!(authors.len(), 2, "{authors:?}");

    check_state(&env, &reg, &source, &expected);
    check_artifacts(&env, &reg, &source);
    env.assert_fsck_clean(&reg);
}

/// `omgreg list` / `show` against the replay and against `gto show --json`.
fn check_state(env: &TestEnv, reg: &Path, source: &Path, expected: &Expected) {
    let list = env.json(reg, &["list", "--all"]);
    for (model, versions) in &expected.state {
        let entry = list["models"]
            .as_array()
            .expect("models")
            .iter()
            .find(|m| m["model"] == model.as_str())
            .unwrap_or_else(|| panic!("`{model}` is listed"));
        for (version, archived, stage) in versions {
            let show = env.json(reg, &["show", &format!("{model}@{version}")]);
            let status = if *archived { "archived" } else { "active" };
            assert_eq!(show["status"], status, "{model}@{version}");
            let held = show["stage"]
                .as_str()
                .filter(|s| *s != "None" && *s != "Archived");
            assert_eq!(held, stage.as_deref(), "{model}@{version}");
            if let Some(stage) = stage {
                assert_eq!(
                    entry["stages"][stage],
                    serde_json::json!([version]),
                    "{model}"
                );
            }
        }
    }
    // GTO's own view: its active registered versions are omgreg's active ones, and
    // every stage omgreg shows is one GTO has that version in.
    let shown = gto_json(source, &["show", "churn", "--json", "--vs", "-1"]);
    let gto_active: std::collections::BTreeSet<String> = shown
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            v["version"]
                .as_str()
                .expect("version")
                .trim_start_matches('v')
                .to_owned()
        })
        .collect();
    let ours: std::collections::BTreeSet<String> = expected.state["churn"]
        .iter()
        .filter(|v| !v.1)
        .map(|v| v.0.clone())
        .collect();
    assert_eq!(gto_active, ours);
    for version in shown.as_array().expect("versions") {
        let name = version["version"]
            .as_str()
            .expect("version")
            .trim_start_matches('v');
        let gto_stages: Vec<&str> = version["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|s| registry_stage(s["stage"].as_str().expect("stage")))
            .collect();
        let show = env.json(reg, &["show", &format!("churn@{name}")]);
        if let Some(stage) = show["stage"].as_str().filter(|s| *s != "None") {
            assert!(
                gto_stages.contains(&stage),
                "churn@{name} in {stage}: GTO has {gto_stages:?}"
            );
        }
    }
    // The top of `gto show`: the greatest version and the Production holder.
    let top = gto_json(source, &["show", "--json"]);
    assert_eq!(top["churn"]["version"], "v1.2.0");
    assert_eq!(
        list["models"][0]["stages"]["Production"],
        serde_json::json!(["1.2.0"])
    );
    assert_eq!(top["churn"]["stage"]["prod"], "v1.2.0");
    // A deprecated artifact is gone from `gto show`, archived in omgreg.
    assert!(top.get("nlp:sentiment").is_none());
}

/// Files in Git come into LFS byte for byte; a DVC output is recorded unverified.
fn check_artifacts(env: &TestEnv, reg: &Path, source: &Path) {
    let shown = gto_json(source, &["show", "churn", "--json"]);
    for version in shown.as_array().expect("versions") {
        let name = version["version"]
            .as_str()
            .expect("version")
            .trim_start_matches('v');
        let commit = version["commit_hexsha"].as_str().expect("commit");
        let bytes = Command::new("git")
            .args(["show", &format!("{commit}:models/churn.pkl")])
            .current_dir(source)
            .output()
            .expect("git show")
            .stdout;
        let show = env.json(reg, &["show", &format!("churn@{name}")]);
        assert_eq!(show["artifacts"][0]["path"], "churn.pkl");
        assert_eq!(
            show["artifacts"][0]["sha256"],
            hex::encode(Sha256::digest(&bytes))
        );
        assert_eq!(show["imported"]["commit"], commit);
        assert_eq!(show["description"], "Churn classifier");
        assert_eq!(show["tags"]["type"], "model");
    }
    let lfs = env.git(reg, &["lfs", "ls-files", "--name-only"]);
    for version in ["1.0.0", "1.1.0", "1.2.0"] {
        let path = format!("models/churn/artifacts/{version}/churn.pkl");
        assert!(lfs.lines().any(|l| l == path), "{path} in LFS: {lfs}");
    }
    let sentiment = env.json(reg, &["show", "nlp-sentiment@0.1.0"]);
    assert_eq!(sentiment["verified"], false);
    let uri = sentiment["imported"]["unverified"][0]["uri"]
        .as_str()
        .unwrap_or_default();
    assert!(
        uri.starts_with("gto:") && uri.ends_with(":nlp/model.bin"),
        "{sentiment}"
    );
}

#[test]
fn a_second_import_brings_only_what_is_new() {
    let env = TestEnv::new();
    let Some(source) = build_fixture(&env) else {
        return;
    };
    let reg = registry(&env);
    let import = || {
        env.omgreg(&reg)
            .args(["import", "gto"])
            .arg(&source)
            .args(STAGE_MAP)
            .assert()
            .success();
    };
    import();
    let after_first = env.commit_count(&reg);
    import();
    assert_eq!(
        env.commit_count(&reg),
        after_first,
        "nothing new, no commit"
    );

    // A new assignment in GTO, by its CLI.
    let output = Command::new(tool("gto").expect("gto"))
        .args([
            "assign",
            "churn",
            "--version",
            "v1.0.0",
            "--stage",
            "staging",
        ])
        .current_dir(&source)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "Carol Diaz")
        .env("GIT_COMMITTER_EMAIL", "carol@example.com")
        .output()
        .expect("gto runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    import();
    assert_eq!(
        env.commit_count(&reg),
        after_first + 1,
        "exactly the new assignment"
    );
    let head = env.git(&reg, &["log", "-1", "--format=%an <%ae>"]);
    assert_eq!(head.trim(), "Carol Diaz <carol@example.com>");
    assert_eq!(env.json(&reg, &["show", "churn@1.0.0"])["stage"], "Staging");
    env.assert_fsck_clean(&reg);
}

#[test]
fn an_unmapped_stage_is_refused_naming_it_and_nothing_is_written() {
    let env = TestEnv::new();
    let Some(source) = build_fixture(&env) else {
        return;
    };
    let reg = registry(&env);
    let before = env.git(&reg, &["rev-parse", "HEAD"]);
    let output = env
        .omgreg(&reg)
        .args(["import", "gto"])
        .arg(&source)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("omgreg::import::gto_unmapped_stage"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`prod`") && stderr.contains("churn#prod#2"),
        "{stderr}"
    );
    assert!(stderr.contains("--stage-map prod="), "{stderr}");
    assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]), before);
}
