//! OpenPGP signers named the ways operators name them (issue 16, finding 4): a
//! signature by ada's signing subkey is ada's whether `signers` names her e-mail,
//! her primary key's fingerprint or long key id, or the subkey's; promote, verify,
//! `git verify-commit` and the server hook agree on each, with and without
//! `gpg.minTrustLevel`.

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::refusal::{assert_mentions, commit_by_hand, refused};
use crate::common::signing::{GnuPg, gpg_registry, head, verify_text};
use crate::test_hooks::{clone, push};
use crate::test_signer_trust::{assert_status_agrees, served_from};

/// The fingerprints (`fpr:` lines) of the key `who` names: primary first.
fn fingerprints(gnupg: &GnuPg, who: &str) -> Vec<String> {
    let output = gnupg.gpg(&["--with-colons", "--list-keys", who]);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("fpr:"))
        .filter_map(|rest| rest.split(':').find(|field| !field.is_empty()))
        .map(str::to_owned)
        .collect()
}

/// Ada's key: a certification-only primary key and a signing subkey.
fn ada_with_a_signing_subkey(gnupg: &GnuPg) -> (String, String) {
    for args in [
        &[
            "--quick-gen-key",
            "Ada <ada@example.com>",
            "ed25519",
            "cert",
            "never",
        ][..],
        &["--quick-add-key", "PRIMARY", "ed25519", "sign", "never"],
    ] {
        let primary = fingerprints(gnupg, "ada@example.com");
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "PRIMARY" {
                    primary[0].as_str()
                } else {
                    a
                }
            })
            .collect();
        let mut full = vec!["--batch", "--passphrase", ""];
        full.extend(args);
        let output = gnupg.gpg(&full);
        assert!(output.status.success(), "gpg {full:?}: {output:?}");
    }
    let fingerprints = fingerprints(gnupg, "ada@example.com");
    assert_eq!(fingerprints.len(), 2, "{fingerprints:?}");
    (fingerprints[0].clone(), fingerprints[1].clone())
}

#[test]
fn a_subkey_signature_is_ada_by_email_primary_or_subkey_fingerprint_or_key_id() {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    let (primary, subkey) = ada_with_a_signing_subkey(&gnupg);
    gnupg.generate("Bob <bob@example.com>");
    let bob = gnupg.fingerprint("bob@example.com");
    let reg = gpg_registry(&env, "ada@example.com");
    for version in ["1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0", "6.0.0"] {
        act(&env, &reg, &["register", "churn", "--version", version]);
    }
    let server = served_from(&env, &reg);
    let work = clone(&env, &server, "work");
    env.git(&work, &["config", "user.signingkey", "ada@example.com"]);
    env.git(&work, &["config", "commit.gpgsign", "true"]);
    let rules = std::fs::read_to_string(work.join("omgreg.toml")).expect("omgreg.toml");
    let with_signers = |name: &str| {
        commit_by_hand(
            &env,
            &work,
            "omgreg.toml",
            &format!("{rules}\n[policy.Production]\nsigners = [\"{name}\"]\n"),
        );
        let output = push(&env, &work, "HEAD");
        assert!(output.status.success(), "signers = [{name}]: {output:?}");
    };

    let names = [
        primary.clone(),
        primary[primary.len() - 16..].to_owned(),
        subkey.clone(),
        subkey[subkey.len() - 16..].to_owned(),
        "ada@example.com".to_owned(),
    ];
    for (name, version) in names
        .iter()
        .zip(["1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0"])
    {
        with_signers(name);
        let base = head(&env, &work);
        act(
            &env,
            &work,
            &[
                "promote",
                &format!("churn@{version}"),
                "--stage",
                "Production",
            ],
        );
        assert_status_agrees(&env, &work, "HEAD", "good");
        let text = verify_text(&env, &work, &[&format!("{base}..HEAD")], 0);
        assert!(!text.contains("error"), "signers = [{name}]:\n{text}");
        let output = push(&env, &work, "HEAD");
        assert!(output.status.success(), "signers = [{name}]: {output:?}");
        // Ada's own key is ultimately trusted: no minimum refuses it.
        for level in ["marginal", "ultimate"] {
            env.git(&work, &["config", "gpg.minTrustLevel", level]);
            assert_status_agrees(&env, &work, "HEAD", "good");
        }
        env.git(&work, &["config", "--unset", "gpg.minTrustLevel"]);
    }

    // Names are not a catch-all: with Bob's fingerprint, ada's subkey is refused.
    with_signers(&bob);
    let stderr = refused(
        &env,
        &work,
        &["promote", "churn@6.0.0", "--stage", "Production"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::policy::signer_not_allowed", &bob]);
    drop(gnupg);
}
