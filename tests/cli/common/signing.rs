//! Signing helpers for the tests: throwaway ssh keys, an ssh-agent, a temp GNUPGHOME,
//! and registries configured to sign.

#![allow(dead_code)] // each signing test file uses a different part

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use super::TestEnv;
use super::lifecycle::{act, configure, run};
use super::refusal::commit_by_hand;

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
    pub(crate) home: PathBuf,
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

    pub(crate) fn gpg(&self, args: &[&str]) -> std::process::Output {
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

/// A registry signing as alice, with `.omgreg/allowed_signers` (alice and bob)
/// committed and `[policy.Production] signers = ["alice@example.com"]`; `churn`
/// 1.0.0 and 2.0.0 registered. Returns the registry and alice's, bob's and carol's
/// private key paths (carol is in no allowed signers).
pub(crate) fn policy_registry(env: &TestEnv) -> (PathBuf, [String; 3]) {
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
