//! What a writer that died half-way leaves, and how the next command deals with it:
//! the intent journal completes the action, and temporary files of dead writers are
//! removed (issue 10: findings 3, 4 and 5).

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::TestEnv;
use crate::common::lifecycle::act;

/// Writes `content` to `path`, dated an hour ago (a killed writer's leftover).
pub(crate) fn leftover(path: &Path, content: &[u8]) {
    std::fs::write(path, content).expect("leftover");
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .expect("date");
}

/// The state a writer killed right after moving the branch leaves: the branch at
/// the new commit, the index and working tree still at the old one, the journal and
/// a half-written temporary file in place. Returns (old, new).
pub(crate) fn killed_after_the_branch_moved(env: &TestEnv, reg: &Path) -> (String, String) {
    act(env, reg, &["register", "m", "--version", "1.0.0"]);
    act(
        env,
        reg,
        &["register", "m", "--version", "1.1.0", "--metric", "acc=0.9"],
    );
    let new = env.git(reg, &["rev-parse", "HEAD"]).trim().to_owned();
    let old = env.git(reg, &["rev-parse", "HEAD~1"]).trim().to_owned();
    let branch = env.git(reg, &["symbolic-ref", "HEAD"]).trim().to_owned();
    let paths: Vec<String> = env
        .git(reg, &["diff", "--name-only", &old, &new])
        .lines()
        .map(str::to_owned)
        .collect();
    env.git(reg, &["read-tree", &old]);
    for path in &paths {
        let file = reg.join(path);
        let before = env.git_output(reg, &["show", &format!("{old}:{path}")]);
        if before.status.success() {
            std::fs::write(&file, &before.stdout).expect("write");
        } else {
            std::fs::remove_file(&file).expect("remove");
        }
    }
    leftover(&reg.join("models/m/versions/.omgreg-dead1"), b"half");
    let journal = serde_json::json!({
        "branch": branch, "old": old, "new": new,
        "subject": "register m@1.1.0", "paths": paths,
    });
    std::fs::create_dir_all(reg.join(".git/omgreg")).expect("mkdir");
    std::fs::write(reg.join(".git/omgreg/pending"), journal.to_string()).expect("journal");
    assert_ne!(
        env.git(reg, &["status", "--porcelain"]),
        "",
        "the crash left a mess"
    );
    (old, new)
}

#[test]
fn the_next_command_completes_an_action_killed_after_the_branch_moved() {
    // Finding 3: the action was left staged in reverse, every later action was
    // refused, and the help said to commit — which would have deleted the version.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (_, new) = killed_after_the_branch_moved(&env, &reg);
    let output = env.omgreg(&reg).args(["list", "m"]).assert().success();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        stderr.contains("completed the interrupted `register m@1.1.0`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]).trim(), new);
    assert!(!reg.join(".git/omgreg/pending").exists());
    assert!(!reg.join("models/m/versions/.omgreg-dead1").exists());
    assert!(reg.join("models/m/versions/1.1.0.yaml").exists());
    env.assert_fsck_clean(&reg);
    act(&env, &reg, &["register", "m", "--version", "1.2.0"]);
}

#[test]
fn a_journal_whose_branch_never_moved_changes_nothing() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (old, new) = killed_after_the_branch_moved(&env, &reg);
    // The branch move itself never happened: put it back, and the files with it.
    env.git(&reg, &["reset", "-q", "--hard", &old]);
    leftover(&reg.join("models/m/versions/.omgreg-dead1"), b"half");
    let output = env.omgreg(&reg).args(["list"]).assert().success();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("never reached the branch"), "{stderr}");
    assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]).trim(), old);
    assert_ne!(old, new);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    assert!(!reg.join(".git/omgreg/pending").exists());
}

#[test]
fn copies_left_by_killed_ingests_are_removed_by_the_next_register() {
    // Finding 5: each SIGKILL during a large register left an `omgreg-ingest-*`
    // file in `.git/lfs/tmp` that nothing removed.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let tmp = reg.join(".git/lfs/tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    for n in 0..3 {
        leftover(&tmp.join(format!("omgreg-ingest-dead{n}")), &[7u8; 1 << 20]);
    }
    let (artifact, _) = env.make_file("model.bin", 4096);
    act(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--artifact",
            artifact.to_str().expect("UTF-8"),
        ],
    );
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("tmp")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("omgreg-ingest-")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_dead_writers_own_branch_and_index_locks_are_removed_by_the_next_command() {
    // The soak killed writers inside libgit2's ref update (the branch lock holds the
    // commit the journal names) and right after creating index.lock (still empty):
    // both are the dead writer's and must not block every later action.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (_, new) = killed_after_the_branch_moved(&env, &reg);
    let branch = env.git(&reg, &["symbolic-ref", "HEAD"]).trim().to_owned();
    let ref_lock = reg.join(".git").join(format!("{branch}.lock"));
    std::fs::write(&ref_lock, format!("{new}\n")).expect("ref lock");
    std::fs::write(reg.join(".git/index.lock"), "").expect("index lock");
    env.omgreg(&reg).args(["list"]).assert().success();
    assert!(!ref_lock.exists() && !reg.join(".git/index.lock").exists());
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    act(&env, &reg, &["register", "m", "--version", "1.2.0"]);
}
