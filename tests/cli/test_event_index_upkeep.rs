//! Writers keep the read caches warm: after every action both the event index and
//! the list cache name the new tip (and answer what a cold read computes); a long
//! past derived at once is written beside its change points.

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::test_event_index::{
    MODELS, assert_index_agrees, head, index_dir, index_tip, indexed, json_lines, list_cache_tip,
};

#[test]
fn after_each_action_both_read_caches_name_the_new_tip() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let git = reg.join(".git");
    let actions: [&[&str]; 11] = [
        &["register", "churn", "--version", "1.0.0"],
        &["register", "churn", "--version", "1.1.0"],
        &["register", "fraud", "--version", "0.1.0"],
        &["promote", "churn@1.0.0", "--stage", "Staging"],
        &["promote", "churn@1.0.0", "--stage", "Production"],
        &["promote", "churn@1.1.0", "--stage", "Production"],
        &["alias", "set", "churn@1.1.0", "champion"],
        &["rollback", "churn"],
        &["alias", "rm", "churn", "champion"],
        &["archive", "churn@1.1.0", "--reason", "drift"],
        &["unarchive", "churn@1.1.0"],
    ];
    for args in actions {
        act(&env, &reg, args);
        let tip = head(&env, &reg);
        assert_eq!(
            index_tip(&git),
            Some(tip.clone()),
            "event index after {args:?}"
        );
        assert_eq!(list_cache_tip(&git), Some(tip), "list cache after {args:?}");
        // The warm caches answer what a cold read computes.
        let warm = indexed(&env, &reg, &["list", "--json"]);
        std::fs::remove_file(git.join("omgreg/list-cache.json")).unwrap();
        assert_eq!(indexed(&env, &reg, &["list", "--json"]), warm, "{args:?}");
        assert_index_agrees(&env, &reg, &MODELS, &format!("after {args:?}"));
    }
}

/// Guards the locality of a long past: deriving many change points at once writes
/// each one's events right after it (read newest first, they come together), and
/// that rewrite changes no answer, even when it is undone by a crash.
#[test]
fn a_long_past_derived_at_once_is_kept_beside_its_change_points() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    act(&env, &reg, &["register", "churn", "--version", "1.0.0"]);
    act(&env, &reg, &["register", "churn", "--version", "2.0.0"]);
    for round in 0..40 {
        let version = if round % 2 == 0 { "1.0.0" } else { "2.0.0" };
        act(
            &env,
            &reg,
            &["alias", "set", &format!("churn@{version}"), "champion"],
        );
    }
    let model = index_dir(&reg.join(".git")).join("models/churn");
    let before = std::fs::read(&model).unwrap();
    assert_index_agrees(&env, &reg, &["churn"], "first read");
    let lines = json_lines(&model);
    assert_eq!(lines.len(), 2 * 42, "each change point and its events");
    for pair in lines.chunks(2) {
        assert_eq!(
            (&pair[0]["t"], &pair[1]["t"]),
            (&"change".into(), &"events".into())
        );
        assert_eq!(pair[0]["n"], pair[1]["n"]);
    }
    // The rewrite undone (a crash before the file was replaced): still right.
    std::fs::write(&model, before).unwrap();
    assert_index_agrees(&env, &reg, &["churn"], "rewrite undone");
    assert_eq!(index_tip(&reg.join(".git")), Some(head(&env, &reg)));
}

/// `pull` moves the branch too (a fast-forward, then a replay of a local action on
/// the remote's commits): both caches follow it.
#[test]
fn after_a_pull_both_read_caches_name_the_new_tip() {
    let env = TestEnv::new();
    let (a, url) = crate::test_sync::published(&env);
    let b = crate::test_sync::clone(&env, &url, "b");
    act(&env, &b, &["register", "churn", "--version", "1.0.0"]);
    act(&env, &a, &["register", "fraud", "--version", "1.0.0"]);
    env.omgreg(&b).arg("push").assert().success();
    env.omgreg(&a).arg("pull").assert().success();
    let git = a.join(".git");
    assert_eq!(
        index_tip(&git),
        Some(head(&env, &a)),
        "event index after pull"
    );
    assert_eq!(
        list_cache_tip(&git),
        Some(head(&env, &a)),
        "list cache after pull"
    );
    assert_index_agrees(&env, &a, &["churn", "fraud"], "after pull");
}
