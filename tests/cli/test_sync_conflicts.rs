//! Concurrent actions in two clones that cannot both win: the same stage or alias
//! moved, or the same version registered, on both sides. `omgreg pull` stops with exit
//! 4 (`omgreg::sync::conflict`), names the local action and both sides, and changes
//! nothing local (HEAD, index, working tree, refs, LFS objects); the remote keeps its
//! action, the clone keeps its own.

use crate::common::TestEnv;
use crate::common::lifecycle::{act, resolve};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::test_sync::{
    clone, published, pull, push_refused, register, remote, two_clones_of_churn,
};
#[test]
fn the_same_stage_moved_on_both_sides_is_a_conflict_that_changes_nothing() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(
        &env,
        &a,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);
    // A local action that merges, then one that conflicts.
    act(&env, &b, &["alias", "set", "churn@2.0.0", "canary"]);
    act(
        &env,
        &b,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let b_tip = head(&env, &b);

    // Fetch first, so that the remote-tracking ref (which `pull` may update like
    // `git pull` does) is already current and the whole state can be compared.
    env.git(&b, &["fetch", "-q", "origin"]);
    let stderr = refused(&env, &b, &["pull"], 4);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "promote churn@1.0.0 to Production",
            "stage `Production`",
            "models/churn/stages.yaml",
            "nothing -> 1.0.0",
            "on `origin` it now holds 2.0.0",
            "nothing local was changed",
        ],
    );
    assert_eq!(head(&env, &b), b_tip, "B's action is still there");
    assert_eq!(resolve(&env, &b, "churn@Production"), "1.0.0");
    assert_eq!(
        env.git(&remote(&env), &["rev-parse", "master"]).trim(),
        a_tip,
        "the remote still has A's action"
    );
    push_refused(&env, &b);

    assert!(
        !stderr.contains("canary"),
        "only the conflicting action: {stderr}"
    );

    // Once B gives up its promotion, pull replays the alias on top of A's promotion.
    env.git(&b, &["reset", "-q", "--hard", "HEAD^"]);
    pull(&env, &b);
    assert_eq!(env.git(&b, &["rev-parse", "HEAD^"]).trim(), a_tip);
    assert_eq!(resolve(&env, &b, "churn@Production"), "2.0.0");
    assert_eq!(resolve(&env, &b, "churn@canary"), "2.0.0");
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
}

#[test]
fn the_same_alias_moved_on_both_sides_is_a_conflict_other_aliases_merge() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(&env, &a, &["alias", "set", "churn@1.0.0", "champion"]);
    act(&env, &a, &["alias", "set", "churn@1.0.0", "canary"]);
    env.omgreg(&a).arg("push").assert().success();
    act(&env, &b, &["alias", "set", "churn@2.0.0", "challenger"]);
    act(&env, &b, &["alias", "set", "churn@2.0.0", "champion"]);
    let b_tip = head(&env, &b);

    env.git(&b, &["fetch", "-q", "origin"]);
    let stderr = refused(&env, &b, &["pull"], 4);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "alias `champion`",
            "nothing -> 2.0.0",
            "it now holds 1.0.0",
        ],
    );
    assert!(!stderr.contains("challenger"), "{stderr}");

    // Without the conflicting action, the other alias merges with A's.
    env.git(&b, &["reset", "-q", "--hard", "HEAD^"]);
    pull(&env, &b);
    assert_eq!(resolve(&env, &b, "churn@champion"), "1.0.0");
    assert_eq!(resolve(&env, &b, "churn@canary"), "1.0.0");
    assert_eq!(resolve(&env, &b, "churn@challenger"), "2.0.0");
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    env.omgreg(&b).arg("check").assert().success();
}

#[test]
fn the_same_version_registered_on_both_sides_is_a_conflict() {
    let env = TestEnv::new();
    let (a, url) = published(&env);
    let b = clone(&env, &url, "b");
    register(&env, &a, "fraud", "1.0.0", 5000);
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);
    register(&env, &b, "fraud", "1.0.0", 6000);
    let b_tip = head(&env, &b);

    env.git(&b, &["fetch", "-q", "origin"]);
    let stderr = refused(&env, &b, &["pull"], 4);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "register fraud@1.0.0",
            "models/fraud/versions/1.0.0.yaml",
            "`origin`",
        ],
    );
    assert_eq!(head(&env, &b), b_tip);
    assert_eq!(
        env.git(&remote(&env), &["rev-parse", "master"]).trim(),
        a_tip
    );
    let mine = env.json(&b, &["show", "fraud@1.0.0"]);
    assert_eq!(
        mine["artifacts"][0]["size"], 6000,
        "B's version is kept: {mine:#}"
    );
    let theirs = env.json(&a, &["show", "fraud@1.0.0"]);
    assert_eq!(theirs["artifacts"][0]["size"], 5000, "{theirs:#}");
}
