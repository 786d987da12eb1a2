//! `omgreg schema`: the JSON Schemas of the files people edit, and the copies a
//! registry keeps of them (`.omgreg/schemas/`, laid down by `init`).

use std::path::{Path, PathBuf};

use crate::registry::{SCHEMAS_DIR, Snapshot};
use crate::schema::{SchemaFile, json_schemas, schema_text};

use super::CommandError;

/// The schema files as `init` lays them down: registry-relative path and content.
pub fn registry_files() -> Vec<(String, Vec<u8>)> {
    json_schemas()
        .iter()
        .map(|file| {
            (
                format!("{SCHEMAS_DIR}/{}", file.file_name),
                schema_text(file).into_bytes(),
            )
        })
        .collect()
}

/// A notice when the registry keeps JSON Schemas (`init` stored them) that differ from
/// this omgreg's: editors would judge the files by another version's rules.
pub fn stale_schemas(snapshot: &dyn Snapshot) -> Option<String> {
    let stale: Vec<String> = registry_files()
        .into_iter()
        .filter_map(|(path, content)| match snapshot.read(&path) {
            Ok(Some(stored)) if stored != content => Some(path),
            _ => None,
        })
        .collect();
    (!stale.is_empty()).then(|| {
        format!(
            "{} differ(s) from the schemas of this omgreg ({}): editors judge the files by \
             other rules; refresh them with `omgreg schema --out {SCHEMAS_DIR}` and commit",
            stale.join(", "),
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// The schema of one kind (`config`, `model`, `stages`, `version`).
pub fn schema_of(kind: &str) -> Option<SchemaFile> {
    json_schemas().into_iter().find(|file| file.kind == kind)
}

/// Writes every schema into `dir` (created when missing); returns the files written.
pub fn write_schemas(dir: &Path) -> Result<Vec<PathBuf>, CommandError> {
    let failed = |path: &Path, err: std::io::Error| -> CommandError {
        SchemaWriteError::CannotWrite {
            path: path.display().to_string(),
            reason: err.to_string(),
        }
        .into()
    };
    std::fs::create_dir_all(dir).map_err(|err| failed(dir, err))?;
    let mut written = Vec::new();
    for file in json_schemas() {
        let path = dir.join(file.file_name);
        std::fs::write(&path, schema_text(&file)).map_err(|err| failed(&path, err))?;
        written.push(path);
    }
    Ok(written)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SchemaWriteError {
    #[error("cannot write the schemas into `{path}`: {reason}")]
    #[diagnostic(
        code(omgreg::schema::cannot_write),
        help("give `--out` a folder you can write to")
    )]
    CannotWrite { path: String, reason: String },
}

impl From<SchemaWriteError> for CommandError {
    fn from(err: SchemaWriteError) -> Self {
        Self::User(err.into())
    }
}
