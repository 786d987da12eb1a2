//! omgreg and plain git in the same working tree (issue 10, finding 1): git's
//! locking commands cannot interleave with an omgreg action, and a plain commit made
//! from an index read before the action cannot undo it (the pre-commit hook).

use crate::common::TestEnv;
use crate::common::lifecycle::act;

/// Waits for `path` to exist (a paused failpoint), at most a minute.
#[cfg(feature = "failpoints")]
fn wait_for(path: &std::path::Path) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "never reached {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(feature = "failpoints")]
#[test]
fn git_cannot_commit_between_the_branch_move_and_the_index_update() {
    // Before: omgreg moved the branch first and took the index lock afterwards, so
    // a `git add && git commit` in between committed a tree without the version.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    act(&env, &reg, &["register", "m", "--version", "1.0.0"]);
    let pauses = env.path().join("pauses");
    std::fs::create_dir_all(&pauses).expect("mkdir");
    let mut omgreg = env
        .omgreg_std(&reg)
        .args(["register", "m", "--version", "1.1.0"])
        .env("OMGREG_FAILPOINT", "ref-updated:pause")
        .env("OMGREG_FAILPOINT_DIR", &pauses)
        .spawn()
        .expect("omgreg starts");
    wait_for(&pauses.join("ref-updated.reached"));
    std::fs::write(reg.join("notes.txt"), "mine\n").expect("write");
    let add = env.git_output(&reg, &["add", "notes.txt"]);
    assert!(
        !add.status.success(),
        "git add must wait for omgreg's index lock"
    );
    assert!(String::from_utf8_lossy(&add.stderr).contains("index.lock"));
    let commit = env.git_output(&reg, &["commit", "-qam", "sneaky"]);
    assert!(!commit.status.success(), "git commit must not interleave");
    std::fs::write(pauses.join("ref-updated.go"), b"").expect("go");
    assert!(omgreg.wait().expect("omgreg ends").success());
    env.git(&reg, &["add", "notes.txt"]);
    env.git(&reg, &["commit", "-qm", "notes"]);
    let tree = env.git(&reg, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(tree.contains("models/m/versions/1.1.0.yaml"), "{tree}");
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    let history = env.json(&reg, &["history", "m"]);
    assert!(!history.to_string().contains("\"removed\""), "{history}");
}

#[test]
fn a_commit_from_an_index_read_before_the_action_is_refused_by_the_hook() {
    // git commit reads the index before it locks it; a commit that started before an
    // omgreg action can still write the old index on top of the new branch tip. The
    // pre-commit hook omgreg installs refuses such a tree: it removes a version.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    act(&env, &reg, &["register", "m", "--version", "1.0.0"]);
    act(&env, &reg, &["register", "m", "--version", "1.1.0"]);
    // The index as that commit read it: before the last action.
    env.git(&reg, &["read-tree", "HEAD~1"]);
    let commit = env.git_output(&reg, &["commit", "-qm", "from a stale index"]);
    assert!(!commit.status.success(), "the hook refuses");
    let stderr = String::from_utf8_lossy(&commit.stderr);
    assert!(stderr.contains("m@1.1.0"), "{stderr}");
    let tree = env.git(&reg, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(tree.contains("models/m/versions/1.1.0.yaml"));
}
