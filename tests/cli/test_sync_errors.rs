//! Transport error paths: no git-lfs program, and `pull` in a monorepo sub-folder.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::refusal::assert_mentions;

/// A PATH with `git` but without `git-lfs`.
fn path_without_git_lfs(env: &TestEnv) -> std::path::PathBuf {
    let bin = env.path().join("bin-no-lfs");
    std::fs::create_dir_all(&bin).unwrap();
    let git = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let git = String::from_utf8(git.stdout).unwrap();
    std::os::unix::fs::symlink(Path::new(git.trim()), bin.join("git")).unwrap();
    bin
}

#[test]
fn transport_without_git_lfs_names_what_to_install_while_local_work_needs_none() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("w.bin", 2000);
    let bin = path_without_git_lfs(&env);
    // Local work: no git-lfs needed.
    env.omgreg(&reg)
        .env("PATH", &bin)
        .args(["register", "m", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let remote = env.path().join("remote.git");
    env.git(
        env.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    env.git(&reg, &["remote", "add", "origin", remote.to_str().unwrap()]);
    let before = env.state(&reg);
    let output = env
        .omgreg(&reg)
        .env("PATH", &bin)
        .arg("push")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr).replace('\n', " ");
    assert_mentions(&stderr, &["omgreg::transport::git_lfs_missing", "git-lfs"]);
    assert_eq!(env.state(&reg), before);
    assert_eq!(
        env.git(&remote, &["for-each-ref"]),
        "",
        "nothing reached the remote"
    );
}

#[test]
fn pull_in_a_monorepo_subfolder_is_refused_with_the_git_alternative() {
    let env = TestEnv::new();
    let mono = env.path().join("mono");
    std::fs::create_dir_all(&mono).unwrap();
    env.git(&mono, &["init", "-q"]);
    env.omgreg(&mono).args(["init", "ml"]).assert().success();
    let reg = mono.join("ml");
    let before = env.state(&mono);
    let output = env
        .omgreg(&reg)
        .arg("pull")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr).replace('\n', " ");
    assert_mentions(&stderr, &["omgreg::sync::monorepo", "git pull"]);
    assert_eq!(env.state(&mono), before);
}
