//! Where things live inside a registry root (DESIGN §2). All paths use `/`.
//!
//! This is the one module that spells repository paths: every other layer asks it.
//! Each path is one `format!` (these run for every version file a read touches).

use super::{ModelName, RegistryError, VersionId};

/// The folder every model lives under.
pub const MODELS_DIR: &str = "models";

/// [`MODELS_DIR`] with its trailing `/`, for prefix tests on registry paths.
pub const MODELS_PREFIX: &str = "models/";

/// Where `init` keeps the JSON Schemas of the files people edit (`omgreg schema`),
/// for editors (`.vscode/settings.json`, `.taplo.toml` point here).
pub const SCHEMAS_DIR: &str = ".omgreg/schemas";

/// `models/<model>`.
pub fn model_dir(model: &ModelName) -> String {
    format!("models/{model}")
}

/// `models/<model>/README.md`, the generated model card.
pub fn card_file(model: &ModelName) -> String {
    format!("models/{model}/README.md")
}

/// `models/<model>/model.yaml`.
pub fn model_file(model: &ModelName) -> String {
    format!("models/{model}/model.yaml")
}

/// `models/<model>/stages.yaml`.
pub fn stages_file(model: &ModelName) -> String {
    format!("models/{model}/stages.yaml")
}

/// `models/<model>/versions`.
pub fn versions_dir(model: &ModelName) -> String {
    format!("models/{model}/versions")
}

/// `models/<model>/versions/<version>.yaml`.
pub fn version_file(model: &ModelName, version: &VersionId) -> String {
    format!("models/{model}/versions/{version}.yaml")
}

/// `models/<model>/artifacts`.
pub fn artifacts_dir(model: &ModelName) -> String {
    format!("models/{model}/artifacts")
}

/// `models/<model>/artifacts/<version>`.
pub fn version_artifacts_dir(model: &ModelName, version: &VersionId) -> String {
    format!("models/{model}/artifacts/{version}")
}

/// `models/<model>/artifacts/<version>/<relative>`.
pub fn artifact_path(model: &ModelName, version: &VersionId, relative: &str) -> String {
    format!("models/{model}/artifacts/{version}/{relative}")
}

/// `models/<model>/signatures`.
pub fn signatures_dir(model: &ModelName) -> String {
    format!("models/{model}/signatures")
}

/// `models/<model>/signatures/<version>.sig`: the OMS bundle signing a version's
/// artifacts, beside (not in) the version file and its `artifacts/` folder, so that
/// signing a registered version later changes nothing registered.
pub fn signature_file(model: &ModelName, version: &VersionId) -> String {
    format!("models/{model}/signatures/{version}.sig")
}

/// The PEM public keys trusted to sign artifacts (OMS bundles), one key a file
/// (`*.pem`), read from BASE like `.omgreg/allowed_signers`.
pub const ARTIFACT_KEYS_DIR: &str = ".omgreg/artifact_keys";

/// The model a registry path belongs to, and the rest of the path inside the
/// model's folder (empty for the folder itself): `models/churn/stages.yaml` gives
/// `(churn, "stages.yaml")`. `None` outside `models/` or for an invalid model name.
pub fn model_of_path(path: &str) -> Option<(ModelName, &str)> {
    let inside = path.strip_prefix(MODELS_PREFIX)?;
    let (name, rest) = inside.split_once('/').unwrap_or((inside, ""));
    Some((name.parse().ok()?, rest))
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

    #[test]
    fn paths_name_their_model() {
        let model: ModelName = "churn".parse().unwrap();
        let version: VersionId = "1.2.0".parse().unwrap();
        assert_eq!(
            version_file(&model, &version),
            "models/churn/versions/1.2.0.yaml"
        );
        assert_eq!(
            artifact_path(&model, &version, "tok/v.txt"),
            "models/churn/artifacts/1.2.0/tok/v.txt"
        );
        let of = |path: String| model_of_path(&path).map(|(m, rest)| (m, rest.to_owned()));
        assert_eq!(of(model_dir(&model)), Some((model.clone(), String::new())));
        assert_eq!(
            of(version_file(&model, &version)),
            Some((model.clone(), "versions/1.2.0.yaml".to_owned()))
        );
        assert_eq!(
            signature_file(&model, &version),
            "models/churn/signatures/1.2.0.sig"
        );
        assert!(model_of_path("omgreg.toml").is_none());
        assert!(model_of_path("models/Bad/x").is_none());
        assert!(model_of_path("modelsx/churn").is_none());
    }
}
