//! Helpers of the crash suites (`test_crash.rs`, `test_crash_pull.rs`): kill omgreg
//! at a failpoint, then let git judge what it left. Every check adds a finding
//! instead of panicking, so one run names all that a crash at that point breaks.

use std::cell::RefCell;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use super::TestEnv;

/// SIGABRT: what `std::process::abort()` dies of.
const SIGABRT: i32 = 6;

/// What the checks found wrong, in order.
#[derive(Default)]
pub struct Findings(RefCell<Vec<String>>);

impl Findings {
    /// Records `finding` unless `ok`.
    pub fn find(&self, ok: bool, finding: impl FnOnce() -> String) {
        if !ok {
            self.0.borrow_mut().push(finding());
        }
    }

    /// Fails the test with every finding, headed by `what` was killed where.
    #[track_caller]
    pub fn assert_none(&self, what: &str) {
        let findings = self.0.borrow();
        assert!(findings.is_empty(), "{what}:\n- {}", findings.join("\n- "));
    }
}

/// Runs `omgreg args` in `dir` with `failpoint` active (core dumps off); a finding
/// unless it died there.
pub fn kill_at(env: &TestEnv, dir: &Path, args: &[String], failpoint: &str, found: &Findings) {
    let output = env
        .hermetic_std("sh", dir)
        .args(["-c", "ulimit -c 0 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_omgreg"))
        .args(args)
        .env("OMGREG_FAILPOINT", failpoint)
        .output()
        .expect("omgreg runs");
    found.find(output.status.signal() == Some(SIGABRT), || {
        format!(
            "{args:?} did not die at `{failpoint}` (not reached?): {:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    });
}

/// `git fsck --full` reports nothing (dangling objects of an unfinished action
/// allowed) and `git lfs fsck` passes.
pub fn check_fsck(env: &TestEnv, reg: &Path, found: &Findings) {
    check_git_fsck(env, reg, found);
    check_lfs_fsck(env, reg, found);
}

/// `git fsck --full` reports nothing (dangling objects of an unfinished action
/// allowed).
pub fn check_git_fsck(env: &TestEnv, reg: &Path, found: &Findings) {
    let fsck = env.git_output(reg, &["fsck", "--full", "--no-dangling", "--no-progress"]);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    found.find(fsck.status.success() && report.trim().is_empty(), || {
        format!("git fsck: {report}")
    });
}

/// `git lfs fsck` passes: every artifact the tip names is in the LFS store, whole.
pub fn check_lfs_fsck(env: &TestEnv, reg: &Path, found: &Findings) {
    let lfs = env.git_output(reg, &["lfs", "fsck"]);
    found.find(lfs.status.success(), || {
        format!("git lfs fsck: {}", String::from_utf8_lossy(&lfs.stdout))
    });
}

/// The next command (`omgreg list`) succeeds and leaves a clean working tree, and no
/// temp file, lock or journal.
pub fn check_next_command(env: &TestEnv, reg: &Path, found: &Findings) {
    let list = env.omgreg(reg).arg("list").output().expect("runs");
    found.find(list.status.success(), || {
        format!(
            "`omgreg list` failed: {}",
            String::from_utf8_lossy(&list.stderr)
        )
    });
    check_clean(env, reg, "after the next command", found);
    check_no_leftovers(reg, found);
}

/// `git status --porcelain` prints nothing.
pub fn check_clean(env: &TestEnv, reg: &Path, when: &str, found: &Findings) {
    let status = env.git(reg, &["status", "--porcelain"]);
    found.find(status.is_empty(), || {
        format!("`git status` {when} is not clean:\n{status}")
    });
}

/// No ingest temp file, no `.omgreg-*` working-tree temp file, no journal, no lock
/// file of git's (omgreg's own writer lock `omgreg.lock` is permanent).
pub fn check_no_leftovers(reg: &Path, found: &Findings) {
    let git = reg.join(".git");
    let mut left: Vec<String> = files_under(&git.join("lfs/tmp"))
        .into_iter()
        .filter(|path| file_name(path).starts_with("omgreg-ingest-"))
        .chain(
            files_under(reg)
                .into_iter()
                .filter(|path| file_name(path).starts_with(".omgreg-")),
        )
        .chain(
            files_under(&git)
                .into_iter()
                .filter(|path| file_name(path).ends_with(".lock"))
                .filter(|path| *path != git.join("omgreg.lock")),
        )
        .map(|path| path.display().to_string())
        .collect();
    if git.join("omgreg/pending").exists() {
        left.push(".git/omgreg/pending".to_owned());
    }
    found.find(left.is_empty(), || format!("left behind: {left:?}"));
}

/// `(MODEL@VERSION, stage)` of every version of `model` that `list --rev REV` shows.
pub fn versions(env: &TestEnv, reg: &Path, model: &str, rev: &str) -> Vec<(String, String)> {
    env.json(reg, &["list", model, "--rev", rev])["versions"]
        .as_array()
        .expect("a version list")
        .iter()
        .map(|v| {
            (
                format!(
                    "{}@{}",
                    v["model"].as_str().unwrap(),
                    v["version"].as_str().unwrap()
                ),
                v["stage"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every file below `root` (following no links); `.git` is walked only when it is
/// `root` itself.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() && (file_name(&path) != ".git" || path == root) => {
                    stack.push(path);
                }
                Ok(kind) if kind.is_dir() => {}
                Ok(_) => out.push(path),
                Err(_) => {}
            }
        }
    }
    out
}
