//! Distribution: `omgreg push` / `pull` / `checkout` over a bare `file://` remote with
//! Git LFS. The artifact travels with `push` and comes back byte for byte with
//! `checkout` in a clone that skipped the LFS download; concurrent actions in two
//! clones are replayed by `pull` (slot by slot in `stages.yaml`, model cards and
//! endpoints re-rendered, author and message kept). Judged by `git log`,
//! `git lfs fsck`, `git status` and `omgreg check`. Conflicts are in
//! `test_sync_conflicts.rs`.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{KSERVE_ENDPOINT, act, configure, resolve};
use crate::common::refusal::*;
use crate::common::signing::head;

/// A bare `remote.git` and registry `a` (`omgreg init`, `origin` = the remote,
/// pushed with `omgreg push`); returns (a, remote URL).
pub(crate) fn published(env: &TestEnv) -> (PathBuf, String) {
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", remote(env).display());
    let a = env.init_registry("a");
    env.git(&a, &["remote", "add", "origin", &url]);
    env.omgreg(&a).arg("push").assert().success();
    (a, url)
}

pub(crate) fn remote(env: &TestEnv) -> PathBuf {
    env.path().join("remote.git")
}

pub(crate) fn clone(env: &TestEnv, url: &str, name: &str) -> PathBuf {
    env.git(env.path(), &["clone", "-q", url, name]);
    env.path().join(name)
}

/// `omgreg register MODEL --version V --artifact <a new file of `size` bytes>`;
/// returns the artifact's path.
pub(crate) fn register(
    env: &TestEnv,
    reg: &Path,
    model: &str,
    version: &str,
    size: usize,
) -> PathBuf {
    let name = reg.file_name().expect("named").to_string_lossy();
    let (artifact, _) = env.make_file(&format!("out/{name}/{model}-{version}/model.pt"), size);
    let before = env.commit_count(reg);
    env.omgreg(reg)
        .args(["register", model, "--version", version, "--artifact"])
        .arg(&artifact)
        .assert()
        .success()
        .stdout(format!("{model}@{version}\n"));
    assert_eq!(env.commit_count(reg), before + 1);
    artifact
}

pub(crate) fn subjects(env: &TestEnv, repo: &Path) -> Vec<String> {
    env.git(repo, &["log", "--format=%s"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn card(env: &TestEnv, repo: &Path, rev: &str, model: &str) -> String {
    env.git(repo, &["show", &format!("{rev}:models/{model}/README.md")])
}

#[track_caller]
pub(crate) fn assert_lfs_fsck_ok(env: &TestEnv, repo: &Path) {
    let output = env.git_output(repo, &["lfs", "fsck"]);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && report.contains("Git LFS fsck OK"),
        "git lfs fsck in {}: {report}",
        repo.display()
    );
}

/// `omgreg push` in `reg`, refused because the remote moved on: exit 4, nothing local
/// changed.
pub(crate) fn push_refused(env: &TestEnv, reg: &Path) {
    let stderr = refused(env, reg, &["push"], 4);
    assert_mentions(
        &stderr,
        &["omgreg::sync::behind", "`origin`", "omgreg pull origin"],
    );
}

pub(crate) fn pull(env: &TestEnv, reg: &Path) -> String {
    let output = env
        .omgreg(reg)
        .arg("pull")
        .assert()
        .success()
        .get_output()
        .clone();
    flatten(&crate::common::stderr_of(&output))
}

#[test]
fn push_carries_the_artifact_and_checkout_fetches_it_in_a_fresh_clone() {
    let env = TestEnv::new();
    let (a, url) = published(&env);
    let artifact = register(&env, &a, "churn", "1.0.0", 300_000);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    assert_eq!(
        env.git(&remote(&env), &["rev-parse", "master"]),
        env.git(&a, &["rev-parse", "HEAD"])
    );
    let sha = hex_sha256(&artifact);
    assert!(
        remote(&env)
            .join("lfs/objects")
            .join(&sha[..2])
            .join(&sha[2..4])
            .join(&sha)
            .is_file(),
        "omgreg push uploaded the LFS object"
    );

    // A clone that does not download LFS objects: checkout must fetch the one it needs.
    env.set_env("GIT_LFS_SKIP_SMUDGE", "1");
    let b = clone(&env, &url, "b");
    assert!(lfs_objects(&b).is_empty(), "the clone skipped LFS");
    let output = env
        .omgreg(&b)
        .args(["checkout", "churn@Production", "--dest", "out"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.ends_with("out/model.pt\n"), "{stdout}");
    assert_eq!(
        std::fs::read(b.join("out/model.pt")).expect("checked out"),
        std::fs::read(&artifact).expect("artifact"),
        "byte-identical"
    );
    assert_eq!(lfs_objects(&b).len(), 1, "exactly the one object fetched");
    assert_lfs_fsck_ok(&env, &a);
    assert_lfs_fsck_ok(&env, &b);

    // The object is local now: a second checkout needs no remote at all.
    let doc = env.json(
        &b,
        &[
            "checkout",
            "churn@1.0.0",
            "--dest",
            "again",
            "--remote",
            "nowhere",
        ],
    );
    assert_eq!(doc["model"], "churn");
    assert_eq!(doc["version"], "1.0.0");
    assert_eq!(doc["artifacts"][0]["sha256"], sha.as_str());
    assert_eq!(doc["artifacts"][0]["status"], "written");
    assert_eq!(doc["artifacts"][0]["size"], 300_000);
    assert_eq!(
        std::fs::read(b.join("again/model.pt")).expect("checked out"),
        std::fs::read(&artifact).expect("artifact")
    );
}

#[test]
fn checkout_fails_clearly_when_the_remote_lacks_the_lfs_object() {
    let env = TestEnv::new();
    let (a, url) = published(&env);
    let artifact = register(&env, &a, "churn", "1.0.0", 200_000);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    // Plain `git push`, without the LFS pre-push hook: the branch, not the object.
    env.git(&a, &["push", "-q", "--no-verify", "origin", "master"]);
    assert!(!remote(&env).join("lfs").exists());

    env.set_env("GIT_LFS_SKIP_SMUDGE", "1");
    let b = clone(&env, &url, "b");
    let stderr = refused(
        &env,
        &b,
        &["checkout", "churn@Production", "--dest", "out"],
        1,
    );
    assert_mentions(
        &stderr,
        &[&hex_sha256(&artifact), "git lfs fetch origin", "model.pt"],
    );
    assert!(!b.join("out").exists(), "nothing written");
}

pub(crate) fn hex_sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(path).expect("readable")))
}

#[test]
fn concurrent_actions_on_different_models_are_replayed_by_pull() {
    let env = TestEnv::new();
    let (a, url) = published(&env);
    let b = clone(&env, &url, "b");

    register(&env, &a, "churn", "1.0.0", 3000);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    register(&env, &b, "fraud", "1.0.0", 4000);
    act(&env, &b, &["promote", "fraud@1.0.0", "--stage", "Staging"]);
    let a_tip = head(&env, &a);
    let b_fraud_card = card(&env, &b, "HEAD", "fraud");

    env.omgreg(&a).arg("push").assert().success();
    push_refused(&env, &b);

    let stderr = pull(&env, &b);
    assert_mentions(&stderr, &["Replayed 2 local action(s)", "origin/master"]);
    let expected = [
        "promote fraud@1.0.0 to Staging",
        "register fraud@1.0.0",
        "promote churn@1.0.0 to Production",
        "register churn@1.0.0",
        "init registry a",
    ];
    assert_eq!(subjects(&env, &b), expected);
    assert_eq!(
        env.git(&b, &["rev-parse", "HEAD~2"]).trim(),
        a_tip,
        "B's actions sit on top of A's"
    );
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    let list = env.json(&b, &["list"]);
    let models: Vec<&str> = list["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["model"].as_str().expect("name"))
        .collect();
    assert_eq!(models, ["churn", "fraud"], "{list:#}");
    assert_eq!(resolve(&env, &b, "churn@Production"), "1.0.0");
    assert_eq!(resolve(&env, &b, "fraud@Staging"), "1.0.0");
    env.omgreg(&b).arg("check").assert().success();
    assert_eq!(
        card(&env, &b, "HEAD", "churn"),
        card(&env, &a, "HEAD", "churn")
    );
    assert_eq!(card(&env, &b, "HEAD", "fraud"), b_fraud_card);
    env.assert_fsck_clean(&b);

    env.omgreg(&b).arg("push").assert().success();
    let stderr = pull(&env, &a);
    assert_mentions(&stderr, &["Fast-forwarded"]);
    assert_eq!(head(&env, &a), head(&env, &b));
    assert_eq!(env.git(&a, &["status", "--porcelain"]), "");
    assert_eq!(resolve(&env, &a, "fraud@Staging"), "1.0.0");
    // `pull` fetched the artifacts of B's version too.
    assert_lfs_fsck_ok(&env, &a);
    assert_lfs_fsck_ok(&env, &b);

    let server = remote(&env);
    assert_eq!(subjects(&env, &server), expected);
    let history = env.json(&server, &["history"]);
    let events: Vec<(String, String)> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["event"].as_str().expect("event").to_owned(),
                format!("{}@{}", e["model"], e["version"]).replace('"', ""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("promoted".to_owned(), "fraud@1.0.0".to_owned()),
            ("registered".to_owned(), "fraud@1.0.0".to_owned()),
            ("promoted".to_owned(), "churn@1.0.0".to_owned()),
            ("registered".to_owned(), "churn@1.0.0".to_owned()),
        ],
        "{history:#}"
    );
}

/// Registry `a` with churn 1.0.0 and 2.0.0, pushed; clone `b`.
pub(crate) fn two_clones_of_churn(env: &TestEnv) -> (PathBuf, PathBuf) {
    let (a, url) = published(env);
    register(env, &a, "churn", "1.0.0", 3000);
    register(env, &a, "churn", "2.0.0", 3001);
    env.omgreg(&a).arg("push").assert().success();
    let b = clone(env, &url, "b");
    (a, b)
}

#[test]
fn the_same_model_on_different_stages_merges_slot_by_slot() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(&env, &a, &["promote", "churn@2.0.0", "--stage", "Staging"]);
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);

    let before = env.commit_count(&b);
    env.omgreg(&b)
        .args(["promote", "churn@1.0.0", "--stage", "Production"])
        .env("GIT_AUTHOR_NAME", "Bob")
        .env("GIT_AUTHOR_EMAIL", "bob@example.com")
        .assert()
        .success();
    assert_eq!(env.commit_count(&b), before + 1);
    let message = env.git(&b, &["log", "-1", "--format=%B"]);
    push_refused(&env, &b);

    pull(&env, &b);
    assert_eq!(env.git(&b, &["rev-parse", "HEAD^"]).trim(), a_tip);
    assert_eq!(resolve(&env, &b, "churn@Staging"), "2.0.0");
    assert_eq!(resolve(&env, &b, "churn@Production"), "1.0.0");
    assert_eq!(
        env.git(&b, &["log", "-1", "--format=%B"]),
        message,
        "message kept"
    );
    assert_eq!(
        env.git(&b, &["log", "-1", "--format=%an <%ae> / %cn <%ce>"])
            .trim(),
        "Bob <bob@example.com> / Ada Lovelace <ada@example.com>",
        "author kept, committed by whoever pulled"
    );
    assert_eq!(
        env.git(&b, &["show", "--name-only", "--format=", "HEAD"]),
        "models/churn/README.md\nmodels/churn/stages.yaml\n"
    );
    let stages = env.git(&b, &["show", "HEAD:models/churn/stages.yaml"]);
    assert!(
        stages.contains("Staging: 2.0.0") && stages.contains("Production: 1.0.0"),
        "{stages}"
    );
    let card = card(&env, &b, "HEAD", "churn");
    assert!(
        card.contains("| Staging | 2.0.0 |") && card.contains("| Production | 1.0.0 |"),
        "{card}"
    );
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    env.omgreg(&b).arg("check").assert().success();
    let history = env.json(&b, &["history", "churn"]);
    assert_eq!(history["events"][0]["event"], "promoted");
    assert_eq!(history["events"][0]["version"], "1.0.0");
    assert_eq!(history["events"][0]["author"], "Bob");
    assert_eq!(history["events"][1]["version"], "2.0.0");

    env.omgreg(&b).arg("push").assert().success();
    pull(&env, &a);
    assert_eq!(head(&env, &a), head(&env, &b));
}

#[test]
fn replay_re_renders_the_model_card_and_endpoints_from_the_merged_state() {
    let env = TestEnv::new();
    let (a, url) = published(&env);
    configure(&env, &a, KSERVE_ENDPOINT);
    register(&env, &a, "churn", "1.0.0", 3000);
    register(&env, &a, "churn", "2.0.0", 3001);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    let b = clone(&env, &url, "b");

    register(&env, &a, "churn", "3.0.0", 3002);
    act(&env, &a, &["promote", "churn@3.0.0", "--stage", "Staging"]);
    env.omgreg(&a).arg("push").assert().success();
    register(&env, &b, "churn", "2.1.0", 3003);
    act(
        &env,
        &b,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let endpoint = env.git(&b, &["show", "HEAD:deploy/churn-prod.yaml"]);

    pull(&env, &b);
    assert_eq!(
        subjects(&env, &b)[..4],
        [
            "promote churn@2.0.0 to Production",
            "register churn@2.1.0",
            "promote churn@3.0.0 to Staging",
            "register churn@3.0.0",
        ]
    );
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    env.omgreg(&b).arg("check").assert().success();
    assert_eq!(
        env.git(&b, &["show", "HEAD:deploy/churn-prod.yaml"]),
        endpoint,
        "the endpoint follows Production"
    );
    let card = card(&env, &b, "HEAD", "churn");
    for row in [
        "| Staging | 3.0.0 |",
        "| Production | 2.0.0 |",
        "| 3.0.0 | Staging |",
        "| 2.1.0 | None |",
        "| 2.0.0 | Production |",
        "| 1.0.0 | None |",
    ] {
        assert!(card.contains(row), "{row} in:\n{card}");
    }
    // `check` above also found the card and the endpoint equal to a fresh rendering.
    env.omgreg(&b).arg("push").assert().success();
    pull(&env, &a);
    assert_eq!(head(&env, &a), head(&env, &b));
    assert_eq!(env.git(&a, &["status", "--porcelain"]), "");
    assert_lfs_fsck_ok(&env, &a);
}
