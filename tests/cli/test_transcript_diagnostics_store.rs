//! Diagnostic transcripts, continued: Git and the store, hooks, push/pull and
//! notifications; and the test that every code of docs/errors.md has a snapshot.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::configure;
use crate::test_transcript_diagnostics::{UNTRIGGERABLE, base, diag, snapshot_name};

/// A PATH with `git` but without `git-lfs`, so that transport transcripts are the
/// same whether or not the machine has git-lfs.
fn without_git_lfs(env: &TestEnv) {
    let bin = env.path().join("bin-no-lfs");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let git = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("sh");
    let git = String::from_utf8(git.stdout).expect("UTF-8");
    std::os::unix::fs::symlink(Path::new(git.trim()), bin.join("git")).expect("link");
    env.set_env("PATH", &bin.to_string_lossy());
}

#[test]
fn repository_and_revisions() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    d("omgreg::store::rev_not_found", &["list", "--rev", "nope"]);
    d(
        "omgreg::store::nothing_before",
        &["list", "--at", "2000-01-01"],
    );
    diag(
        &env,
        env.path(),
        "omgreg::store::not_a_repository",
        &["list"],
        1,
    );
    let plain = env.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    env.git(&plain, &["init", "-q"]);
    std::fs::write(plain.join("a.txt"), "a\n").expect("write");
    env.git(&plain, &["add", "a.txt"]);
    env.git(&plain, &["commit", "-qm", "before the registry"]);
    diag(&env, &plain, "omgreg::store::not_a_registry", &["list"], 1);
    diag(
        &env,
        &plain,
        "omgreg::store::invalid_folder",
        &["check", "--folder", "../outside"],
        1,
    );
    env.omgreg(&plain).args(["init", "."]).assert().success();
    diag(
        &env,
        &plain,
        "omgreg::store::no_registry_at_rev",
        &["list", "--rev", "HEAD~1"],
        1,
    );
    // Something in the way of a folder init must create.
    std::fs::write(env.path().join("file"), "x").expect("write");
    diag(
        &env,
        env.path(),
        "omgreg::store::io",
        &["init", "file/reg"],
        1,
    );
}

#[test]
fn working_tree_and_branch() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    let promote = ["promote", "churn@1.2.0", "--stage", "Staging"];
    std::fs::write(reg.join("models/churn/stages.yaml"), "stages: {}\n").expect("write");
    d("omgreg::store::dirty_paths", &promote);
    env.git(&reg, &["checkout", "-q", "--", "models/churn/stages.yaml"]);
    env.git(&reg, &["branch", "promote-churn"]);
    d(
        "omgreg::store::branch_exists",
        &[
            "promote",
            "churn@1.2.0",
            "--stage",
            "Staging",
            "--branch",
            "promote-churn",
        ],
    );
    std::os::unix::fs::symlink(env.path(), reg.join("models/fraud")).expect("link");
    d(
        "omgreg::store::symlink_in_working_tree",
        &["register", "fraud", "--version", "0.1.0"],
    );
    std::fs::remove_file(reg.join("models/fraud")).expect("unlink");
    env.set_env("GIT_AUTHOR_DATE", "not a date");
    d("omgreg::store::invalid_date", &promote);
    env.set_env("GIT_AUTHOR_DATE", crate::common::DATE);
    // A lock file left by a git command that died: every retry would fail.
    let branch = env.git(&reg, &["symbolic-ref", "HEAD"]);
    let lock = reg.join(".git").join(format!("{}.lock", branch.trim()));
    std::fs::write(&lock, "").expect("lock");
    d("omgreg::store::ref_locked", &promote);
    std::fs::remove_file(&lock).expect("unlock");
    env.git(&reg, &["checkout", "-q", "--detach"]);
    d("omgreg::store::detached_head", &promote);
    env.git(&reg, &["checkout", "-q", "-"]);
    for key in ["AUTHOR", "COMMITTER"] {
        env.set_env(&format!("GIT_{key}_NAME"), "");
        env.set_env(&format!("GIT_{key}_EMAIL"), "");
    }
    env.git(&reg, &["config", "user.useConfigOnly", "true"]);
    d("omgreg::store::identity_unknown", &promote);
}

#[test]
fn index_locked() {
    let (env, reg) = base();
    // A lock left three hours ago, so that its age in the message is stable.
    let lock = reg.join(".git/index.lock");
    let file = std::fs::File::create(&lock).expect("lock");
    let three_hours = std::time::Duration::from_secs(3 * 3600 + 60);
    file.set_modified(std::time::SystemTime::now() - three_hours)
        .expect("set mtime");
    diag(
        &env,
        &reg,
        "omgreg::store::index_locked",
        &["promote", "churn@1.2.0", "--stage", "Staging"],
        1,
    );
}

#[test]
fn hooks() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    d(
        "omgreg::hooks::wrong_kind",
        &["hooks", "install", "--server"],
    );
    let hooks = reg.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\nexit 0\n").expect("hook");
    d("omgreg::hooks::exists", &["hooks", "install"]);
    std::fs::remove_dir_all(&hooks).expect("rm");
    std::fs::write(&hooks, "not a folder").expect("write");
    d("omgreg::hooks::write_failed", &["hooks", "install"]);
}

#[test]
fn transport() {
    let (env, reg) = base();
    without_git_lfs(&env);
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    env.git(&reg, &["remote", "add", "origin", "../remote.git"]);
    diag(
        &env,
        &reg,
        "omgreg::transport::git_lfs_missing",
        &["push", "origin"],
        1,
    );
}

#[test]
fn push_and_pull() {
    let env = crate::common::transcript::transcript_env();
    without_git_lfs(&env);
    let a = env.init_registry("a");
    let ok = |dir: &Path, args: &[&str]| {
        env.omgreg(dir).args(args).assert().success();
    };
    ok(&a, &["register", "churn", "--version", "1.0.0"]);
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    env.git(&a, &["remote", "add", "origin", "../remote.git"]);
    ok(&a, &["push", "origin"]);
    env.git(env.path(), &["clone", "-q", "remote.git", "b"]);
    let b = env.path().join("b");
    ok(&b, &["register", "churn", "--version", "1.1.0"]);
    ok(&b, &["push", "origin"]);
    // Not the same commit as b's (same dates, same content would be).
    ok(
        &a,
        &[
            "register",
            "churn",
            "--version",
            "1.1.0",
            "--metric",
            "auc=0.5",
        ],
    );
    diag(
        &env,
        &a,
        "omgreg::transport::git_failed",
        &["push", "nowhere"],
        1,
    );
    diag(&env, &a, "omgreg::sync::behind", &["push", "origin"], 4);
    diag(&env, &a, "omgreg::sync::conflict", &["pull", "origin"], 4);

    // A registry in a sub-folder of a larger repository.
    let mono = env.path().join("mono");
    std::fs::create_dir_all(&mono).expect("mkdir");
    env.git(&mono, &["init", "-q"]);
    ok(&mono, &["init", "registry"]);
    env.git(&mono, &["remote", "add", "origin", "../remote.git"]);
    diag(
        &env,
        &mono.join("registry"),
        "omgreg::sync::monorepo",
        &["pull", "origin"],
        1,
    );
}

#[test]
fn notify() {
    let (env, reg) = base();
    configure(
        &env,
        &reg,
        "[[notify]]\nname = \"ops\"\nurl = \"http://127.0.0.1:9/hook\"\ntimeout_secs = 1\nretries = 0\n",
    );
    // After an action the failure is only a warning (status line); `notify` fails.
    crate::common::lifecycle::run(
        &env,
        &reg,
        &["promote", "churn@1.2.0", "--stage", "Staging"],
    );
    diag(&env, &reg, "omgreg::notify::failed", &["notify"], 1);
}

/// The codes of docs/errors.md: every table row's first cell.
fn documented_codes() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md"))
        .expect("docs/errors.md");
    text.lines()
        .filter_map(|line| line.strip_prefix("| `omgreg::"))
        .filter_map(|rest| rest.split('`').next())
        .map(|code| format!("omgreg::{code}"))
        .collect()
}

#[test]
fn every_documented_code_has_a_transcript() {
    let codes = documented_codes();
    assert!(codes.len() > 50, "parsed only {} codes", codes.len());
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/snapshots");
    let mut missing = Vec::new();
    for code in &codes {
        let untriggerable = UNTRIGGERABLE.iter().any(|(c, _)| c == code);
        let file = snapshots.join(format!(
            "cli__test_transcript_diagnostics__{}.snap",
            snapshot_name(code)
        ));
        let file_store = snapshots.join(format!(
            "cli__test_transcript_diagnostics_store__{}.snap",
            snapshot_name(code)
        ));
        let file_import = snapshots.join(format!(
            "cli__test_transcript_diagnostics_import__{}.snap",
            snapshot_name(code)
        ));
        let snapped = [file, file_store, file_import]
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(code.as_str())));
        assert!(
            !(snapped && untriggerable),
            "{code} has a transcript: remove it from UNTRIGGERABLE"
        );
        if !snapped && !untriggerable {
            missing.push(code.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "codes in docs/errors.md without a transcript snapshot (add a `diag(...)` in \
         tests/cli/test_transcript_diagnostics*.rs, or list them in UNTRIGGERABLE with \
         the reason): {missing:#?}"
    );
    for (code, _) in UNTRIGGERABLE {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} is not in docs/errors.md"
        );
    }
}
