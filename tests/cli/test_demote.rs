//! `omgreg demote MODEL@REF`: a version back to `None` without archiving it, its
//! endpoint manifest removed in the same commit, refused without the rights of the
//! stage it empties (by `demote` itself and by `check --range`).

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::*;
use crate::common::refusal::*;
use crate::common::signing::{head, policy_registry};
use crate::test_check::{check_json, finding, rules};
use crate::test_sync::{pull, two_clones_of_churn};

/// The `event`, `version` and `action` of each `history churn --json` event, newest
/// first.
fn history(env: &TestEnv, reg: &Path) -> Vec<(String, String, String)> {
    let doc = env.json(reg, &["history", "churn"]);
    doc["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let field = |key: &str| e[key].as_str().unwrap_or("-").to_owned();
            (field("event"), field("version"), field("action"))
        })
        .collect()
}

/// The `stage` `list churn --json` shows for each version, oldest first.
fn listed_stages(env: &TestEnv, reg: &Path) -> Vec<(String, String)> {
    let doc = env.json(reg, &["list", "churn"]);
    doc["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_str().expect("version").to_owned(),
                v["stage"].as_str().expect("stage").to_owned(),
            )
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn demote_from_production_removes_the_endpoint_manifest_in_the_same_commit() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(&env, &reg, KSERVE_ENDPOINT);
    promote_each(&env, &reg, &["1.0.0"]);
    act(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    assert!(reg.join("deploy/churn-prod.yaml").exists());

    act(&env, &reg, &["demote", "churn@Production"]);
    assert_eq!(
        env.git(&reg, &["log", "-1", "--format=%s"]).trim(),
        "demote churn@1.0.0 from Production"
    );
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: demote",
            "Omgreg-Model: churn",
            "Omgreg-Version: 1.0.0",
            "Omgreg-Stage: Production",
        ]
    );
    // The manifest of the endpoint following Production goes in the same commit.
    assert_eq!(
        changed(&env, &reg),
        [
            "deploy/churn-prod.yaml",
            "models/churn/README.md",
            "models/churn/stages.yaml",
        ]
    );
    let tree = env.git(&reg, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(!tree.contains("deploy/churn-prod.yaml"), "{tree}");
    assert!(!reg.join("deploy/churn-prod.yaml").exists());
    // Still active, aliases kept, back in `None`.
    assert_eq!(
        stages_yaml(&env, &reg, "churn"),
        "stages: {}\naliases:\n  champion: 1.0.0\n"
    );
    assert_eq!(resolve(&env, &reg, "churn@champion"), "1.0.0");
    assert_eq!(
        listed_stages(&env, &reg),
        owned(&[("1.0.0", "None"), ("2.0.0", "None")])
    );
    let shown = show(&env, &reg, "churn@1.0.0");
    assert_eq!(shown["status"], "active", "{shown}");
    assert_eq!(
        history(&env, &reg)[0],
        ("unassigned".into(), "1.0.0".into(), "demote".into())
    );
    check_json(&env, &reg, &[], 0);
    check_json(&env, &reg, &["--range", "HEAD~1..HEAD"], 0);
    env.assert_fsck_clean(&reg);

    // Nothing left to demote.
    let stderr = refused(&env, &reg, &["demote", "churn@Production"], 1);
    assert_mentions(&stderr, &["omgreg::reference::unresolved"]);

    // A rollback undoes the demotion, manifest included.
    act(&env, &reg, &["rollback", "churn", "--stage", "Production"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    assert!(reg.join("deploy/churn-prod.yaml").exists());
}

#[test]
fn demote_from_staging_with_json_and_a_message() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    promote_each(&env, &reg, &["1.0.0"]);
    act(&env, &reg, &["promote", "churn@2.0.0"]);
    let stdout = act(
        &env,
        &reg,
        &[
            "--json",
            "demote",
            "churn@2.0.0",
            "-m",
            "bad canary results",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["kind"], "action", "{doc}");
    assert_eq!(doc["action"], "demote", "{doc}");
    assert_eq!(doc["model"], "churn", "{doc}");
    assert_eq!(doc["version"], "2.0.0", "{doc}");
    assert_eq!(doc["stage"], "Staging", "{doc}");
    assert_eq!(doc["commit"], head(&env, &reg).as_str(), "{doc}");
    let body = env.git(&reg, &["log", "-1", "--format=%B"]);
    assert!(
        body.starts_with("demote churn@2.0.0 from Staging\n\nbad canary results\n\n"),
        "{body}"
    );
    // Production is untouched.
    assert_eq!(
        listed_stages(&env, &reg),
        owned(&[("1.0.0", "Production"), ("2.0.0", "None")])
    );
    assert_eq!(
        changed(&env, &reg),
        ["models/churn/README.md", "models/churn/stages.yaml"]
    );
    // The demoted version can be promoted again.
    act(&env, &reg, &["promote", "churn@2.0.0"]);
    assert_eq!(resolve(&env, &reg, "churn@Staging"), "2.0.0");
}

#[test]
fn demote_dry_run_and_branch_leave_the_registry_branch_alone() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    promote_each(&env, &reg, &["1.0.0"]);
    let before = env.state(&reg);
    let stdout = run(&env, &reg, &["demote", "churn@1.0.0", "--dry-run"]);
    assert!(stdout.contains("models/churn/stages.yaml"), "{stdout}");
    assert_eq!(env.state(&reg), before);

    let tip = head(&env, &reg);
    let stdout = run(&env, &reg, &["demote", "churn@1.0.0", "--branch"]);
    assert_eq!(stdout, "omgreg/demote-churn-1.0.0\n");
    assert_eq!(head(&env, &reg), tip, "the registry branch did not move");
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    let subject = env.git(
        &reg,
        &["log", "-1", "--format=%s", "omgreg/demote-churn-1.0.0"],
    );
    assert_eq!(subject.trim(), "demote churn@1.0.0 from Production");
    let parent = env.git(&reg, &["rev-parse", "omgreg/demote-churn-1.0.0~1"]);
    assert_eq!(parent.trim(), tip);
}

#[test]
fn demote_refuses_what_holds_no_stage_and_writes_nothing() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    act(&env, &reg, &["archive", "churn@2.0.0", "--reason", "leaky"]);

    let stderr = refused(&env, &reg, &["demote", "churn@1.0.0"], 1);
    assert_mentions(
        &stderr,
        &["omgreg::demote::no_stage", "`churn@1.0.0`", "None"],
    );
    let stderr = refused(&env, &reg, &["demote", "churn@2.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::version::archived", "omgreg unarchive"]);
    let stderr = refused(&env, &reg, &["demote", "churn@9.9.9"], 1);
    assert_mentions(&stderr, &["omgreg::version::not_found"]);
    let stderr = refused(&env, &reg, &["demote", "nope@1.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::model::not_found"]);
    let stderr = refused(&env, &reg, &["demote", "churn@../x"], 1);
    assert!(!stderr.is_empty());
}

/// Emptying Production needs one of its signers, as filling it does: `demote`
/// refuses the others, and `check --range` flags a demotion signed by one of them.
#[test]
fn demoting_from_a_stage_with_signers_needs_one_of_them() {
    let env = TestEnv::new();
    let (reg, [alice, bob, carol]) = policy_registry(&env);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    act(&env, &reg, &["promote", "churn@2.0.0"]);
    let base = head(&env, &reg);

    env.git(&reg, &["config", "user.signingkey", &bob]);
    let stderr = refused(&env, &reg, &["demote", "churn@1.0.0"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::policy::signer_not_allowed",
            "`Production`",
            "`alice@example.com`",
            "`bob@example.com`",
        ],
    );
    let stderr = refused(&env, &reg, &["demote", "churn@1.0.0", "--dry-run"], 1);
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed"]);
    env.git(&reg, &["config", "user.signingkey", &carol]);
    let stderr = refused(&env, &reg, &["demote", "churn@1.0.0"], 1);
    assert_mentions(&stderr, &["not an allowed signer"]);
    env.git(&reg, &["config", "user.signingkey", &alice]);
    let stderr = refused(&env, &reg, &["--no-sign", "demote", "churn@1.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed", "unsigned"]);

    // Staging has no signers: bob may empty it.
    env.git(&reg, &["config", "user.signingkey", &bob]);
    act(&env, &reg, &["demote", "churn@2.0.0"]);

    env.git(&reg, &["config", "user.signingkey", &alice]);
    act(&env, &reg, &["demote", "churn@1.0.0"]);
    let allowed = reg.join(".omgreg/allowed_signers");
    let allowed = format!("gpg.ssh.allowedSignersFile={}", allowed.display());
    let verified = env.git_output(&reg, &["-c", &allowed, "verify-commit", "HEAD"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let range = format!("{base}..HEAD");
    check_json(&env, &reg, &["--range", &range], 0);

    // The same demotion re-signed by bob: a signer finding.
    let key = format!("user.signingkey={bob}");
    env.git(
        &reg,
        &["-c", &key, "commit", "-q", "--amend", "--no-edit", "-S"],
    );
    let by_bob = head(&env, &reg);
    let doc = check_json(&env, &reg, &["--range", &range], 3);
    assert_eq!(rules(&doc), ["signer"], "{doc:#}");
    let found = finding(&doc, "signer");
    assert_eq!(found["commit"], by_bob.as_str());
    assert_mentions(
        found["message"].as_str().expect("message"),
        &["churn@1.0.0", "out of `Production`", "alice@example.com"],
    );
}

/// `pull` replays a local demotion as its file change (`Omgreg-Action: demote` maps to
/// no replayable action): on top of an unrelated remote change it lands as is.
#[test]
fn pull_replays_a_local_demotion_on_the_remote_tip() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(&env, &a, &["promote", "churn@2.0.0", "--stage", "Staging"]);
    env.omgreg(&a).arg("push").assert().success();
    act(
        &env,
        &b,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    act(&env, &b, &["demote", "churn@1.0.0"]);

    pull(&env, &b);
    assert_eq!(
        env.git(&b, &["log", "-1", "--format=%s"]).trim(),
        "demote churn@1.0.0 from Production"
    );
    assert_eq!(
        listed_stages(&env, &b),
        owned(&[("1.0.0", "None"), ("2.0.0", "Staging")])
    );
    check_json(&env, &b, &[], 0);
}

/// The remote moved the version the local side demoted: replayed as files, the
/// demotion from Staging would merge into nothing and leave a commit claiming it;
/// replayed as an action, the stage it left no longer holds what it held here, and
/// `pull` stops with a conflict and changes nothing local.
#[test]
fn pull_of_a_demotion_whose_version_the_remote_moved_is_a_conflict() {
    let env = TestEnv::new();
    let (a, b) = two_clones_of_churn(&env);
    act(&env, &a, &["promote", "churn@1.0.0", "--stage", "Staging"]);
    env.omgreg(&a).arg("push").assert().success();
    pull(&env, &b);
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    act(&env, &b, &["demote", "churn@1.0.0"]);
    let b_tip = head(&env, &b);

    env.git(&b, &["fetch", "-q", "origin"]);
    let stderr = refused(&env, &b, &["pull"], 4);
    assert_mentions(
        &stderr,
        &[
            "omgreg::sync::conflict",
            &b_tip[..12],
            "demote churn@1.0.0 from Staging",
            "stage `Staging`",
        ],
    );
    assert_eq!(head(&env, &b), b_tip, "the local demotion is kept");
}
