//! Signing with OpenPGP, signer policies, and signing failures that must never
//! leave an unsigned commit.

use std::path::PathBuf;
use std::process::Command as StdCommand;

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure, run};
use crate::common::refusal::*;
use crate::common::signing::*;

#[test]
fn openpgp_signatures_verify_with_git_and_omgreg() {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    gnupg.generate("Alice <alice@example.com>");
    let reg = gpg_registry(&env, "alice@example.com");
    assert_head_signed(&env, &reg, "openpgp", "alice@example.com");
    let init = head(&env, &reg);

    act(&env, &reg, &["register", "churn"]);
    assert_head_signed(&env, &reg, "openpgp", "alice@example.com");
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_head_signed(&env, &reg, "openpgp", "alice@example.com");
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    assert_head_signed(&env, &reg, "openpgp", "alice@example.com");

    let doc = verify_json(&env, &reg, &[&format!("{init}..HEAD")], 0);
    assert_eq!(doc["commits"].as_array().expect("commits").len(), 3);
    for commit in doc["commits"].as_array().expect("commits") {
        assert_eq!(commit["status"], "good", "{doc}");
        assert_eq!(commit["format"], "openpgp", "{doc}");
    }
    drop(gnupg);
}

#[test]
fn openpgp_signer_policy_admits_the_listed_key_and_refuses_others() {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    gnupg.generate("Alice <alice@example.com>");
    gnupg.generate("Bob <bob@example.com>");
    let reg = gpg_registry(&env, "alice@example.com");
    act(&env, &reg, &["register", "churn"]);
    act(&env, &reg, &["register", "churn", "--version", "2.0.0"]);
    configure(
        &env,
        &reg,
        "[policy.Production]\nsigners = [\"alice@example.com\"]\n",
    );
    let base = head(&env, &reg);

    env.git(&reg, &["config", "user.signingkey", "bob@example.com"]);
    let stderr = refused(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
        1,
    );
    assert_mentions(
        &stderr,
        &[
            "omgreg::policy::signer_not_allowed",
            "`Production`",
            "`alice@example.com`",
            "bob@example.com",
        ],
    );
    // Other stages have no policy.
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_head_signed(&env, &reg, "openpgp", "bob@example.com");

    env.git(&reg, &["config", "user.signingkey", "alice@example.com"]);
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    assert_head_signed(&env, &reg, "openpgp", "alice@example.com");
    verify_json(&env, &reg, &[&format!("{base}..HEAD")], 0);
    drop(gnupg);
}

/// `promote` admits a key named by its fingerprint in `signers`; `verify` must
/// admit the same commit.
#[test]
fn openpgp_signer_policy_by_fingerprint_agrees_between_promote_and_verify() {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    gnupg.generate("Alice <alice@example.com>");
    let fingerprint = gnupg.fingerprint("alice@example.com");
    let reg = gpg_registry(&env, "alice@example.com");
    act(&env, &reg, &["register", "churn"]);
    configure(
        &env,
        &reg,
        &format!("[policy.Production]\nsigners = [\"{fingerprint}\"]\n"),
    );
    let base = head(&env, &reg);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let text = verify_text(&env, &reg, &[&format!("{base}..HEAD")], 0);
    assert!(!text.contains("error"), "{text}");
    drop(gnupg);
}

/// `user.signingkey alice@example.com` while the only secret key is
/// `malice@example.com`: gpg signs with Mallory's key (user ids match by
/// substring), so the promotion must be refused, as `verify` flags it afterwards.
#[test]
fn openpgp_signer_policy_judges_the_key_that_actually_signs() {
    let env = TestEnv::new();
    let alice_home = GnuPg::new(&env);
    alice_home.generate("Alice <alice@example.com>");
    let exported = StdCommand::new("gpg")
        .args(["--export", "alice@example.com"])
        .env("GNUPGHOME", &alice_home.home)
        .output()
        .expect("gpg --export");
    let alice_public = env.path().join("alice.asc");
    std::fs::write(&alice_public, &exported.stdout).expect("write");

    let mallory = GnuPg {
        home: env.path().join("gnupg-mallory"),
    };
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&mallory.home).expect("GNUPGHOME");
        std::fs::set_permissions(&mallory.home, std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
    }
    env.set_env("GNUPGHOME", mallory.home.to_str().expect("UTF-8"));
    mallory.generate("Mal <malice@example.com>");
    let imported = mallory.gpg(&["--import", alice_public.to_str().expect("UTF-8")]);
    assert!(imported.status.success());

    let reg = gpg_registry(&env, "alice@example.com");
    act(&env, &reg, &["register", "churn"]);
    configure(
        &env,
        &reg,
        "[policy.Production]\nsigners = [\"alice@example.com\"]\n",
    );
    let stderr = refused(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed"]);
    drop(mallory);
    drop(alice_home);
}

// ---------------------------------------------------------------------------------
// Signer policy at promote time (SSH)

#[test]
fn production_promotions_need_a_listed_signer_and_refusals_write_nothing() {
    let env = TestEnv::new();
    let (reg, [alice, bob, carol]) = policy_registry(&env);
    let base = head(&env, &reg);
    let production = ["promote", "churn@1.0.0", "--stage", "Production"];

    // bob is a known signer, but not one Production admits.
    env.git(&reg, &["config", "user.signingkey", &bob]);
    let stderr = refused(&env, &reg, &production, 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::policy::signer_not_allowed",
            "`Production`",
            "`alice@example.com`",
            "`bob@example.com`",
        ],
    );
    // The policy is about Production only: bob may promote to Staging.
    act(&env, &reg, &["promote", "churn@1.0.0"]);

    // carol is in no allowed signers at all.
    env.git(&reg, &["config", "user.signingkey", &carol]);
    let stderr = refused(&env, &reg, &production, 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::policy::signer_not_allowed",
            "not an allowed signer",
        ],
    );

    // alice, but unsigned.
    env.git(&reg, &["config", "user.signingkey", &alice]);
    let mut unsigned = vec!["--no-sign"];
    unsigned.extend_from_slice(&production);
    let stderr = refused(&env, &reg, &unsigned, 1);
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed", "unsigned"]);

    // A dry run is judged the same way.
    env.git(&reg, &["config", "user.signingkey", &bob]);
    let mut dry = production.to_vec();
    dry.push("--dry-run");
    let stderr = refused(&env, &reg, &dry, 1);
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed"]);

    env.git(&reg, &["config", "user.signingkey", &alice]);
    act(&env, &reg, &production);
    assert_has_signature(&env, &reg);
    assert_eq!(
        run(&env, &reg, &["resolve", "churn@Production"]).trim(),
        "1.0.0"
    );

    // verify, trusting the base's allowed signers and policy, agrees.
    let doc = verify_json(&env, &reg, &[&format!("{base}..HEAD")], 0);
    assert_eq!(
        verdicts(&doc),
        [
            ("good".to_owned(), "bob@example.com".to_owned()),
            ("good".to_owned(), "alice@example.com".to_owned()),
        ]
    );
}

/// Rolling Production back moves a version into it just as a promotion does, and
/// `verify` flags a rollback by a signer the policy does not list.
#[test]
fn rollback_into_production_needs_a_listed_signer_too() {
    let env = TestEnv::new();
    let (reg, [_, bob, _]) = policy_registry(&env);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    env.git(&reg, &["config", "user.signingkey", &bob]);
    let stderr = refused(&env, &reg, &["rollback", "churn"], 1);
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed"]);
}

/// A key listed as `alice@example.com,ops`: promote admits it for `signers =
/// ["ops"]`, and verify must agree.
#[test]
fn a_key_with_several_principals_is_judged_alike_by_promote_and_verify() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let reg = ssh_registry(&env, "reg", alice.to_str().expect("UTF-8"), None);
    commit_by_hand(
        &env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("alice@example.com,ops", &alice)]),
    );
    configure(&env, &reg, "[policy.Production]\nsigners = [\"ops\"]\n");
    let base = head(&env, &reg);
    act(&env, &reg, &["register", "churn"]);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let text = verify_text(&env, &reg, &[&format!("{base}..HEAD")], 0);
    assert!(!text.contains("error"), "{text}");
}

// ---------------------------------------------------------------------------------
// Failures never commit unsigned

/// The refusal registry (`reg` with `../w.bin`), `churn@1.0.0` registered unsigned,
/// then SSH signing by default with `key`.
fn failing_registry(key: &str) -> (TestEnv, PathBuf) {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["churn"]);
    ssh_signing(&env, &reg, key, None);
    (env, reg)
}

#[test]
fn a_missing_signing_key_fails_every_action_and_commits_nothing() {
    let (env, reg) = registry();
    let missing = env.path().join("keys/missing");
    register_ok(&env, &reg, &["churn"]);
    ssh_signing(&env, &reg, missing.to_str().expect("UTF-8"), None);
    for args in [
        &["register", "churn"][..],
        &["promote", "churn@1.0.0"],
        &["alias", "set", "churn@1.0.0", "champion"],
        &["archive", "churn@1.0.0"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(&stderr, &["omgreg::sign::failed", "keys/missing"]);
    }
    assert_eq!(
        env.commit_count(&reg),
        2,
        "init and the unsigned register only"
    );
    // A `.pub` path is no different.
    let missing_pub = format!("{}.pub", missing.display());
    env.git(&reg, &["config", "user.signingkey", &missing_pub]);
    let stderr = refused(&env, &reg, &["promote", "churn@1.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::sign::failed", "keys/missing.pub"]);
    // Nothing broken (the trees built before signing failed may dangle).
    env.git(&reg, &["fsck", "--full", "--no-progress", "--no-dangling"]);
}

#[test]
fn a_register_that_cannot_be_signed_stores_no_artifact() {
    let (env, reg) = failing_registry("/nonexistent/key");
    let stderr = register_refused(&env, &reg, &["churn"]);
    assert_mentions(&stderr, &["omgreg::sign::failed"]);
}

#[test]
fn a_missing_ssh_program_is_named_in_the_error() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let reg = ssh_registry(&env, "reg", alice.to_str().expect("UTF-8"), None);
    act(&env, &reg, &["register", "churn"]);
    env.git(
        &reg,
        &["config", "gpg.ssh.program", "/nonexistent/ssh-keygen-x"],
    );
    let stderr = refused(&env, &reg, &["promote", "churn@1.0.0"], 1);
    assert_mentions(
        &stderr,
        &["/nonexistent/ssh-keygen-x", "could not be started"],
    );

    // verify cannot check either, and says why.
    let text = verify_text(&env, &reg, &[], 3);
    assert_mentions(
        &text,
        &[
            "unverifiable",
            "/nonexistent/ssh-keygen-x",
            "could not be checked",
        ],
    );
    let doc = verify_json(&env, &reg, &[], 3);
    assert_eq!(doc["commits"][0]["status"], "unverifiable", "{doc}");
}

#[test]
fn an_unknown_gpg_format_is_refused() {
    let (env, reg) = failing_registry("/nonexistent/key");
    env.git(&reg, &["config", "gpg.format", "pgp2"]);
    let stderr = register_refused(&env, &reg, &["churn"]);
    assert_mentions(&stderr, &["omgreg::sign::unknown_format", "`pgp2`"]);
}

#[test]
fn a_registry_that_requires_signing_refuses_no_sign_and_a_missing_key() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["churn"]);
    configure(&env, &reg, "[signing]\nrequire = true\n");

    // --no-sign, whatever the git config says.
    for args in [
        &["--no-sign", "register", "churn", "--artifact", "../w.bin"][..],
        &["--no-sign", "promote", "churn@1.0.0"],
        &["--no-sign", "alias", "set", "churn@1.0.0", "champion"],
        &["--no-sign", "rollback", "churn"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(&stderr, &["omgreg::sign::required", "--no-sign"]);
    }

    // SSH without a key: refused before the artifact is copied.
    env.git(&reg, &["config", "gpg.format", "ssh"]);
    let stderr = register_refused(&env, &reg, &["churn"]);
    assert_mentions(&stderr, &["omgreg::sign::no_key", "user.signingkey"]);
    let stderr = refused(&env, &reg, &["promote", "churn@1.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::sign::no_key"]);

    // OpenPGP (the default) without a key: gpg finds no secret key for the
    // committer, and nothing is committed.
    env.git(&reg, &["config", "--unset", "gpg.format"]);
    let gnupg = GnuPg::new(&env);
    let stderr = refused(&env, &reg, &["promote", "churn@1.0.0"], 1);
    assert_mentions(&stderr, &["omgreg::sign::failed", "gpg"]);
    drop(gnupg);

    // A key makes the same commands work, signed.
    let alice = ssh_key(&env, "alice");
    let allowed = allowed_signers_file(&env, &[("alice@example.com", &alice)]);
    ssh_signing(&env, &reg, alice.to_str().expect("UTF-8"), Some(&allowed));
    env.git(&reg, &["config", "commit.gpgsign", "false"]);
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_head_signed(&env, &reg, "ssh", "alice@example.com");
}
