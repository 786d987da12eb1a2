//! Statuses that say why (issue 16, finding 7): a signature that matches but whose
//! key is restricted to other namespaces, outside its validity window at the
//! commit's date, revoked or expired is `untrusted`, not `bad`; a key listed nowhere
//! is `unknown`; SSH validity windows are checked at the committer date, as git
//! checks them. `git verify-commit` agrees on each, with and without
//! `gpg.minTrustLevel`.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::signing::{
    GnuPg, gpg_registry, head, pub_path, public_key, ssh_key, ssh_registry,
};
use crate::test_signer_trust::{assert_status_agrees, gpg_with_home, keyring, omgreg_status};

/// The signature statuses of `history churn --json`, oldest first.
fn history_statuses(env: &TestEnv, reg: &Path) -> Vec<String> {
    let doc = env.json(reg, &["history", "churn"]);
    let mut statuses: Vec<String> = doc["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["signature"].as_str().expect("signature").to_owned())
        .collect();
    statuses.reverse();
    statuses
}

/// The commits are dated 2026-01-02 (the test environment's committer date): bob's
/// key is valid until 2026-06-01 and carol's from 2026-03-01, so git, checking at
/// the commit's date, accepts bob's and refuses carol's whatever the day the test
/// runs (after 2026-06-01, today's clock would say the opposite).
#[test]
fn ssh_signatures_by_restricted_revoked_or_unlisted_keys_say_why() {
    let env = TestEnv::new();
    let [ada, bob, carol, dan, eve, root] =
        ["ada", "bob", "carol", "dan", "eve", "root"].map(|n| ssh_key(&env, n));
    let allowed = env.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "ada@example.com namespaces=\"file\" {}\n\
             bob@example.com valid-before=\"20260601Z\" {}\n\
             carol@example.com valid-after=\"20260301Z\" {}\n\
             dan@example.com {}\n\
             root@example.com {}\n",
            public_key(&ada),
            public_key(&bob),
            public_key(&carol),
            public_key(&dan),
            public_key(&root),
        ),
    )
    .expect("allowed signers");
    let revoked = env.path().join("revoked_keys");
    std::fs::write(&revoked, format!("{}\n", public_key(&dan))).expect("revoked");
    let reg = ssh_registry(&env, "reg", &pub_path(&root), Some(&allowed));
    env.git(
        &reg,
        &[
            "config",
            "gpg.ssh.revocationFile",
            revoked.to_str().expect("UTF-8"),
        ],
    );
    let mut commits = Vec::new();
    for (key, version) in [
        (&ada, "1.0.0"),
        (&bob, "1.1.0"),
        (&carol, "1.2.0"),
        (&dan, "1.3.0"),
        (&eve, "1.4.0"),
    ] {
        env.git(&reg, &["config", "user.signingkey", &pub_path(key)]);
        act(&env, &reg, &["register", "churn", "--version", version]);
        commits.push(head(&env, &reg));
    }
    let expected = ["untrusted", "good", "untrusted", "untrusted", "unknown"];
    for level in [None, Some("marginal"), Some("fully")] {
        if let Some(level) = level {
            env.git(&reg, &["config", "gpg.minTrustLevel", level]);
        }
        for (commit, status) in commits.iter().zip(expected) {
            assert_status_agrees(&env, &reg, commit, status);
        }
    }
    assert_eq!(history_statuses(&env, &reg), expected);
    let (_, signer) = omgreg_status(&env, &reg, &commits[2]);
    assert_eq!(signer, "carol@example.com");

    // git gives SSH signers the trust level "fully": "ultimate" refuses them all.
    env.git(&reg, &["config", "gpg.minTrustLevel", "ultimate"]);
    for (commit, status) in commits.iter().zip(expected) {
        let status = if status == "good" {
            "untrusted"
        } else {
            status
        };
        assert_status_agrees(&env, &reg, commit, status);
    }
}

/// A key made three days ago that expired a day later, its signature made while
/// it was valid (`--faked-system-time`).
fn expired_key(env: &TestEnv, gnupg: &GnuPg) -> std::path::PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let past = format!("{}!", now - 3 * 86_400);
    let output = gnupg.gpg(&[
        "--batch",
        "--faked-system-time",
        &past,
        "--passphrase",
        "",
        "--quick-gen-key",
        "Eve <eve@example.com>",
        "ed25519",
        "sign",
        "1d",
    ]);
    assert!(output.status.success(), "{output:?}");
    let hour_later = format!("{}!", now - 3 * 86_400 + 3_600);
    gpg_with_home(
        env,
        "gpg-then",
        &gnupg.home,
        &format!("--faked-system-time {hour_later}"),
    )
}

/// `git commit --allow-empty -S` signed by `key`, with `gpg.program` as given.
fn signed_commit(
    env: &TestEnv,
    reg: &Path,
    key: &str,
    program: Option<&Path>,
    message: &str,
) -> String {
    let mut args = vec!["-c".to_owned(), format!("user.signingkey={key}")];
    if let Some(program) = program {
        args.extend([
            "-c".to_owned(),
            format!("gpg.program={}", program.display()),
        ]);
    }
    args.extend(["commit", "-q", "--allow-empty", "-S", "-m", message].map(str::to_owned));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.git(reg, &args);
    head(env, reg)
}

#[test]
fn openpgp_signatures_by_expired_revoked_or_unknown_keys_say_why() {
    let env = TestEnv::new();
    let gnupg = GnuPg::new(&env);
    gnupg.generate("Ada <ada@example.com>");
    gnupg.generate("Rex <rex@example.com>");
    let reg = gpg_registry(&env, "ada@example.com");
    let by_ada = head(&env, &reg);

    let then = expired_key(&env, &gnupg);
    let by_eve = signed_commit(&env, &reg, "eve@example.com", Some(&then), "by eve");
    let by_rex = signed_commit(&env, &reg, "rex@example.com", None, "by rex");
    let rex = gnupg.fingerprint("rex@example.com");
    let revocation =
        std::fs::read_to_string(gnupg.home.join(format!("openpgp-revocs.d/{rex}.rev")))
            .expect("revocation certificate")
            .replace(":-----BEGIN", "-----BEGIN");
    let path = env.path().join("rex.rev");
    std::fs::write(&path, revocation).expect("write");
    let imported = gnupg.gpg(&["--batch", "--import", path.to_str().expect("UTF-8")]);
    assert!(imported.status.success(), "{imported:?}");
    let stranger = keyring(&env, "stranger");
    stranger.generate("Stranger <stranger@example.com>");
    let stranger_gpg = gpg_with_home(&env, "gpg-stranger", &stranger.home, "");
    let by_stranger = signed_commit(
        &env,
        &reg,
        "stranger@example.com",
        Some(&stranger_gpg),
        "by stranger",
    );

    for level in [Some("marginal"), Some("ultimate"), None] {
        match level {
            Some(level) => env.git(&reg, &["config", "gpg.minTrustLevel", level]),
            None => env.git(&reg, &["config", "--unset", "gpg.minTrustLevel"]),
        };
        assert_status_agrees(&env, &reg, &by_ada, "good");
        assert_status_agrees(&env, &reg, &by_rex, "untrusted");
        assert_status_agrees(&env, &reg, &by_stranger, "unknown");
        if level.is_some() {
            assert_status_agrees(&env, &reg, &by_eve, "untrusted");
        }
    }
    // Without gpg.minTrustLevel, git before 2.54 refuses a good signature by an
    // expired key and git 2.54 accepts it (git 90695bbdae, "signatures by expired
    // keys are fine"); both letter it `Y`. omgreg holds it `untrusted`, never `good`.
    assert_eq!(omgreg_status(&env, &reg, &by_eve).0, "untrusted");
    assert_eq!(
        env.git(&reg, &["log", "-1", "--format=%G?", &by_eve])
            .trim(),
        "Y"
    );
    drop(stranger);
    drop(gnupg);
}
