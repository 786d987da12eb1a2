//! Signed actions: every commit omgreg writes is signed the way git signs (SSH key
//! files, literal SSH keys through ssh-agent, OpenPGP), judged by the real
//! `git verify-commit` and by `omgreg verify`; signer policies refuse promotions
//! before anything is written; a signing failure never leaves an unsigned commit.
//!
//! Keys are throwaway keys made in each test's temp folder. `omgreg verify` over
//! ranges (unknown signers, unsigned and altered commits, trust from the base) is in
//! `test_verify.rs`, which shares the helpers here.

use crate::common::TestEnv;
use crate::common::lifecycle::{act, run};
use crate::common::refusal::*;
use crate::common::signing::*;

#[test]
fn every_action_is_signed_with_an_ssh_key_and_git_verifies_each_commit() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let allowed = allowed_signers_file(&env, &[("alice@example.com", &alice)]);
    let reg = ssh_registry(&env, "reg", &pub_path(&alice), Some(&allowed));
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
    let init = head(&env, &reg);

    env.make_file("w.bin", 4096);
    let actions: [&[&str]; 9] = [
        &["register", "churn", "--artifact", "../w.bin"],
        &["register", "churn", "--version", "2.0.0"],
        &["promote", "churn@1.0.0", "--stage", "Production"],
        &["promote", "churn@2.0.0", "--stage", "Production"],
        &["alias", "set", "churn@2.0.0", "champion"],
        &["alias", "rm", "churn", "champion"],
        &["archive", "churn@1.0.0", "--reason", "superseded"],
        &["unarchive", "churn@1.0.0"],
        &["rollback", "churn"],
    ];
    for action in actions {
        act(&env, &reg, action);
        assert_head_signed(&env, &reg, "ssh", "alice@example.com");
    }
    assert_eq!(
        run(&env, &reg, &["resolve", "churn@Production"]).trim(),
        "1.0.0"
    );

    // The whole range at once, and git's view of every commit.
    let range = format!("{init}..HEAD");
    let doc = verify_json(&env, &reg, &[&range], 0);
    assert_eq!(
        verdicts(&doc),
        vec![("good".to_owned(), "alice@example.com".to_owned()); actions.len()]
    );
    let subjects: Vec<&str> = doc["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| c["subject"].as_str().expect("subject"))
        .collect();
    assert!(
        subjects[0].starts_with("register churn@1.0.0"),
        "{subjects:?}"
    );
    assert!(subjects[8].starts_with("roll back churn"), "{subjects:?}");
    assert_eq!(
        env.git(&reg, &["log", "--format=%G?"]),
        "G\n".repeat(actions.len() + 1)
    );
    let table = verify_text(&env, &reg, &[&range], 0);
    assert!(
        table.contains("good") && table.contains("alice@example.com"),
        "{table}"
    );
    assert!(!table.contains("error"), "{table}");
    env.assert_fsck_clean(&reg);
}

#[test]
fn the_signing_key_may_be_a_private_key_file_or_a_path_under_home() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let allowed = allowed_signers_file(&env, &[("alice@example.com", &alice)]);
    let private = alice.to_str().expect("UTF-8 path").to_owned();
    let reg = ssh_registry(&env, "reg", &private, Some(&allowed));
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
    act(&env, &reg, &["register", "churn"]);
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");

    // `~/` is the HOME omgreg runs with, as for git.
    let ssh_dir = env.path().join("home/.ssh");
    std::fs::create_dir_all(&ssh_dir).expect("~/.ssh");
    std::fs::copy(&alice, ssh_dir.join("id_alice")).expect("copy key");
    std::fs::copy(pub_path(&alice), ssh_dir.join("id_alice.pub")).expect("copy key");
    env.git(&reg, &["config", "user.signingkey", "~/.ssh/id_alice"]);
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
}

#[test]
fn sign_and_no_sign_override_commit_gpgsign() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let allowed = allowed_signers_file(&env, &[("alice@example.com", &alice)]);
    let reg = ssh_registry(&env, "reg", &pub_path(&alice), Some(&allowed));

    env.git(&reg, &["config", "commit.gpgsign", "false"]);
    act(&env, &reg, &["register", "churn"]);
    assert_eq!(git_sig_status(&env, &reg), "N", "unsigned without gpgsign");
    act(
        &env,
        &reg,
        &["--sign", "register", "churn", "--version", "2.0.0"],
    );
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");

    env.git(&reg, &["config", "commit.gpgsign", "true"]);
    act(&env, &reg, &["--no-sign", "promote", "churn@2.0.0"]);
    assert_eq!(git_sig_status(&env, &reg), "N", "--no-sign wins");
    assert!(
        !env.git_output(&reg, &["verify-commit", "HEAD"])
            .status
            .success()
    );
    let doc = verify_json(&env, &reg, &[], 3);
    assert_eq!(verdicts(&doc), [("unsigned".to_owned(), "-".to_owned())]);
}

#[test]
fn a_literal_ssh_key_signs_through_ssh_agent() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let allowed = allowed_signers_file(&env, &[("alice@example.com", &alice)]);
    env.git(env.path(), &["init", "-q", "reg"]);
    let reg = env.path().join("reg");
    let literal = format!("key::{}", public_key(&alice));
    ssh_signing(&env, &reg, &literal, Some(&allowed));
    env.git(&reg, &["config", "commit.gpgsign", "false"]);
    run(&env, &reg, &["init", "."]);
    env.git(&reg, &["config", "commit.gpgsign", "true"]);

    // No agent: the signature cannot be made, and nothing is committed.
    let stderr = refused(&env, &reg, &["register", "churn"], 1);
    assert_mentions(&stderr, &["omgreg::sign::failed", "ssh-keygen"]);

    let Some(agent) = SshAgent::start(&env) else {
        return;
    };
    env.set_env("SSH_AUTH_SOCK", &agent.socket);
    // An agent without the key: refused too.
    let stderr = refused(&env, &reg, &["register", "churn"], 1);
    assert_mentions(&stderr, &["omgreg::sign::failed"]);

    if !agent.add(&alice) {
        return;
    }
    act(&env, &reg, &["register", "churn"]);
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
    drop(agent);
}

// ---------------------------------------------------------------------------------
// Signing with OpenPGP
