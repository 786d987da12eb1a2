//! SSH signatures: `ssh-keygen -Y sign|verify|find-principals` with namespace `git`,
//! exactly as git runs them.

use std::path::{Path, PathBuf};

use super::allowed_signers;
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

/// What an SSH verification runs with.
pub(crate) struct Verifier<'a> {
    pub program: &'a str,
    /// The allowed signers' text; without it no key is known.
    pub allowed_signers: Option<&'a str>,
    /// `gpg.ssh.revocationFile`, passed as `-r` when it exists (as git does).
    pub revocation_file: Option<&'a Path>,
    /// The commit's date: keys' `valid-after`/`valid-before` are checked then.
    pub time: Option<i64>,
}

/// Verifies an SSH signature over `data` as git does: `find-principals` for the
/// key, `verify` per principal, `check-novalidate` for a key no principal admits.
/// A signature that matches but whose key is outside its validity window or
/// namespaces, or revoked, is untrusted; one whose key is listed nowhere, unknown.
pub(crate) fn verify(verifier: &Verifier<'_>, signature: &str, data: &[u8]) -> Verification {
    verify_inner(verifier, signature, data).unwrap_or_else(|err| {
        Verification::failed(Some(Format::Ssh), SigStatus::Unverifiable(err.to_string()))
    })
}

fn verify_inner(
    verifier: &Verifier<'_>,
    signature: &str,
    data: &[u8],
) -> Result<Verification, SignError> {
    let check = Check::new(verifier, signature, data)?;
    let Some(allowed) = verifier.allowed_signers else {
        let status = if check.matches()? {
            SigStatus::Unknown
        } else {
            SigStatus::Bad
        };
        return Ok(failed(status, &[]));
    };
    let allowed_path = check.write("allowed_signers", allowed)?;
    let lines = check.find_principals(&allowed_path, true)?;
    if lines.is_empty() {
        return not_valid_now(&check, allowed);
    }
    let revocation = verifier
        .revocation_file
        .filter(|path| path.exists())
        .map(|path| path.display().to_string());
    let mut verified = Vec::new();
    for line in &lines {
        if check.verifies(&allowed_path, line, revocation.as_deref())? {
            verified.push(line.clone());
        }
    }
    if verified.is_empty() {
        // The key is known: a signature that matches is one its entry does not admit.
        let status = if check.matches()? {
            SigStatus::Untrusted(
                "the key is limited to other `namespaces`, outside its validity window, or revoked"
                    .to_owned(),
            )
        } else {
            SigStatus::Bad
        };
        return Ok(failed(status, &split(&lines)));
    }
    let principals = split(&verified);
    Ok(Verification {
        status: SigStatus::Good,
        format: Some(Format::Ssh),
        signer: Some(principals.join(",")),
        principals,
    })
}

/// No entry admits the key at the commit's date: `bad` if the signature does not
/// match, `untrusted` if an entry lists the key outside its validity window,
/// `unknown` if none lists it.
fn not_valid_now(check: &Check<'_>, allowed: &str) -> Result<Verification, SignError> {
    if !check.matches()? {
        return Ok(failed(SigStatus::Bad, &[]));
    }
    let unrestricted = check.write(
        "allowed_signers.unrestricted",
        &allowed_signers::without_validity(allowed),
    )?;
    let listed = check.find_principals(&unrestricted, false)?;
    if listed.is_empty() {
        return Ok(failed(SigStatus::Unknown, &[]));
    }
    let why = "the key is outside its `valid-after`/`valid-before` window at the commit's date";
    Ok(failed(
        SigStatus::Untrusted(why.to_owned()),
        &split(&listed),
    ))
}

fn failed(status: SigStatus, principals: &[String]) -> Verification {
    let mut verification = Verification::failed(Some(Format::Ssh), status);
    verification.signer = Some(principals.join(",")).filter(|s| !s.is_empty());
    verification
}

/// One verification's signature file, data and time, and the `ssh-keygen` runs
/// over them.
struct Check<'a> {
    program: &'a str,
    dir: tempfile::TempDir,
    sig: String,
    data: &'a [u8],
    /// `-Overify-time=...` for the commit's date.
    time: Option<String>,
}

impl<'a> Check<'a> {
    fn new(verifier: &Verifier<'a>, signature: &str, data: &'a [u8]) -> Result<Self, SignError> {
        let dir = tempfile::tempdir()?;
        let sig = dir.path().join("commit.sig");
        std::fs::write(&sig, signature)?;
        Ok(Self {
            program: verifier.program,
            sig: sig.display().to_string(),
            dir,
            data,
            time: verifier.time.and_then(verify_time_option),
        })
    }

    /// Writes `text` to `name` in the temp folder; returns its path.
    fn write(&self, name: &str, text: &str) -> Result<String, SignError> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text)?;
        Ok(path.display().to_string())
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Result<super::program::Ran, SignError> {
        let mut args = args.to_vec();
        args.extend(self.time.as_deref());
        run(self.program, &args, stdin)
    }

    /// Whether the signature matches the data at all (namespace `git`), whoever made it.
    fn matches(&self) -> Result<bool, SignError> {
        let args = ["-Y", "check-novalidate", "-n", "git", "-s", &self.sig];
        Ok(self.run(&args, self.data)?.success)
    }

    /// The lines `ssh-keygen -Y find-principals` prints for the signature's key
    /// (checking validity at the commit's date when `at_time`).
    fn find_principals(&self, allowed: &str, at_time: bool) -> Result<Vec<String>, SignError> {
        let args = ["-Y", "find-principals", "-f", allowed, "-s", &self.sig];
        let found = if at_time {
            self.run(&args, b"")?
        } else {
            run(self.program, &args, b"")?
        };
        if !found.success {
            return Ok(Vec::new());
        }
        Ok(String::from_utf8_lossy(&found.stdout)
            .lines()
            .map(|line| line.trim().to_owned())
            .filter(|line| !line.is_empty())
            .collect())
    }

    /// `ssh-keygen -Y verify` for the principals `line`, as git runs it.
    fn verifies(
        &self,
        allowed: &str,
        line: &str,
        revocation: Option<&str>,
    ) -> Result<bool, SignError> {
        let mut args = vec!["-Y", "verify", "-n", "git", "-f", allowed, "-I", line];
        args.extend(["-s", &self.sig]);
        if let Some(revocation) = revocation {
            args.extend(["-r", revocation]);
        }
        let ran = self.run(&args, self.data)?;
        Ok(ran.success && String::from_utf8_lossy(&ran.stdout).starts_with("Good"))
    }
}

/// Principals from `find-principals` lines (`a@example.com,ops`).
fn split(lines: &[String]) -> Vec<String> {
    let mut principals: Vec<String> = Vec::new();
    for principal in lines.iter().flat_map(|line| line.split(',')) {
        let principal = principal.trim().to_owned();
        if !principal.is_empty() && !principals.contains(&principal) {
            principals.push(principal);
        }
    }
    principals
}

/// `-Overify-time=YYYYMMDDHHMMSSZ` for `time` (UTC, so that the local time zone
/// cannot shift it; git writes the same instant in local time).
fn verify_time_option(time: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp(time).ok()?;
    let format = time::macros::format_description!("[year][month][day][hour][minute][second]");
    Some(format!("-Overify-time={}Z", at.format(&format).ok()?))
}

fn expand_home(path: &str) -> PathBuf {
    super::verify::expand_home(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verify_time_is_written_in_utc() {
        assert_eq!(
            verify_time_option(1_700_000_000).as_deref(),
            Some("-Overify-time=20231114221320Z")
        );
    }

    #[test]
    fn principals_are_split_and_deduplicated() {
        let lines = ["a@example.com,ops".to_owned(), "ops".to_owned()];
        assert_eq!(split(&lines), ["a@example.com", "ops"]);
    }
}
