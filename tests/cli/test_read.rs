//! Read commands: `list`, `show`, `resolve`, with `--rev`, `-C`, bare repositories
//! and clones.

use std::path::PathBuf;

use crate::common::TestEnv;

/// A registry with `churn` 1.0.0 (5 KB artifact), 1.1.0 and `fraud` 0.1.0, and a
/// stage and alias set by a hand-committed `stages.yaml` (promote comes later).
fn populated(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("out/model.pt", 5000);
    env.omgreg(&reg)
        .args([
            "register",
            "churn",
            "--metric",
            "accuracy=0.9",
            "--tag",
            "team=growth",
            "--artifact",
        ])
        .arg(&artifact)
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["register", "churn", "--metric", "accuracy=0.95"])
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["register", "fraud", "--version", "0.1.0"])
        .assert()
        .success();
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  production: 1.0.0\naliases:\n  champion: 1.1.0\n",
    )
    .unwrap();
    env.git(
        &reg,
        &["commit", "-qam", "hand edit: churn 1.0.0 to Production"],
    );
    reg
}

fn versions(listed: &serde_json::Value) -> Vec<String> {
    listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{}@{}",
                v["model"].as_str().unwrap(),
                v["version"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn list_shows_models_with_stages_and_aliases() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let listed = env.json(&reg, &["list"]);
    assert_eq!(listed["kind"], "model_list");
    assert_eq!(listed["schema_version"], 1);
    assert_eq!(
        listed["commit"],
        env.git(&reg, &["rev-parse", "HEAD"]).trim()
    );
    let churn = &listed["models"][0];
    assert_eq!(churn["model"], "churn");
    assert_eq!(churn["versions"], 2);
    assert_eq!(churn["latest"], "1.1.0");
    assert_eq!(churn["stages"]["Production"], serde_json::json!(["1.0.0"]));
    assert_eq!(churn["stages"]["Staging"], serde_json::json!([]));
    assert_eq!(churn["aliases"]["champion"], "1.1.0");

    let human = env
        .omgreg(&reg)
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let human = String::from_utf8(human).unwrap();
    assert_eq!(
        human,
        "MODEL  VERSIONS  LATEST  STAGING  PRODUCTION  ALIASES\n\
         churn  2         1.1.0   -        1.0.0       champion=1.1.0\n\
         fraud  1         0.1.0   -        -           -\n"
    );
}

#[test]
fn list_model_shows_versions_with_stage_metrics_and_filters() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let listed = env.json(&reg, &["list", "churn"]);
    assert_eq!(listed["kind"], "version_list");
    assert_eq!(versions(&listed), ["churn@1.0.0", "churn@1.1.0"]);
    assert_eq!(listed["versions"][0]["stage"], "Production");
    assert_eq!(listed["versions"][1]["stage"], "None");
    assert_eq!(
        listed["versions"][1]["aliases"],
        serde_json::json!(["champion"])
    );
    assert_eq!(listed["versions"][1]["metrics"]["accuracy"], 0.95);

    assert_eq!(
        versions(&env.json(&reg, &["list", "churn", "--stage", "PRODUCTION"])),
        ["churn@1.0.0"]
    );
    assert_eq!(
        versions(&env.json(&reg, &["list", "--stage", "none"])),
        ["churn@1.1.0", "fraud@0.1.0"]
    );
    assert_eq!(
        versions(&env.json(&reg, &["list", "--tag", "team=growth"])),
        ["churn@1.0.0"]
    );

    let human = env
        .omgreg(&reg)
        .args(["list", "churn"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let human = String::from_utf8(human).unwrap();
    assert!(
        human.starts_with("VERSION  STAGE       ALIASES   CREATED               accuracy  TAGS\n"),
        "{human}"
    );
    assert!(
        human.contains(
            "1.0.0    Production  -         2026-01-02T03:04:05Z  0.9       team=growth\n"
        ),
        "{human}"
    );
}

#[test]
fn show_and_resolve_follow_stages_aliases_and_latest() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let resolve = |reference: &str| {
        let output = env
            .omgreg(&reg)
            .args(["resolve", reference])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(output).unwrap()
    };
    assert_eq!(resolve("churn@Production"), "1.0.0\n");
    assert_eq!(resolve("churn@production"), "1.0.0\n");
    assert_eq!(resolve("churn@champion"), "1.1.0\n");
    assert_eq!(resolve("churn@latest"), "1.1.0\n");
    assert_eq!(resolve("churn"), "1.1.0\n");

    let shown = env.json(&reg, &["show", "churn@production"]);
    assert_eq!(shown["kind"], "version");
    assert_eq!(
        (shown["model"].as_str(), shown["version"].as_str()),
        (Some("churn"), Some("1.0.0"))
    );
    assert_eq!(shown["stage"], "Production");
    let human = env
        .omgreg(&reg)
        .args(["show", "churn@1.0.0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let human = String::from_utf8(human).unwrap();
    assert!(
        human.contains("version:     churn@1.0.0\nstage:       Production\n"),
        "{human}"
    );
    assert!(human.contains("model.pt"), "{human}");
}

#[test]
fn resolve_path_points_at_the_artifact_bytes() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let output = env
        .omgreg(&reg)
        .args(["resolve", "churn@1.0.0", "--path"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let path = String::from_utf8(output).unwrap();
    let bytes = std::fs::read(path.trim()).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(env.path().join("out/model.pt")).unwrap()
    );
    let resolved = env.json(&reg, &["resolve", "churn@1.0.0"]);
    assert_eq!(resolved["kind"], "resolution");
    assert_eq!(
        resolved["artifacts"][0]["object_path"].as_str(),
        Some(path.trim())
    );
    assert_eq!(
        resolved["artifacts"][0]["registry_path"],
        "models/churn/artifacts/1.0.0/model.pt"
    );
    let uri = env
        .omgreg(&reg)
        .args(["resolve", "churn@1.0.0", "--uri"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(uri).unwrap(), format!("file://{}", path));
}

#[test]
fn rev_reads_an_earlier_registry_state() {
    let env = TestEnv::new();
    let reg = populated(&env);
    // HEAD~1 is before the hand edit, HEAD~2 before fraud.
    let before_edit = env.json(&reg, &["list", "--rev", "HEAD~1"]);
    assert_eq!(
        before_edit["models"][0]["stages"]["Production"],
        serde_json::json!([])
    );
    let earlier = env.json(&reg, &["list", "--rev", "HEAD~2"]);
    assert_eq!(earlier["models"].as_array().unwrap().len(), 1);
    assert_eq!(
        earlier["commit"],
        env.git(&reg, &["rev-parse", "HEAD~2"]).trim()
    );
    let first = env.json(&reg, &["show", "churn@latest", "--rev", "HEAD~3"]);
    assert_eq!(first["version"], "1.0.0");
}

#[test]
fn reads_work_in_a_bare_repository_and_a_clone() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let expected = env.json(&reg, &["list", "churn"]);
    let bare = env.path().join("bare.git");
    env.git(
        env.path(),
        &[
            "clone",
            "-q",
            "--bare",
            reg.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    assert_eq!(env.json(&bare, &["list", "churn"]), expected);
    assert_eq!(
        env.json(env.path(), &["-C", "bare.git", "list", "churn"]),
        expected
    );
    let clone = env.path().join("clone");
    env.git(
        env.path(),
        &[
            "clone",
            "-q",
            reg.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    assert_eq!(env.json(&clone, &["list"]), env.json(&reg, &["list"]));
    assert_eq!(env.json(&clone, &["list", "churn"]), expected);
}

#[test]
fn reads_ignore_uncommitted_edits() {
    let env = TestEnv::new();
    let reg = populated(&env);
    let expected = env.json(&reg, &["list", "churn"]);
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  Staging: 1.1.0\n",
    )
    .unwrap();
    std::fs::write(
        reg.join("models/churn/versions/1.1.0.yaml"),
        "not: [valid\n",
    )
    .unwrap();
    assert_eq!(env.json(&reg, &["list", "churn"]), expected);
}
