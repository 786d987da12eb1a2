//! Signing and verifying commits the way git does: OpenPGP (`gpg`), X.509 (`gpgsm`)
//! and SSH (`ssh-keygen -Y`), configured by the user's git configuration, so that
//! `git verify-commit` accepts what omgreg writes and omgreg judges what git wrote.
//!
//! Depends on `store` only for the [`CommitSigner`](crate::store::CommitSigner)
//! trait it implements; never prints.

mod allowed_signers;
mod error;
mod gpg;
mod gpg_status;
pub mod oms;
mod program;
mod setup;
mod ssh;
mod verify;

pub use error::SignError;
pub use gpg_status::TrustLevel;
pub use setup::{Format, SignMode, SignSetup};
pub use verify::{SigStatus, Trust, Verification, verify_commit, verify_detached};
