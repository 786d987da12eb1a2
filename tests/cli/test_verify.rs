//! `omgreg verify [RANGE]`: exit 3, with the reason, for a commit signed by an
//! unknown key, an unsigned commit, a commit altered after signing, and a move into
//! a stage by a signer its policy does not list; trust (allowed signers, policy)
//! comes from the base of the range, never from the commits under review.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::refusal::*;
use crate::common::signing::*;

/// The 12-digit abbreviation `verify` prints.
fn short(commit: &str) -> &str {
    &commit[..12]
}

/// Rewrites HEAD's commit object with `edit` applied to its raw text (signature
/// kept), moves the branch to it and returns the new commit.
fn rewrite_head(env: &TestEnv, reg: &Path, edit: &dyn Fn(&str) -> String) -> String {
    let raw = env.git(reg, &["cat-file", "commit", "HEAD"]);
    assert!(raw.contains("\ngpgsig "), "HEAD is signed:\n{raw}");
    let altered = edit(&raw);
    assert_ne!(altered, raw, "the edit changes the commit");
    let file = env.path().join("altered-commit");
    std::fs::write(&file, altered).expect("write");
    let file = file.to_str().expect("UTF-8 path");
    let new = env
        .git(reg, &["hash-object", "-t", "commit", "-w", file])
        .trim()
        .to_owned();
    let branch = env.git(reg, &["symbolic-ref", "HEAD"]).trim().to_owned();
    env.git(reg, &["update-ref", &branch, &new]);
    new
}

/// alice's registry, trusted through `gpg.ssh.allowedSignersFile` (alice only);
/// returns it and bob's private key path.
fn alice_registry(env: &TestEnv) -> (std::path::PathBuf, String) {
    let alice = ssh_key(env, "alice");
    let bob = ssh_key(env, "bob");
    let allowed = allowed_signers_file(env, &[("alice@example.com", &alice)]);
    let reg = ssh_registry(env, "reg", &pub_path(&alice), Some(&allowed));
    act(env, &reg, &["register", "churn"]);
    (reg, bob.to_str().expect("UTF-8").to_owned())
}

#[test]
fn a_commit_by_a_key_not_in_the_allowed_signers_is_an_unknown_signer() {
    let env = TestEnv::new();
    let (reg, bob) = alice_registry(&env);
    let base = head(&env, &reg);
    let alice = env
        .git(&reg, &["config", "user.signingkey"])
        .trim()
        .to_owned();

    env.git(&reg, &["config", "user.signingkey", &bob]);
    act(&env, &reg, &["register", "churn"]);
    let by_bob = head(&env, &reg);
    assert_eq!(
        git_sig_status(&env, &reg),
        "U",
        "git: good signature, unknown key"
    );
    env.git(&reg, &["config", "user.signingkey", &alice]);
    act(&env, &reg, &["promote", "churn@1.0.0"]);

    let range = format!("{base}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 3);
    assert_eq!(
        verdicts(&doc),
        [
            ("unknown".to_owned(), "-".to_owned()),
            ("good".to_owned(), "alice@example.com".to_owned()),
        ]
    );
    assert_eq!(doc["commits"][0]["commit"], by_bob.as_str());
    assert_eq!(doc["commits"][0]["format"], "ssh");
    assert_eq!(
        doc["commits"][0]["problems"],
        serde_json::json!(["signed by a key that is not an allowed signer"])
    );
    assert_eq!(doc["commits"][1]["problems"], serde_json::json!([]));

    let text = verify_text(&env, &reg, &[&range], 3);
    assert_mentions(
        &text,
        &[
            "unknown",
            &format!(
                "error: commit {}: signed by a key that is not an allowed signer",
                short(&by_bob)
            ),
        ],
    );
    assert_eq!(text.matches("error:").count(), 1, "{text}");
    // Only the commits in the range are judged.
    verify_json(&env, &reg, &["HEAD~1..HEAD"], 0);
}

#[test]
fn unsigned_commits_fail_verify() {
    let env = TestEnv::new();
    let (reg, _) = alice_registry(&env);
    let base = head(&env, &reg);
    act(&env, &reg, &["--no-sign", "register", "churn"]);
    let by_omgreg = head(&env, &reg);
    env.git(
        &reg,
        &[
            "commit",
            "-q",
            "--no-gpg-sign",
            "--allow-empty",
            "-m",
            "by hand",
        ],
    );
    let by_git = head(&env, &reg);
    assert_eq!(git_sig_status(&env, &reg), "N");

    let range = format!("{base}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 3);
    assert_eq!(
        verdicts(&doc),
        [
            ("unsigned".to_owned(), "-".to_owned()),
            ("unsigned".to_owned(), "-".to_owned()),
        ]
    );
    assert_eq!(doc["commits"][1]["subject"], "by hand");
    assert!(doc["commits"][0]["format"].is_null(), "{doc}");
    let text = verify_text(&env, &reg, &[&range], 3);
    for commit in [&by_omgreg, &by_git] {
        assert_mentions(
            &text,
            &[&format!(
                "error: commit {}: the commit is not signed",
                short(commit)
            )],
        );
    }
    // The default range is HEAD alone.
    let doc = verify_json(&env, &reg, &[], 3);
    assert_eq!(verdicts(&doc), [("unsigned".to_owned(), "-".to_owned())]);
}

#[test]
fn a_commit_altered_after_signing_has_a_bad_signature() {
    let env = TestEnv::new();
    let (reg, _) = alice_registry(&env);
    let base = head(&env, &reg);
    act(&env, &reg, &["register", "churn"]);
    act(&env, &reg, &["register", "churn"]);
    verify_json(&env, &reg, &[&format!("{base}..HEAD")], 0);

    // The message changed, the signature kept.
    let altered = rewrite_head(&env, &reg, &|raw| {
        let (headers, message) = raw.split_once("\n\n").expect("a message");
        format!(
            "{headers}\n\n{}",
            message.replacen("register", "REGISTER", 1)
        )
    });
    assert!(
        !env.git_output(&reg, &["verify-commit", "HEAD"])
            .status
            .success(),
        "git rejects it too"
    );
    assert_eq!(git_sig_status(&env, &reg), "B");
    let range = format!("{base}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 3);
    assert_eq!(
        verdicts(&doc),
        [
            ("good".to_owned(), "alice@example.com".to_owned()),
            ("bad".to_owned(), "alice@example.com".to_owned()),
        ]
    );
    assert_eq!(doc["commits"][1]["commit"], altered.as_str());
    assert_eq!(
        doc["commits"][1]["problems"],
        serde_json::json!(["the signature does not match the commit (altered after signing?)"])
    );
    let text = verify_text(&env, &reg, &[&range], 3);
    assert_mentions(
        &text,
        &[&format!(
            "error: commit {}: the signature does not match the commit (altered after signing?)",
            short(&altered)
        )],
    );

    // The content changed (another tree), the signature and message kept.
    env.git(&reg, &["reset", "-q", "--hard", "HEAD~1"]);
    let other_tree = env
        .git(&reg, &["rev-parse", "HEAD~1^{tree}"])
        .trim()
        .to_owned();
    let altered = rewrite_head(&env, &reg, &|raw| {
        let first = raw.lines().next().expect("tree line");
        raw.replacen(first, &format!("tree {other_tree}"), 1)
    });
    assert!(
        !env.git_output(&reg, &["verify-commit", "HEAD"])
            .status
            .success()
    );
    let doc = verify_json(&env, &reg, &[], 3);
    assert_eq!(doc["commits"][0]["commit"], altered.as_str());
    assert_eq!(doc["commits"][0]["status"], "bad", "{doc}");
}

#[test]
fn trust_comes_from_the_base_not_from_the_commits_under_review() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let bob = ssh_key(&env, "bob");
    // No gpg.ssh.allowedSignersFile: only the committed file can make a signer known.
    let reg = ssh_registry(&env, "reg", alice.to_str().expect("UTF-8"), None);
    let doc = verify_json(&env, &reg, &[], 3);
    assert_eq!(
        verdicts(&doc),
        [("unknown".to_owned(), "-".to_owned())],
        "no allowed signers anywhere"
    );

    commit_by_hand(
        &env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("alice@example.com", &alice)]),
    );
    act(&env, &reg, &["register", "churn"]);
    let base = head(&env, &reg);
    verify_json(&env, &reg, &[], 0);

    // bob adds himself to the allowed signers, signing with his own key, then
    // registers: neither commit is trusted by the base.
    env.git(
        &reg,
        &["config", "user.signingkey", bob.to_str().expect("UTF-8")],
    );
    commit_by_hand(
        &env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("alice@example.com", &alice), ("bob@example.com", &bob)]),
    );
    let adds_bob = head(&env, &reg);
    act(&env, &reg, &["register", "churn"]);

    let range = format!("{base}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 3);
    assert_eq!(
        verdicts(&doc),
        [
            ("unknown".to_owned(), "-".to_owned()),
            ("unknown".to_owned(), "-".to_owned()),
        ]
    );
    let text = verify_text(&env, &reg, &[&range], 3);
    assert_mentions(
        &text,
        &[&format!(
            "error: commit {}: signed by a key that is not an allowed signer",
            short(&adds_bob)
        )],
    );
    // The commit that adds bob, alone, is judged against its parent: unknown too.
    let doc = verify_json(&env, &reg, &[&adds_bob], 3);
    assert_eq!(verdicts(&doc), [("unknown".to_owned(), "-".to_owned())]);
    // Once bob's entry is in the base (here: HEAD's parent), his commits are good.
    let doc = verify_json(&env, &reg, &["HEAD"], 0);
    assert_eq!(
        verdicts(&doc),
        [("good".to_owned(), "bob@example.com".to_owned())]
    );
}

/// [`policy_registry`] with `churn@1.0.0` in Production; returns it and bob's key path.
fn production_registry(env: &TestEnv) -> (std::path::PathBuf, String) {
    let (reg, [_, bob, _]) = policy_registry(env);
    act(
        env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    (reg, bob)
}

const TWO_IN_PRODUCTION: &str = "stages:\n  Production: 2.0.0\naliases: {}\n";

#[test]
fn verify_flags_a_production_move_by_a_signer_the_policy_does_not_list() {
    let env = TestEnv::new();
    let (reg, bob) = production_registry(&env);
    let base = head(&env, &reg);

    // bob promotes by hand with plain git: a good signature, a forbidden move.
    env.git(&reg, &["config", "user.signingkey", &bob]);
    commit_by_hand(&env, &reg, "models/churn/stages.yaml", TWO_IN_PRODUCTION);
    let by_bob = head(&env, &reg);
    assert_eq!(
        run_resolve(&env, &reg),
        "2.0.0",
        "the hand edit is a promotion"
    );

    let range = format!("{base}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 3);
    assert_eq!(
        verdicts(&doc),
        [("good".to_owned(), "bob@example.com".to_owned())]
    );
    let problems = doc["commits"][0]["problems"].to_string();
    assert_mentions(
        &problems,
        &["churn@2.0.0", "`Production`", "`alice@example.com`"],
    );
    let text = verify_text(&env, &reg, &[&range], 3);
    assert_mentions(
        &text,
        &[&format!(
            "error: commit {}: moves `churn@2.0.0` into `Production`",
            short(&by_bob)
        )],
    );
}

#[test]
fn verify_flags_an_unsigned_production_move_twice_and_admits_a_listed_signer() {
    let env = TestEnv::new();
    let (reg, _) = production_registry(&env);
    let base = head(&env, &reg);

    // alice's hand-made promotion is as good as omgreg's.
    commit_by_hand(&env, &reg, "models/churn/stages.yaml", TWO_IN_PRODUCTION);
    verify_json(&env, &reg, &[&format!("{base}..HEAD")], 0);

    // An unsigned promotion: the signature and the policy both object.
    env.git(&reg, &["config", "commit.gpgsign", "false"]);
    let middle = head(&env, &reg);
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  Production: 1.0.0\naliases: {}\n",
    )
    .expect("write");
    env.git(&reg, &["commit", "-q", "-am", "back by hand"]);
    let doc = verify_json(&env, &reg, &[&format!("{middle}..HEAD")], 3);
    assert_eq!(verdicts(&doc), [("unsigned".to_owned(), "-".to_owned())]);
    let problems = doc["commits"][0]["problems"]
        .as_array()
        .expect("problems")
        .len();
    assert_eq!(problems, 2, "{doc}");
    let text = doc["commits"][0]["problems"].to_string();
    assert_mentions(
        &text,
        &["the commit is not signed", "churn@1.0.0", "`Production`"],
    );
}

fn run_resolve(env: &TestEnv, reg: &Path) -> String {
    crate::common::lifecycle::resolve(env, reg, "churn@Production")
}

#[test]
fn verify_names_a_missing_revision() {
    let env = TestEnv::new();
    let (reg, _) = alice_registry(&env);
    for range in ["nosuch", "HEAD..nosuch", "nosuch..HEAD"] {
        let stderr = refused(&env, &reg, &["verify", range], 1);
        assert_mentions(&stderr, &["omgreg::store::rev_not_found", "`nosuch`"]);
    }
    // An empty range has nothing wrong in it.
    let doc = verify_json(&env, &reg, &["HEAD..HEAD"], 0);
    assert_eq!(doc["commits"], serde_json::json!([]));
}
