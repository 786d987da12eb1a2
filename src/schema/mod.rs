//! Serde types of the on-disk documents (schema 1) and their parsing.
//!
//! This is the only module that knows `serde_yaml` and `toml`. Types here are wire
//! types: lenient on read (unknown keys are ignored so newer registries stay
//! readable), deterministic on write (field order is declaration order, maps are
//! sorted). Validation into domain types happens in `registry` via `TryFrom`.
//! Must not depend on `registry`, `store`, `cli` or `render`.

mod config;
mod error;
#[cfg(test)]
mod fuzz_tests;
mod json_schema;
mod model;
mod params;
mod stages;
mod values;
mod version;

pub use config::{
    ConfigDoc, EndpointDoc, NotifyDoc, PolicyDoc, SigningDoc, StageOptionsDoc, StagesSection,
    UserConfigDoc,
};
pub use error::SchemaError;
pub use json_schema::{SchemaFile, json_schemas, schema_text};
pub use model::ModelDoc;
pub use params::parse_params_file;
pub use stages::{StageSlot, StagesDoc};
pub use values::{ParamValue, parse_metrics_file};
pub use version::{
    ArchivedDoc, ArtifactDoc, CodeDoc, DataDoc, EnvFileDoc, EnvironmentDoc, ImportedDoc,
    LineageDoc, UnverifiedDoc, VersionDoc,
};

/// The schema generation written by this build of omgreg.
pub const SCHEMA_VERSION: u32 = 1;

/// Parses a YAML document, reporting errors with the file path and line.
pub fn from_yaml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, SchemaError> {
    within_limits(path, text)?;
    serde_yaml::from_str(text).map_err(|err| SchemaError::yaml(path, text, &err))
}

/// The largest YAML file omgreg parses: far above any registry file, far below what
/// would make `check` or a hook slow.
pub const MAX_YAML_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting of flow collections (`[`, `{`) omgreg parses: the YAML
/// scanner's cost grows with the square of that depth (a 120 KB file of brackets took
/// 30 s), and no registry file needs more than a few levels.
pub const MAX_YAML_DEPTH: usize = 64;

/// Refuses, before the parser sees it, a YAML text over [`MAX_YAML_BYTES`] or nested
/// deeper than [`MAX_YAML_DEPTH`]. Every bracket counts (quoted or not): a file that
/// needs more than 64 unclosed brackets is not a registry file.
fn within_limits(path: &str, text: &str) -> Result<(), SchemaError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(SchemaError::limit(
            path,
            text,
            0,
            format!(
                "the file is {} bytes; omgreg parses YAML files of at most {MAX_YAML_BYTES} bytes (16 MiB)",
                text.len()
            ),
        ));
    }
    let mut depth = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(SchemaError::limit(
                        path,
                        text,
                        at,
                        format!(
                            "brackets nested more than {MAX_YAML_DEPTH} levels deep; omgreg parses at most {MAX_YAML_DEPTH}"
                        ),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Serializes a document to YAML deterministically.
pub fn to_yaml<T: serde::Serialize>(doc: &T) -> String {
    serde_yaml::to_string(doc).expect("schema types always serialize to YAML")
}

/// A key the schema does not know, with the line it is on (`check` reports these;
/// ordinary reads ignore them so newer registries stay readable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    pub key: String,
    pub line: Option<usize>,
}

/// Parses a YAML document and lists the keys it has that `T` does not know.
pub fn from_yaml_checked<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
) -> Result<(T, Vec<UnknownKey>), SchemaError> {
    within_limits(path, text)?;
    let mut unknown = Vec::new();
    let value = serde_ignored::deserialize(serde_yaml::Deserializer::from_str(text), |key| {
        unknown.push(key.to_string());
    })
    .map_err(|err| SchemaError::yaml(path, text, &err))?;
    Ok((value, locate(text, unknown)))
}

/// Parses `omgreg.toml` and lists the keys it has that omgreg does not know.
pub fn config_checked(path: &str, text: &str) -> Result<(ConfigDoc, Vec<UnknownKey>), SchemaError> {
    let mut unknown = Vec::new();
    let value = serde_ignored::deserialize(toml::Deserializer::new(text), |key| {
        unknown.push(key.to_string());
    })
    .map_err(|err| SchemaError::toml(path, text, &err))?;
    Ok((value, locate(text, unknown)))
}

fn locate(text: &str, keys: Vec<String>) -> Vec<UnknownKey> {
    keys.into_iter()
        .map(|key| {
            let leaf = key.rsplit('.').next().unwrap_or(&key).to_owned();
            let line = text
                .lines()
                .position(|line| {
                    let trimmed = line.trim_start().trim_start_matches("- ");
                    trimmed.starts_with(&format!("{leaf}:"))
                        || trimmed.starts_with(&format!("{leaf} ="))
                        || trimmed.starts_with(&format!("{leaf}="))
                        || trimmed.starts_with(&format!("[{leaf}"))
                })
                .map(|index| index + 1);
            UnknownKey { key, line }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_listed_with_their_line() {
        let text = "model: m\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nstatus: active\nmetric:\n  acc: 1\n";
        let (_, unknown) = from_yaml_checked::<VersionDoc>("v.yaml", text).unwrap();
        assert_eq!(
            unknown,
            [UnknownKey {
                key: "metric".into(),
                line: Some(5)
            }]
        );
        let (_, unknown) =
            config_checked("omgreg.toml", "schema = 1\n[stages]\nlader = []\n").unwrap();
        assert_eq!(
            unknown,
            [UnknownKey {
                key: "stages.lader".into(),
                line: Some(3)
            }]
        );
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn nesting_and_size_limits() {
        let nested = |depth: usize| format!("a: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(within_limits("f.yaml", &nested(MAX_YAML_DEPTH)).is_ok());
        let err = within_limits("f.yaml", &nested(MAX_YAML_DEPTH + 1)).unwrap_err();
        assert!(
            err.message.contains("nested more than 64"),
            "{}",
            err.message
        );
        assert_eq!(err.line, Some(1));
        // Closed brackets do not add up.
        let flat = "a: [1]\n".repeat(MAX_YAML_DEPTH * 2);
        assert!(within_limits("f.yaml", &flat).is_ok());
        let big = "#".repeat(MAX_YAML_BYTES + 1);
        assert!(within_limits("f.yaml", &big).is_err());
    }
}
