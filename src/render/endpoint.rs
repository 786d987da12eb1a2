//! Endpoint manifests: minijinja templates rendered for the version a stage or alias
//! points at. Values are escaped for the manifest's format, chosen from the template's
//! name (`*.json.j2` JSON, anything else YAML; see `escape.rs`), so a file name or a
//! URI cannot add keys.

use super::{VersionJson, escape};
use crate::registry::{
    Endpoint, Follows, ModelRef, RefTarget, RegistryConfig, RegistryError, Snapshot, resolve,
};

/// The template used when an endpoint names none.
pub const DEFAULT_TEMPLATE: &str =
    include_str!("../../registry-template/templates/endpoint.yaml.j2");

/// The manifest of `endpoint`, or `None` when what it follows holds no version.
pub fn endpoint_manifest(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    endpoint: &Endpoint,
) -> Result<Option<String>, RegistryError> {
    let name = match &endpoint.follows {
        Follows::Stage(name) | Follows::Alias(name) => name.clone(),
    };
    let reference = ModelRef {
        model: endpoint.model.clone(),
        target: RefTarget::Name(name),
    };
    let row = match resolve(snapshot, config, &reference) {
        Ok(row) => row,
        Err(RegistryError::Unresolved { .. } | RegistryError::ModelNotFound { .. }) => {
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    let (template_name, source) = match &endpoint.template {
        Some(path) => {
            let text = snapshot
                .read_text(path)?
                .ok_or_else(|| RegistryError::InvalidTemplate {
                    path: path.clone(),
                    message: "no such file in the registry".to_owned(),
                })?;
            (path.clone(), text)
        }
        None => (
            "(built-in endpoint template)".to_owned(),
            DEFAULT_TEMPLATE.to_owned(),
        ),
    };
    let (stage, alias, follows) = match &endpoint.follows {
        Follows::Stage(stage) => (Some(stage.clone()), None, format!("stage `{stage}`")),
        Follows::Alias(alias) => (None, Some(alias.clone()), format!("alias `{alias}`")),
    };
    let env = escape::environment();
    let context = minijinja::context! {
        endpoint => minijinja::context! {
            name => endpoint.name.clone(),
            model => endpoint.model.to_string(),
            stage => stage,
            alias => alias,
            follows => follows,
        },
        version => VersionJson::from_row(&row),
        vars => endpoint.vars.clone(),
        registry => minijinja::context! { name => config.name.clone() },
    };
    env.render_named_str(&template_name, &source, context)
        .map(Some)
        .map_err(|err| RegistryError::InvalidTemplate {
            path: template_name,
            message: describe(&err),
        })
}

/// The error and its chain on one line.
pub(crate) fn describe(err: &minijinja::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}
