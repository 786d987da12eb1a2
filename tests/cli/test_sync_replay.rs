//! `pull` replays actions, not files (issue 10, finding 9). Each local action is re-run
//! on the remote's tip with its preconditions and the remote's policy checked again;
//! when one no longer holds, `pull` stops with exit 4 naming the local action and what
//! the remote did, and changes nothing local. A hand edit (no `Omgreg-Action` trailer)
//! is replayed as its file change and judged by the `check` rules.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::{act, resolve};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::test_sync::{pull, register, remote, two_clones_of_churn};

/// `pull` in `b`, refused with exit 4 and nothing local changed (HEAD, index, working
/// tree, refs: `b` fetched first); returns stderr.
fn pull_refused(env: &TestEnv, b: &Path) -> String {
    env.git(b, &["fetch", "-q", "origin"]);
    refused(env, b, &["pull"], 4)
}

fn status(env: &TestEnv, repo: &Path, reference: &str) -> String {
    env.json(repo, &["show", reference])["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

/// Finding 9: the remote promoted 1.0.0 to Production while the local side archived
/// it. Replayed as files, the archive merged cleanly and Production held an archived
/// version (exit 0); re-run as an action, `archive` finds 1.0.0 holding a stage.
#[test]
fn archiving_a_version_the_remote_promoted_is_a_conflict_naming_both_sides() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);
    act(
        &env,
        &b,
        &["archive", "churn@1.0.0", "--reason", "superseded"],
    );
    let b_tip = head(&env, &b);

    let stderr = pull_refused(&env, &b);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "archive churn@1.0.0",
            "models/churn/versions/1.0.0.yaml",
            "on `origin`",
            "holds stage `Production`",
            "`origin` did: promote churn@1.0.0 to Production",
            &a_tip[..12],
            "nothing local was changed",
        ],
    );
    assert_eq!(head(&env, &b), b_tip, "the local archive is kept");
    assert_eq!(status(&env, &b, "churn@1.0.0"), "archived");
    assert_eq!(
        env.git(&b, &["rev-parse", "origin/master"]).trim(),
        a_tip,
        "the remote-tracking ref holds the remote's action"
    );
    let server = remote(&env);
    assert_eq!(env.git(&server, &["rev-parse", "master"]).trim(), a_tip);
    assert_eq!(resolve(&env, &server, "churn@Production"), "1.0.0");
    assert_eq!(status(&env, &server, "churn@Production"), "active");
}

/// Promoting a version the remote archived meanwhile: `promote` refuses archived
/// versions, so the replay does too (as files, the stage merged onto it).
#[test]
fn promoting_a_version_the_remote_archived_is_a_conflict() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(
        &env,
        &a,
        &["archive", "churn@2.0.0", "--reason", "bad data"],
    );
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);
    act(&env, &b, &["promote", "churn@2.0.0", "--stage", "Staging"]);
    let b_tip = head(&env, &b);

    let stderr = pull_refused(&env, &b);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "promote churn@2.0.0 to Staging",
            "`churn@2.0.0` is archived",
            "`origin` did: archive churn@2.0.0",
            &a_tip[..12],
        ],
    );
    assert_eq!(head(&env, &b), b_tip);
    assert_eq!(resolve(&env, &b, "churn@Staging"), "2.0.0");
    let server = remote(&env);
    assert_eq!(env.git(&server, &["rev-parse", "master"]).trim(), a_tip);
    assert_eq!(status(&env, &server, "churn@2.0.0"), "archived");
}

/// A local `register` re-run beside the remote's: both versions are kept, the local
/// commit keeps its message and author, and the result checks out clean.
#[test]
fn a_local_register_on_a_remote_that_registered_another_version_keeps_both() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    register(&env, &a, "churn", "3.0.0", 3100);
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);
    register(&env, &b, "churn", "2.1.0", 3200);
    let message = env.git(&b, &["log", "-1", "--format=%B%an"]);

    let stderr = pull(&env, &b);
    assert_mentions(&stderr, &["Replayed 1 local action(s)"]);
    assert_eq!(env.git(&b, &["rev-parse", "HEAD^"]).trim(), a_tip);
    assert_eq!(env.git(&b, &["log", "-1", "--format=%B%an"]), message);
    let versions = env.json(&b, &["list", "churn"]);
    let ids: Vec<&str> = versions["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_str().expect("version"))
        .collect();
    for id in ["1.0.0", "2.0.0", "2.1.0", "3.0.0"] {
        assert!(ids.contains(&id), "{id} in {versions:#}");
    }
    assert_eq!(
        env.json(&b, &["show", "churn@2.1.0"])["artifacts"][0]["size"],
        3200
    );
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    env.omgreg(&b).arg("check").assert().success();
    env.assert_fsck_clean(&b);
    env.omgreg(&b).arg("push").assert().success();
}

/// A plain `git commit` editing `stages.yaml` by hand is replayed as its file change;
/// the result is judged by `check`: Staging holding a version the remote archived is
/// refused like a conflict, while a harmless hand edit goes through.
#[test]
fn a_hand_edit_is_replayed_as_files_and_judged_by_check() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(
        &env,
        &a,
        &["archive", "churn@2.0.0", "--reason", "bad data"],
    );
    env.omgreg(&a).arg("push").assert().success();
    let a_tip = head(&env, &a);

    let description = "model: churn\ndescription: edited by hand\n";
    std::fs::write(b.join("models/churn/model.yaml"), description).expect("write");
    env.git(&b, &["commit", "-qam", "describe churn"]);
    std::fs::write(
        b.join("models/churn/stages.yaml"),
        "stages:\n  Staging: 2.0.0\n",
    )
    .expect("write");
    env.git(&b, &["commit", "-qam", "stage 2.0.0 by hand"]);
    let b_tip = head(&env, &b);

    let stderr = pull_refused(&env, &b);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "stage 2.0.0 by hand",
            "`check` on the result",
            "models/churn/stages.yaml",
            "archived",
            "`origin` did: archive churn@2.0.0",
        ],
    );
    assert_eq!(head(&env, &b), b_tip);

    // Without the offending edit, the harmless one is replayed and the result checks.
    env.git(&b, &["reset", "-q", "--hard", "HEAD^"]);
    let stderr = pull(&env, &b);
    assert_mentions(&stderr, &["Replayed 1 local action(s)"]);
    assert_eq!(env.git(&b, &["rev-parse", "HEAD^"]).trim(), a_tip);
    assert_eq!(
        env.git(&b, &["show", "HEAD:models/churn/model.yaml"]),
        description
    );
    assert_eq!(env.git(&b, &["status", "--porcelain"]), "");
    env.omgreg(&b).arg("check").assert().success();
}
