//! Helpers for the lifecycle tests: run an action, read back what it committed.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use super::TestEnv;
use super::refusal::*;

/// `omgreg args` in `reg`, which must succeed; returns stdout.
pub(crate) fn run(env: &TestEnv, reg: &Path, args: &[&str]) -> String {
    let output = env
        .omgreg(reg)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).expect("omgreg prints UTF-8")
}

/// `omgreg args` in `reg`, which must succeed with exactly one new commit and a clean
/// working tree; returns stdout.
pub(crate) fn act(env: &TestEnv, reg: &Path, args: &[&str]) -> String {
    let before = env.commit_count(reg);
    let stdout = run(env, reg, args);
    assert_eq!(
        env.commit_count(reg),
        before + 1,
        "omgreg {args:?} is one commit"
    );
    assert_eq!(
        env.git(reg, &["status", "--porcelain"]),
        "",
        "omgreg {args:?} left the working tree dirty"
    );
    stdout
}

/// The version `omgreg resolve reference` names.
pub(crate) fn resolve(env: &TestEnv, reg: &Path, reference: &str) -> String {
    run(env, reg, &["resolve", reference]).trim().to_owned()
}

/// The `Omgreg-*` trailer lines of HEAD's message, in order.
pub(crate) fn trailers(env: &TestEnv, reg: &Path) -> Vec<String> {
    env.git(reg, &["log", "-1", "--format=%B"])
        .lines()
        .filter(|line| line.starts_with("Omgreg-"))
        .map(str::to_owned)
        .collect()
}

/// The paths HEAD changed, sorted (as git prints them).
pub(crate) fn changed(env: &TestEnv, reg: &Path) -> Vec<String> {
    env.git(reg, &["show", "--name-only", "--format=", "HEAD"])
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Appends `toml` to `omgreg.toml` and commits it with plain git.
pub(crate) fn configure(env: &TestEnv, reg: &Path, toml: &str) {
    let path = reg.join("omgreg.toml");
    let mut config = std::fs::read_to_string(&path).expect("omgreg.toml");
    config.push('\n');
    config.push_str(toml);
    commit_by_hand(env, reg, "omgreg.toml", &config);
}

/// The Production endpoint of `churn`, rendered with the shipped KServe template.
pub(crate) const KSERVE_ENDPOINT: &str = "[[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\n\
     stage = \"Production\"\ntemplate = \"templates/kserve.yaml.j2\"\n\
     vars = { storage = \"s3://b/models\" }\n";

/// A registry `reg` with `churn` registered at each of `versions`, each with its own
/// artifact `model.pt`; returns the registry and the artifacts' sha256, in order.
pub(crate) fn churn_registry(env: &TestEnv, versions: &[&str]) -> (PathBuf, Vec<String>) {
    let reg = env.init_registry("reg");
    let mut shas = Vec::new();
    for (i, version) in versions.iter().enumerate() {
        let (artifact, sha) = env.make_file(&format!("out/{i}/model.pt"), 1000 + i);
        env.omgreg(&reg)
            .args(["register", "churn", "--version", version, "--artifact"])
            .arg(&artifact)
            .assert()
            .success()
            .stdout(format!("churn@{version}\n"));
        shas.push(sha);
    }
    (reg, shas)
}

/// Promotes each version of `churn` to Production in turn.
pub(crate) fn promote_each(env: &TestEnv, reg: &Path, versions: &[&str]) {
    for version in versions {
        act(
            env,
            reg,
            &[
                "promote",
                &format!("churn@{version}"),
                "--stage",
                "Production",
            ],
        );
    }
}

/// `show MODEL@REF --json`.
pub(crate) fn show(env: &TestEnv, reg: &Path, reference: &str) -> serde_json::Value {
    env.json(reg, &["show", reference])
}

pub(crate) fn stages_yaml(env: &TestEnv, reg: &Path, model: &str) -> String {
    env.git(reg, &["show", &format!("HEAD:models/{model}/stages.yaml")])
}
