//! `omgreg init`: a fresh repository, an existing one, a monorepo sub-folder.

use crate::common::{TestEnv, stderr_of};

#[test]
fn init_creates_one_clean_commit_with_the_template() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    assert_eq!(env.commit_count(&reg), 1);
    assert_eq!(
        env.git(&reg, &["ls-tree", "--name-only", "HEAD"]),
        ".gitattributes\n.github\n.gitlab-ci.yml\n.omgreg\n.taplo.toml\n.vscode\nCODEOWNERS\nREADME.md\nomgreg.toml\ntemplates\n"
    );
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).unwrap();
    assert!(config.contains("name = \"reg\""), "{config}");
    assert!(config.contains("ladder = [\"Staging\", \"Production\"]"));
    let attributes = env.git(
        &reg,
        &["check-attr", "filter", "models/m/artifacts/1.0.0/w.bin"],
    );
    assert!(attributes.contains("filter: lfs"), "{attributes}");
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    assert!(
        env.git(&reg, &["log", "-1", "--format=%B"])
            .contains("Omgreg-Action: init")
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn init_twice_is_refused_and_changes_nothing() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let before = env.state(&reg);
    let output = env
        .omgreg(&reg)
        .arg("init")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        stderr_of(&output).contains("already exists"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(env.state(&reg), before);
}

#[test]
fn init_in_a_monorepo_subfolder_keeps_the_registry_there() {
    let env = TestEnv::new();
    let mono = env.path().join("mono");
    std::fs::create_dir_all(mono.join("src")).unwrap();
    std::fs::write(mono.join("src/main.py"), "print('hi')\n").unwrap();
    env.git(&mono, &["init", "-q", "-b", "main"]);
    env.git(&mono, &["add", "."]);
    env.git(&mono, &["commit", "-qm", "code"]);

    env.omgreg(&mono)
        .args(["init", "ml/registry"])
        .assert()
        .success();
    assert!(
        env.git(&mono, &["ls-tree", "-r", "--name-only", "HEAD"])
            .contains("ml/registry/omgreg.toml")
    );
    let (artifact, _) = env.make_file("out/w.bin", 1000);
    let reg = mono.join("ml/registry");
    env.omgreg(&reg)
        .args(["register", "m", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let files = env.git(&mono, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(
        files.contains("ml/registry/models/m/versions/1.0.0.yaml"),
        "{files}"
    );
    assert!(
        files.contains("ml/registry/models/m/artifacts/1.0.0/w.bin"),
        "{files}"
    );
    // From a folder below the registry, and with -C from elsewhere.
    let listed = env.json(&reg.join("models"), &["list"]);
    assert_eq!(listed["models"][0]["model"], "m");
    let listed = env.json(env.path(), &["-C", "mono/ml/registry", "list"]);
    assert_eq!(listed["models"][0]["model"], "m");
    // The repository root is not inside the registry.
    let output = env
        .omgreg(&mono)
        .arg("list")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        stderr_of(&output).contains("no registry found"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(env.git(&mono, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&mono);
}

#[test]
fn init_example_registers_sample_models() {
    let env = TestEnv::new();
    env.omgreg(env.path())
        .args(["init", "--example", "demo"])
        .assert()
        .success();
    let reg = env.path().join("demo");
    let listed = env.json(&reg, &["list"]);
    let models: Vec<&str> = listed["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["churn", "fraud"]);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
}

/// `init --example` shows what omgreg is for (issue 14, item 8): versions with
/// metrics, a promotion up the ladder, an alias, an endpoint manifest following
/// Production, a rollback. `list`, `history` and the manifest are snapshotted.
#[test]
fn init_example_lays_down_a_registry_with_a_history() {
    use crate::common::transcript::{session, transcript_env};
    let env = transcript_env();
    env.omgreg(env.path())
        .args(["init", "--example", "demo"])
        .assert()
        .success();
    let reg = env.path().join("demo");
    let text = session(
        &env,
        &reg,
        &[&["list"], &["list", "churn"], &["history", "churn"]],
    );
    let manifest = std::fs::read_to_string(reg.join("deploy/churn-prod.yaml")).expect("manifest");
    assert!(manifest.contains("1.0.0"), "{manifest}");
    crate::snapshot!(
        &env,
        "init_example",
        format!("{text}\n$ cat deploy/churn-prod.yaml\n{manifest}")
    );
    let stages = std::fs::read_to_string(reg.join("models/churn/stages.yaml")).expect("stages");
    assert!(
        stages.contains("Production: 1.0.0") && stages.contains("champion: 1.1.0"),
        "{stages}"
    );
    env.omgreg(&reg).arg("check").assert().success();
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
}
