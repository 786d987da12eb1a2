//! SSH signatures: `ssh-keygen -Y sign|verify|find-principals` with namespace `git`,
//! exactly as git runs them.

use std::path::PathBuf;

use super::program::run;
use super::{Format, SigStatus, SignError, Verification};
use crate::store::{CommitSigner, SigningFailed};

/// Where the signing key is.
#[derive(Debug, Clone)]
enum SshKey {
    /// `key::ssh-ed25519 AAAA...` (or a bare public key): the private half is in the agent.
    Literal(String),
    /// A key file (private, or public with the private half in the agent).
    File(PathBuf),
}

/// Signs with `ssh-keygen -Y sign`.
pub(crate) struct SshSigner {
    program: String,
    key: SshKey,
}

impl SshSigner {
    pub fn new(program: &str, key: &str) -> Result<Self, SignError> {
        let key = if let Some(literal) = key.strip_prefix("key::") {
            SshKey::Literal(literal.trim().to_owned())
        } else if key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-") {
            SshKey::Literal(key.trim().to_owned())
        } else {
            SshKey::File(expand_home(key))
        };
        Ok(Self {
            program: program.to_owned(),
            key,
        })
    }
}

impl CommitSigner for SshSigner {
    fn sign(&self, buffer: &str) -> Result<String, SigningFailed> {
        self.sign_buffer(buffer).map_err(|err| {
            err.into_failed("check `user.signingkey` and that the key (or ssh-agent) is usable: `git commit -S` fails the same way")
        })
    }
}

impl SshSigner {
    fn sign_buffer(&self, buffer: &str) -> Result<String, SignError> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("commit");
        std::fs::write(&file, buffer)?;
        let file_text = file.display().to_string();
        let (key_path, literal) = match &self.key {
            SshKey::Literal(key) => {
                let path = dir.path().join("key.pub");
                std::fs::write(&path, format!("{key}\n"))?;
                (path, true)
            }
            SshKey::File(path) => (path.clone(), false),
        };
        let key_text = key_path.display().to_string();
        let mut args = vec!["-Y", "sign", "-n", "git", "-f", &key_text];
        if literal {
            args.push("-U");
        }
        args.push(&file_text);
        let ran = run(&self.program, &args, b"")?;
        if !ran.success {
            return Err(SignError::ProgramFailed {
                program: self.program.clone(),
                stderr: ran.stderr,
            });
        }
        Ok(std::fs::read_to_string(format!("{file_text}.sig"))?)
    }
}

/// Verifies an SSH signature over `data` against `allowed_signers`.
pub(crate) fn verify(
    program: &str,
    signature: &str,
    data: &[u8],
    allowed_signers: Option<&str>,
) -> Verification {
    verify_inner(program, signature, data, allowed_signers).unwrap_or_else(|err| {
        Verification::failed(Some(Format::Ssh), SigStatus::Unverifiable(err.to_string()))
    })
}

fn verify_inner(
    program: &str,
    signature: &str,
    data: &[u8],
    allowed_signers: Option<&str>,
) -> Result<Verification, SignError> {
    let dir = tempfile::tempdir()?;
    let sig = dir.path().join("commit.sig");
    std::fs::write(&sig, signature)?;
    let sig_text = sig.display().to_string();
    // A valid signature by a key nobody trusts is "unknown signer", not "bad".
    let untrusted = || -> Result<Verification, SignError> {
        let ran = run(
            program,
            &["-Y", "check-novalidate", "-n", "git", "-s", &sig_text],
            data,
        )?;
        let status = if ran.success {
            SigStatus::UnknownSigner
        } else {
            SigStatus::Bad
        };
        Ok(Verification::failed(Some(Format::Ssh), status))
    };
    let Some(allowed) = allowed_signers else {
        return untrusted();
    };
    let allowed_path = dir.path().join("allowed_signers");
    std::fs::write(&allowed_path, allowed)?;
    let allowed_text = allowed_path.display().to_string();
    let found = run(
        program,
        &[
            "-Y",
            "find-principals",
            "-f",
            &allowed_text,
            "-s",
            &sig_text,
        ],
        b"",
    )?;
    let principals: Vec<String> = String::from_utf8_lossy(&found.stdout)
        .lines()
        .flat_map(|line| line.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let Some(first) = principals.first().filter(|_| found.success) else {
        return untrusted();
    };
    let ran = run(
        program,
        &[
            "-Y",
            "verify",
            "-f",
            &allowed_text,
            "-I",
            first,
            "-n",
            "git",
            "-s",
            &sig_text,
        ],
        data,
    )?;
    if !ran.success {
        // The key is known but the signature does not match: name who it claims to be.
        let mut bad = Verification::failed(Some(Format::Ssh), SigStatus::Bad);
        bad.signer = Some(principals.join(","));
        return Ok(bad);
    }
    Ok(Verification {
        status: SigStatus::Good,
        format: Some(Format::Ssh),
        signer: Some(principals.join(",")),
        principals,
    })
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
