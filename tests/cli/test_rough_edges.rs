//! The everyday rough edges of issue 14 (item 6), each the way a user met it.

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_sync::{clone, pull, register};

/// A clone made before the registry's first push (an unborn branch) gets the registry
/// with `omgreg pull`, as cli.md says, instead of `not_a_registry` and a suggestion
/// to `omgreg init` there.
#[test]
fn pull_in_a_clone_made_before_the_first_push_checks_the_registry_out() {
    let env = TestEnv::new();
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", env.path().join("remote.git").display());
    let early = clone(&env, &url, "early");

    let a = env.init_registry("a");
    env.git(&a, &["remote", "add", "origin", &url]);
    register(&env, &a, "churn", "1.0.0", 100);
    env.omgreg(&a).arg("push").assert().success();

    let said = pull(&env, &early);
    assert_mentions(&said, &["Checked out"]);
    assert_eq!(
        env.git(&early, &["rev-parse", "HEAD"]),
        env.git(&a, &["rev-parse", "HEAD"])
    );
    assert_eq!(env.git(&early, &["status", "--porcelain"]), "");
    env.omgreg(&early)
        .args(["resolve", "churn@latest"])
        .assert()
        .success()
        .stdout("1.0.0\n");

    // Anything else without a registry is still not one.
    let plain = env.path().join("plain");
    env.git(env.path(), &["init", "-q", "plain"]);
    std::fs::write(plain.join("f"), "x").expect("write");
    env.git(&plain, &["add", "f"]);
    env.git(&plain, &["commit", "-qm", "code"]);
    let stderr = refused(&env, &plain, &["pull"], 1);
    assert_mentions(&stderr, &["omgreg::store::not_a_registry"]);
}
