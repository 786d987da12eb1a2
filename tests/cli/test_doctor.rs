//! `omgreg doctor`: what a crash leaves is found, repaired where safe, and git's
//! lock files are only named until the user says no git command runs.

use crate::common::TestEnv;
use crate::test_recovery::{killed_after_the_branch_moved, leftover};

#[test]
fn a_clean_repository_has_nothing_to_repair() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let output = env.omgreg(&reg).arg("doctor").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&output.get_output().stdout),
        "Nothing to repair\n"
    );
}

#[test]
fn doctor_repairs_what_a_crash_left_and_removes_locks_only_when_asked() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    killed_after_the_branch_moved(&env, &reg);
    let git = reg.join(".git");
    let branch = env.git(&reg, &["symbolic-ref", "HEAD"]).trim().to_owned();
    // Locks of a live git command (they hold what git is writing, not what the
    // dead omgreg writer was).
    std::fs::write(git.join("index.lock"), "DIRC").expect("lock");
    std::fs::write(
        git.join(format!("{branch}.lock")),
        format!("{}\n", "0".repeat(40)),
    )
    .expect("lock");
    std::fs::create_dir_all(git.join("lfs/tmp")).expect("mkdir");
    leftover(&git.join("lfs/tmp/omgreg-ingest-dead"), b"partial");
    std::fs::write(git.join("omgreg/list-cache.json"), "{not json").expect("cache");

    // A dry run names all five and changes nothing.
    let before = env.state(&reg);
    let dry = env
        .omgreg(&reg)
        .args(["doctor", "--dry-run", "--json"])
        .assert()
        .code(3);
    let report: serde_json::Value = serde_json::from_slice(&dry.get_output().stdout).unwrap();
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["leftover"].as_str().unwrap())
        .collect();
    for kind in [
        "interrupted_action",
        "lock",
        "temp_file",
        "unreadable_cache",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "lock").count(), 2);
    assert_eq!(env.state(&reg), before);

    // Removes what is surely dead; git's locks stay (a git command may be
    // running), and with the index locked the action cannot be completed yet.
    let first = env.omgreg(&reg).arg("doctor").assert().code(3);
    let text = String::from_utf8_lossy(&first.get_output().stdout).into_owned();
    assert!(text.contains("kept      lock file"), "{text}");
    assert!(text.contains("failed    interrupted action"), "{text}");
    assert!(!git.join("lfs/tmp/omgreg-ingest-dead").exists());
    assert!(!git.join("omgreg/list-cache.json").exists());
    assert!(git.join("index.lock").exists() && git.join("omgreg/pending").exists());

    let second = env
        .omgreg(&reg)
        .args(["doctor", "--remove-locks"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&second.get_output().stdout).into_owned();
    assert!(text.contains("removed   lock file"), "{text}");
    assert!(text.contains("repaired  interrupted action"), "{text}");
    assert!(!git.join("index.lock").exists() && !git.join("omgreg/pending").exists());
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
    env.omgreg(&reg).arg("doctor").assert().success();
}
