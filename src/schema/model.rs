//! `models/<model>/model.yaml`: mutable description of a model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The model document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelDoc {
    pub model: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}
