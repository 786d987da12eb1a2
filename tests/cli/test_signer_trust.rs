//! Signers judged as git and GnuPG judge them (issue 16): an OpenPGP key nobody
//! certified is no one's e-mail, and `gpg.minTrustLevel` refuses it as `git
//! verify-commit` does (finding 2). Shared helpers for the other
//! `test_signer_trust_*` files: omgreg's status of a commit, and the check that
//! `git verify-commit` agrees with it.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};
use crate::common::refusal::assert_mentions;
use crate::common::signing::{GnuPg, gpg_registry, head};
use crate::test_check::check_json;
use crate::test_hooks::{bare_clone, clone, push, push_refused};

/// `omgreg verify REV --json` (REV judged against its parent): the commit's status
/// and signer, whatever the exit code (0 or 3).
pub(crate) fn omgreg_status(env: &TestEnv, repo: &Path, rev: &str) -> (String, String) {
    let output = env
        .omgreg(repo)
        .args(["verify", rev, "--json"])
        .output()
        .expect("omgreg runs");
    let code = output.status.code();
    assert!(matches!(code, Some(0 | 3)), "verify {rev}: {output:?}");
    let doc: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("verify --json is JSON");
    let commit = &doc["commits"][0];
    (
        commit["status"].as_str().expect("status").to_owned(),
        commit["signer"].as_str().unwrap_or("-").to_owned(),
    )
}

/// Whether real `git verify-commit REV` accepts the commit.
pub(crate) fn git_accepts(env: &TestEnv, repo: &Path, rev: &str) -> bool {
    env.git_output(repo, &["verify-commit", rev])
        .status
        .success()
}

/// omgreg's status of REV is `expected`, and `git verify-commit` accepts REV
/// exactly when that status is `good`.
#[track_caller]
pub(crate) fn assert_status_agrees(env: &TestEnv, repo: &Path, rev: &str, expected: &str) {
    let (status, signer) = omgreg_status(env, repo, rev);
    assert_eq!(
        status, expected,
        "omgreg's status of {rev} (signer {signer})"
    );
    assert_eq!(
        git_accepts(env, repo, rev),
        status == "good",
        "git verify-commit and omgreg ({status}) disagree on {rev}"
    );
}

/// `<name>` in the env: a `gpg` that always uses keyring `home` (as a server's
/// `gpg.program` may point at its own keyring).
pub(crate) fn gpg_with_home(env: &TestEnv, name: &str, home: &Path, extra: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.path().join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nGNUPGHOME='{}' exec gpg {extra} \"$@\"\n",
            home.display()
        ),
    )
    .expect("write wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A second keyring `gnupg-<name>` in the env (not exported to commands).
pub(crate) fn keyring(env: &TestEnv, name: &str) -> GnuPg {
    use std::os::unix::fs::PermissionsExt;
    let home = env.path().join(format!("gnupg-{name}"));
    std::fs::create_dir_all(&home).expect("GNUPGHOME");
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    GnuPg { home }
}

/// `churn` registered in `reg`, `[policy.Production] signers = ["ada@example.com"]`
/// committed, then a bare server cloned from it with the pre-receive hook.
pub(crate) fn served_with_ada_in_production(env: &TestEnv, reg: &Path) -> PathBuf {
    act(env, reg, &["register", "churn"]);
    configure(
        env,
        reg,
        "[policy.Production]\nsigners = [\"ada@example.com\"]\n",
    );
    served_from(env, reg)
}

/// A bare server cloned from `reg` with `hooks install --server`.
pub(crate) fn served_from(env: &TestEnv, reg: &Path) -> PathBuf {
    let server = bare_clone(env, reg, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    server
}

/// `events[0].signature` of `omgreg history --json`.
fn latest_history_signature(env: &TestEnv, repo: &Path) -> String {
    let doc = env.json(repo, &["history", "churn", "-n", "1"]);
    doc["events"][0]["signature"]
        .as_str()
        .expect("signature")
        .to_owned()
}

/// Finding 2: Mallory's key, imported into the verifier's keyring without any trust
/// or certification, carries the user id `Mallory <ada@example.com>`. Its
/// signature matches, so with git's default (no `gpg.minTrustLevel`) it is `good`
/// as `git verify-commit` says, but the uid is not valid, so it is not ada's and
/// may not move Production; with `gpg.minTrustLevel = fully` it is `untrusted`,
/// and git refuses it too. `verify`, `check`, `history` and the server hook agree.
#[test]
fn an_uncertified_openpgp_key_is_nobodys_email_and_below_min_trust_is_untrusted() {
    let env = TestEnv::new();
    let verifier = GnuPg::new(&env);
    verifier.generate("Ada <ada@example.com>");
    let reg = gpg_registry(&env, "ada@example.com");
    let server = served_with_ada_in_production(&env, &reg);

    // Mallory's own keyring; her public key goes into the verifier's, untouched.
    let mallory = keyring(&env, "mallory");
    mallory.generate("Mallory <ada@example.com>");
    let mallory_key = mallory.fingerprint("ada@example.com");
    let exported = mallory.gpg(&["--armor", "--export", &mallory_key]);
    let public = env.path().join("mallory.asc");
    std::fs::write(&public, &exported.stdout).expect("write");
    let imported = verifier.gpg(&["--import", public.to_str().expect("UTF-8")]);
    assert!(imported.status.success(), "{imported:?}");

    // Mallory promotes from her clone, signing with her own keyring.
    let work = clone(&env, &server, "work");
    let mallory_gpg = gpg_with_home(&env, "gpg-mallory", &mallory.home, "");
    env.git(&work, &["config", "user.signingkey", &mallory_key]);
    env.git(&work, &["config", "commit.gpgsign", "true"]);
    env.git(
        &work,
        &[
            "config",
            "gpg.program",
            mallory_gpg.to_str().expect("UTF-8"),
        ],
    );
    let base = head(&env, &work);
    act(
        &env,
        &work,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let promotion = head(&env, &work);

    // From here on `work` judges with the verifier's keyring, as the server does.
    env.git(&work, &["config", "--unset", "gpg.program"]);
    assert_status_agrees(&env, &work, &promotion, "good");
    assert_status_agrees(&env, &work, &base, "good");
    let (_, signer) = omgreg_status(&env, &work, &promotion);
    assert!(signer.contains("Mallory"), "{signer}");
    let output = env
        .omgreg(&work)
        .args(["verify", &format!("{base}..HEAD")])
        .output()
        .expect("omgreg runs");
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert_mentions(
        &String::from_utf8_lossy(&output.stdout),
        &["into `Production`,", "`ada@example.com`"],
    );
    let doc = check_json(&env, &work, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "signer"),
        "{doc:#}"
    );
    assert_eq!(latest_history_signature(&env, &work), "good");
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&printed, &["`ada@example.com`", "omgreg: push refused"]);

    // With gpg.minTrustLevel = fully, the key is below the minimum: untrusted.
    env.git(&work, &["config", "gpg.minTrustLevel", "fully"]);
    env.git(&server, &["config", "gpg.minTrustLevel", "fully"]);
    assert_status_agrees(&env, &work, &promotion, "untrusted");
    assert_status_agrees(&env, &work, &base, "good");
    assert_eq!(latest_history_signature(&env, &work), "untrusted");
    let doc = check_json(&env, &work, &["--range", &format!("{base}..HEAD")], 3);
    let messages = doc["findings"].to_string();
    assert!(messages.contains("not trusted"), "{doc:#}");
    assert!(messages.contains("`fully`"), "{doc:#}");
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&printed, &["not trusted", "omgreg: push refused"]);

    // Certified by ada (a trusted key), the uid is valid: the same commit is ada's.
    let certified = verifier.gpg(&["--batch", "--yes", "--quick-lsign-key", &mallory_key]);
    assert!(certified.status.success(), "{certified:?}");
    assert_status_agrees(&env, &work, &promotion, "good");
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{output:?}");
    drop(verifier);
    drop(mallory);
}
