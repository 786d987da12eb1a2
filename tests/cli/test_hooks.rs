//! `omgreg hooks install`: the server's pre-receive hook refuses pushes that break
//! the policy (the pusher sees why, no ref moves), and the client's pre-commit and
//! pre-push hooks refuse broken commits and ranges before they leave the laptop,
//! while Git LFS still uploads. Foreign hooks are kept unless `--force`.
//!
//! "Servers" are local bare repositories reached through `file://` URLs.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::lifecycle::{act, configure};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::common::{TestEnv, stderr_of};
use crate::test_check::{edit, example_registry, line_of};

/// Production needs accuracy >= 0.91: churn 2.0.0 passes, 1.1.0 does not.
pub(crate) const GATE: &str = "[policy.Production]\nrequire = { accuracy = \">= 0.91\" }\n";

const V200: &str = "models/churn/versions/2.0.0.yaml";

/// `git clone --bare` of `reg` as `<name>.git` in the env.
pub(crate) fn bare_clone(env: &TestEnv, reg: &Path, name: &str) -> PathBuf {
    let server = env.path().join(format!("{name}.git"));
    env.git(
        env.path(),
        &[
            "clone",
            "-q",
            "--bare",
            reg.to_str().unwrap(),
            server.to_str().unwrap(),
        ],
    );
    server
}

/// `git clone file://<server> <name>`.
pub(crate) fn clone(env: &TestEnv, server: &Path, name: &str) -> PathBuf {
    let url = format!("file://{}", server.display());
    env.git(env.path(), &["clone", "-q", &url, name]);
    env.path().join(name)
}

/// Every ref of `repo` with its commit.
pub(crate) fn refs(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

fn branch(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned()
}

/// `git push origin REFSPEC` from `work`, whatever its outcome.
pub(crate) fn push(env: &TestEnv, work: &Path, refspec: &str) -> Output {
    env.git_output(work, &["push", "origin", refspec])
}

/// A push of `refspec` that must be refused; returns what git printed (stdout, then
/// stderr: git passes a pre-push hook's stdout through). The server's refs must not
/// have moved.
#[track_caller]
pub(crate) fn push_refused(env: &TestEnv, work: &Path, server: &Path, refspec: &str) -> String {
    let before = refs(env, server);
    let output = push(env, work, refspec);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_of(&output)
    );
    assert!(
        !output.status.success(),
        "the push was accepted:\n{printed}"
    );
    assert_eq!(refs(env, server), before, "a refused push moved refs");
    printed
}

/// The canonical path of the omgreg binary under test, as hooks call it.
fn omgreg_path() -> String {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_omgreg"))
        .expect("the binary exists")
        .display()
        .to_string()
}

/// The example registry with [`GATE`]; a bare server cloned from it with the
/// pre-receive hook; a working clone of the server. Returns (server, work).
pub(crate) fn served(env: &TestEnv) -> (PathBuf, PathBuf) {
    let reg = example_registry(env);
    configure(env, &reg, GATE);
    let server = bare_clone(env, &reg, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let hook = std::fs::read_to_string(server.join("hooks/pre-receive")).expect("pre-receive");
    assert!(hook.contains(&omgreg_path()), "absolute path:\n{hook}");
    let work = clone(env, &server, "work");
    (server, work)
}

#[test]
fn the_server_accepts_a_valid_promotion() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert_mentions(&stderr, &["remote: check passed"]);
    let main = branch(&env, &work);
    assert_eq!(
        env.git(&server, &["rev-parse", &main]).trim(),
        head(&env, &work)
    );
}

#[test]
fn the_server_refuses_an_unknown_stage() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    commit_by_hand(
        &env,
        &work,
        "models/churn/stages.yaml",
        "stages:\n  Canary: 2.0.0\naliases: {}\n",
    );
    let stderr = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &stderr,
        &[
            "remote: error[schema]: `Canary` is not a configured stage",
            "remote:   --> models/churn/stages.yaml:2",
            "pre-receive hook declined",
        ],
    );
}

#[test]
fn the_server_refuses_a_modified_registered_version_on_any_branch() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    let text = edit(&env, &work, V200, "accuracy: 0.915", "accuracy: 0.99");
    let location = format!("remote:   --> {V200}:{}", line_of(&text, "metrics:"));

    let stderr = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&stderr, &["remote: error[immutable]", &location]);
    // A new branch is judged too (its commit against its parent).
    let stderr = push_refused(&env, &work, &server, "HEAD:refs/heads/tweak");
    assert_mentions(&stderr, &["remote: error[immutable]", &location]);
}

#[test]
fn the_server_judges_every_commit_of_a_new_branch() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    // `params` is not on the model card, so the tip's state is clean.
    edit(&env, &work, V200, "lr: 0.001", "lr: 0.5");
    commit_by_hand(&env, &work, "docs/notes.md", "notes\n");
    let stderr = push_refused(&env, &work, &server, "HEAD:refs/heads/sneaky");
    assert_mentions(&stderr, &["remote: error[immutable]"]);
}

#[test]
fn the_server_refuses_a_failed_metric_gate_even_when_the_push_loosens_it() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    edit(&env, &work, "omgreg.toml", "\">= 0.91\"", "\">= 0.5\"");
    act(
        &env,
        &work,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    let stderr = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &stderr,
        &[
            "remote: error[metric-gate]: `churn@1.1.0` entered `Production`",
            "remote:   --> models/churn/stages.yaml:",
            "remote: omgreg: push refused",
        ],
    );
}

#[test]
fn the_server_refuses_an_unsigned_commit_once_its_base_requires_signing() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    configure(&env, &work, "[signing]\nrequire = true\n");
    // Judged by the server's base, which did not require signing yet.
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));

    commit_by_hand(&env, &work, "docs/notes.md", "notes\n");
    let unsigned = head(&env, &work);
    let stderr = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &stderr,
        &[
            "remote: error[signature]: the commit is not signed",
            &format!("remote:   --> commit {}", &unsigned[..12]),
        ],
    );
}

#[test]
fn pre_commit_refuses_a_broken_version_file() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    let hook = std::fs::read_to_string(reg.join(".git/hooks/pre-commit")).unwrap();
    assert!(
        hook.contains(&omgreg_path()) && hook.contains("check --staged"),
        "{hook}"
    );

    let before = head(&env, &reg);
    let path = reg.join(V200);
    let clean = std::fs::read_to_string(&path).unwrap();
    let broken = clean.replacen("\ndata:", "\ndata: @x", 1);
    std::fs::write(&path, &broken).unwrap();
    let output = env.git_output(&reg, &["commit", "-q", "-am", "broken"]);
    assert!(!output.status.success(), "the commit was made");
    let stderr = stderr_of(&output);
    let location = format!("  --> {V200}:{}", line_of(&broken, "data: @x"));
    assert_mentions(&stderr, &["error[schema]", &location]);
    assert_eq!(head(&env, &reg), before);

    // A good commit goes through.
    std::fs::write(&path, &clean).unwrap();
    commit_by_hand(&env, &reg, "docs/notes.md", "notes\n");
    assert_ne!(head(&env, &reg), before);
}

#[test]
fn pre_push_refuses_a_violating_range_before_it_leaves() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    configure(&env, &reg, GATE);
    // A server without hooks of its own.
    let server = bare_clone(&env, &reg, "server");
    let work = clone(&env, &server, "work");
    env.omgreg(&work)
        .args(["hooks", "install"])
        .assert()
        .success();

    edit(&env, &work, "omgreg.toml", "\">= 0.91\"", "\">= 0.5\"");
    act(
        &env,
        &work,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    let stderr = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &stderr,
        &[
            "error[metric-gate]: `churn@1.1.0` entered `Production`",
            "omgreg: push refused",
        ],
    );
    assert!(!stderr.contains("remote:"), "refused locally:\n{stderr}");

    // A valid promotion goes through.
    let main = branch(&env, &work);
    env.git(&work, &["reset", "-q", "--hard", &format!("origin/{main}")]);
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        env.git(&server, &["rev-parse", &main]).trim(),
        head(&env, &work)
    );
}

#[test]
fn pre_push_findings_are_on_stderr() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let server = bare_clone(&env, &reg, "server");
    let work = clone(&env, &server, "work");
    env.omgreg(&work)
        .args(["hooks", "install"])
        .assert()
        .success();
    // Bypasses pre-commit, as a commit made before the hooks were installed would.
    let path = work.join(V200);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("accuracy: 0.915", "accuracy: 0.99", 1)).unwrap();
    env.git(&work, &["commit", "-q", "--no-verify", "-am", "tweak"]);

    let output = push(&env, &work, "HEAD");
    assert!(!output.status.success());
    // Like pre-receive's findings (`>&2`), where git clients show a failed push's reasons.
    assert_mentions(
        &stderr_of(&output),
        &["error[immutable]", "omgreg: push refused"],
    );
}

#[test]
fn pre_push_replaces_git_lfs_hook_and_still_uploads_artifacts() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let server = bare_clone(&env, &reg, "server");
    let work = clone(&env, &server, "work");
    env.git(&work, &["lfs", "install", "--local"]);
    let lfs_hook = std::fs::read_to_string(work.join(".git/hooks/pre-push")).unwrap();
    assert!(lfs_hook.contains("git lfs pre-push"), "{lfs_hook}");
    // Git LFS's hook is not a foreign one: no --force needed.
    env.omgreg(&work)
        .args(["hooks", "install"])
        .assert()
        .success();
    let hook = std::fs::read_to_string(work.join(".git/hooks/pre-push")).unwrap();
    assert!(hook.contains("check --range"), "{hook}");

    let (artifact, sha) = env.make_file("out/model.pt", 3000);
    env.omgreg(&work)
        .args(["register", "churn", "--version", "3.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let object = server
        .join("lfs/objects")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    assert!(object.is_file(), "the LFS object was uploaded");
}

#[test]
fn a_foreign_hook_is_kept_unless_forced() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let hook = reg.join(".git/hooks/pre-commit");
    let mine = "#!/bin/sh\necho mine\n";
    std::fs::write(&hook, mine).unwrap();

    let output = env
        .omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&stderr_of(&output)),
        &["omgreg::hooks::exists", "pre-commit", "--force"],
    );
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), mine);

    env.omgreg(&reg)
        .args(["hooks", "install", "--force"])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("check --staged")
    );
    // omgreg's own hooks are rewritten without --force.
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
}

#[test]
fn a_refused_install_writes_no_hook() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let hooks = reg.join(".git/hooks");
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho mine\n").unwrap();
    let _ = std::fs::remove_file(hooks.join("pre-commit"));
    env.omgreg(&reg).args(["hooks", "install"]).assert().code(1);
    assert!(
        !hooks.join("pre-commit").exists(),
        "a refused install left a pre-commit hook"
    );
}

#[test]
fn server_hooks_go_in_bare_repositories_and_client_hooks_in_working_ones() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let output = env
        .omgreg(&reg)
        .args(["hooks", "install", "--server"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&stderr_of(&output)),
        &["omgreg::hooks::wrong_kind"],
    );
    assert!(!reg.join(".git/hooks/pre-receive").exists());

    let server = bare_clone(&env, &reg, "server");
    let output = env
        .omgreg(&server)
        .args(["hooks", "install"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&stderr_of(&output)),
        &["omgreg::hooks::wrong_kind"],
    );
    assert!(!server.join("hooks/pre-commit").exists());
    assert!(!server.join("hooks/pre-push").exists());
}

#[test]
fn server_hooks_can_be_installed_before_the_first_push() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    env.git(env.path(), &["init", "-q", "--bare", "server.git"]);
    let server = env.path().join("server.git");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let url = format!("file://{}", server.display());
    env.git(&reg, &["remote", "add", "origin", &url]);
    let main = branch(&env, &reg);
    let output = push(&env, &reg, &main);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_mentions(&stderr_of(&output), &["remote: check passed"]);
}
