//! The hook scripts `omgreg hooks install` writes: byte-identical to the golden files
//! (paths replaced by placeholders; `OMGREG_BLESS=1` rewrites them after a deliberate
//! change), and clean under `shellcheck` exactly as written.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::golden::assert_golden;

/// A client registry and an empty bare server, each with omgreg's hooks installed;
/// returns the written hook files.
fn installed_hooks(env: &TestEnv) -> Vec<(&'static str, PathBuf)> {
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    let server = env.path().join("server.git");
    env.git(
        env.path(),
        &["init", "-q", "--bare", server.to_str().unwrap()],
    );
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    vec![
        ("pre-commit", reg.join(".git/hooks/pre-commit")),
        ("pre-push", reg.join(".git/hooks/pre-push")),
        ("pre-receive", server.join("hooks/pre-receive")),
    ]
}

/// The script with this machine's paths replaced by `@OMGREG@` and `@ENV@`.
fn normalized(env: &TestEnv, path: &Path) -> String {
    let script = std::fs::read_to_string(path).expect("hook written");
    let program = Path::new(env!("CARGO_BIN_EXE_omgreg"))
        .canonicalize()
        .expect("binary path");
    let root = env.path().canonicalize().expect("env path");
    script
        .replace(&program.display().to_string(), "@OMGREG@")
        .replace(&root.display().to_string(), "@ENV@")
}

/// Guards the move of the hook scripts into `.sh` files: installed hooks must not
/// change under users' feet (a reinstall would show a diff in every repository).
#[test]
fn installed_hooks_are_byte_identical_to_before() {
    let env = TestEnv::new();
    for (name, path) in installed_hooks(&env) {
        assert_golden(&format!("hooks/{name}"), &normalized(&env, &path));
    }
}

/// Guards the hooks against shell mistakes: `shellcheck` judges them exactly as
/// installed (paths filled in). Skipped with a notice when shellcheck is missing,
/// except in CI (`CI=true`), where .ci/run installs it and a skip would hide a failure.
#[test]
fn installed_hooks_pass_shellcheck() {
    let available = std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "shellcheck is missing, and CI=true: install it (apt-get install shellcheck)"
        );
        eprintln!("skipped: shellcheck is not installed (apt-get install shellcheck)");
        return;
    }
    let env = TestEnv::new();
    for (name, path) in installed_hooks(&env) {
        let output = std::process::Command::new("shellcheck")
            .arg("--shell=sh")
            .arg(&path)
            .output()
            .expect("shellcheck runs");
        assert!(
            output.status.success(),
            "shellcheck found problems in `{name}`:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
