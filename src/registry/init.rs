//! The `init` action: lay down the registry template as the first registry commit.

use super::{CONFIG_FILE, Change, Event, FileChange, RegistryError, Snapshot};

/// Creates a registry from `files` (registry-relative path and content).
pub fn init(
    snapshot: &dyn Snapshot,
    name: &str,
    files: &[(String, Vec<u8>)],
) -> Result<Change, RegistryError> {
    if snapshot.exists(CONFIG_FILE)? {
        return Err(RegistryError::AlreadyInitialized);
    }
    let mut changed = Vec::new();
    for (path, content) in files {
        if snapshot.read(path)?.as_ref() != Some(content) {
            changed.push((path.clone(), FileChange::Write(content.clone())));
        }
    }
    Ok(Change {
        files: changed,
        event: Event::Initialized {
            name: name.to_owned(),
        },
        message: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MemorySnapshot;

    #[test]
    fn init_refuses_an_existing_registry() {
        let snap = MemorySnapshot::default().with("omgreg.toml", "");
        assert!(matches!(
            init(&snap, "r", &[]),
            Err(RegistryError::AlreadyInitialized)
        ));
    }

    #[test]
    fn init_keeps_identical_files_out_of_the_change() {
        let snap = MemorySnapshot::default().with(".gitattributes", "x\n");
        let files = vec![
            (".gitattributes".to_owned(), b"x\n".to_vec()),
            ("omgreg.toml".to_owned(), b"schema = 1\n".to_vec()),
        ];
        let change = init(&snap, "r", &files).unwrap();
        assert_eq!(change.files.len(), 1);
        assert_eq!(change.files[0].0, "omgreg.toml");
    }
}
