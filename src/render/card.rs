//! Model cards: `models/<model>/README.md`, regenerated with every action on the
//! model, never edited by hand.
//!
//! Rendered from the template `templates/model_card.md.j2` when the registry has one,
//! else from the built-in one ([`DEFAULT_CARD_TEMPLATE`]). Every value is escaped for
//! Markdown (see `escape.rs`); only the metric cells omgreg formats are printed as
//! they are.

use std::collections::BTreeMap;

use minijinja::Value;

use super::{escape, metric_cell};
use crate::registry::{
    ModelName, RegistryConfig, RegistryError, Snapshot, VersionRow, list_versions,
    load_assignments, load_model,
};

/// The template of the model card when the registry has none of its own.
pub const DEFAULT_CARD_TEMPLATE: &str = include_str!("templates/model_card.md.j2");

/// Where a registry keeps its own model card template.
pub const CARD_TEMPLATE_PATH: &str = "templates/model_card.md.j2";

/// The name the built-in card template renders under (its format follows it).
const BUILT_IN_NAME: &str = "built-in/model_card.md.j2";

/// The model card of `model` in `snapshot`. Deterministic: the same registry state
/// gives the same bytes.
pub fn model_card(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
) -> Result<String, RegistryError> {
    let (name, source) = match snapshot.read_text(CARD_TEMPLATE_PATH)? {
        Some(text) => (CARD_TEMPLATE_PATH, text),
        None => (BUILT_IN_NAME, DEFAULT_CARD_TEMPLATE.to_owned()),
    };
    let context = card_context(snapshot, config, model)?;
    escape::environment()
        .render_named_str(name, &source, context)
        .map_err(|err| RegistryError::InvalidTemplate {
            path: name.to_owned(),
            message: super::endpoint::describe(&err),
        })
}

/// What a card template sees (docs/format.md, "Model cards").
fn card_context(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
) -> Result<Value, RegistryError> {
    let doc = load_model(snapshot, model)?;
    let assignments = load_assignments(snapshot, config, model)?;
    let rows = list_versions(snapshot, config, model)?;
    let stages: Vec<Value> = config
        .ladder
        .iter()
        .map(|stage| {
            let versions: Vec<String> = assignments
                .holders(&stage.name)
                .iter()
                .map(ToString::to_string)
                .collect();
            minijinja::context! { name => stage.name.to_string(), versions => versions }
        })
        .collect();
    let aliases: Vec<Value> = assignments
        .aliases
        .iter()
        .map(|(alias, version)| {
            minijinja::context! { name => alias.to_string(), version => version.to_string() }
        })
        .collect();
    Ok(minijinja::context! {
        model => model.to_string(),
        description => doc.description,
        owners => doc.owners,
        tags => doc.tags,
        stages => stages,
        aliases => aliases,
        metrics => metric_names(&rows),
        versions => rows.iter().rev().map(version_context).collect::<Vec<_>>(),
        archived => rows.iter().filter_map(archived_context).collect::<Vec<_>>(),
    })
}

/// One row of the versions table; metric cells are formatted here, as omgreg's own
/// (safe) text.
fn version_context(row: &VersionRow) -> Value {
    let doc = &row.version.doc;
    let metrics: BTreeMap<String, Value> = doc
        .metrics
        .iter()
        .map(|(name, value)| (name.clone(), Value::from_safe_string(metric_cell(*value))))
        .collect();
    minijinja::context! {
        version => row.version.version.to_string(),
        stage => row.display_stage().to_string(),
        created => doc.created.clone(),
        created_by => doc.created_by.clone(),
        metrics => metrics,
        parent => doc.lineage.as_ref().and_then(|l| l.parent.clone()),
    }
}

/// An archived version with its note (reason, time, who), when it has one.
fn archived_context(row: &VersionRow) -> Option<Value> {
    (row.version.status == crate::registry::Status::Archived).then(|| {
        let note = row.version.doc.archived.as_ref().map(|a| {
            minijinja::context! { reason => a.reason.clone(), at => a.at.clone(), by => a.by.clone() }
        });
        minijinja::context! { version => row.version.version.to_string(), note => note }
    })
}

/// Every metric name among `rows`, sorted.
pub fn metric_names(rows: &[VersionRow]) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .flat_map(|row| row.version.doc.metrics.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}
