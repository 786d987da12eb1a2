//! `--rev` and `--at`: which committed state a read command looks at.

use crate::ops::read::Revision;
use crate::store::{Store, TreeSnapshot};

use super::CommandError;

/// The registry state to read.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RevArgs {
    /// Read the registry as of this commit, branch or tag (default: HEAD).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,

    /// Read the registry as it was at this time (the last commit at or before it,
    /// along first parents of `--rev`): `2026-05-01`, `2026-05-01T12:00:00Z`, ...
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

impl RevArgs {
    /// The committed state these flags name.
    pub fn revision(&self) -> Revision {
        Revision {
            rev: self.rev.clone(),
            at: self.at.clone(),
        }
    }

    /// The snapshot to read.
    pub fn snapshot<'s>(&self, store: &'s Store) -> Result<TreeSnapshot<'s>, CommandError> {
        self.revision().snapshot(store)
    }
}
