//! Serde types of the on-disk documents (schema 1) and their parsing.
//!
//! This is the only module that knows `serde_yaml` and `toml`. Types here are wire
//! types: lenient on read (unknown keys are ignored so newer registries stay
//! readable), deterministic on write (field order is declaration order, maps are
//! sorted). Validation into domain types happens in `registry` via `TryFrom`.
//! Must not depend on `registry`, `store`, `cli` or `render`.

mod config;
mod error;
mod model;
mod stages;
mod values;
mod version;

pub use config::{ConfigDoc, EndpointDoc, PolicyDoc, SigningDoc, StageOptionsDoc, StagesSection};
pub use error::SchemaError;
pub use model::ModelDoc;
pub use stages::{StageSlot, StagesDoc};
pub use values::{ParamValue, parse_metrics_file, parse_params_file};
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
