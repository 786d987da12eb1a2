//! Rule `generated`: model cards and endpoint manifests are what omgreg renders.

use crate::policy::{Finding, Rule};
use crate::registry::{RegistryConfig, Snapshot, card_file};
use crate::render::{endpoint_manifest, model_card};

/// Compares every model card and endpoint file with a fresh rendering.
pub fn check_generated(snapshot: &dyn Snapshot, config: &RegistryConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let models = crate::registry::model_names(snapshot);
    for model in &models {
        let path = card_file(model);
        // A broken model is reported by the schema rule; its card cannot be judged.
        let Ok(expected) = model_card(snapshot, config, model) else {
            continue;
        };
        compare(snapshot, &path, Some(expected), &mut findings);
    }
    for endpoint in &config.endpoints {
        match endpoint_manifest(snapshot, config, endpoint) {
            Ok(expected) => compare(snapshot, &endpoint.output, expected, &mut findings),
            Err(err) => findings
                .push(Finding::new(Rule::Generated, err.to_string()).at(&endpoint.output, None)),
        }
    }
    findings
}

fn compare(
    snapshot: &dyn Snapshot,
    path: &str,
    expected: Option<String>,
    findings: &mut Vec<Finding>,
) {
    let actual = snapshot.read(path).ok().flatten();
    let message = match (&expected, &actual) {
        (Some(expected), Some(actual)) if expected.as_bytes() == actual.as_slice() => return,
        (None, None) => return,
        (Some(_), Some(_)) => "differs from what omgreg renders (edited by hand?)",
        (Some(_), None) => "is missing",
        (None, Some(_)) => "should not exist: what it follows holds no version",
    };
    findings.push(
        Finding::new(
            Rule::Generated,
            format!("`{path}` {message}; `omgreg render` (or any action on the model) rewrites it"),
        )
        .at(path, None),
    );
}
