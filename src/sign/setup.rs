//! Which signer to use, from git's configuration and the registry's policy.

use super::SignError;
use super::gpg::GpgSigner;
use super::ssh::SshSigner;
use crate::store::{CommitSigner, GitConfig};

/// `--sign` / `--no-sign` / neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignMode {
    /// Sign when `commit.gpgsign` or `[signing] require` says so.
    #[default]
    Auto,
    Always,
    Never,
}

/// `gpg.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenPgp,
    Ssh,
    X509,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenPgp => "openpgp",
            Self::Ssh => "ssh",
            Self::X509 => "x509",
        }
    }
}

/// The signing configuration git would use.
#[derive(Debug, Clone)]
pub struct SignSetup {
    /// `gpg.format`; an unknown value is only an error once something is to be signed.
    pub format: Result<Format, String>,
    /// `user.signingkey`.
    pub key: Option<String>,
    /// The program for the format (`gpg.program`, `gpg.ssh.program`, `gpg.x509.program`).
    pub program: String,
    /// `commit.gpgsign`.
    pub sign_by_default: bool,
    /// `Name <email>` of the committer: OpenPGP's key when `user.signingkey` is unset.
    pub committer: String,
}

impl SignSetup {
    /// Reads the signing settings from a repository's configuration.
    pub fn from_config(config: &GitConfig, committer: &str) -> Result<Self, SignError> {
        let string = |key: &str| config.string(key);
        let format = match string("gpg.format").as_deref() {
            None | Some("openpgp") => Ok(Format::OpenPgp),
            Some("ssh") => Ok(Format::Ssh),
            Some("x509") => Ok(Format::X509),
            Some(other) => Err(other.to_owned()),
        };
        let program = match format.as_ref().unwrap_or(&Format::OpenPgp) {
            Format::OpenPgp => string("gpg.openpgp.program")
                .or_else(|| string("gpg.program"))
                .unwrap_or_else(|| "gpg".to_owned()),
            Format::Ssh => string("gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".to_owned()),
            Format::X509 => string("gpg.x509.program").unwrap_or_else(|| "gpgsm".to_owned()),
        };
        Ok(Self {
            format,
            key: string("user.signingkey"),
            program,
            sign_by_default: config.bool("commit.gpgsign").unwrap_or(false),
            committer: committer.to_owned(),
        })
    }

    /// The format, once something is to be signed.
    fn format(&self) -> Result<Format, SignError> {
        self.format
            .clone()
            .map_err(|format| SignError::UnknownFormat { format })
    }

    /// The signer to use for this command, or `None` to write unsigned commits.
    /// Refuses to go unsigned when the registry requires signatures.
    pub fn signer(
        &self,
        mode: SignMode,
        required: bool,
    ) -> Result<Option<Box<dyn CommitSigner>>, SignError> {
        let enabled = match mode {
            SignMode::Never if required => return Err(SignError::RequiredButDisabled),
            SignMode::Never => false,
            SignMode::Always => true,
            SignMode::Auto => self.sign_by_default || required,
        };
        if !enabled {
            return Ok(None);
        }
        Ok(Some(match self.format()? {
            Format::Ssh => Box::new(SshSigner::new(
                &self.program,
                self.key.as_deref().ok_or(SignError::NoKey)?,
            )?),
            Format::OpenPgp | Format::X509 => {
                let key = self.key.clone().unwrap_or_else(|| self.committer.clone());
                Box::new(GpgSigner {
                    program: self.program.clone(),
                    key,
                })
            }
        }))
    }
}

impl SignMode {
    /// From `--sign` / `--no-sign`.
    pub fn from_flags(sign: bool, no_sign: bool) -> Self {
        match (sign, no_sign) {
            (true, _) => Self::Always,
            (_, true) => Self::Never,
            _ => Self::Auto,
        }
    }
}
