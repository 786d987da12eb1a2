//! `check --range` proportional to the change (issue 12, item 5): the state rules
//! (schema, references, generated files, artifact folders, portability) judge the
//! models the range touched, not the whole registry. A change outside `models/`
//! (`omgreg.toml`, templates, allowed signers) can change what every model must
//! satisfy: then everything is judged.

use std::collections::BTreeSet;

use crate::registry::{MODELS_DIR, MODELS_PREFIX, Snapshot, SnapshotError};

/// The models a range's changed paths touch; `None` when a path outside `models/`
/// changed (every model is then in scope).
pub(super) fn touched_models(changed: &[String]) -> Option<BTreeSet<String>> {
    let mut models = BTreeSet::new();
    for path in changed {
        let inside = path.strip_prefix(MODELS_PREFIX)?;
        let name = inside.split('/').next().unwrap_or(inside);
        models.insert(name.to_owned());
    }
    Some(models)
}

/// A snapshot that shows only some models under `models/` (files are still read
/// through it by path, so a reference to another model resolves).
pub(super) struct Scoped<'a> {
    inner: &'a dyn Snapshot,
    models: BTreeSet<String>,
}

impl<'a> Scoped<'a> {
    /// `models`, plus every model whose name equals one of them once case is folded:
    /// two such folders collide on case-insensitive systems, and the portability rule
    /// must see both.
    pub(super) fn new(inner: &'a dyn Snapshot, models: BTreeSet<String>) -> Self {
        let folded: BTreeSet<String> = models.iter().map(|m| m.to_lowercase()).collect();
        let mut models = models;
        for name in inner.list(MODELS_DIR).unwrap_or_default() {
            if folded.contains(&name.to_lowercase()) {
                models.insert(name);
            }
        }
        Self { inner, models }
    }

    fn shows(&self, path: &str) -> bool {
        match path.strip_prefix(MODELS_PREFIX) {
            Some(inside) => self
                .models
                .contains(inside.split('/').next().unwrap_or(inside)),
            None => true,
        }
    }
}

impl Snapshot for Scoped<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        self.inner.read(path)
    }

    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let mut names = self.inner.list(path)?;
        if path == MODELS_DIR {
            names.retain(|name| self.models.contains(name));
        }
        Ok(names)
    }

    fn exists(&self, path: &str) -> Result<bool, SnapshotError> {
        self.inner.exists(path)
    }

    fn files_under(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        // Walk only what is shown: the root's other entries and the models in scope.
        let folder = path.trim_end_matches('/');
        if folder.is_empty() || folder == MODELS_DIR {
            let mut files = Vec::new();
            for name in self.list(folder)? {
                let entry = if folder.is_empty() {
                    name
                } else {
                    format!("{folder}/{name}")
                };
                // Git has no empty folders: an entry with nothing inside is a file.
                if self.inner.list(&entry)?.is_empty() {
                    files.push(entry);
                } else {
                    files.extend(self.files_under(&entry)?);
                }
            }
            return Ok(files);
        }
        if !self.shows(folder) {
            return Ok(Vec::new());
        }
        self.inner.files_under(folder)
    }

    fn content_id(&self, path: &str) -> Option<String> {
        self.inner.content_id(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MemorySnapshot;

    #[test]
    fn only_touched_models_are_listed_and_a_config_change_touches_all() {
        let changed = |paths: &[&str]| {
            touched_models(&paths.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>())
        };
        assert_eq!(
            changed(&[
                &format!("{MODELS_PREFIX}a/stages.yaml"),
                &format!("{MODELS_PREFIX}b/versions/1.0.0.yaml")
            ]),
            Some(["a".to_owned(), "b".to_owned()].into())
        );
        assert_eq!(
            changed(&[&format!("{MODELS_PREFIX}a/x"), "omgreg.toml"]),
            None
        );
        let snapshot = MemorySnapshot::default()
            .with("omgreg.toml", "")
            .with(&format!("{MODELS_PREFIX}a/model.yaml"), "")
            .with(&format!("{MODELS_PREFIX}b/model.yaml"), "")
            .with(&format!("{MODELS_PREFIX}A/model.yaml"), "");
        let scoped = Scoped::new(&snapshot, ["a".to_owned()].into());
        assert_eq!(scoped.list(MODELS_DIR).unwrap(), ["A", "a"]);
        let files = scoped.files_under("").unwrap();
        assert!(files.contains(&"omgreg.toml".to_owned()));
        assert!(
            !files
                .iter()
                .any(|f| f.starts_with(&format!("{MODELS_PREFIX}b/")))
        );
    }
}
