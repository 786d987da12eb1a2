//! What an operation's failure is, and the exit code class it belongs to.

use crate::registry::RegistryError;
use crate::store::StoreError;

/// A command failure and the exit code it maps to.
#[derive(Debug)]
pub enum CommandError {
    /// Refused input or a failed precondition: exit 1.
    User(miette::Report),
    /// Another writer moved the branch too often: exit 4.
    Conflict(miette::Report),
    /// Data in the repository is not what its name says (a corrupt LFS object about to
    /// be pushed): exit 3, like `check` finding a problem.
    Corrupt(miette::Report),
    /// `check`/`verify` ran and found violations (already reported): exit 3.
    Violations,
    /// stdout was closed by the reader (`omgreg list | head`): exit 0, silently.
    BrokenPipe,
    /// Writing to stdout failed otherwise: exit 1.
    Output(std::io::Error),
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { .. } => Self::Conflict(err.into()),
            other => Self::User(other.into()),
        }
    }
}

impl From<RegistryError> for CommandError {
    fn from(err: RegistryError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::registry::SnapshotError> for CommandError {
    fn from(err: crate::registry::SnapshotError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::sign::SignError> for CommandError {
    fn from(err: crate::sign::SignError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::schema::SchemaError> for CommandError {
    fn from(err: crate::schema::SchemaError) -> Self {
        Self::User(err.into())
    }
}

impl From<std::io::Error> for CommandError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Output(err)
        }
    }
}
