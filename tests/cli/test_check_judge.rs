//! The judge of each step (issue 12, finding 2): a registered version's record is
//! judged as registered. Inflating a metric for one commit, promoting on it, then
//! restoring it leaves BASE and HEAD's record equal, but the promotion is judged on
//! the record at BASE and each commit's edit of a registered version is a finding.

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::signing::head;
use crate::test_check::*;
use crate::test_check_range::{POLICY, add_policy};

const V110: &str = "models/churn/versions/1.1.0.yaml";

#[test]
fn a_metric_inflated_for_the_promotion_and_restored_fails_the_gate() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    add_policy(&env, &reg, POLICY);
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Staging"],
    );
    let range = format!("{}..HEAD", head(&env, &reg));

    // 1.1.0 has accuracy 0.902; Production needs >= 0.91.
    edit(&env, &reg, V110, "accuracy: 0.902", "accuracy: 0.95");
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    edit(&env, &reg, V110, "accuracy: 0.95", "accuracy: 0.902");
    act(&env, &reg, &["render"]);
    assert_eq!(
        env.git(
            &reg,
            &["diff", &range.replace("..HEAD", ""), "HEAD", "--", V110]
        ),
        "",
        "the record is back as registered"
    );

    let report = check_json(&env, &reg, &["--range", &range], 3);
    let rules = rules(&report);
    assert!(rules.contains(&"metric-gate".to_owned()), "{report:#}");
    assert!(rules.contains(&"immutable".to_owned()), "{report:#}");
    let gate = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "metric-gate")
        .expect("a metric-gate finding");
    let message = gate["message"].as_str().expect("message");
    assert!(
        message.contains("0.902"),
        "judged on the registered record: {message}"
    );
}

/// A registry whose `churn@1.0.0` has one stored artifact; returns it and the
/// artifact's path in the registry.
fn with_artifact(env: &TestEnv) -> (std::path::PathBuf, String) {
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("out/model.pt", 3000);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    (reg, "models/churn/artifacts/1.0.0/model.pt".to_owned())
}

#[test]
fn a_swapped_pointer_or_an_added_artifact_file_is_a_finding() {
    let env = TestEnv::new();
    let (reg, pointer) = with_artifact(&env);
    let base = head(&env, &reg);
    // Another object of another size under the registered name.
    let other = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 42\n",
        "ab".repeat(32)
    );
    crate::common::refusal::commit_by_hand(&env, &reg, &pointer, &other);
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    let found = report["findings"].as_array().expect("findings");
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "artifact" && f["file"] == pointer.as_str()),
        "{report:#}"
    );

    // Back as registered, plus a file the record does not list.
    env.git(&reg, &["revert", "--no-edit", "HEAD"]);
    let added = "models/churn/artifacts/1.0.0/extra.bin";
    crate::common::refusal::commit_by_hand(&env, &reg, added, "smuggled\n");
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    let found = report["findings"].as_array().expect("findings");
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "artifact" && f["file"] == added),
        "{report:#}"
    );
    // And an artifact folder of a version that does not exist.
    env.git(&reg, &["revert", "--no-edit", "HEAD"]);
    let orphan = "models/churn/artifacts/9.9.9/w.bin";
    crate::common::refusal::commit_by_hand(&env, &reg, orphan, "orphan\n");
    let report = check_json(&env, &reg, &[], 3);
    let found = report["findings"].as_array().expect("findings");
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "artifact" && f["file"] == "models/churn/artifacts/9.9.9"),
        "{report:#}"
    );
}

/// A rollback commit's trailers prove nothing: `rollback --to-version` of a version
/// that never held Production, and a hand-written rollback trailer, are judged as the
/// promotions they are (issue 12, finding 4).
#[test]
fn a_rollback_to_a_version_that_never_held_the_stage_is_a_promotion() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    add_policy(&env, &reg, POLICY);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Staging"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let base = head(&env, &reg);
    // churn 1.0.0 (accuracy 0.871) never held Production: `rollback --to-version`
    // refuses to call that move a rollback ...
    let stderr = crate::common::refusal::refused(
        &env,
        &reg,
        &[
            "rollback",
            "churn",
            "--stage",
            "Production",
            "--to-version",
            "1.0.0",
        ],
        1,
    );
    crate::common::refusal::assert_mentions(
        &stderr,
        &[
            "omgreg::rollback::never_held",
            "churn@1.0.0",
            "omgreg promote",
        ],
    );

    // ... and the same move by hand, with rollback trailers in the message, is judged
    // as the promotion it is.
    crate::common::refusal::commit_claimed_rollback(
        &env,
        &reg,
        "churn",
        ("Production: 2.0.0", "Production: 1.0.0"),
        "Omgreg-Stage: Production",
    );
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    let rules = rules(&report);
    assert!(rules.contains(&"metric-gate".to_owned()), "{report:#}");
    assert!(rules.contains(&"transition".to_owned()), "{report:#}");
}

/// `check --range` judges the models the range touched (item 5), but a new folder
/// that collides with an untouched model once case is folded is still seen.
#[test]
fn a_range_is_judged_on_what_it_touched_and_its_case_twins() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let base = head(&env, &reg);
    crate::common::refusal::commit_by_hand(&env, &reg, "models/Churn/model.yaml", "model: Churn\n");
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        rules(&report).contains(&"portable-path".to_owned()),
        "{report:#}"
    );
}
