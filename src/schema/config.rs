//! `omgreg.toml`: the registry configuration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SchemaError;

/// The whole `omgreg.toml` document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigDoc {
    /// Schema generation of the registry (1).
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// Human name of the registry.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stages: StagesSection,
}

/// `[stages]`: the promotion ladder and per-stage options.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagesSection {
    /// Stage names, lowest rung first.
    #[serde(default = "default_ladder")]
    pub ladder: Vec<String>,
    /// Per-stage options, keyed by stage name (`[stages.options.Production]`).
    #[serde(default)]
    pub options: BTreeMap<String, StageOptionsDoc>,
}

impl Default for StagesSection {
    fn default() -> Self {
        Self {
            ladder: default_ladder(),
            options: BTreeMap::new(),
        }
    }
}

/// Options of one stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageOptionsDoc {
    /// A shared stage may hold several versions at once.
    #[serde(default)]
    pub shared: bool,
}

fn default_schema() -> u32 {
    super::SCHEMA_VERSION
}

fn default_ladder() -> Vec<String> {
    vec!["Staging".to_owned(), "Production".to_owned()]
}

impl ConfigDoc {
    /// Parses `omgreg.toml` text.
    pub fn parse(path: &str, text: &str) -> Result<Self, SchemaError> {
        toml::from_str(text).map_err(|err| SchemaError::toml(path, text, &err))
    }
}
