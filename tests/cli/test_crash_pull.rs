//! The crash suite for `pull` (issue 10, item 7): `omgreg pull` dies at each failpoint
//! of its write paths, the replay's commits (`Writer::commit_on`) and the branch move
//! with the working-tree and index refresh (`Writer::advance_branch`), then git judges
//! what it left.
//!
//! After each crash: the branch is at the old local tip or at a complete result (the
//! remote's tip for a fast-forward; for a replay, the local actions on top of the
//! remote's, holding both sides); `git fsck --full` is clean; the next command
//! (`list`) leaves `git status` clean and no temp file, lock or journal behind;
//! `omgreg pull` again succeeds and keeps every action of both sides. The remote is
//! a local bare repository (`file://`), as in `test_sync.rs`.

use std::path::PathBuf;

use crate::common::TestEnv;
use crate::common::crash::{
    Findings, check_clean, check_fsck, check_git_fsck, check_next_command, check_no_leftovers,
    kill_at, versions,
};
use crate::common::lifecycle::act;
use crate::common::signing::head;
use crate::test_sync::{register, two_clones_of_churn};

/// What the killed `pull` has to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pull {
    /// Only the remote has new actions: the branch moves to the remote's tip.
    FastForward,
    /// Both sides have new actions: the local ones are replayed on the remote's tip.
    Replay,
}

/// The remote's actions: `churn@3.0.0` registered, `churn@2.0.0` promoted.
const REMOTE_VERSIONS: [&str; 3] = ["churn@1.0.0", "churn@2.0.0", "churn@3.0.0"];
/// The local actions of a replay: `churn@2.1.0` registered, `churn@1.0.0` staged.
const LOCAL_VERSION: &str = "churn@2.1.0";

/// Clones `a` (pushing) and `b` (pulling) of a registry with `churn@1.0.0` and
/// `churn@2.0.0`; the remote has two more actions, `b` none or two of its own.
struct PullCrash {
    env: TestEnv,
    kind: Pull,
    /// The clone whose `pull` is killed.
    b: PathBuf,
    /// `b`'s tip before the pull.
    before: String,
    /// The remote's tip (pushed from `a`).
    remote_tip: String,
    findings: Findings,
}

impl PullCrash {
    fn new(kind: Pull) -> Self {
        let env = TestEnv::new();
        let (a, b) = two_clones_of_churn(&env);
        register(&env, &a, "churn", "3.0.0", 3100);
        act(
            &env,
            &a,
            &["promote", "churn@2.0.0", "--stage", "Production"],
        );
        env.omgreg(&a).arg("push").assert().success();
        if kind == Pull::Replay {
            register(&env, &b, "churn", "2.1.0", 3200);
            act(&env, &b, &["promote", "churn@1.0.0", "--stage", "Staging"]);
        }
        let before = head(&env, &b);
        let remote_tip = head(&env, &a);
        Self {
            env,
            kind,
            b,
            before,
            remote_tip,
            findings: Findings::default(),
        }
    }

    fn find(&self, ok: bool, finding: impl FnOnce() -> String) {
        self.findings.find(ok, finding);
    }

    /// What is wrong with `rev` as the result of the pull; empty when it is
    /// complete: the remote's tip (fast-forward), or the two local actions on top of
    /// it with every version and stage of both sides (replay).
    fn incomplete(&self, rev: &str) -> Vec<String> {
        let (env, b) = (&self.env, &self.b);
        let tip = env.git(b, &["rev-parse", rev]).trim().to_owned();
        if self.kind == Pull::FastForward {
            return if tip == self.remote_tip {
                Vec::new()
            } else {
                vec![format!("{rev} is {tip}, not the remote's tip")]
            };
        }
        let mut wrong = Vec::new();
        let base = env.git_output(b, &["rev-parse", &format!("{tip}~2")]);
        if String::from_utf8_lossy(&base.stdout).trim() != self.remote_tip {
            wrong.push(format!(
                "{rev} ({tip}) is not two commits on the remote's tip"
            ));
        }
        let listed = versions(env, b, "churn", &tip);
        let stage_of = |version: &str| {
            listed
                .iter()
                .find(|(v, _)| v == version)
                .map(|(_, stage)| stage.as_str())
        };
        for version in REMOTE_VERSIONS.iter().chain([&LOCAL_VERSION]) {
            if stage_of(version).is_none() {
                wrong.push(format!("{rev} lost {version}"));
            }
        }
        for (version, stage) in [("churn@2.0.0", "Production"), ("churn@1.0.0", "Staging")] {
            if stage_of(version) != Some(stage) {
                wrong.push(format!("{rev} does not hold {version} in {stage}"));
            }
        }
        wrong
    }

    /// The branch is at the old local tip or at a complete result; `git fsck` is
    /// clean. (`git lfs fsck` is judged after the next pull: a plain clone has no LFS
    /// objects, and `pull` fetches the artifacts only after the branch moved, as
    /// `git pull` would.)
    fn check_branch(&self) {
        let tip = head(&self.env, &self.b);
        if tip != self.before {
            let wrong = self.incomplete("HEAD");
            self.find(wrong.is_empty(), || {
                format!("the branch moved to an incomplete result: {wrong:?}")
            });
        }
        check_git_fsck(&self.env, &self.b, &self.findings);
    }

    /// `omgreg pull` again succeeds, the result is complete and clean, and the
    /// artifacts of both sides are there (`git lfs fsck`).
    fn check_pull_again(&self) {
        let pull = self.env.omgreg(&self.b).arg("pull").output().expect("runs");
        self.find(pull.status.success(), || {
            format!(
                "`omgreg pull` again failed: {}",
                String::from_utf8_lossy(&pull.stderr)
            )
        });
        let wrong = self.incomplete("HEAD");
        self.find(wrong.is_empty(), || {
            format!("after `omgreg pull` again: {wrong:?}")
        });
        check_clean(
            &self.env,
            &self.b,
            "after `omgreg pull` again",
            &self.findings,
        );
        check_no_leftovers(&self.b, &self.findings);
        check_fsck(&self.env, &self.b, &self.findings);
    }
}

/// Kills a `pull` of `kind` at `failpoint` and runs every check.
fn crash_at(failpoint: &str, kind: Pull) {
    let crash = PullCrash::new(kind);
    kill_at(
        &crash.env,
        &crash.b,
        &["pull".to_owned()],
        failpoint,
        &crash.findings,
    );
    crash.check_branch();
    check_next_command(&crash.env, &crash.b, &crash.findings);
    crash.check_pull_again();
    crash
        .findings
        .assert_none(&format!("{kind:?} pull killed at `{failpoint}`"));
}

/// One test per failpoint and kind of pull, named after the point it guards.
macro_rules! crash_tests {
    ($($test:ident: $failpoint:literal, $kind:ident;)*) => {$(
        #[test]
        fn $test() {
            crash_at($failpoint, Pull::$kind);
        }
    )*};
}

// A fast-forward writes no commit: its first steps are `advance_branch`'s (the
// tree it builds for the working-tree refresh is the remote's, already fetched).
crash_tests! {
    fast_forward_killed_after_the_blobs: "blobs-written", FastForward;
    fast_forward_killed_after_the_tree: "tree-written", FastForward;
    fast_forward_killed_after_the_journal: "journal-written", FastForward;
    fast_forward_killed_holding_the_index_lock: "index-locked", FastForward;
    fast_forward_killed_after_the_branch_moved: "ref-updated", FastForward;
    fast_forward_killed_after_one_working_tree_file: "worktree-file", FastForward;
    fast_forward_killed_after_the_index: "index-written", FastForward;
    fast_forward_killed_after_the_journal_removal: "journal-removed", FastForward;
}

// A replay first writes the replayed commits (`commit_on`, which dies at the first
// commit's objects), then moves the branch like a fast-forward.
crash_tests! {
    replay_killed_after_the_blobs: "blobs-written", Replay;
    replay_killed_after_the_tree: "tree-written", Replay;
    replay_killed_after_the_first_replayed_commit: "commit-written", Replay;
    replay_killed_after_the_journal: "journal-written", Replay;
    replay_killed_holding_the_index_lock: "index-locked", Replay;
    replay_killed_after_the_branch_moved: "ref-updated", Replay;
    replay_killed_after_one_working_tree_file: "worktree-file", Replay;
    replay_killed_after_the_index: "index-written", Replay;
    replay_killed_after_the_journal_removal: "journal-removed", Replay;
}
