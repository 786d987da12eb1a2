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
        serve => serve(&row.version),
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

/// What a model server loads, as `serve` in templates: the version's `primary`
/// artifact, else its only one (`file` true, with its `path`, `sha256` and `uri` when
/// linked), else the folder holding all of them (`file` false, `path` the folder with
/// its `/`, or empty: KServe and most servers load a directory) with `sha256` the
/// digest of its manifest — the lines `<sha256>  <path>\n` of every artifact as
/// recorded, sorted by path, as `sha256sum` prints them.
/// `None` when the version has no artifacts.
fn serve(version: &crate::registry::ModelVersion) -> Option<minijinja::Value> {
    let artifacts: Vec<_> = version.artifacts().collect();
    let chosen = match &version.doc.primary {
        Some(primary) => artifacts.iter().find(|a| &a.record.path == primary),
        None if artifacts.len() == 1 => artifacts.first(),
        None => None,
    };
    if let Some(artifact) = chosen {
        return Some(minijinja::context! {
            file => true,
            path => artifact.record.path.clone(),
            sha256 => artifact.digest.to_string(),
            uri => artifact.record.uri.clone(),
        });
    }
    if artifacts.is_empty() {
        return None;
    }
    let mut sorted = artifacts;
    sorted.sort_by(|a, b| a.record.path.cmp(&b.record.path));
    let manifest: String = sorted
        .iter()
        .map(|a| format!("{}  {}\n", a.digest, a.record.path))
        .collect();
    let manifest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(manifest.as_bytes()));
    // The folder holding them all (`model/` for a folder registered whole).
    let first = &sorted[0].record.path;
    let mut folder = first.rfind('/').map_or("", |end| &first[..=end]);
    while !sorted.iter().all(|a| a.record.path.starts_with(folder)) {
        folder = folder[..folder.len() - 1]
            .rfind('/')
            .map_or("", |end| &folder[..=end]);
    }
    Some(minijinja::context! {
        file => false,
        path => folder.to_owned(),
        sha256 => manifest,
        uri => None::<String>,
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
