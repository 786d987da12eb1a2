//! Verifying commit signatures.

use super::gpg_status::TrustLevel;
use super::{Format, gpg, ssh};
use crate::store::{CommitId, GitConfig, Store};

/// The verdict on one commit's signature, saying why it is not good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigStatus {
    /// Matches, by a trusted key (`git verify-commit` accepts it).
    Good,
    /// The signature does not match the commit (altered after signing) or is malformed.
    Bad,
    /// The signature matches, but the key is not trusted for it: below
    /// `gpg.minTrustLevel`, expired, revoked, outside its SSH validity window or
    /// namespaces, or chained to an X.509 root that is not trusted. Says which.
    Untrusted(String),
    /// No such signer: the key is in no allowed signers file or keyring.
    Unknown,
    Unsigned,
    /// The verifying program could not run.
    Unverifiable(String),
}

impl SigStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
            Self::Untrusted(_) => "untrusted",
            Self::Unknown => "unknown",
            Self::Unsigned => "unsigned",
            Self::Unverifiable(_) => "unverifiable",
        }
    }
}

/// A commit's signature status, format and signer (principal, uid or key id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub status: SigStatus,
    pub format: Option<Format>,
    /// Who signed, for people: the principals (SSH) or user id (OpenPGP).
    pub signer: Option<String>,
    /// Every name the signing key goes by, for `signers` policies (only for a good
    /// signature): SSH principals; OpenPGP e-mails of valid user ids, the signing
    /// and primary keys' fingerprints and long key ids; X.509 certificate e-mails and
    /// fingerprint.
    pub principals: Vec<String>,
}

impl Verification {
    pub(crate) fn unsigned() -> Self {
        Self {
            status: SigStatus::Unsigned,
            format: None,
            signer: None,
            principals: Vec::new(),
        }
    }

    pub(crate) fn failed(format: Option<Format>, status: SigStatus) -> Self {
        Self {
            status,
            format,
            signer: None,
            principals: Vec::new(),
        }
    }

    /// Whether the signature is good and by one of `allowed`. SSH principals match
    /// exactly; OpenPGP and X.509 names (e-mails, hex fingerprints and key ids) in
    /// any case, and a key id or fingerprint may be written with `0x`.
    pub fn signed_by_one_of(&self, allowed: &[String]) -> bool {
        if self.status != SigStatus::Good {
            return false;
        }
        let ssh = self.format == Some(Format::Ssh);
        self.principals.iter().any(|name| {
            allowed.iter().any(|wanted| {
                if ssh {
                    return wanted == name;
                }
                let wanted = wanted.trim();
                let wanted = wanted
                    .strip_prefix("0x")
                    .or_else(|| wanted.strip_prefix("0X"))
                    .unwrap_or(wanted);
                wanted.eq_ignore_ascii_case(name)
            })
        })
    }
}

/// What verification trusts: SSH allowed signers (from a trusted commit or
/// `gpg.ssh.allowedSignersFile`), `gpg.ssh.revocationFile`, `gpg.minTrustLevel`
/// and the programs to run.
#[derive(Debug, Clone)]
pub struct Trust {
    pub allowed_signers: Option<String>,
    /// `gpg.ssh.revocationFile`: keys `ssh-keygen -Y verify -r` refuses.
    pub ssh_revocation_file: Option<std::path::PathBuf>,
    /// `gpg.minTrustLevel` (unset: any level, as git); an invalid value is kept as
    /// its text, and every OpenPGP, X.509 and SSH signature is then unverifiable.
    pub min_trust: Result<Option<TrustLevel>, String>,
    pub gpg_program: String,
    pub ssh_program: String,
    pub x509_program: String,
}

impl Trust {
    /// Programs from the git configuration; allowed signers from `allowed_signers`
    /// when given, else from `gpg.ssh.allowedSignersFile`.
    pub fn new(config: &GitConfig, allowed_signers: Option<String>) -> Self {
        let string = |key: &str| config.string(key);
        let from_file = || {
            let path = string("gpg.ssh.allowedSignersFile")?;
            std::fs::read_to_string(expand_home(&path)).ok()
        };
        let min_trust = match string("gpg.minTrustLevel") {
            None => Ok(None),
            Some(text) => TrustLevel::parse(&text).map(Some).ok_or(text),
        };
        Self {
            allowed_signers: allowed_signers.or_else(from_file),
            ssh_revocation_file: string("gpg.ssh.revocationFile").map(|path| expand_home(&path)),
            min_trust,
            gpg_program: string("gpg.openpgp.program")
                .or_else(|| string("gpg.program"))
                .unwrap_or_else(|| "gpg".to_owned()),
            ssh_program: string("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".to_owned()),
            x509_program: string("gpg.x509.program").unwrap_or_else(|| "gpgsm".to_owned()),
        }
    }
}

/// Verifies the signature of `commit`; SSH keys' validity windows are checked at
/// the commit's committer date, as git does.
pub fn verify_commit(store: &Store, commit: CommitId, trust: &Trust) -> Verification {
    match store.commit_signature(commit) {
        Ok(Some(signed)) => verify_detached(
            &String::from_utf8_lossy(&signed.signature),
            &signed.payload,
            committer_time(&signed.payload),
            trust,
        ),
        Ok(None) => Verification::unsigned(),
        Err(err) => Verification::failed(None, SigStatus::Unverifiable(err.to_string())),
    }
}

/// Verifies an armored signature over `data`, choosing the program by its armor;
/// `time` (seconds since the epoch) is when SSH keys must be valid, else now.
pub fn verify_detached(
    signature: &str,
    data: &[u8],
    time: Option<i64>,
    trust: &Trust,
) -> Verification {
    let format = if signature.starts_with("-----BEGIN SSH SIGNATURE-----") {
        Format::Ssh
    } else if signature.starts_with("-----BEGIN SIGNED MESSAGE-----") {
        Format::X509
    } else {
        Format::OpenPgp
    };
    let min_trust = match &trust.min_trust {
        Ok(level) => *level,
        Err(text) => {
            let why = format!(
                "`gpg.minTrustLevel` is `{text}`, not one of undefined, never, marginal, fully, ultimate"
            );
            return Verification::failed(Some(format), SigStatus::Unverifiable(why));
        }
    };
    let mut verification = match format {
        Format::Ssh => ssh::verify(
            &ssh::Verifier {
                program: &trust.ssh_program,
                allowed_signers: trust.allowed_signers.as_deref(),
                revocation_file: trust.ssh_revocation_file.as_deref(),
                time,
            },
            signature,
            data,
        ),
        Format::X509 => gpg::verify(&trust.x509_program, format, signature, data, min_trust),
        Format::OpenPgp => gpg::verify(&trust.gpg_program, format, signature, data, min_trust),
    };
    // git gives a known SSH principal the trust level "fully".
    if format == Format::Ssh
        && verification.status == SigStatus::Good
        && let Some(min) = min_trust.filter(|min| *min > TrustLevel::Fully)
    {
        verification.status = SigStatus::Untrusted(format!(
            "git trusts SSH signers `fully`, below `gpg.minTrustLevel` `{}`",
            min.as_str()
        ));
        verification.principals.clear();
    }
    verification
}

/// The committer's timestamp in a commit's header, as git's `parse_payload_metadata`
/// reads it.
fn committer_time(payload: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(payload);
    let header = text.split("\n\n").next()?;
    let line = header
        .lines()
        .find_map(|line| line.strip_prefix("committer "))?;
    let after_email = &line[line.rfind('>')? + 1..];
    after_email.split_whitespace().next()?.parse().ok()
}

pub(crate) fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committer_time_is_read_from_the_commit_header() {
        let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
            author A <a@example.com> 1700000000 +0000\n\
            committer C <c@example.com> 1700000123 +0130\n\n\
            committer X <x@example.com> 1 +0000\n";
        assert_eq!(committer_time(payload), Some(1_700_000_123));
        assert_eq!(committer_time(b"tree x\n\nbody"), None);
    }

    fn verification(format: Format, principals: &[&str]) -> Verification {
        Verification {
            status: SigStatus::Good,
            format: Some(format),
            signer: None,
            principals: principals.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn openpgp_names_match_in_any_case_and_ssh_principals_exactly() {
        let key = verification(Format::OpenPgp, &["ada@example.com", "455D14E58A218021"]);
        assert!(key.signed_by_one_of(&["0x455d14e58a218021".to_owned()]));
        assert!(key.signed_by_one_of(&["Ada@Example.com".to_owned()]));
        let ssh = verification(Format::Ssh, &["ada@example.com"]);
        assert!(!ssh.signed_by_one_of(&["Ada@example.com".to_owned()]));
        let mut untrusted = key.clone();
        untrusted.status = SigStatus::Untrusted("expired".to_owned());
        assert!(!untrusted.signed_by_one_of(&["ada@example.com".to_owned()]));
    }
}
