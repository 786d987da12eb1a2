//! Rule `reference`: stages and aliases name existing, active versions; endpoints
//! name existing models; lineage parents exist.

use crate::registry::{
    Assignments, ModelName, ModelRef, RefTarget, RegistryConfig, Snapshot, Status,
    load_assignments, load_version, model_exists, stages_file, version_file, version_ids,
};

use super::{Finding, Rule};

/// Checks every pointer of the registry.
pub fn check_references(snapshot: &dyn Snapshot, config: &RegistryConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let models = crate::registry::model_names(snapshot);
    for model in &models {
        let Ok(assignments) = load_assignments(snapshot, config, model) else {
            continue;
        };
        findings.extend(check_slots(snapshot, model, &assignments));
        findings.extend(check_lineage_parents(snapshot, model));
    }
    findings
}

/// Flags stages and aliases of `model` that hold archived or unregistered versions.
fn check_slots(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    assignments: &Assignments,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let stages_file = stages_file(model);
    let slots = assignments
        .stages
        .iter()
        .flat_map(|(stage, held)| {
            held.iter()
                .map(move |v| (format!("stage `{stage}`"), v.clone()))
        })
        .chain(
            assignments
                .aliases
                .iter()
                .map(|(alias, v)| (format!("alias `{alias}`"), v.clone())),
        );
    for (slot, version) in slots {
        let line = line_of(snapshot, &stages_file, &version.to_string());
        match load_version(snapshot, model, &version) {
            Ok(Some(found)) if found.status == Status::Archived => findings.push(
                Finding::new(
                    Rule::Reference,
                    format!("{slot} holds `{model}@{version}`, which is archived"),
                )
                .at(&stages_file, line),
            ),
            Ok(Some(_)) | Err(_) => {}
            Ok(None) => findings.push(
                Finding::new(
                    Rule::Reference,
                    format!("{slot} holds `{model}@{version}`, which is not registered"),
                )
                .at(&stages_file, line),
            ),
        }
    }
    findings
}

/// Flags versions of `model` whose lineage parent is not registered.
fn check_lineage_parents(snapshot: &dyn Snapshot, model: &ModelName) -> Vec<Finding> {
    let mut findings = Vec::new();
    for version in version_ids(snapshot, model).unwrap_or_default() {
        let Ok(Some(found)) = load_version(snapshot, model, &version) else {
            continue;
        };
        let Some(parent) = found.doc.lineage.as_ref().and_then(|l| l.parent.clone()) else {
            continue;
        };
        let path = version_file(model, &version);
        let exists = match parent.parse::<ModelRef>() {
            Ok(ModelRef {
                model: parent_model,
                target: RefTarget::Version(parent_version),
            }) => {
                matches!(
                    load_version(snapshot, &parent_model, &parent_version),
                    Ok(Some(_))
                )
            }
            _ => false,
        };
        if !exists {
            findings.push(
                Finding::new(
                    Rule::Reference,
                    format!("lineage parent `{parent}` is not registered"),
                )
                .at(&path, line_of(snapshot, &path, &parent)),
            );
        }
    }
    findings
}

/// Endpoints that follow a model not registered yet: allowed (an endpoint may be
/// declared before the model's first version; nothing is rendered until then), but
/// said on every `check`, as a misspelt model name would never deploy.
pub fn waiting_endpoints(snapshot: &dyn Snapshot) -> Vec<String> {
    let Ok(config) = crate::registry::load_config(snapshot) else {
        return Vec::new();
    };
    config
        .endpoints
        .iter()
        .filter(|endpoint| !model_exists(snapshot, &endpoint.model).unwrap_or(true))
        .map(|endpoint| {
            format!(
                "endpoint `{}` follows model `{}`, which is not registered yet: nothing is rendered until it is",
                endpoint.name, endpoint.model
            )
        })
        .collect()
}

/// The first line of `path` containing `needle`.
pub(crate) fn line_of(snapshot: &dyn Snapshot, path: &str, needle: &str) -> Option<usize> {
    let text = snapshot.read_text(path).ok()??;
    text.lines()
        .position(|line| line.contains(needle))
        .map(|index| index + 1)
}
