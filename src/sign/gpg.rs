//! OpenPGP and X.509 signatures through `gpg` / `gpgsm`, as git runs them.

use super::program::run;
use super::{Format, SigStatus, SignError, Verification};
use crate::store::{CommitSigner, SigningFailed};

/// Signs with `gpg --status-fd=2 -bsau KEY` (or `gpgsm`).
pub(crate) struct GpgSigner {
    pub program: String,
    pub key: String,
}

impl CommitSigner for GpgSigner {
    fn sign(&self, buffer: &str) -> Result<String, SigningFailed> {
        self.sign_buffer(buffer).map_err(|err| {
            err.into_failed("check `user.signingkey`, the key's passphrase and gpg-agent: `git commit -S` fails the same way")
        })
    }
}

impl GpgSigner {
    fn sign_buffer(&self, buffer: &str) -> Result<String, SignError> {
        let ran = run(
            &self.program,
            &["--status-fd=2", "-bsau", &self.key],
            buffer.as_bytes(),
        )?;
        if !ran.success || !ran.stderr.contains("[GNUPG:] SIG_CREATED") {
            return Err(SignError::ProgramFailed {
                program: self.program.clone(),
                stderr: ran.stderr,
            });
        }
        String::from_utf8(ran.stdout).map_err(|err| SignError::ProgramFailed {
            program: self.program.clone(),
            stderr: err.to_string(),
        })
    }
}

/// Verifies an OpenPGP or X.509 signature over `data` with the keyring.
pub(crate) fn verify(program: &str, format: Format, signature: &str, data: &[u8]) -> Verification {
    verify_inner(program, format, signature, data).unwrap_or_else(|err| {
        Verification::failed(Some(format), SigStatus::Unverifiable(err.to_string()))
    })
}

fn verify_inner(
    program: &str,
    format: Format,
    signature: &str,
    data: &[u8],
) -> Result<Verification, SignError> {
    let dir = tempfile::tempdir()?;
    let sig = dir.path().join("commit.sig");
    std::fs::write(&sig, signature)?;
    let sig_text = sig.display().to_string();
    let ran = run(
        program,
        &["--status-fd=1", "--verify", &sig_text, "-"],
        data,
    )?;
    Ok(parse_status(
        &String::from_utf8_lossy(&ran.stdout),
        ran.success,
        format,
    ))
}

/// Reads gpg's `--status-fd` lines: GOODSIG/BADSIG/ERRSIG/NO_PUBKEY and VALIDSIG.
fn parse_status(lines: &str, success: bool, format: Format) -> Verification {
    let mut verification = Verification::failed(Some(format), SigStatus::Bad);
    for line in lines.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let mut words = rest.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("GOODSIG"), Some(key), uid) => {
                verification.status = SigStatus::Good;
                verification.signer = Some(uid.map_or_else(|| key.to_owned(), str::to_owned));
                if let Some(uid) = uid
                    && let (Some(open), Some(close)) = (uid.find('<'), uid.rfind('>'))
                {
                    verification
                        .principals
                        .push(uid[open + 1..close].to_owned());
                }
                verification.principals.push(key.to_owned());
            }
            (Some("VALIDSIG"), Some(fingerprint), _) => {
                verification.principals.push(fingerprint.to_owned());
            }
            (Some("BADSIG"), Some(key), _) => {
                verification.status = SigStatus::Bad;
                verification.signer = Some(key.to_owned());
            }
            (Some("ERRSIG" | "NO_PUBKEY"), Some(key), _)
                if verification.status != SigStatus::Good =>
            {
                verification.status = SigStatus::UnknownSigner;
                verification.signer = Some(key.to_owned());
            }
            _ => {}
        }
    }
    if verification.status == SigStatus::Good && !success {
        verification.status = SigStatus::Bad;
        verification.principals.clear();
    }
    verification
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_give_the_signer_and_every_name_of_the_key() {
        let lines = "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 89ABCDEF01234567 Alice Example <alice@example.com>\n\
                     [GNUPG:] VALIDSIG 0123456789ABCDEF0123456789ABCDEF01234567 2026-01-01 0\n";
        let verification = parse_status(lines, true, Format::OpenPgp);
        assert_eq!(verification.status, SigStatus::Good);
        assert_eq!(
            verification.signer.as_deref(),
            Some("Alice Example <alice@example.com>")
        );
        assert_eq!(
            verification.principals,
            [
                "alice@example.com",
                "89ABCDEF01234567",
                "0123456789ABCDEF0123456789ABCDEF01234567"
            ]
        );
        let unknown = parse_status(
            "[GNUPG:] ERRSIG 89ABCDEF01234567 22 10 00 1 9\n",
            false,
            Format::OpenPgp,
        );
        assert_eq!(unknown.status, SigStatus::UnknownSigner);
    }
}
