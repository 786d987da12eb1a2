//! `omgreg resolve`: a reference to a version, for deploy scripts.

use super::Output;
use super::json::{Document, VersionJson};
use crate::registry::VersionRow;

/// What `resolve` prints in human mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveMode {
    /// The version number.
    Version,
    /// The local file holding each stored artifact's bytes.
    Path,
    /// Each artifact's URI: the link for linked artifacts, `file://` for stored ones.
    Uri,
}

/// Prints a resolved reference. `object_paths` holds, per artifact of the version,
/// the local LFS object path when it is present.
pub fn resolve(
    output: &Output,
    commit: Option<String>,
    row: &VersionRow,
    object_paths: &[Option<String>],
    mode: ResolveMode,
) -> std::io::Result<()> {
    if output.json {
        let mut json = VersionJson::from_row(row);
        for (artifact, path) in json.artifacts.iter_mut().zip(object_paths) {
            artifact.object_path.clone_from(path);
        }
        return output.json(&Document::new("resolution", commit, &json));
    }
    let artifacts = &row.version.doc.artifacts;
    let lines: Vec<String> = match mode {
        ResolveMode::Version => vec![row.version.version.to_string()],
        ResolveMode::Path => object_paths.iter().flatten().cloned().collect(),
        ResolveMode::Uri => artifacts
            .iter()
            .zip(object_paths)
            .filter_map(|(artifact, path)| {
                artifact
                    .uri
                    .clone()
                    .or_else(|| path.as_ref().map(|p| format!("file://{p}")))
            })
            .collect(),
    };
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    output.data(&text)
}
