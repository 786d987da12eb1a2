//! `models/<model>/model.yaml`: mutable description of a model.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::json_schema::MODEL_NAME;

/// The model document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelDoc {
    /// The model's name: the name of its folder under `models/`.
    #[schemars(regex(pattern = MODEL_NAME))]
    pub model: String,
    /// What the model is for (Markdown).
    #[serde(default)]
    pub description: String,
    /// Who answers for the model (teams or people).
    #[serde(default)]
    pub owners: Vec<String>,
    /// Free-form labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}
