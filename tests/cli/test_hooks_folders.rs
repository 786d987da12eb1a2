//! The server hook judges registries kept in sub-folders of a monorepo (issue 12,
//! item 4): a bare server has no working folder to find them from, so the hook names
//! each registry folder, found in HEAD when it is installed or given with `--folder`.

use std::path::{Path, PathBuf};

use crate::common::lifecycle::{act, configure};
use crate::common::refusal::*;
use crate::common::{TestEnv, stderr_of};
use crate::test_check::edit;
use crate::test_hooks::{GATE, bare_clone, clone, push, push_refused};

/// Loosens `reg`'s gate in a commit (judged by the server against the old policy)
/// and promotes the version that only passes the loose one.
fn loosen_and_promote(env: &TestEnv, reg: &Path) {
    edit(env, reg, "omgreg.toml", "\">= 0.91\"", "\">= 0.5\"");
    act(
        env,
        reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
}

/// A monorepo with code at its root and the example registry (with [`GATE`]) in
/// `ml/reg`; returns the repository.
fn monorepo(env: &TestEnv) -> PathBuf {
    let mono = env.path().join("mono");
    std::fs::create_dir_all(mono.join("src")).expect("mkdir");
    std::fs::write(mono.join("src/train.py"), "print('train')\n").expect("write");
    env.git(&mono, &["init", "-q", "-b", "main"]);
    env.git(&mono, &["add", "."]);
    env.git(&mono, &["commit", "-qm", "code"]);
    env.omgreg(&mono)
        .args(["init", "--example", "ml/reg"])
        .assert()
        .success();
    configure(env, &mono.join("ml/reg"), GATE);
    mono
}

fn install(env: &TestEnv, server: &Path, extra: &[&str]) -> String {
    let output = env
        .omgreg(server)
        .args(["hooks", "install", "--server"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .clone();
    stderr_of(&output)
}

#[test]
fn a_sub_folder_registry_is_found_and_judged() {
    let env = TestEnv::new();
    let server = bare_clone(&env, &monorepo(&env), "server");
    let printed = install(&env, &server, &[]);
    assert_mentions(&printed, &["Judging the registry in ml/reg"]);
    let work = clone(&env, &server, "work");
    let reg = work.join("ml/reg");

    // A gate-failing promotion inside the sub-folder is refused ...
    loosen_and_promote(&env, &reg);
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &printed,
        &[
            "checking refs/heads/main",
            "in ml/reg",
            "error[metric-gate]:",
        ],
    );

    // ... a passing one is accepted.
    env.git(&work, &["reset", "-q", "--hard", "HEAD~2"]);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_mentions(&stderr_of(&output), &["in ml/reg", "check passed"]);

    // Removing the sub-folder's policy is judged, not skipped.
    env.git(&work, &["rm", "-q", "ml/reg/omgreg.toml"]);
    env.git(&work, &["commit", "-qm", "drop the policy for a moment"]);
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&printed, &["error[registry]:", "removes the registry"]);
}

#[test]
fn an_empty_server_judges_the_folder_it_is_told() {
    let env = TestEnv::new();
    let mono = monorepo(&env);
    let server = env.path().join("empty.git");
    env.git(
        env.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            server.to_str().unwrap(),
        ],
    );
    let printed = install(&env, &server, &["--folder", "ml/reg/"]);
    assert_mentions(&printed, &["Judging the registry in ml/reg"]);
    let hook = std::fs::read_to_string(server.join("hooks/pre-receive")).expect("hook");
    assert!(hook.contains("judge 'ml/reg'"), "{hook}");

    // The first push is judged (by its own policy: the server has no other yet).
    let v200 = "models/churn/versions/2.0.0.yaml";
    edit(&env, &mono.join("ml/reg"), v200, "\ndata:", "\ndata: @x");
    let url = format!("file://{}", server.display());
    env.git(&mono, &["remote", "add", "origin", &url]);
    let printed = push_refused(&env, &mono, &server, "main");
    assert_mentions(&printed, &["in ml/reg", "error[schema]:"]);
    assert_eq!(env.git(&server, &["for-each-ref"]), "", "nothing landed");
}

#[test]
fn a_server_without_a_sub_folder_hook_would_skip_it() {
    // The control: naming the root only, the same push is not judged (what the hook
    // did before it knew folders). This is why `install` looks for the folders.
    let env = TestEnv::new();
    let server = bare_clone(&env, &monorepo(&env), "server");
    install(&env, &server, &["--folder", "."]);
    let work = clone(&env, &server, "work");
    loosen_and_promote(&env, &work.join("ml/reg"));
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));
}

#[test]
fn a_folder_outside_the_repository_is_refused() {
    let env = TestEnv::new();
    let server = bare_clone(&env, &monorepo(&env), "server");
    for folder in ["../elsewhere", "/abs", "ml/../reg"] {
        let output = env
            .omgreg(&server)
            .args(["hooks", "install", "--server", "--folder", folder])
            .assert()
            .code(1)
            .get_output()
            .clone();
        assert_mentions(
            &stderr_of(&output),
            &[
                "omgreg::store::invalid_folder",
                "not a folder inside the repository",
            ],
        );
        assert!(!server.join("hooks/pre-receive").exists());
    }
    // `--folder` belongs to the server hook.
    let work = clone(&env, &server, "work");
    env.omgreg(&work)
        .args(["hooks", "install", "--folder", "ml/reg"])
        .assert()
        .code(2);
}
