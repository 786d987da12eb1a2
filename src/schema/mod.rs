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
pub use model::ModelDoc;
pub use params::parse_params_file;
pub use stages::{StageSlot, StagesDoc};
pub use values::{ParamValue, parse_metrics_file};
pub use version::{
    ArchivedDoc, ArtifactDoc, CodeDoc, DataDoc, EnvFileDoc, EnvironmentDoc, LineageDoc, VersionDoc,
};

/// The schema generation written by this build of omgreg.
pub const SCHEMA_VERSION: u32 = 1;

/// Parses a YAML document, reporting errors with the file path and line.
pub fn from_yaml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, SchemaError> {
    serde_yaml::from_str(text).map_err(|err| SchemaError::yaml(path, text, &err))
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
