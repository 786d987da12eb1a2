//! `omgreg.toml`: the registry configuration.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SchemaError;
use super::json_schema::{MODEL_NAME, SEMVER};

/// The whole `omgreg.toml` document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ConfigDoc {
    /// Schema generation of the registry (1).
    #[serde(default = "default_schema")]
    #[schemars(extend("enum" = [1]))]
    pub schema: u32,
    /// Human name of the registry.
    #[serde(default)]
    pub name: String,
    /// The oldest omgreg that may read or write this registry (SemVer); older ones
    /// refuse instead of misjudging fields they do not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = SEMVER))]
    pub min_version: Option<String>,
    #[serde(default)]
    pub stages: StagesSection,
    /// `[[endpoint]]`: deployment manifests rendered from the registry.
    #[serde(default, rename = "endpoint")]
    pub endpoints: Vec<EndpointDoc>,
    /// `[signing]`: whether commits must be signed.
    #[serde(default)]
    pub signing: SigningDoc,
    /// `[policy.<Stage>]`: who and what may enter a stage.
    #[serde(default)]
    pub policy: BTreeMap<String, PolicyDoc>,
    /// `[[notify]]`: webhooks told about registry events.
    #[serde(default)]
    pub notify: Vec<NotifyDoc>,
}

/// One `[[notify]]` target. In a registry's `omgreg.toml` only webhooks are
/// allowed; `command` is honoured only in the user's own configuration
/// (`~/.config/omgreg/config.toml`), so a cloned registry never runs anything.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct NotifyDoc {
    pub name: String,
    /// Where to POST each event as JSON.
    #[serde(default)]
    pub url: Option<String>,
    /// A shell command that receives each event as JSON on stdin (user config only).
    #[serde(default)]
    pub command: Option<String>,
    /// Event kinds to deliver (`promoted`, `rolled_back`, ...); all when empty.
    #[serde(default)]
    pub events: Vec<String>,
    /// The environment variable holding the HMAC-SHA256 secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// `omgreg` (default: `X-Omgreg-Signature: sha256=<hex>`) or `mlflow`
    /// (`X-MLflow-Signature: v1,<base64>`, for existing MLflow webhook receivers).
    #[serde(default)]
    #[schemars(extend("enum" = ["omgreg", "mlflow", null]))]
    pub signature: Option<String>,
    /// Seconds per attempt (default 10).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Attempts after the first (default 3), with doubling backoff.
    #[serde(default)]
    pub retries: Option<u32>,
}

/// The user's own configuration, `~/.config/omgreg/config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct UserConfigDoc {
    #[serde(default)]
    pub notify: Vec<NotifyDoc>,
}

impl UserConfigDoc {
    pub fn parse(path: &str, text: &str) -> Result<Self, SchemaError> {
        toml::from_str(text).map_err(|err| SchemaError::toml(path, text, &err))
    }
}

/// `[signing]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct SigningDoc {
    /// Refuse to write an unsigned commit.
    #[serde(default)]
    pub require: bool,
    /// Who may change the rules (`omgreg.toml`, `.omgreg/allowed_signers`,
    /// `templates/`): signer identities as in `[policy.<Stage>] signers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admins: Vec<String>,
}

/// `[policy.<Stage>]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PolicyDoc {
    /// Principals (ssh allowed-signers names, e-mail addresses of OpenPGP keys, or
    /// key ids) one of whom must sign a promotion into the stage.
    #[serde(default)]
    pub signers: Vec<String>,
    /// Metric gates on the version entering the stage: `{ accuracy = ">= 0.9" }`.
    #[serde(default)]
    #[schemars(schema_with = "super::json_schema::gate_map")]
    pub require: BTreeMap<String, String>,
    /// Refuse versions whose artifacts were recorded without being read (`verified:
    /// false`, e.g. imported `s3://` locations).
    #[serde(default)]
    pub require_verified_artifacts: bool,
    /// Refuse versions without an OMS signature bundle
    /// (`models/<m>/signatures/<v>.sig`) signed by a trusted key
    /// (`.omgreg/artifact_keys/*.pem`, as BASE holds them) over their digests.
    #[serde(default)]
    pub require_artifact_signature: bool,
}

/// One `[[endpoint]]`: a manifest rendered for whatever version a stage or alias
/// of a model points at.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct EndpointDoc {
    /// The endpoint's name (model-name rules); its manifest is `deploy/<name>.yaml`
    /// unless `output` says otherwise.
    #[schemars(regex(pattern = MODEL_NAME))]
    pub name: String,
    /// The model served (it need not be registered yet).
    #[schemars(regex(pattern = MODEL_NAME))]
    pub model: String,
    /// The stage to follow (e.g. `Production`); exclusive with `alias`.
    #[serde(default)]
    pub stage: Option<String>,
    /// The alias to follow (e.g. `champion`); exclusive with `stage`.
    #[serde(default)]
    pub alias: Option<String>,
    /// With `alias`: a stage whose rights moving that alias needs (its signers sign,
    /// the version passes its metric gates), for endpoints that serve production.
    #[serde(default)]
    pub gate: Option<String>,
    /// Output path, relative to the registry root (default `deploy/<name>.yaml`).
    #[serde(default)]
    pub output: Option<String>,
    /// A minijinja template file, relative to the registry root (default: built in).
    #[serde(default)]
    pub template: Option<String>,
    /// Extra values for the template (`vars.storage`, ...).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

/// `[stages]`: the promotion ladder and per-stage options.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StageOptionsDoc {
    /// A shared stage may hold several versions at once.
    #[serde(default)]
    pub shared: bool,
    /// The stages a version may be promoted from (`None` for unassigned versions);
    /// any stage when absent.
    #[serde(default)]
    pub from: Option<Vec<String>>,
    /// What happens to the version an exclusive stage replaces: `none` (it goes back
    /// to `None`, the default) or `archive`.
    #[serde(default)]
    #[schemars(extend("enum" = ["none", "archive", null]))]
    pub on_replace: Option<String>,
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
