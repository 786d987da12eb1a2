//! Signing and verification failures.

use miette::Diagnostic;

/// Why a commit cannot be signed (nothing is committed then).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SignError {
    #[error(
        "signing is required (`[signing] require = true` in `omgreg.toml`) but `--no-sign` was given"
    )]
    #[diagnostic(code(omgreg::sign::required), help("drop `--no-sign`"))]
    RequiredButDisabled,

    #[error("the commit is to be signed but no signing key is configured (`user.signingkey`)")]
    #[diagnostic(
        code(omgreg::sign::no_key),
        help(
            "set one: `git config user.signingkey ~/.ssh/id_ed25519.pub` and `git config gpg.format ssh` (or an OpenPGP key id)"
        )
    )]
    NoKey,

    #[error("`gpg.format` is `{format}`; omgreg signs with `openpgp`, `ssh` or `x509`")]
    #[diagnostic(
        code(omgreg::sign::unknown_format),
        help("`git config gpg.format ssh` (or openpgp, x509)")
    )]
    UnknownFormat { format: String },

    #[error("`{program}` could not be started: {reason}")]
    #[diagnostic(
        code(omgreg::sign::program_missing),
        help(
            "install it (`apt-get install openssh-client` or `gnupg`), or point `gpg.program` / `gpg.ssh.program` at it"
        )
    )]
    ProgramMissing { program: String, reason: String },

    #[error("`{program}` failed to sign: {stderr}")]
    #[diagnostic(
        code(omgreg::sign::program_failed),
        help(
            "check the key (`user.signingkey`), its passphrase or agent; `git commit -S` fails the same way"
        )
    )]
    ProgramFailed { program: String, stderr: String },

    #[error("cannot read the signing key `{path}`: {reason}")]
    #[diagnostic(code(omgreg::sign::key_unreadable), help("check `user.signingkey`"))]
    KeyUnreadable { path: String, reason: String },

    #[error("I/O error while signing: {0}")]
    #[diagnostic(code(omgreg::sign::io))]
    Io(#[from] std::io::Error),
}

impl SignError {
    /// For the store: the message, and this error's own help (or `fallback`).
    pub(crate) fn into_failed(self, fallback: &str) -> crate::store::SigningFailed {
        let help =
            Diagnostic::help(&self).map_or_else(|| fallback.to_owned(), |help| help.to_string());
        crate::store::SigningFailed {
            message: self.to_string(),
            help,
        }
    }
}
