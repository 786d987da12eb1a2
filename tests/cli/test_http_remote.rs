//! Distribution over real servers: `omgreg push` / `pull` / `checkout` against Git
//! smart HTTP (`git http-backend`) and a Git LFS server (giftless), both behind HTTP
//! Basic (`common::http_remote`). The artifact comes back byte for byte in a clone
//! that skipped the LFS download; a push with wrong credentials is refused before
//! anything reaches either server; the server's pre-receive hook speaks through HTTP.
//! Judged by the server's refs and LFS storage, `git fsck` and `git lfs fsck`. The
//! same flows over `file://` are in `test_sync.rs`.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::http_remote::{HttpRemote, PASSWORD, USER, use_credential_helper};
use crate::common::lifecycle::{act, resolve};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::test_sync::{
    assert_lfs_fsck_ok, clone, hex_sha256, pull, push_refused, register, subjects,
};

/// The server, with an empty `registry.git`, and git told never to prompt.
fn serve(env: &TestEnv) -> Option<(HttpRemote, PathBuf)> {
    let server = HttpRemote::start(env)?;
    let bare = server.create(env, "registry");
    env.set_env("GIT_TERMINAL_PROMPT", "0");
    Some((server, bare))
}

/// Registry `a` (`omgreg init`), its `origin` at `url`, pushed with `omgreg push`.
fn published(env: &TestEnv, url: &str) -> PathBuf {
    let a = env.init_registry("a");
    env.git(&a, &["remote", "add", "origin", url]);
    env.omgreg(&a).arg("push").assert().success();
    a
}

fn branch(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned()
}

/// Every ref of the server's repository with its commit.
fn refs(env: &TestEnv, bare: &Path) -> String {
    env.git(bare, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

#[test]
fn push_over_http_then_checkout_in_a_fresh_clone_gives_the_same_bytes() {
    let env = TestEnv::new();
    let Some((server, bare)) = serve(&env) else {
        return;
    };
    let url = server.url("registry", Some((USER, PASSWORD)));
    let a = published(&env, &url);
    let artifact = register(&env, &a, "churn", "1.0.0", 3 << 20);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();

    // The branch went through `git http-backend`, the object to giftless.
    let main = branch(&env, &a);
    assert_eq!(
        env.git(&bare, &["rev-parse", &main]).trim(),
        head(&env, &a),
        "{}",
        server.log()
    );
    env.assert_fsck_clean(&bare);
    let sha = hex_sha256(&artifact);
    assert_eq!(server.lfs_objects(), [format!("team/registry/{sha}")]);
    assert_eq!(
        hex_sha256(&server.lfs_object("registry", &sha)),
        sha,
        "giftless stored the bytes whole"
    );

    // A clone over HTTP that does not download LFS objects: checkout fetches the one
    // it needs from giftless.
    env.set_env("GIT_LFS_SKIP_SMUDGE", "1");
    let b = clone(&env, &url, "b");
    assert!(lfs_objects(&b).is_empty(), "the clone skipped LFS");
    let doc = env.json(&b, &["checkout", "churn@Production", "--dest", "out"]);
    assert_eq!(doc["version"], "1.0.0");
    assert_eq!(doc["artifacts"][0]["sha256"], sha.as_str());
    assert_eq!(
        hex_sha256(&b.join("out/model.pt")),
        sha,
        "byte-identical after the round trip"
    );
    assert_eq!(lfs_objects(&b).len(), 1, "exactly the one object fetched");
    env.assert_fsck_clean(&b);
    assert_lfs_fsck_ok(&env, &a);
    assert_lfs_fsck_ok(&env, &b);
    env.omgreg(&b).arg("check").assert().success();
}

#[test]
fn pull_over_http_replays_the_actions_of_another_clone() {
    let env = TestEnv::new();
    let Some((server, bare)) = serve(&env) else {
        return;
    };
    // Both clones get their credentials from a helper, as people's do.
    use_credential_helper(&env, USER, PASSWORD);
    let url = server.url("registry", None);
    let a = published(&env, &url);
    let b = clone(&env, &url, "b");

    let churn = register(&env, &a, "churn", "1.0.0", 200_000);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let fraud = register(&env, &b, "fraud", "1.0.0", 300_000);
    act(&env, &b, &["promote", "fraud@1.0.0", "--stage", "Staging"]);
    let a_tip = head(&env, &a);
    env.omgreg(&a).arg("push").assert().success();
    push_refused(&env, &b);

    let stderr = pull(&env, &b);
    assert_mentions(&stderr, &["Replayed 2 local action(s)", "origin/master"]);
    assert_eq!(env.git(&b, &["rev-parse", "HEAD~2"]).trim(), a_tip);
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    assert_eq!(resolve(&env, &b, "churn@Production"), "1.0.0");
    assert_eq!(resolve(&env, &b, "fraud@Staging"), "1.0.0");
    env.omgreg(&b).arg("check").assert().success();
    env.omgreg(&b).arg("push").assert().success();

    let stderr = pull(&env, &a);
    assert_mentions(&stderr, &["Fast-forwarded"]);
    assert_eq!(head(&env, &a), head(&env, &b));
    assert_eq!(subjects(&env, &bare), subjects(&env, &b));
    // `pull` brought fraud's artifact from giftless too.
    let fraud_sha = hex_sha256(&fraud);
    assert!(
        lfs_objects(&a)
            .iter()
            .any(|path| path.ends_with(&fraud_sha)),
        "{:?}",
        lfs_objects(&a)
    );
    assert_eq!(
        server.lfs_objects(),
        sorted([hex_sha256(&churn), fraud_sha].map(|oid| format!("team/registry/{oid}")))
    );
    assert_lfs_fsck_ok(&env, &a);
    assert_lfs_fsck_ok(&env, &b);
    env.assert_fsck_clean(&bare);
}

fn sorted<const N: usize>(mut items: [String; N]) -> Vec<String> {
    items.sort();
    items.to_vec()
}

#[test]
fn wrong_credentials_are_refused_before_anything_reaches_the_servers() {
    let env = TestEnv::new();
    let Some((server, bare)) = serve(&env) else {
        return;
    };
    let good = server.url("registry", Some((USER, PASSWORD)));
    let a = published(&env, &good);
    register(&env, &a, "churn", "1.0.0", 100_000);
    env.omgreg(&a).arg("push").assert().success();
    let artifact = register(&env, &a, "churn", "2.0.0", 1 << 20);
    let oid = hex_sha256(&artifact);
    let server_refs = refs(&env, &bare);
    let server_objects = env.git(&bare, &["count-objects", "-v"]);
    let stored = server.lfs_objects();

    // A wrong password in the URL: git-lfs is asked first and refused.
    let wrong = "not-the-password-5c2e";
    env.git(
        &a,
        &[
            "remote",
            "set-url",
            "origin",
            &server.url("registry", Some((USER, wrong))),
        ],
    );
    let stderr = refused(&env, &a, &["push"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::transport::git_failed",
            "`git lfs push origin master` failed",
            "Authorization error",
            "***@127.0.0.1:",
            "the server refused the credentials git sent",
        ],
    );
    assert!(
        !stderr.contains(wrong),
        "the password is not printed:\n{stderr}"
    );

    // No credentials at all, and git may not ask.
    env.git(
        &a,
        &["remote", "set-url", "origin", &server.url("registry", None)],
    );
    let stderr = refused(&env, &a, &["push"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::transport::git_failed",
            "terminal prompts disabled",
            "the server refused the credentials git sent, or git had none",
        ],
    );
    // `pull` is refused the same way, the remote-tracking ref untouched.
    let stderr = refused(&env, &a, &["pull"], 1);
    assert_mentions(
        &stderr,
        &["`git fetch", "the server refused the credentials git sent"],
    );

    // Nothing half-written on either server.
    assert_eq!(refs(&env, &bare), server_refs);
    assert_eq!(env.git(&bare, &["count-objects", "-v"]), server_objects);
    assert_eq!(server.lfs_objects(), stored);
    assert!(!server.lfs_object("registry", &oid).exists());

    // The same push with the right credentials goes through: only they were wrong.
    env.git(&a, &["remote", "set-url", "origin", &good]);
    env.omgreg(&a).arg("push").assert().success();
    assert_eq!(
        env.git(&bare, &["rev-parse", "master"]).trim(),
        head(&env, &a)
    );
    assert_eq!(hex_sha256(&server.lfs_object("registry", &oid)), oid);
}

#[test]
fn the_server_hook_refuses_a_push_over_http_and_says_why() {
    let env = TestEnv::new();
    let Some((server, bare)) = serve(&env) else {
        return;
    };
    let url = server.url("registry", Some((USER, PASSWORD)));
    let a = published(&env, &url);
    register(&env, &a, "churn", "1.0.0", 10_000);
    env.omgreg(&a).arg("push").assert().success();
    env.omgreg(&bare)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    commit_by_hand(
        &env,
        &a,
        "models/churn/stages.yaml",
        "stages:\n  Canary: 1.0.0\naliases: {}\n",
    );
    let before = refs(&env, &bare);
    let output = env
        .omgreg(&a)
        .arg("push")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = flatten(&crate::common::stderr_of(&output));
    assert_mentions(
        &stderr,
        &[
            "omgreg::transport::git_failed",
            "remote: error[schema]: `Canary` is not a configured stage",
            "[remote rejected]",
            "pre-receive hook declined",
            "the server refused the push",
        ],
    );
    assert!(
        !stderr.contains("omgreg::sync::behind"),
        "not a push to pull for:\n{stderr}"
    );
    assert_eq!(refs(&env, &bare), before, "{}", server.log());

    // Without the bad commit, an action passes the hook.
    env.git(&a, &["reset", "-q", "--hard", "HEAD^"]);
    act(&env, &a, &["promote", "churn@1.0.0", "--stage", "Staging"]);
    env.omgreg(&a).arg("push").assert().success();
    assert_eq!(
        env.git(&bare, &["rev-parse", "master"]).trim(),
        head(&env, &a)
    );
}
