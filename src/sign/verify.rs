//! Verifying commit signatures.

use super::{Format, gpg, ssh};
use crate::store::{CommitId, GitConfig, Store};

/// The verdict on one commit's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigStatus {
    Good,
    /// The signature does not match the commit (altered after signing) or is malformed.
    Bad,
    /// A valid signature by a key that is not trusted (not in the allowed signers, not
    /// in the keyring).
    UnknownSigner,
    Unsigned,
    /// The verifying program could not run.
    Unverifiable(String),
}

impl SigStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
            Self::UnknownSigner => "unknown_signer",
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
    /// Every name the signing key goes by, for `signers` policies: SSH principals;
    /// OpenPGP e-mail, fingerprint and long key id.
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

    /// Whether the signature is good and by one of `allowed`.
    pub fn signed_by_one_of(&self, allowed: &[String]) -> bool {
        self.status == SigStatus::Good && self.principals.iter().any(|p| allowed.contains(p))
    }
}

/// What verification trusts: SSH allowed signers (from a trusted commit or
/// `gpg.ssh.allowedSignersFile`) and the programs to run.
#[derive(Debug, Clone)]
pub struct Trust {
    pub allowed_signers: Option<String>,
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
            let path = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
                (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
                _ => std::path::PathBuf::from(path),
            };
            std::fs::read_to_string(path).ok()
        };
        Self {
            allowed_signers: allowed_signers.or_else(from_file),
            gpg_program: string("gpg.openpgp.program")
                .or_else(|| string("gpg.program"))
                .unwrap_or_else(|| "gpg".to_owned()),
            ssh_program: string("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".to_owned()),
            x509_program: string("gpg.x509.program").unwrap_or_else(|| "gpgsm".to_owned()),
        }
    }
}

/// Verifies the signature of `commit`.
pub fn verify_commit(store: &Store, commit: CommitId, trust: &Trust) -> Verification {
    match store.commit_signature(commit) {
        Ok(Some(signed)) => verify_detached(
            &String::from_utf8_lossy(&signed.signature),
            &signed.payload,
            trust,
        ),
        Ok(None) => Verification::unsigned(),
        Err(err) => Verification::failed(None, SigStatus::Unverifiable(err.to_string())),
    }
}

/// Verifies an armored signature over `data`, choosing the program by its armor.
pub fn verify_detached(signature: &str, data: &[u8], trust: &Trust) -> Verification {
    if signature.starts_with("-----BEGIN SSH SIGNATURE-----") {
        ssh::verify(
            &trust.ssh_program,
            signature,
            data,
            trust.allowed_signers.as_deref(),
        )
    } else if signature.starts_with("-----BEGIN SIGNED MESSAGE-----") {
        gpg::verify(&trust.x509_program, Format::X509, signature, data)
    } else {
        gpg::verify(&trust.gpg_program, Format::OpenPgp, signature, data)
    }
}
