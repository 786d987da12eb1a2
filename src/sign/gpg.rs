//! OpenPGP and X.509 signatures through `gpg` / `gpgsm`, as git runs them.

use super::gpg_status::{self, GpgReport, SigResult, TrustLevel, push_unique};
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

/// Verifies an OpenPGP or X.509 signature over `data` with the keyring, as git
/// does (`check_signature`), then names the key the ways operators name it.
pub(crate) fn verify(
    program: &str,
    format: Format,
    signature: &str,
    data: &[u8],
    min_trust: Option<TrustLevel>,
) -> Verification {
    verify_inner(program, format, signature, data, min_trust).unwrap_or_else(|err| {
        Verification::failed(Some(format), SigStatus::Unverifiable(err.to_string()))
    })
}

fn verify_inner(
    program: &str,
    format: Format,
    signature: &str,
    data: &[u8],
    min_trust: Option<TrustLevel>,
) -> Result<Verification, SignError> {
    let dir = tempfile::tempdir()?;
    let sig = dir.path().join("commit.sig");
    std::fs::write(&sig, signature)?;
    let sig_text = sig.display().to_string();
    let mut args = Vec::new();
    if format == Format::OpenPgp {
        args.push("--keyid-format=long");
    }
    args.extend(["--status-fd=1", "--verify", &sig_text, "-"]);
    let ran = run(program, &args, data)?;
    let report = gpg_status::parse(&String::from_utf8_lossy(&ran.stdout));
    let mut verification = judge(&report, ran.success, format, min_trust);
    if verification.status == SigStatus::Good {
        verification.principals = names(program, format, &report)?;
    }
    Ok(verification)
}

/// The status git's `check_signature` gives, with the reason when the signature
/// matches but is not to be trusted.
fn judge(
    report: &GpgReport,
    success: bool,
    format: Format,
    min_trust: Option<TrustLevel>,
) -> Verification {
    let status = match report.result {
        SigResult::Good => {
            let trust = report.trust;
            match min_trust.filter(|min| trust < *min) {
                Some(min) => SigStatus::Untrusted(format!(
                    "the key's trust is `{}`, below `gpg.minTrustLevel` `{}`",
                    trust.as_str(),
                    min.as_str()
                )),
                None if !success && format == Format::X509 => SigStatus::Untrusted(format!(
                    "the certificate does not chain to a trusted root (trust `{}`)",
                    trust.as_str()
                )),
                None if !success => SigStatus::Untrusted(format!(
                    "gpg refuses the key (trust `{}`)",
                    trust.as_str()
                )),
                None => SigStatus::Good,
            }
        }
        SigResult::ExpiredKey => SigStatus::Untrusted("the key has expired".to_owned()),
        SigResult::ExpiredSignature => SigStatus::Untrusted("the signature has expired".to_owned()),
        SigResult::RevokedKey => SigStatus::Untrusted("the key has been revoked".to_owned()),
        SigResult::Error if report.no_public_key || report.key.is_some() => SigStatus::Unknown,
        SigResult::Bad | SigResult::Error | SigResult::None => SigStatus::Bad,
    };
    Verification {
        status,
        format: Some(format),
        signer: report.signer.clone().or_else(|| report.key.clone()),
        principals: Vec::new(),
    }
}

/// Every name of the key that made a good signature: OpenPGP e-mails of its valid
/// user ids, the signing and primary keys' fingerprints and long key ids; X.509
/// certificate e-mails and fingerprint.
fn names(program: &str, format: Format, report: &GpgReport) -> Result<Vec<String>, SignError> {
    let mut names = Vec::new();
    let primary = report
        .primary_fingerprint
        .clone()
        .or_else(|| report.fingerprint.clone());
    if let Some(primary) = &primary {
        // gpgsm knows no `--fixed-list-mode`.
        let mut args = vec!["--with-colons"];
        if format == Format::OpenPgp {
            args.push("--fixed-list-mode");
        }
        args.extend(["--list-keys", "--", primary]);
        let listed = run(program, &args, b"")?;
        let listing = String::from_utf8_lossy(&listed.stdout);
        let emails = match format {
            Format::X509 => gpg_status::certificate_emails(&listing),
            _ => gpg_status::valid_openpgp_emails(&listing),
        };
        for email in emails {
            push_unique(&mut names, email);
        }
    }
    for fingerprint in [&report.fingerprint, &primary].into_iter().flatten() {
        push_unique(&mut names, fingerprint.clone());
        if format == Format::OpenPgp && fingerprint.len() > 16 {
            push_unique(&mut names, fingerprint[fingerprint.len() - 16..].to_owned());
        }
    }
    if let Some(key) = &report.key {
        push_unique(&mut names, key.clone());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(lines: &str, success: bool, min: Option<TrustLevel>) -> SigStatus {
        judge(&gpg_status::parse(lines), success, Format::OpenPgp, min).status
    }

    #[test]
    fn a_good_signature_below_the_minimum_trust_is_untrusted() {
        let lines = "[GNUPG:] GOODSIG 89ABCDEF01234567 Mallory <ada@example.com>\n\
                     [GNUPG:] VALIDSIG 0123456789ABCDEF0123456789ABCDEF01234567 2026-01-01 0\n\
                     [GNUPG:] TRUST_UNDEFINED 0 pgp\n";
        assert_eq!(judged(lines, true, None), SigStatus::Good);
        assert_eq!(
            judged(lines, true, Some(TrustLevel::Undefined)),
            SigStatus::Good
        );
        assert!(matches!(
            judged(lines, true, Some(TrustLevel::Fully)),
            SigStatus::Untrusted(why) if why.contains("`undefined`") && why.contains("`fully`")
        ));
    }

    #[test]
    fn expired_and_revoked_keys_are_untrusted_and_missing_keys_unknown() {
        let expired = "[GNUPG:] EXPKEYSIG 89ABCDEF01234567 Eve <eve@example.com>\n";
        assert!(matches!(
            judged(expired, true, None),
            SigStatus::Untrusted(_)
        ));
        let revoked = "[GNUPG:] REVKEYSIG 89ABCDEF01234567 Rev\n[GNUPG:] TRUST_ULTIMATE 0 pgp\n";
        assert!(matches!(
            judged(revoked, true, None),
            SigStatus::Untrusted(_)
        ));
        let missing =
            "[GNUPG:] ERRSIG 89ABCDEF01234567 22 10 00 1 9\n[GNUPG:] NO_PUBKEY 89ABCDEF01234567\n";
        assert_eq!(judged(missing, false, None), SigStatus::Unknown);
        let bad = "[GNUPG:] BADSIG 89ABCDEF01234567 Ada\n";
        assert_eq!(judged(bad, false, None), SigStatus::Bad);
        assert_eq!(judged("", false, None), SigStatus::Bad);
    }

    #[test]
    fn an_x509_signature_refused_by_gpgsm_is_an_untrusted_root() {
        let lines = "[GNUPG:] GOODSIG A0CDC944952C72CD95195D253FF8B7E0D1C9D8DD /CN=Ada/O=omgreg\n\
                     [GNUPG:] TRUST_UNDEFINED 157\n";
        let verification = judge(&gpg_status::parse(lines), false, Format::X509, None);
        assert!(matches!(verification.status, SigStatus::Untrusted(why) if why.contains("root")));
    }
}
