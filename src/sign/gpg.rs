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
        self.sign_buffer(buffer).map_err(|err| SigningFailed {
            message: err.to_string(),
            help: "check `user.signingkey`, the key's passphrase and gpg-agent: `git commit -S` fails the same way"
                .to_owned(),
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

    /// E-mail addresses, fingerprints and key ids of the signing key: the names a
    /// `signers` policy may use for it.
    pub fn principals(&self) -> Vec<String> {
        match run(
            &self.program,
            &["--with-colons", "--list-keys", &self.key],
            b"",
        ) {
            Ok(ran) if ran.success => principals_from_colons(&String::from_utf8_lossy(&ran.stdout)),
            _ => Vec::new(),
        }
    }
}

fn principals_from_colons(listing: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.first() {
            Some(&"uid") => {
                let uid = fields.get(9).copied().unwrap_or_default();
                if let (Some(open), Some(close)) = (uid.find('<'), uid.rfind('>')) {
                    names.push(uid[open + 1..close].to_owned());
                }
            }
            Some(&"fpr") => {
                let fingerprint = fields.get(9).copied().unwrap_or_default();
                names.push(fingerprint.to_owned());
                if fingerprint.len() >= 16 {
                    names.push(fingerprint[fingerprint.len() - 16..].to_owned());
                }
            }
            _ => {}
        }
    }
    names
}

/// Verifies an OpenPGP or X.509 signature over `data` with the keyring.
pub(crate) fn verify(program: &str, format: Format, signature: &str, data: &[u8]) -> Verification {
    let result = (|| -> Result<Verification, SignError> {
        let dir = tempfile::tempdir()?;
        let sig = dir.path().join("commit.sig");
        std::fs::write(&sig, signature)?;
        let sig_text = sig.display().to_string();
        let ran = run(
            program,
            &["--status-fd=1", "--verify", &sig_text, "-"],
            data,
        )?;
        let status_lines = String::from_utf8_lossy(&ran.stdout).into_owned();
        let mut status = SigStatus::Bad;
        let mut signer = None;
        for line in status_lines.lines() {
            let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
                continue;
            };
            let mut words = rest.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("GOODSIG"), Some(key), uid) => {
                    status = SigStatus::Good;
                    signer = Some(uid.map_or_else(|| key.to_owned(), str::to_owned));
                }
                (Some("BADSIG"), Some(key), _) => {
                    status = SigStatus::Bad;
                    signer = Some(key.to_owned());
                }
                (Some("ERRSIG" | "NO_PUBKEY"), Some(key), _) if status != SigStatus::Good => {
                    status = SigStatus::UnknownSigner;
                    signer = Some(key.to_owned());
                }
                _ => {}
            }
        }
        if status == SigStatus::Good && !ran.success {
            status = SigStatus::Bad;
        }
        Ok(Verification {
            status,
            format: Some(format),
            signer,
        })
    })();
    result.unwrap_or_else(|err| Verification {
        status: SigStatus::Unverifiable(err.to_string()),
        format: Some(format),
        signer: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_come_from_uids_and_fingerprints() {
        let listing = "pub:u:255:22:ABCDEF0123456789:1:::u:::scESC:::::ed25519:::0:\n\
                       fpr:::::::::0123456789ABCDEF0123456789ABCDEF01234567:\n\
                       uid:u::::1::H::Alice Example <alice@example.com>::::::::::0:\n";
        assert_eq!(
            principals_from_colons(listing),
            [
                "0123456789ABCDEF0123456789ABCDEF01234567",
                "89ABCDEF01234567",
                "alice@example.com"
            ]
        );
    }
}
