//! Where things live inside a registry root (DESIGN §2). All paths use `/`.

use super::{ModelName, RegistryError, VersionId};

/// `models/<model>`.
pub fn model_dir(model: &ModelName) -> String {
    format!("models/{model}")
}

/// `models/<model>/README.md`, the generated model card.
pub fn card_file(model: &ModelName) -> String {
    format!("models/{model}/README.md")
}

pub(crate) fn model_file(model: &ModelName) -> String {
    format!("models/{model}/model.yaml")
}

pub(crate) fn stages_file(model: &ModelName) -> String {
    format!("models/{model}/stages.yaml")
}

pub(crate) fn versions_dir(model: &ModelName) -> String {
    format!("models/{model}/versions")
}

pub(crate) fn version_file(model: &ModelName, version: &VersionId) -> String {
    format!("models/{model}/versions/{version}.yaml")
}

/// `models/<model>/artifacts/<version>/<relative>`.
pub fn artifact_path(model: &ModelName, version: &VersionId, relative: &str) -> String {
    format!("models/{model}/artifacts/{version}/{relative}")
}

/// Checks that `path` is a plain relative path: no empty, `.` or `..` parts, no
/// leading `/`, no backslashes or NUL, and no `.git` part.
pub fn validate_relative_path(path: &str) -> Result<(), RegistryError> {
    let invalid = |reason: &str| RegistryError::InvalidArtifactPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if path.is_empty() {
        return Err(invalid("it is empty"));
    }
    if path.starts_with('/') {
        return Err(invalid("it is absolute"));
    }
    if path.contains('\\') || path.contains('\0') {
        return Err(invalid("it contains a backslash or NUL"));
    }
    for part in path.split('/') {
        match part {
            "" => return Err(invalid("it has an empty part")),
            "." | ".." => return Err(invalid("it has a `.` or `..` part")),
            _ if part.eq_ignore_ascii_case(".git") => return Err(invalid("it has a `.git` part")),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_escape() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            ".git/config",
            "a/.GIT/x",
        ] {
            assert!(validate_relative_path(bad).is_err(), "{bad:?}");
        }
        for good in ["model.pt", "tok/vocab.txt", ".hidden", "a..b"] {
            assert!(validate_relative_path(good).is_ok(), "{good:?}");
        }
    }
}
