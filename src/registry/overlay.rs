//! A snapshot with a change applied on top: what the registry will look like after
//! the commit, for rendering files derived from it (model cards, endpoints).

use std::collections::BTreeSet;

use super::{Change, FileChange, Snapshot, SnapshotError};

/// `base` with `change` applied. Stored artifacts read as empty files: derived files
/// never need their bytes.
pub struct Overlay<'a> {
    base: &'a dyn Snapshot,
    change: &'a Change,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Snapshot, change: &'a Change) -> Self {
        Self { base, change }
    }

    fn changed(&self, path: &str) -> Option<&FileChange> {
        self.change
            .files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, file)| file)
    }
}

impl Snapshot for Overlay<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        match self.changed(path) {
            Some(FileChange::Write(bytes)) => Ok(Some(bytes.clone())),
            Some(FileChange::LfsPointer { .. }) => Ok(Some(Vec::new())),
            Some(FileChange::Remove) => Ok(None),
            None => self.base.read(path),
        }
    }

    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let prefix = format!("{path}/");
        let mut names: BTreeSet<String> = self.base.list(path)?.into_iter().collect();
        for (file, change) in &self.change.files {
            let Some(rest) = file.strip_prefix(&prefix) else {
                continue;
            };
            let (name, nested) = match rest.split_once('/') {
                Some((name, _)) => (name, true),
                None => (rest, false),
            };
            match change {
                FileChange::Remove if !nested => {
                    names.remove(name);
                }
                FileChange::Remove => {}
                _ => {
                    names.insert(name.to_owned());
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    fn exists(&self, path: &str) -> Result<bool, SnapshotError> {
        match self.changed(path) {
            Some(FileChange::Remove) => Ok(false),
            Some(_) => Ok(true),
            None => {
                let prefix = format!("{path}/");
                let added = self.change.files.iter().any(|(file, change)| {
                    file.starts_with(&prefix) && !matches!(change, FileChange::Remove)
                });
                Ok(added || self.base.exists(path)?)
            }
        }
    }

    /// The base's id for a file the change does not touch; none for one it does.
    fn content_id(&self, path: &str) -> Option<String> {
        match self.changed(path) {
            Some(_) => None,
            None => self.base.content_id(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Event, MemorySnapshot};

    #[test]
    fn the_overlay_shows_the_change_over_the_base() {
        let base = MemorySnapshot::default().with("a/x", "1").with("a/y", "2");
        let change = Change {
            files: vec![
                ("a/y".into(), FileChange::Remove),
                ("a/z/w".into(), FileChange::Write(b"3".to_vec())),
            ],
            event: Event::Initialized {
                name: String::new(),
            },
            message: None,
        };
        let overlay = Overlay::new(&base, &change);
        assert_eq!(overlay.list("a").unwrap(), ["x", "z"]);
        assert_eq!(overlay.read("a/y").unwrap(), None);
        assert_eq!(overlay.read("a/z/w").unwrap(), Some(b"3".to_vec()));
        assert!(overlay.exists("a/z").unwrap());
        assert!(!overlay.exists("a/y").unwrap());
    }
}
