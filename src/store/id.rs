//! Commit ids as the rest of omgreg sees them: a value, never a `git2` type.

use std::fmt;

use git2::Oid;

/// The id of a commit (its full hexadecimal SHA-1 when displayed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitId(Oid);

impl CommitId {
    /// The first 12 hexadecimal digits, as omgreg prints commits to people.
    pub fn short(&self) -> String {
        let mut text = self.0.to_string();
        text.truncate(12);
        text
    }

    pub(crate) fn raw(self) -> Oid {
        self.0
    }
}

impl From<Oid> for CommitId {
    fn from(id: Oid) -> Self {
        Self(id)
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_twelve_digits_of_the_full_id() {
        let id = CommitId::from(Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap());
        assert_eq!(id.short(), "0123456789ab");
        assert_eq!(id.to_string(), "0123456789abcdef0123456789abcdef01234567");
    }
}
