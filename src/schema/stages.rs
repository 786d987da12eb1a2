//! `models/<model>/stages.yaml`: stage and alias pointers of one model.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::json_schema::VERSION;

/// The stages document. Stages keep the order they are written in (omgreg writes
/// them in ladder order); aliases are sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StagesDoc {
    /// Each stage of the ladder that holds something: one version, or a list for a
    /// shared stage.
    #[serde(default)]
    pub stages: IndexMap<String, StageSlot>,
    /// Aliases (`champion: 1.2.0`): each names one version.
    #[serde(default)]
    #[schemars(schema_with = "super::json_schema::version_map")]
    pub aliases: BTreeMap<String, String>,
}

/// What a stage holds: one version (exclusive stage) or several (shared stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StageSlot {
    One(#[schemars(regex(pattern = VERSION))] String),
    Many(#[schemars(inner(regex(pattern = VERSION)))] Vec<String>),
}

impl StageSlot {
    /// The versions held, in written order.
    pub fn versions(&self) -> Vec<&str> {
        match self {
            Self::One(version) => vec![version.as_str()],
            Self::Many(versions) => versions.iter().map(String::as_str).collect(),
        }
    }
}
