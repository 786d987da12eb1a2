//! The crash suite (issue 10, item 7): `omgreg` dies at each failpoint of the write
//! path (`OMGREG_FAILPOINT=NAME` aborts there, as a crash: no destructors, no
//! cleanup), then git judges what it left.
//!
//! After each crash: the branch is at the old commit or at a complete new one; `git
//! fsck --full` and `git lfs fsck` are clean; the next command (`list`) leaves `git
//! status` clean and no temp file or lock behind; the next action succeeds; no
//! registered version is lost. Every finding is collected, so one run names all that a
//! crash at that point breaks. Compiled only with the cargo feature `failpoints`
//! (see `test_crash_guard.rs`). `pull`'s write paths are in `test_crash_pull.rs`.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::crash::{
    Findings, check_clean, check_fsck, check_next_command, kill_at, versions as version_stages,
};
use crate::common::lifecycle::churn_registry;

/// The action that is killed.
#[derive(Clone, Copy, Debug)]
enum Action {
    /// `register churn --version 2.0.0 --artifact ...`: the LFS ingest and the whole
    /// write path.
    Register,
    /// `promote churn@1.1.0 --stage Production`: the stage path (stages, card).
    Promote,
}

/// A registry with `churn@1.0.0` and `churn@1.1.0` (each with an LFS artifact), one
/// action killed at a failpoint, and what the checks found.
struct Crash {
    env: TestEnv,
    reg: PathBuf,
    /// The branch tip before the killed action.
    before: String,
    /// The versions listed before the killed action.
    versions_before: Vec<String>,
    findings: Findings,
}

impl Crash {
    fn new() -> Self {
        let env = TestEnv::new();
        let (reg, _) = churn_registry(&env, &["1.0.0", "1.1.0"]);
        let before = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
        let versions_before = versions(&env, &reg, "HEAD");
        Self {
            env,
            reg,
            before,
            versions_before,
            findings: Findings::default(),
        }
    }

    fn find(&self, ok: bool, finding: impl FnOnce() -> String) {
        self.findings.find(ok, finding);
    }

    /// A user-level notification command (`notify-cursor` moves its cursor).
    fn with_notify_command(self) -> Self {
        let config = self.env.path().join("home/.config/omgreg");
        std::fs::create_dir_all(&config).expect("mkdir");
        std::fs::write(
            config.join("config.toml"),
            "[[notify]]\nname = \"local\"\ncommand = \"cat > /dev/null\"\n",
        )
        .expect("write the user config");
        self
    }

    /// The arguments of `action`.
    fn args(&self, action: Action) -> Vec<String> {
        match action {
            Action::Register => {
                let (artifact, _) = self.env.make_file("out/new/model.pt", 300_000);
                let artifact = artifact.display().to_string();
                [
                    "register",
                    "churn",
                    "--version",
                    "2.0.0",
                    "--artifact",
                    &artifact,
                ]
                .map(str::to_owned)
                .to_vec()
            }
            Action::Promote => ["promote", "churn@1.1.0", "--stage", "Production"]
                .map(str::to_owned)
                .to_vec(),
        }
    }

    /// Runs `action` with `failpoint` active and checks it died there.
    fn kill_at(&self, failpoint: &str, action: Action) {
        kill_at(
            &self.env,
            &self.reg,
            &self.args(action),
            failpoint,
            &self.findings,
        );
    }

    /// The branch is at the old commit, or at a new child of it holding the whole
    /// action; `git fsck` and `git lfs fsck` are clean.
    fn check_branch(&self, action: Action) -> bool {
        let (env, reg) = (&self.env, &self.reg);
        let tip = env.git(reg, &["rev-parse", "HEAD"]).trim().to_owned();
        let landed = tip != self.before;
        if landed {
            let parent = env.git(reg, &["rev-parse", "HEAD^"]).trim().to_owned();
            let complete = parent == self.before && holds_action(env, reg, action);
            self.find(complete, || {
                format!("the branch moved to {tip}, not a complete child of the old tip")
            });
        }
        check_fsck(env, reg, &self.findings);
        landed
    }

    /// The next command (`list`) succeeds and leaves a clean working tree, and no
    /// temp file or lock; no version is lost.
    fn check_next_command(&self, action: Action, landed: bool) {
        check_next_command(&self.env, &self.reg, &self.findings);
        let listed = versions(&self.env, &self.reg, "HEAD");
        let mut expected = self.versions_before.clone();
        if landed && matches!(action, Action::Register) {
            expected.push("churn@2.0.0".to_owned());
        }
        self.find(listed == expected, || {
            format!("versions {listed:?}, expected {expected:?}")
        });
    }

    /// The next action succeeds as one commit and keeps every version.
    fn check_next_action(&self, action: Action) {
        let args: Vec<String> = match action {
            Action::Register => {
                let (artifact, _) = self.env.make_file("out/next/model.pt", 2000);
                let artifact = artifact.display().to_string();
                [
                    "register",
                    "churn",
                    "--version",
                    "3.0.0",
                    "--artifact",
                    &artifact,
                ]
                .map(str::to_owned)
                .to_vec()
            }
            Action::Promote => ["promote", "churn@1.0.0", "--stage", "Staging"]
                .map(str::to_owned)
                .to_vec(),
        };
        let before = versions(&self.env, &self.reg, "HEAD");
        let next = self
            .env
            .omgreg(&self.reg)
            .args(&args)
            .output()
            .expect("runs");
        self.find(next.status.success(), || {
            format!(
                "the next action {args:?} failed: {}",
                String::from_utf8_lossy(&next.stderr)
            )
        });
        check_clean(
            &self.env,
            &self.reg,
            "after the next action",
            &self.findings,
        );
        let after = versions(&self.env, &self.reg, "HEAD");
        self.find(before.iter().all(|v| after.contains(v)), || {
            format!("the next action lost versions: {before:?} -> {after:?}")
        });
    }

    #[track_caller]
    fn assert_no_findings(&self, failpoint: &str, action: Action) {
        self.findings
            .assert_none(&format!("{action:?} killed at `{failpoint}`"));
    }
}

/// Whether the tree of HEAD holds all of `action`.
fn holds_action(env: &TestEnv, reg: &Path, action: Action) -> bool {
    let listed = env.json(reg, &["list", "churn", "--rev", "HEAD"]);
    let stage_of = |version: &str| {
        listed["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["version"] == version)
            .map(|v| v["stage"].as_str().unwrap_or_default().to_owned())
    };
    match action {
        Action::Register => {
            stage_of("2.0.0").is_some()
                && env
                    .git_output(
                        reg,
                        &[
                            "cat-file",
                            "-e",
                            "HEAD:models/churn/artifacts/2.0.0/model.pt",
                        ],
                    )
                    .status
                    .success()
        }
        Action::Promote => stage_of("1.1.0").as_deref() == Some("Production"),
    }
}

/// `MODEL@VERSION` of every version `list --rev REV` shows.
fn versions(env: &TestEnv, reg: &Path, rev: &str) -> Vec<String> {
    version_stages(env, reg, "churn", rev)
        .into_iter()
        .map(|(version, _)| version)
        .collect()
}

/// Kills `action` at `failpoint` and runs every check.
fn crash_at(failpoint: &str, action: Action) {
    crash_at_with(Crash::new(), failpoint, action);
}

fn crash_at_with(crash: Crash, failpoint: &str, action: Action) {
    crash.kill_at(failpoint, action);
    let landed = crash.check_branch(action);
    crash.check_next_command(action, landed);
    crash.check_next_action(action);
    crash.assert_no_findings(failpoint, action);
}

/// One test per failpoint and action, named after the point it guards.
macro_rules! crash_tests {
    ($($test:ident: $failpoint:literal, $action:ident;)*) => {$(
        #[test]
        fn $test() {
            crash_at($failpoint, Action::$action);
        }
    )*};
}

crash_tests! {
    register_killed_with_the_lfs_temp_file_written: "lfs-temp-written", Register;
    register_killed_after_the_lfs_object_rename: "lfs-object-renamed", Register;
    register_killed_after_the_blobs: "blobs-written", Register;
    register_killed_after_the_tree: "tree-written", Register;
    register_killed_after_the_commit: "commit-written", Register;
    register_killed_after_the_journal: "journal-written", Register;
    register_killed_holding_the_index_lock: "index-locked", Register;
    register_killed_after_the_branch_moved: "ref-updated", Register;
    register_killed_after_one_working_tree_file: "worktree-file", Register;
    register_killed_after_the_index: "index-written", Register;
    register_killed_after_the_journal_removal: "journal-removed", Register;
    promote_killed_after_the_blobs: "blobs-written", Promote;
    promote_killed_after_the_tree: "tree-written", Promote;
    promote_killed_after_the_commit: "commit-written", Promote;
    promote_killed_after_the_journal: "journal-written", Promote;
    promote_killed_holding_the_index_lock: "index-locked", Promote;
    promote_killed_after_the_branch_moved: "ref-updated", Promote;
    promote_killed_after_one_working_tree_file: "worktree-file", Promote;
    promote_killed_after_the_index: "index-written", Promote;
    promote_killed_after_the_journal_removal: "journal-removed", Promote;
}

#[test]
fn register_killed_after_a_notification_cursor_moved() {
    crash_at_with(
        Crash::new().with_notify_command(),
        "notify-cursor",
        Action::Register,
    );
}

/// `NAME:pause` stops at the point until `NAME.go` exists, then the action completes:
/// the way a test runs something (a `git commit`) exactly between two steps.
#[test]
fn a_paused_failpoint_waits_for_its_go_file_then_completes() {
    let crash = Crash::new();
    let pauses = crash.env.path().join("pauses");
    std::fs::create_dir_all(&pauses).expect("mkdir");
    let mut child = crash
        .env
        .omgreg_std(&crash.reg)
        .args(crash.args(Action::Promote))
        .env("OMGREG_FAILPOINT", "ref-updated:pause")
        .env("OMGREG_FAILPOINT_DIR", &pauses)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("omgreg starts");
    let reached = pauses.join("ref-updated.reached");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !reached.exists() {
        assert!(std::time::Instant::now() < deadline, "never paused");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Paused right after the branch moved: the new commit is there, the process alive.
    assert_ne!(
        crash.env.git(&crash.reg, &["rev-parse", "HEAD"]).trim(),
        crash.before
    );
    assert!(child.try_wait().expect("wait").is_none(), "still paused");
    std::fs::write(pauses.join("ref-updated.go"), b"").expect("go");
    assert!(child.wait().expect("omgreg ends").success());
    assert_eq!(crash.env.git(&crash.reg, &["status", "--porcelain"]), "");
    assert!(holds_action(&crash.env, &crash.reg, Action::Promote));
}
