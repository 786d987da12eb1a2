//! `--rev` and `--at`: which committed state a read command looks at.

use crate::store::{Store, TreeSnapshot, parse_date};

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
    /// The commit to read, as a revision string for [`Store::snapshot`].
    pub fn resolve(&self, store: &Store) -> Result<Option<String>, CommandError> {
        match &self.at {
            None => Ok(self.rev.clone()),
            Some(date) => {
                let at = parse_date(date)?;
                Ok(Some(store.commit_at(self.rev.as_deref(), at)?.to_string()))
            }
        }
    }

    /// The snapshot to read.
    pub fn snapshot<'s>(&self, store: &'s Store) -> Result<TreeSnapshot<'s>, CommandError> {
        let rev = self.resolve(store)?;
        Ok(store.snapshot(rev.as_deref())?)
    }
}
