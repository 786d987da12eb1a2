//! Promotion by pull request, end to end over a `file://` remote with Git LFS:
//! `promote --branch --push` in one clone leaves its registry branch and working tree
//! alone and pushes a branch; in another clone the branch passes
//! `check --range main..branch`; once merged (merge commit or squash), `history` and
//! `rollback` treat the promotion as if it had been made on the registry branch.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, resolve};
use crate::common::signing::head;
use crate::test_check::{check_json, example_registry};

const BRANCH: &str = "omgreg/promote-churn-2.0.0-production";

/// The example registry with churn 1.1.0 in Production, pushed with its LFS objects
/// to a bare `server.git`; returns (registry, server URL, registry branch).
fn published(env: &TestEnv) -> (PathBuf, String, String) {
    let reg = example_registry(env);
    act(
        env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    env.git(env.path(), &["init", "-q", "--bare", "server.git"]);
    let url = format!("file://{}", env.path().join("server.git").display());
    let main = env
        .git(&reg, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned();
    env.git(&reg, &["remote", "add", "origin", &url]);
    env.git(&reg, &["lfs", "push", "--all", "origin", &main]);
    env.git(&reg, &["push", "-q", "origin", &main]);
    (reg, url, main)
}

fn clone(env: &TestEnv, url: &str, name: &str) -> PathBuf {
    env.git(env.path(), &["clone", "-q", url, name]);
    env.path().join(name)
}

/// `omgreg promote churn@2.0.0 --stage Production --branch --push` in a fresh clone
/// A, which must leave A's registry branch and working tree as they were.
fn promote_by_pull_request(env: &TestEnv, url: &str, main: &str) {
    let a = clone(env, url, "a");
    let before = head(env, &a);
    let output = env
        .omgreg(&a)
        .args([
            "promote",
            "churn@2.0.0",
            "--stage",
            "Production",
            "--branch",
            "--push",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{BRANCH}\n")
    );

    assert_eq!(head(env, &a), before, "the registry branch did not move");
    assert_eq!(
        env.git(&a, &["symbolic-ref", "--short", "HEAD"]).trim(),
        main
    );
    assert_eq!(env.git(&a, &["status", "--porcelain"]), "");
    assert_eq!(resolve(env, &a, "churn@Production"), "1.1.0");
    let tip = env.git(&a, &["rev-parse", BRANCH]).trim().to_owned();
    assert_eq!(
        env.git(&a, &["rev-parse", &format!("{BRANCH}^")]).trim(),
        before,
        "the branch is made from the registry branch"
    );
    assert_eq!(
        env.git(&a, &["show", "--name-only", "--format=", BRANCH]),
        "models/churn/README.md\nmodels/churn/stages.yaml\n"
    );
    let remote = env.git(
        &a,
        &["ls-remote", "origin", &format!("refs/heads/{BRANCH}")],
    );
    assert!(
        remote.starts_with(&tip),
        "the remote has the branch: {remote}"
    );
}

/// A fresh clone B with the LFS objects and the pushed branch; the branch passes
/// `check --range main..branch`.
fn reviewer_clone(env: &TestEnv, url: &str, main: &str) -> PathBuf {
    let b = clone(env, url, "b");
    env.git(&b, &["lfs", "fetch", "--all", "origin"]);
    env.git(&b, &["branch", "-q", BRANCH, &format!("origin/{BRANCH}")]);
    let doc = check_json(env, &b, &["--range", &format!("{main}..{BRANCH}")], 0);
    assert_eq!(doc["commit"], env.git(&b, &["rev-parse", BRANCH]).trim());
    b
}

/// After the merge in `b`: the promotion is in the history once, `check` passes on
/// the merge, and `rollback` ends exactly where it ends when the promotion is made
/// on the registry branch (`control`, at the same base).
fn assert_merged_like_a_direct_promotion(env: &TestEnv, b: &Path, control: &Path, base: &str) {
    assert_eq!(resolve(env, b, "churn@Production"), "2.0.0");
    check_json(env, b, &["--range", &format!("{base}..HEAD")], 0);
    let history = env.json(b, &["history", "churn"]);
    let promotions: Vec<&serde_json::Value> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"] == "promoted" && e["version"] == "2.0.0")
        .collect();
    assert_eq!(promotions.len(), 1, "{history:#}");
    assert_eq!(promotions[0]["stage"], "Production");
    assert_eq!(promotions[0]["previous"], "1.1.0");

    act(
        env,
        control,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    act(env, control, &["rollback", "churn"]);
    act(env, b, &["rollback", "churn"]);
    assert_eq!(resolve(env, b, "churn@Production"), "1.1.0");
    for file in ["models/churn/stages.yaml", "models/churn/README.md"] {
        let show = format!("HEAD:{file}");
        assert_eq!(
            env.git(b, &["show", &show]),
            env.git(control, &["show", &show]),
            "{file} after the rollback"
        );
    }
    let history = env.json(b, &["history", "churn"]);
    assert_eq!(history["events"][0]["event"], "rolled_back", "{history:#}");
    assert_eq!(history["events"][0]["version"], "1.1.0", "{history:#}");
    env.assert_fsck_clean(b);
}

#[test]
fn a_promotion_branch_merged_with_a_merge_commit() {
    let env = TestEnv::new();
    let (reg, url, main) = published(&env);
    promote_by_pull_request(&env, &url, &main);
    let b = reviewer_clone(&env, &url, &main);
    let base = head(&env, &b);
    env.git(
        &b,
        &["merge", "-q", "--no-ff", BRANCH, "-m", "Merge promotion"],
    );
    assert_eq!(
        env.git(&b, &["rev-list", "--count", "--merges", "HEAD"])
            .trim(),
        "1"
    );
    assert_merged_like_a_direct_promotion(&env, &b, &reg, &base);
}

#[test]
fn a_promotion_branch_merged_by_squash() {
    let env = TestEnv::new();
    let (reg, url, main) = published(&env);
    promote_by_pull_request(&env, &url, &main);
    let b = reviewer_clone(&env, &url, &main);
    let base = head(&env, &b);
    env.git(&b, &["merge", "-q", "--squash", BRANCH]);
    env.git(&b, &["commit", "-q", "-m", "Promote churn 2.0.0 (#1)"]);
    assert_eq!(
        env.git(&b, &["rev-list", "--count", "--merges", "HEAD"])
            .trim(),
        "0"
    );
    let history = env.json(&b, &["history", "churn"]);
    assert_eq!(
        history["events"][0]["commit"],
        head(&env, &b),
        "{history:#}"
    );
    assert_merged_like_a_direct_promotion(&env, &b, &reg, &base);
}
