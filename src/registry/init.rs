//! The `init` action: lay down the registry template as the first registry commit.

use super::{CONFIG_FILE, Change, Event, FileChange, RegistryError, Snapshot};

/// A file `.gitattributes`-like files are merged into line by line instead of replaced.
const MERGED_FILES: [&str; 1] = [".gitattributes"];

/// Creates a registry from `files` (registry-relative path and content).
///
/// Files the folder already has are kept: `.gitattributes` gains the template's
/// missing lines, anything else (a repository's own README) is left alone.
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
        match snapshot.read(path)? {
            None => changed.push((path.clone(), FileChange::Write(content.clone()))),
            Some(existing) if MERGED_FILES.contains(&path.as_str()) => {
                if let Some(merged) = merge_lines(&existing, content) {
                    changed.push((path.clone(), FileChange::Write(merged)));
                }
            }
            Some(_) => {}
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

/// `existing` plus the lines of `template` it lacks (comments aside); `None` when
/// nothing is missing.
fn merge_lines(existing: &[u8], template: &[u8]) -> Option<Vec<u8>> {
    let existing_text = String::from_utf8_lossy(existing);
    let have: Vec<&str> = existing_text.lines().map(str::trim).collect();
    let template_text = String::from_utf8_lossy(template);
    let missing: Vec<&str> = template_text
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .filter(|line| !have.contains(&line.trim()))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut merged = existing.to_vec();
    if !merged.is_empty() && !merged.ends_with(b"\n") {
        merged.push(b'\n');
    }
    merged.extend_from_slice(b"# omgreg: model artifacts are Git LFS objects\n");
    for line in missing {
        merged.extend_from_slice(line.as_bytes());
        merged.push(b'\n');
    }
    Some(merged)
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
    fn init_keeps_a_repositorys_own_files_and_merges_gitattributes() {
        let snap = MemorySnapshot::default()
            .with("README.md", "# my project\n")
            .with(".gitattributes", "*.png binary");
        let files = vec![
            ("README.md".to_owned(), b"# registry\n".to_vec()),
            (
                ".gitattributes".to_owned(),
                b"# c\nmodels/** filter=lfs\n".to_vec(),
            ),
            ("omgreg.toml".to_owned(), b"schema = 1\n".to_vec()),
        ];
        let change = init(&snap, "r", &files).unwrap();
        let paths: Vec<_> = change.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, [".gitattributes", "omgreg.toml"]);
        assert_eq!(
            change.files[0].1,
            FileChange::Write(b"*.png binary\n# omgreg: model artifacts are Git LFS objects\nmodels/** filter=lfs\n".to_vec())
        );
        let lfs_line = format!("{}** filter=lfs\n", crate::registry::MODELS_PREFIX);
        let again = MemorySnapshot::default().with(".gitattributes", &lfs_line);
        assert!(init(&again, "r", &files[1..2]).unwrap().files.is_empty());
    }
}
