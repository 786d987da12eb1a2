//! Signed actions: every commit omgreg writes is signed the way git signs (SSH key
//! files, literal SSH keys through ssh-agent, OpenPGP), judged by the real
//! `git verify-commit` and by `omgreg verify`; signer policies refuse promotions
//! before anything is written; a signing failure never leaves an unsigned commit.
//!
//! Keys are throwaway keys made in each test's temp folder. `omgreg verify` over
//! ranges (unknown signers, unsigned and altered commits, trust from the base) is in
//! `test_verify.rs`, which shares the helpers here.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_lifecycle::{act, configure, run};

/// A passphrase-less ed25519 key `keys/<name>` in the env; returns the private key path.
pub(crate) fn ssh_key(env: &TestEnv, name: &str) -> PathBuf {
    let dir = env.path().join("keys");
    std::fs::create_dir_all(&dir).expect("keys dir");
    let path = dir.join(name);
    let output = StdCommand::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen runs");
    assert!(
        output.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

/// `ssh-ed25519 AAAA...` of a key made by [`ssh_key`].
pub(crate) fn public_key(key: &Path) -> String {
    let text = std::fs::read_to_string(format!("{}.pub", key.display())).expect("public key");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `.pub` path of a key made by [`ssh_key`].
pub(crate) fn pub_path(key: &Path) -> String {
    format!("{}.pub", key.display())
}

/// The text of an allowed-signers file: one `principal key` line per entry.
pub(crate) fn allowed_signers_text(entries: &[(&str, &Path)]) -> String {
    entries
        .iter()
        .map(|(principal, key)| format!("{principal} {}\n", public_key(key)))
        .collect()
}

/// An allowed-signers file outside the registry (for `gpg.ssh.allowedSignersFile`).
pub(crate) fn allowed_signers_file(env: &TestEnv, entries: &[(&str, &Path)]) -> PathBuf {
    let path = env.path().join("allowed_signers");
    std::fs::write(&path, allowed_signers_text(entries)).expect("allowed signers");
    path
}

/// Repo-local git config for SSH signing with `key` (`user.signingkey` as given),
/// signing by default, and `gpg.ssh.allowedSignersFile` when given.
pub(crate) fn ssh_signing(env: &TestEnv, reg: &Path, key: &str, allowed: Option<&Path>) {
    env.git(reg, &["config", "gpg.format", "ssh"]);
    env.git(reg, &["config", "user.signingkey", key]);
    env.git(reg, &["config", "commit.gpgsign", "true"]);
    if let Some(allowed) = allowed {
        let allowed = allowed.to_str().expect("UTF-8 path");
        env.git(reg, &["config", "gpg.ssh.allowedSignersFile", allowed]);
    }
}

/// `git init NAME`, SSH signing configured in it, then `omgreg init .` inside (so
/// that the very first commit is signed too).
pub(crate) fn ssh_registry(
    env: &TestEnv,
    name: &str,
    key: &str,
    allowed: Option<&Path>,
) -> PathBuf {
    env.git(env.path(), &["init", "-q", name]);
    let reg = env.path().join(name);
    ssh_signing(env, &reg, key, allowed);
    run(env, &reg, &["init", "."]);
    reg
}

pub(crate) fn head(env: &TestEnv, reg: &Path) -> String {
    env.git(reg, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// `%G?` of HEAD: `G` good, `N` unsigned, ...
pub(crate) fn git_sig_status(env: &TestEnv, reg: &Path) -> String {
    env.git(reg, &["log", "-1", "--format=%G?"])
        .trim()
        .to_owned()
}

/// HEAD carries a signature (`gpgsig`), whether or not git can check it here.
#[track_caller]
pub(crate) fn assert_has_signature(env: &TestEnv, reg: &Path) {
    let raw = env.git(reg, &["cat-file", "commit", "HEAD"]);
    assert!(raw.contains("\ngpgsig "), "HEAD is unsigned:\n{raw}");
}

/// `omgreg verify ARGS`, which must exit with `code`; returns stdout.
pub(crate) fn verify_text(env: &TestEnv, reg: &Path, args: &[&str], code: i32) -> String {
    let output = env
        .omgreg(reg)
        .arg("verify")
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).expect("omgreg prints UTF-8")
}

/// `omgreg verify ARGS --json`, which must exit with `code`; returns the document.
pub(crate) fn verify_json(
    env: &TestEnv,
    reg: &Path,
    args: &[&str],
    code: i32,
) -> serde_json::Value {
    let mut full = args.to_vec();
    full.push("--json");
    let text = verify_text(env, reg, &full, code);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("verify --json is JSON");
    assert_eq!(doc["kind"], "verification", "{doc}");
    assert_eq!(doc["ok"], code == 0, "{doc}");
    doc
}

/// The verdicts of `verify --json`, as `(status, signer)` pairs, oldest first.
pub(crate) fn verdicts(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| {
            (
                c["status"].as_str().expect("status").to_owned(),
                c["signer"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

/// HEAD is signed: real `git verify-commit HEAD` accepts it, `%G?` is `G`, and
/// `omgreg verify` (HEAD against its parent) finds a good signature by `signer`.
#[track_caller]
pub(crate) fn assert_head_signed(env: &TestEnv, reg: &Path, format: &str, signer: &str) {
    let output = env.git_output(reg, &["verify-commit", "HEAD"]);
    assert!(
        output.status.success(),
        "git verify-commit HEAD ({}): {}",
        env.git(reg, &["log", "-1", "--format=%s"]).trim(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(git_sig_status(env, reg), "G");
    let doc = verify_json(env, reg, &[], 0);
    let commits = doc["commits"].as_array().expect("commits");
    assert_eq!(commits.len(), 1, "{doc}");
    assert_eq!(commits[0]["commit"], head(env, reg), "{doc}");
    assert_eq!(commits[0]["status"], "good", "{doc}");
    assert_eq!(commits[0]["format"], format, "{doc}");
    let found = commits[0]["signer"].as_str().unwrap_or_default();
    assert!(
        found.contains(signer),
        "signer {found:?}, expected {signer:?}"
    );
    assert_eq!(commits[0]["problems"], serde_json::json!([]), "{doc}");
}

/// An ssh-agent of the test's own, on a socket in the temp folder; killed on drop.
pub(crate) struct SshAgent {
    pid: String,
    pub socket: String,
}

impl SshAgent {
    /// `None` (with a note on stderr) when no agent can be started here.
    pub(crate) fn start(env: &TestEnv) -> Option<Self> {
        let socket = env.path().join("agent.sock").display().to_string();
        let output = match StdCommand::new("ssh-agent")
            .args(["-s", "-a", &socket])
            .output()
        {
            Ok(output) if output.status.success() => output,
            Ok(output) => {
                eprintln!(
                    "skipping the ssh-agent part: ssh-agent failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                return None;
            }
            Err(err) => {
                eprintln!("skipping the ssh-agent part: ssh-agent cannot start: {err}");
                return None;
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(pid) = stdout
            .split(';')
            .find_map(|part| part.trim().strip_prefix("SSH_AGENT_PID="))
        else {
            eprintln!("skipping the ssh-agent part: no SSH_AGENT_PID in {stdout:?}");
            return None;
        };
        Some(Self {
            pid: pid.trim().to_owned(),
            socket,
        })
    }

    /// `ssh-add KEY`; false (with a note) when the agent refuses it.
    pub(crate) fn add(&self, key: &Path) -> bool {
        let output = StdCommand::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output();
        match output {
            Ok(output) if output.status.success() => true,
            other => {
                eprintln!("skipping the ssh-agent part: ssh-add failed: {other:?}");
                false
            }
        }
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = StdCommand::new("kill").arg(&self.pid).status();
    }
}

/// A temp `GNUPGHOME` (mode 0700) exported to every later `omgreg` / `git` command;
/// its gpg-agent is stopped on drop.
pub(crate) struct GnuPg {
    home: PathBuf,
}

impl GnuPg {
    pub(crate) fn new(env: &TestEnv) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let home = env.path().join("gnupg");
        std::fs::create_dir_all(&home).expect("GNUPGHOME");
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        env.set_env("GNUPGHOME", home.to_str().expect("UTF-8 path"));
        Self { home }
    }

    fn gpg(&self, args: &[&str]) -> std::process::Output {
        StdCommand::new("gpg")
            .args(args)
            .env("GNUPGHOME", &self.home)
            .output()
            .expect("gpg runs")
    }

    /// A passphrase-less signing key for `uid` (`Name <email>`).
    pub(crate) fn generate(&self, uid: &str) {
        let output = self.gpg(&[
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        ]);
        assert!(
            output.status.success(),
            "gpg --quick-gen-key: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The fingerprint of the key `who` names.
    pub(crate) fn fingerprint(&self, who: &str) -> String {
        let output = self.gpg(&["--with-colons", "--list-keys", who]);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|field| !field.is_empty()))
            .expect("a fingerprint")
            .to_owned()
    }
}

impl Drop for GnuPg {
    fn drop(&mut self) {
        let _ = StdCommand::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.home)
            .status();
    }
}

/// `git init`, OpenPGP signing by `user.signingkey KEY` by default, `omgreg init .`.
pub(crate) fn gpg_registry(env: &TestEnv, key: &str) -> PathBuf {
    env.git(env.path(), &["init", "-q", "reg"]);
    let reg = env.path().join("reg");
    env.git(&reg, &["config", "user.signingkey", key]);
    env.git(&reg, &["config", "commit.gpgsign", "true"]);
    run(env, &reg, &["init", "."]);
    reg
}

// ---------------------------------------------------------------------------------
// Signing with SSH

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

/// A registry signing as alice, with `.omgreg/allowed_signers` (alice and bob)
/// committed and `[policy.Production] signers = ["alice@example.com"]`; `churn`
/// 1.0.0 and 2.0.0 registered. Returns the registry and alice's, bob's and carol's
/// private key paths (carol is in no allowed signers).
fn policy_registry(env: &TestEnv) -> (PathBuf, [String; 3]) {
    let alice = ssh_key(env, "alice");
    let bob = ssh_key(env, "bob");
    let carol = ssh_key(env, "carol");
    let reg = ssh_registry(env, "reg", alice.to_str().expect("UTF-8"), None);
    commit_by_hand(
        env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("alice@example.com", &alice), ("bob@example.com", &bob)]),
    );
    configure(
        env,
        &reg,
        "[policy.Production]\nsigners = [\"alice@example.com\"]\n",
    );
    act(env, &reg, &["register", "churn"]);
    act(env, &reg, &["register", "churn", "--version", "2.0.0"]);
    let path = |p: &PathBuf| p.to_str().expect("UTF-8").to_owned();
    (reg, [path(&alice), path(&bob), path(&carol)])
}

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
