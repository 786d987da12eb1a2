//! The Git configuration as omgreg reads it: the repository's, the user's and the
//! system's, merged the way git merges them.

/// A read-only view of the Git configuration.
pub struct GitConfig(pub(crate) git2::Config);

impl GitConfig {
    /// The value of `key`, when it is set to something non-empty.
    pub fn string(&self, key: &str) -> Option<String> {
        self.0
            .get_string(key)
            .ok()
            .filter(|value| !value.is_empty())
    }

    /// The path value of `key` (`~/` expanded), when it is set.
    pub fn path(&self, key: &str) -> Option<std::path::PathBuf> {
        self.0.get_path(key).ok()
    }

    /// The boolean value of `key`, when it is set and valid.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.0.get_bool(key).ok()
    }
}
