//! `omgreg rollback`: history-aware, read from the commit graph (hand edits and
//! merges count), skipping archived versions and versions whose artifacts are gone.

use crate::common::TestEnv;
use crate::common::lifecycle::*;
use crate::common::refusal::*;

/// `rollback args`, which must be one commit; returns its `Omgreg-*` trailers.
fn rollback(env: &TestEnv, reg: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut full = vec!["rollback"];
    full.extend_from_slice(args);
    act(env, reg, &full);
    trailers(env, reg)
}

fn rolled_back(version: &str, previous: &str) -> Vec<String> {
    [
        "Omgreg-Action: rollback".to_owned(),
        "Omgreg-Model: churn".to_owned(),
        format!("Omgreg-Version: {version}"),
        "Omgreg-Stage: Production".to_owned(),
        format!("Omgreg-Previous: {previous}"),
    ]
    .into()
}

#[test]
fn rollback_walks_the_production_stack_down_and_then_stops() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.1.0");

    assert_eq!(
        rollback(&env, &reg, &["churn", "--reason", "latency regression"]),
        rolled_back("2.0.0", "2.1.0")
    );
    let message = env.git(&reg, &["log", "-1", "--format=%B"]);
    assert!(message.contains("latency regression"), "{message}");
    assert_eq!(
        changed(&env, &reg),
        ["models/churn/README.md", "models/churn/stages.yaml"]
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.0.0");
    // The version rolled back from goes back to None.
    assert_eq!(show(&env, &reg, "churn@2.1.0")["stage"], "None");

    // Never 2.1.0 again: the stack is popped.
    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("1.0.0", "2.0.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");

    let stderr = refused(&env, &reg, &["rollback", "churn"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::rollback::nothing",
            "nothing to roll back",
            "churn",
            "Production",
            "--to-version",
        ],
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn rollback_skips_an_archived_version() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    act(&env, &reg, &["archive", "churn@2.0.0", "--reason", "bad"]);
    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("1.0.0", "2.1.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    env.assert_fsck_clean(&reg);
}

#[test]
fn rollback_skips_a_version_whose_lfs_object_is_missing() {
    let env = TestEnv::new();
    let (reg, shas) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    let sha = &shas[1];
    let object = reg.join(format!(
        ".git/lfs/objects/{}/{}/{sha}",
        &sha[..2],
        &sha[2..4]
    ));
    std::fs::remove_file(&object).expect("the LFS object of 2.0.0 exists");

    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("1.0.0", "2.1.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    env.assert_fsck_clean(&reg);
}

#[test]
fn rollback_honours_a_hand_edited_stage() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0", "3.0.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    let stages = std::fs::read_to_string(reg.join("models/churn/stages.yaml")).unwrap();
    assert!(stages.contains("Production: 2.1.0"), "{stages}");
    commit_by_hand(
        &env,
        &reg,
        "models/churn/stages.yaml",
        &stages.replace("Production: 2.1.0", "Production: 3.0.0"),
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "3.0.0");

    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("2.1.0", "3.0.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.1.0");
    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("2.0.0", "2.1.0")
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn rollback_follows_a_promotion_merged_from_a_branch() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0", "3.0.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    let main = env.git(&reg, &["symbolic-ref", "--short", "HEAD"]);
    let main = main.trim();

    // The branch's commit is dated before the last commit on main, so that an order
    // by date rather than by the graph would be caught.
    env.git(&reg, &["checkout", "-q", "-b", "promo"]);
    env.omgreg(&reg)
        .args(["promote", "churn@3.0.0", "--stage", "Production"])
        .env("GIT_COMMITTER_DATE", "2025-06-01T00:00:00Z")
        .env("GIT_AUTHOR_DATE", "2025-06-01T00:00:00Z")
        .assert()
        .success();
    env.git(&reg, &["checkout", "-q", main]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.1.0");
    env.omgreg(&reg)
        .args(["register", "fraud", "--version", "0.1.0"])
        .env("GIT_COMMITTER_DATE", "2026-03-01T00:00:00Z")
        .assert()
        .success();
    env.git(&reg, &["merge", "-q", "--no-ff", "promo", "-m", "merge"]);
    assert_eq!(
        env.git(&reg, &["rev-list", "--count", "--merges", "HEAD"])
            .trim(),
        "1"
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "3.0.0");

    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("2.1.0", "3.0.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.1.0");
    assert_eq!(
        rollback(&env, &reg, &["churn"]),
        rolled_back("2.0.0", "2.1.0")
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn rollback_follows_the_graph_not_the_commit_dates() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    // Clock skew: each promotion is dated before the one it follows.
    for (version, date) in [
        ("1.0.0", "2026-03-01T00:00:00Z"),
        ("2.0.0", "2026-02-01T00:00:00Z"),
        ("2.1.0", "2026-01-05T00:00:00Z"),
    ] {
        env.omgreg(&reg)
            .args([
                "promote",
                &format!("churn@{version}"),
                "--stage",
                "Production",
            ])
            .env("GIT_COMMITTER_DATE", date)
            .assert()
            .success();
    }
    rollback(&env, &reg, &["churn"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.0.0");
    rollback(&env, &reg, &["churn"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
}

#[test]
fn rollback_to_a_named_version() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0", "2.1.0"]);
    assert_eq!(
        rollback(&env, &reg, &["churn", "--to-version", "1.0.0"]),
        rolled_back("1.0.0", "2.1.0")
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    // Rolling back to 1.0.0 popped everything above it.
    let stderr = refused(&env, &reg, &["rollback", "churn"], 1);
    assert_mentions(&stderr, &["omgreg::rollback::nothing"]);
    let stderr = refused(
        &env,
        &reg,
        &["rollback", "churn", "--to-version", "1.0.0"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::stage::already_there"]);
    let stderr = refused(
        &env,
        &reg,
        &["rollback", "churn", "--to-version", "9.9.9"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::version::not_found", "9.9.9"]);
    env.assert_fsck_clean(&reg);
}

/// `--to-version` goes back to a version the slot held before; any other version is a
/// promotion, with its gates, and `check` would judge it so (issue 12, finding 4).
#[test]
fn rollback_to_a_version_the_slot_never_held_is_refused() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "2.1.0"]);
    promote_each(&env, &reg, &["2.0.0", "2.1.0"]);
    let stderr = refused(
        &env,
        &reg,
        &["rollback", "churn", "--to-version", "1.0.0"],
        1,
    );
    assert_mentions(
        &stderr,
        &[
            "omgreg::rollback::never_held",
            "`churn@1.0.0` never held",
            "omgreg promote",
        ],
    );
    // An alias too: only its earlier targets are rollbacks.
    env.omgreg(&reg)
        .args(["alias", "set", "churn@2.0.0", "champion"])
        .assert()
        .success();
    let stderr = refused(
        &env,
        &reg,
        &[
            "rollback",
            "churn",
            "--alias",
            "champion",
            "--to-version",
            "2.1.0",
        ],
        1,
    );
    assert_mentions(&stderr, &["omgreg::rollback::never_held", "churn@2.1.0"]);
    // A version two holders back is a rollback.
    assert_eq!(
        rollback(&env, &reg, &["churn", "--to-version", "2.0.0"]),
        rolled_back("2.0.0", "2.1.0")
    );
}

#[test]
fn rollback_of_an_alias() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    act(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    act(&env, &reg, &["alias", "set", "churn@2.0.0", "champion"]);
    assert_eq!(resolve(&env, &reg, "churn@champion"), "2.0.0");

    assert_eq!(
        rollback(&env, &reg, &["churn", "--alias", "champion"]),
        [
            "Omgreg-Action: rollback",
            "Omgreg-Model: churn",
            "Omgreg-Version: 1.0.0",
            "Omgreg-Alias: champion",
            "Omgreg-Previous: 2.0.0",
        ]
    );
    assert_eq!(resolve(&env, &reg, "churn@champion"), "1.0.0");
    // The stage is not touched.
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.0.0");
    let stderr = refused(&env, &reg, &["rollback", "churn", "--alias", "champion"], 1);
    assert_mentions(&stderr, &["omgreg::rollback::nothing", "champion"]);
    env.assert_fsck_clean(&reg);
}

/// Staging once held 1.0.0, which was then promoted on to Production. Rolling back
/// Staging must not silently take 1.0.0 out of Production (and delete the Production
/// endpoint): it should be refused, or land on a version that holds no other stage.
#[test]
fn rollback_of_staging_does_not_take_the_production_version() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(&env, &reg, KSERVE_ENDPOINT);
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    act(&env, &reg, &["promote", "churn@2.0.0"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    assert_eq!(resolve(&env, &reg, "churn@Staging"), "2.0.0");

    // Whatever it does, the command must leave Production alone.
    let _ = env
        .omgreg(&reg)
        .args(["rollback", "churn", "--stage", "Staging"])
        .output()
        .expect("omgreg runs");
    let listed = env.json(&reg, &["list"]);
    assert_eq!(
        listed["models"][0]["stages"]["Production"],
        serde_json::json!(["1.0.0"]),
        "rollback of Staging changed Production: {listed}"
    );
    assert!(reg.join("deploy/churn-prod.yaml").exists());
}
