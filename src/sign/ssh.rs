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

    /// The public key (`type base64`), to look its principals up in allowed signers.
    pub fn public_key(&self) -> Result<String, SignError> {
        let text = match &self.key {
            SshKey::Literal(key) => key.clone(),
            SshKey::File(path) => {
                let public = if path.extension().is_some_and(|e| e == "pub") {
                    path.clone()
                } else {
                    PathBuf::from(format!("{}.pub", path.display()))
                };
                match std::fs::read_to_string(&public) {
                    Ok(text) => text,
                    Err(_) => {
                        let path_text = path.display().to_string();
                        let ran = run(&self.program, &["-y", "-f", &path_text], b"")?;
                        if !ran.success {
                            return Err(SignError::KeyUnreadable {
                                path: path_text,
                                reason: ran.stderr,
                            });
                        }
                        String::from_utf8_lossy(&ran.stdout).into_owned()
                    }
                }
            }
        };
        Ok(key_material(&text))
    }
}

impl CommitSigner for SshSigner {
    fn sign(&self, buffer: &str) -> Result<String, SigningFailed> {
        self.sign_buffer(buffer).map_err(|err| SigningFailed {
            message: err.to_string(),
            help: "check `user.signingkey` and that the key (or ssh-agent) is usable: `git commit -S` fails the same way"
                .to_owned(),
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

/// `type base64` of a public key line (options and comment dropped).
pub(crate) fn key_material(line: &str) -> String {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let start = parts
        .iter()
        .position(|p| p.starts_with("ssh-") || p.starts_with("ecdsa-") || p.starts_with("sk-"));
    match start {
        Some(index) if index + 1 < parts.len() => format!("{} {}", parts[index], parts[index + 1]),
        _ => line.trim().to_owned(),
    }
}

/// The principals `allowed_signers` lists for `public_key`.
pub(crate) fn principals_of(allowed_signers: &str, public_key: &str) -> Vec<String> {
    allowed_signers
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter(|line| key_material(line) == public_key)
        .flat_map(|line| {
            line.split_whitespace()
                .next()
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Verifies an SSH signature over `data` against `allowed_signers`.
pub(crate) fn verify(
    program: &str,
    signature: &str,
    data: &[u8],
    allowed_signers: Option<&str>,
) -> Verification {
    let result = (|| -> Result<Verification, SignError> {
        let dir = tempfile::tempdir()?;
        let sig = dir.path().join("commit.sig");
        std::fs::write(&sig, signature)?;
        let sig_text = sig.display().to_string();
        let good_but_unknown = || -> Result<bool, SignError> {
            let ran = run(
                program,
                &["-Y", "check-novalidate", "-n", "git", "-s", &sig_text],
                data,
            )?;
            Ok(ran.success)
        };
        let Some(allowed) = allowed_signers else {
            let status = if good_but_unknown()? {
                SigStatus::UnknownSigner
            } else {
                SigStatus::Bad
            };
            return Ok(Verification {
                status,
                format: Some(Format::Ssh),
                signer: None,
            });
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
        let principal = String::from_utf8_lossy(&found.stdout)
            .lines()
            .next()
            .map(str::to_owned);
        let Some(principal) = principal.filter(|_| found.success) else {
            let status = if good_but_unknown()? {
                SigStatus::UnknownSigner
            } else {
                SigStatus::Bad
            };
            return Ok(Verification {
                status,
                format: Some(Format::Ssh),
                signer: None,
            });
        };
        let ran = run(
            program,
            &[
                "-Y",
                "verify",
                "-f",
                &allowed_text,
                "-I",
                &principal,
                "-n",
                "git",
                "-s",
                &sig_text,
            ],
            data,
        )?;
        let status = if ran.success {
            SigStatus::Good
        } else {
            SigStatus::Bad
        };
        Ok(Verification {
            status,
            format: Some(Format::Ssh),
            signer: Some(principal),
        })
    })();
    result.unwrap_or_else(|err| Verification {
        status: SigStatus::Unverifiable(err.to_string()),
        format: Some(Format::Ssh),
        signer: None,
    })
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_found_by_key_material() {
        let allowed = "# team\nalice@example.com,ops ssh-ed25519 AAAA1 alice@laptop\n\
                       bob@example.com namespaces=\"git\" ssh-ed25519 AAAA2\n";
        assert_eq!(
            principals_of(allowed, "ssh-ed25519 AAAA1"),
            ["alice@example.com", "ops"]
        );
        assert_eq!(
            principals_of(allowed, &key_material("ssh-ed25519 AAAA2 bob@x")),
            ["bob@example.com"]
        );
        assert!(principals_of(allowed, "ssh-ed25519 AAAA3").is_empty());
    }
}
