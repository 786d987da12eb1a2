//! X.509 signers (issue 16, findings 5 and 7): a certificate with e-mail
//! `ada@example.com` under a trusted root is ada, for promote, verify, `git
//! verify-commit` and the server hook alike; once its root is no longer trusted
//! the same signature is `untrusted` (not `bad`), and git refuses it too.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::{act, run};
use crate::common::refusal::assert_mentions;
use crate::common::signing::{GnuPg, head, verify_text};
use crate::common::tools::program_on_path;
use crate::test_check::check_json;
use crate::test_hooks::{clone, push, push_refused};
use crate::test_signer_trust::{assert_status_agrees, served_with_ada_in_production};

/// `gpgsm ARGS` in the env's keyring; must succeed; returns stdout.
fn gpgsm(gnupg: &GnuPg, args: &[&str]) -> String {
    let output = std::process::Command::new("gpgsm")
        .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args(args)
        .env("GNUPGHOME", &gnupg.home)
        .output()
        .expect("gpgsm runs");
    assert!(output.status.success(), "gpgsm {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The first `fpr:` and `grp:` of `gpgsm --with-colons --with-keygrip --list-keys WHO`.
fn fingerprint_and_keygrip(gnupg: &GnuPg, who: &str) -> (String, String) {
    let listing = gpgsm(
        gnupg,
        &["--with-colons", "--with-keygrip", "--list-keys", who],
    );
    let field = |kind: &str| {
        listing
            .lines()
            .find(|line| line.starts_with(kind))
            .and_then(|line| line.split(':').nth(9))
            .expect("a field")
            .to_owned()
    };
    (field("fpr:"), field("grp:"))
}

/// Makes a certificate from `params` (gpgsm's `--gen-key` batch format) and imports it.
fn make_certificate(gnupg: &GnuPg, name: &str, params: &str) {
    let dir = gnupg.home.parent().expect("env");
    let params_path = dir.join(format!("{name}.params"));
    let cert_path = dir.join(format!("{name}.pem"));
    std::fs::write(&params_path, params).expect("params");
    let out = cert_path.to_str().expect("UTF-8");
    gpgsm(
        gnupg,
        &["--gen-key", "-o", out, params_path.to_str().expect("UTF-8")],
    );
    gpgsm(gnupg, &["--import", out]);
}

/// Trusts (or, with `trusted` false, distrusts) the root `fingerprint` for signing.
fn trust_root(gnupg: &GnuPg, fingerprint: &str, trusted: bool) {
    let mark = if trusted { "" } else { "!" };
    std::fs::write(
        gnupg.home.join("trustlist.txt"),
        format!("{mark}{fingerprint} S relax\n"),
    )
    .expect("trustlist");
    let _ = std::process::Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &gnupg.home)
        .status();
}

/// A throwaway CA (trusted) and ada's certificate under it, with e-mail
/// `ada@example.com`; returns the root's and ada's fingerprints.
fn ca_and_ada(gnupg: &GnuPg) -> (String, String) {
    std::fs::write(gnupg.home.join("gpgsm.conf"), "disable-crl-checks\n").expect("conf");
    std::fs::write(
        gnupg.home.join("gpg-agent.conf"),
        "allow-loopback-pinentry\n",
    )
    .expect("conf");
    make_certificate(
        gnupg,
        "ca",
        "Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign, cert\nSerial: random\n\
         Name-DN: CN=Test Root CA,O=omgreg\nExtension: 2.5.29.19 c 30060101ff020101\n",
    );
    let (root, grip) = fingerprint_and_keygrip(gnupg, "CN=Test Root CA,O=omgreg");
    make_certificate(
        gnupg,
        "ada",
        &format!(
            "Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\nSerial: random\n\
             Name-DN: CN=Ada,O=omgreg\nName-Email: ada@example.com\n\
             Issuer-DN: CN=Test Root CA,O=omgreg\nSigning-Key: {grip}\n"
        ),
    );
    trust_root(gnupg, &root, true);
    let (ada, _) = fingerprint_and_keygrip(gnupg, "<ada@example.com>");
    assert_ne!(root, ada);
    (root, ada)
}

fn x509_signing(env: &TestEnv, repo: &Path, key: &str) {
    env.git(repo, &["config", "gpg.format", "x509"]);
    env.git(repo, &["config", "user.signingkey", key]);
    env.git(repo, &["config", "commit.gpgsign", "true"]);
}

#[test]
fn a_certificate_is_its_email_under_a_trusted_root_and_untrusted_under_another() {
    if !program_on_path("gpgsm", "apt-get install gpgsm") {
        return;
    }
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    let (root, ada) = ca_and_ada(&gnupg);
    env.git(env.path(), &["init", "-q", "reg"]);
    let reg = env.path().join("reg");
    x509_signing(&env, &reg, &ada);
    run(&env, &reg, &["init", "."]);
    let server = served_with_ada_in_production(&env, &reg);
    let work = clone(&env, &server, "work");
    x509_signing(&env, &work, &ada);

    // Under the trusted root, the certificate's e-mail names ada: promote admits
    // her, verify and git verify-commit accept the commit, the server takes it.
    let base = head(&env, &work);
    act(
        &env,
        &work,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    for level in [None, Some("fully")] {
        if let Some(level) = level {
            env.git(&work, &["config", "gpg.minTrustLevel", level]);
        }
        assert_status_agrees(&env, &work, "HEAD", "good");
        assert_status_agrees(&env, &work, &base, "good");
    }
    env.git(&work, &["config", "--unset", "gpg.minTrustLevel"]);
    let text = verify_text(&env, &work, &[&format!("{base}..HEAD")], 0);
    assert!(!text.contains("error"), "{text}");
    let doc = env.json(&work, &["history", "churn", "-n", "1"]);
    assert_eq!(doc["events"][0]["signature"], "good", "{doc:#}");
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{output:?}");

    // The fingerprint names the certificate too.
    let rules = std::fs::read_to_string(work.join("omgreg.toml")).expect("omgreg.toml");
    let by_fingerprint = rules.replace("\"ada@example.com\"", &format!("\"{ada}\""));
    assert_ne!(by_fingerprint, rules);
    crate::common::refusal::commit_by_hand(&env, &work, "omgreg.toml", &by_fingerprint);
    let base = head(&env, &work);
    act(&env, &work, &["register", "churn", "--version", "2.0.0"]);
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    verify_text(&env, &work, &[&format!("{base}..HEAD")], 0);

    // Finding 7: the same signatures under a root that is not trusted are untrusted.
    trust_root(&gnupg, &root, false);
    assert_status_agrees(&env, &work, "HEAD", "untrusted");
    let doc = env.json(&work, &["history", "churn", "-n", "1"]);
    assert_eq!(doc["events"][0]["signature"], "untrusted", "{doc:#}");
    let doc = check_json(&env, &work, &["--range", &format!("{base}..HEAD")], 3);
    let messages = doc["findings"].to_string();
    assert!(messages.contains("trusted root"), "{doc:#}");
    assert!(!messages.contains("altered"), "{doc:#}");
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&printed, &["not trusted", "omgreg: push refused"]);
    drop(gnupg);
}
