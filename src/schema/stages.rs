//! `models/<model>/stages.yaml`: stage and alias pointers of one model.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The stages document. Stages keep the order they are written in (omgreg writes
/// them in ladder order); aliases are sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StagesDoc {
    #[serde(default)]
    pub stages: IndexMap<String, StageSlot>,
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
}

/// What a stage holds: one version (exclusive stage) or several (shared stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StageSlot {
    One(String),
    Many(Vec<String>),
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
