//! Merges judged by what they change, and refs with no common history judged from the
//! empty registry (issue 16, findings 1, 3 and 6), with real ssh signatures against
//! a bare server running the pre-receive hook. alice may sign Production; bob is an
//! allowed signer but not Production's.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure, resolve};
use crate::common::refusal::{assert_mentions, commit_by_hand};
use crate::common::signing::{allowed_signers_text, head, policy_registry, ssh_key, ssh_signing};
use crate::test_hooks::{bare_clone, clone, push, push_refused};

/// The policy registry with churn 1.0.0 then 2.0.0 promoted to Production by alice,
/// on a bare server with the hook; bob's clone signing with his key. Returns
/// (server, bob's clone, alice's key, the commit where Production was 1.0.0).
fn served(env: &TestEnv) -> (PathBuf, PathBuf, String, String) {
    let (reg, [alice, bob, _]) = policy_registry(env);
    act(
        env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let old = head(env, &reg);
    act(
        env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let server = bare_clone(env, &reg, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let work = clone(env, &server, "bob");
    let allowed = work.join(".omgreg/allowed_signers");
    ssh_signing(env, &work, &bob, Some(&allowed));
    (server, work, alice, old)
}

fn branch(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned()
}

/// `omgreg verify RANGE` and `omgreg check --range RANGE`: both exit 3 and name `needle`.
#[track_caller]
fn judged_wrong(env: &TestEnv, repo: &Path, range: &str, needle: &str) {
    judged_wrong_by(
        env,
        repo,
        &[vec!["verify", range], vec!["check", "--range", range]],
        needle,
    );
}

/// `omgreg check --range RANGE` exits 3 and names `needle`.
#[track_caller]
fn judged_wrong_by_check(env: &TestEnv, repo: &Path, range: &str, needle: &str) {
    judged_wrong_by(env, repo, &[vec!["check", "--range", range]], needle);
}

#[track_caller]
fn judged_wrong_by(env: &TestEnv, repo: &Path, commands: &[Vec<&str>], needle: &str) {
    for args in commands {
        let output = env.omgreg_std(repo).args(args).output().expect("runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(3), "{args:?}:\n{said}");
        assert!(said.contains(needle), "{args:?} names `{needle}`:\n{said}");
    }
}

/// Finding 1: bob's signed merge whose first parent is the older commit (Production
/// 1.0.0) and whose second parent is the tip (2.0.0), keeping the older tree, is a
/// fast-forward that rolls Production back. It is the merge's own move.
#[test]
fn a_merge_that_rolls_a_stage_back_needs_the_stage_signer() {
    let env = TestEnv::new();
    let (server, work, _, old) = served(&env);
    let tip = head(&env, &work);
    let tree = format!("{old}^{{tree}}");
    let merge = env
        .git(
            &work,
            &[
                "commit-tree",
                "-S",
                &tree,
                "-p",
                &old,
                "-p",
                &tip,
                "-m",
                "Merge",
            ],
        )
        .trim()
        .to_owned();
    env.git(&work, &["verify-commit", &merge]);
    env.git(&work, &["update-ref", "HEAD", &merge]);
    env.git(&work, &["reset", "-q", "--hard"]);
    assert_eq!(resolve(&env, &work, "churn@Production"), "1.0.0");
    let range = format!("{tip}..{merge}");
    judged_wrong(&env, &work, &range, "by the merge itself");
    judged_wrong(&env, &work, &range, "only `alice@example.com` may sign");
    let main = branch(&env, &work);
    let printed = push_refused(&env, &work, &server, &main);
    assert_mentions(&printed, &["by the merge itself"]);
}

/// Finding 3: alice's signed `promote --branch` merged into main by bob with a signed
/// `--no-ff` merge, after an unrelated commit on main, is the PR flow: accepted.
#[test]
fn a_pull_request_merged_by_another_signer_is_accepted() {
    let env = TestEnv::new();
    let (server, work, alice, _) = served(&env);
    let main = branch(&env, &work);
    act(&env, &work, &["register", "churn", "--version", "3.0.0"]);
    push(&env, &work, &main);
    // alice's clone: a signed promotion on a branch, pushed.
    let a = clone(&env, &server, "alice");
    ssh_signing(&env, &a, &alice, None);
    let promoted = env
        .omgreg(&a)
        .args([
            "promote",
            "churn@3.0.0",
            "--stage",
            "Production",
            "--branch",
            "--push",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let pr = String::from_utf8(promoted)
        .expect("UTF-8")
        .trim()
        .to_owned();
    // bob: an unrelated commit on main, then a signed merge of alice's branch.
    let base = head(&env, &work);
    std::fs::write(work.join("NOTES.md"), "release notes\n").expect("write");
    env.git(&work, &["add", "NOTES.md"]);
    env.git(&work, &["commit", "-q", "-S", "-m", "notes"]);
    env.git(&work, &["fetch", "-q", "origin", &pr]);
    env.git(
        &work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "FETCH_HEAD",
            "-m",
            "Merge the promotion",
        ],
    );
    env.git(&work, &["verify-commit", "HEAD"]);
    assert_eq!(resolve(&env, &work, "churn@Production"), "3.0.0");
    let range = format!("{base}..HEAD");
    env.omgreg(&work)
        .args(["verify", &range])
        .assert()
        .success();
    env.omgreg(&work)
        .args(["check", "--range", &range])
        .assert()
        .success();
    let output = push(&env, &work, &main);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        env.git(&server, &["rev-parse", &main]).trim(),
        head(&env, &work)
    );
}

/// A merge that resolves a conflict by a version neither side promoted moves the
/// stage itself: refused for bob, accepted when alice signs the same merge.
#[test]
fn a_merge_that_picks_a_version_of_its_own_needs_the_stage_signer() {
    let env = TestEnv::new();
    let (_, work, alice, old) = served(&env);
    let tip = head(&env, &work);
    merge_putting_back(&env, &work, &old);
    let range = format!("{tip}..HEAD");
    judged_wrong(&env, &work, &range, "by the merge itself");
    // The same merge signed by alice is hers to make.
    env.git(&work, &["config", "user.signingkey", &alice]);
    env.git(&work, &["commit", "-q", "--amend", "-S", "--no-edit"]);
    env.omgreg(&work)
        .args(["verify", &range])
        .assert()
        .success();
}

/// From HEAD, a signed merge of a side branch made at `old` (Production 1.0.0, an
/// unrelated commit on it) whose tree is HEAD's with `stages.yaml` put back as `old`
/// has it: a move no commit it brings made.
fn merge_putting_back(env: &TestEnv, work: &Path, old: &str) {
    let tip = head(env, work);
    env.git(work, &["checkout", "-q", "-b", "side", old]);
    std::fs::write(work.join("NOTES.md"), "side\n").expect("write");
    env.git(work, &["add", "NOTES.md"]);
    env.git(work, &["commit", "-q", "-S", "-m", "side notes"]);
    let side = head(env, work);
    env.git(work, &["checkout", "-q", &tip]);
    env.git(work, &["merge", "-q", "--no-commit", "--no-ff", &side]);
    env.git(work, &["checkout", old, "--", "models/churn/stages.yaml"]);
    env.git(work, &["commit", "-q", "-S", "-m", "Merge side"]);
}

/// A merge's own move is judged as a promotion from its first parent: signed by
/// Production's signer, it still may not bring a version into Production from `None`
/// when Production accepts versions from Staging only.
#[test]
fn a_merges_own_move_passes_the_stages_from_rule() {
    let env = TestEnv::new();
    let (_, work, alice, old) = served(&env);
    configure(
        &env,
        &work,
        "[stages.options.Production]\nfrom = [\"Staging\"]\n",
    );
    let tip = head(&env, &work);
    env.git(&work, &["config", "user.signingkey", &alice]);
    merge_putting_back(&env, &work, &old);
    let range = format!("{tip}..HEAD");
    env.omgreg(&work)
        .args(["verify", &range])
        .assert()
        .success();
    judged_wrong_by_check(
        &env,
        &work,
        &range,
        "`churn@1.0.0` entered `Production` from `None`",
    );
}

/// Finding 6: a branch with no common history (an orphan registry without the policy,
/// then an unsigned promotion) is judged from the empty registry by the server's
/// policy, not against its own parent.
#[test]
fn a_branch_with_no_common_history_is_judged_by_the_servers_policy() {
    let env = TestEnv::new();
    let (server, work, _, _) = served(&env);
    let main = branch(&env, &work);
    let orphan = env.path().join("orphan");
    env.git(env.path(), &["init", "-q", orphan.to_str().expect("UTF-8")]);
    env.omgreg(&orphan).arg("init").assert().success();
    act(&env, &orphan, &["register", "churn", "--version", "9.0.0"]);
    act(
        &env,
        &orphan,
        &["promote", "churn@9.0.0", "--stage", "Production"],
    );
    let url = format!("file://{}", server.display());
    env.git(&orphan, &["remote", "add", "origin", &url]);
    let local = branch(&env, &orphan);
    for target in ["refs/heads/evil", "refs/tags/evil"] {
        let printed = push_refused(&env, &orphan, &server, &format!("{local}:{target}"));
        assert_mentions(&printed, &["only `alice@example.com` may sign"]);
    }
    // The same judgment locally, from BASE = the registry branch.
    let fetched = format!("{local}:refs/heads/evil");
    env.git(
        &work,
        &["fetch", "-q", orphan.to_str().expect("UTF-8"), &fetched],
    );
    judged_wrong(
        &env,
        &work,
        &format!("{main}..evil"),
        "only `alice@example.com` may sign",
    );
}

/// Finding 6, the other way round: a branch forked from a commit made before the
/// registry existed shares history with the registry branch but no registry history.
/// Its own registry (no policy) and unsigned promotion are judged from the empty
/// registry by the server's policy too.
#[test]
fn a_branch_forked_before_the_registry_existed_is_judged_by_the_servers_policy() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let bob = ssh_key(&env, "bob");
    env.git(env.path(), &["init", "-q", "repo"]);
    let repo = env.path().join("repo");
    ssh_signing(&env, &repo, alice.to_str().expect("UTF-8"), None);
    commit_by_hand(
        &env,
        &repo,
        "README.md",
        "training code, before any registry\n",
    );
    let before = head(&env, &repo);
    env.omgreg(&repo).args(["init", "."]).assert().success();
    commit_by_hand(
        &env,
        &repo,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("alice@example.com", &alice), ("bob@example.com", &bob)]),
    );
    configure(
        &env,
        &repo,
        "[policy.Production]\nsigners = [\"alice@example.com\"]\n",
    );
    act(&env, &repo, &["register", "churn"]);
    let server = bare_clone(&env, &repo, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    // mallory: from the README commit, a registry of her own, promoted unsigned.
    let work = clone(&env, &server, "mallory");
    env.git(&work, &["checkout", "-q", "-b", "evil", &before]);
    env.omgreg(&work).args(["init", "."]).assert().success();
    act(&env, &work, &["register", "churn", "--version", "9.0.0"]);
    act(
        &env,
        &work,
        &["promote", "churn@9.0.0", "--stage", "Production"],
    );
    let printed = push_refused(&env, &work, &server, "evil");
    assert_mentions(&printed, &["only `alice@example.com` may sign"]);
    let main = env
        .git(
            &work,
            &["symbolic-ref", "--short", "refs/remotes/origin/HEAD"],
        )
        .trim()
        .to_owned();
    judged_wrong(
        &env,
        &work,
        &format!("{main}..evil"),
        "only `alice@example.com` may sign",
    );
}
