//! Rule `schema` and `unknown-key`: every registry file parses, validates and uses
//! only known keys.

use crate::registry::{
    Assignments, CONFIG_FILE, MODELS_DIR, ModelName, ModelVersion, RegistryConfig, Snapshot,
    VersionId, model_file, stages_file, versions_dir,
};
use crate::schema::{self, ModelDoc, StagesDoc, VersionDoc};

use super::{Finding, Rule};

/// Checks `omgreg.toml` and every file under `models/`.
/// Versions recorded with `verified: false` are added to `unverified`
/// (`model@version`); one held in a stage that requires verified artifacts is a
/// finding.
pub fn check_schema(
    snapshot: &dyn Snapshot,
    config: Option<&RegistryConfig>,
    unverified: &mut Vec<String>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    match snapshot.read_text(CONFIG_FILE) {
        Ok(Some(text)) => match schema::config_checked(CONFIG_FILE, &text) {
            Ok((doc, unknown)) => {
                unknown_keys(&mut findings, CONFIG_FILE, unknown);
                if let Err(err) = RegistryConfig::try_from(doc) {
                    findings
                        .push(Finding::new(Rule::Schema, err.to_string()).at(CONFIG_FILE, None));
                }
            }
            Err(err) => findings
                .push(Finding::new(Rule::Schema, err.message.clone()).at(CONFIG_FILE, err.line)),
        },
        Ok(None) => findings.push(
            Finding::new(Rule::Schema, "the registry has no `omgreg.toml`").at(CONFIG_FILE, None),
        ),
        Err(err) => {
            findings.push(Finding::new(Rule::Schema, err.to_string()).at(CONFIG_FILE, None))
        }
    }
    let Some(config) = config else {
        return findings;
    };
    let models = match snapshot.list(MODELS_DIR) {
        Ok(models) => models,
        Err(err) => return vec![Finding::new(Rule::Schema, err.to_string())],
    };
    for name in models {
        let dir = format!("{MODELS_DIR}/{name}");
        match name.parse::<ModelName>() {
            Ok(model) => check_model(snapshot, config, &model, &mut findings, unverified),
            Err(err) => findings.push(Finding::new(Rule::Schema, err.to_string()).at(dir, None)),
        }
    }
    findings
}

fn check_model(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
    findings: &mut Vec<Finding>,
    unverified: &mut Vec<String>,
) {
    let model_file = model_file(model);
    if let Some(text) = read(snapshot, &model_file, findings) {
        match schema::from_yaml_checked::<ModelDoc>(&model_file, &text) {
            Ok((doc, unknown)) => {
                unknown_keys(findings, &model_file, unknown);
                if doc.model != model.as_str() {
                    findings.push(
                        Finding::new(
                            Rule::Schema,
                            format!("`model` is `{}` in the folder of `{model}`", doc.model),
                        )
                        .at(&model_file, Some(1)),
                    );
                }
            }
            Err(err) => findings
                .push(Finding::new(Rule::Schema, err.message.clone()).at(&model_file, err.line)),
        }
    }
    let stages_file = stages_file(model);
    let mut assignments = None;
    if let Some(text) = read(snapshot, &stages_file, findings) {
        let parsed = if text.trim().is_empty() {
            Ok((StagesDoc::default(), Vec::new()))
        } else {
            schema::from_yaml_checked::<StagesDoc>(&stages_file, &text)
        };
        match parsed {
            Ok((doc, unknown)) => {
                unknown_keys(findings, &stages_file, unknown);
                match Assignments::from_doc(&doc, &config.ladder, &stages_file, &text) {
                    Ok(parsed) => assignments = Some(parsed),
                    Err(err) => {
                        findings.push(Finding::from_error(Rule::Schema, &err, &stages_file))
                    }
                }
            }
            Err(err) => findings
                .push(Finding::new(Rule::Schema, err.message.clone()).at(&stages_file, err.line)),
        }
    }
    check_versions(
        snapshot,
        config,
        model,
        assignments.as_ref(),
        findings,
        unverified,
    );
}

/// The version files of `model`: names, schema, and `verified: false` against the
/// stage each holds.
fn check_versions(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
    assignments: Option<&Assignments>,
    findings: &mut Vec<Finding>,
    unverified: &mut Vec<String>,
) {
    let stages_file = stages_file(model);
    let dir = versions_dir(model);
    let versions = snapshot.list(&dir).unwrap_or_default();
    for file in versions {
        let path = format!("{dir}/{file}");
        let Some(stem) = file.strip_suffix(".yaml") else {
            findings.push(
                Finding::new(Rule::Schema, "not a version file (`<version>.yaml`)").at(&path, None),
            );
            continue;
        };
        let version = match stem.parse::<VersionId>() {
            Ok(version) if version.to_string() == stem => version,
            _ => {
                findings.push(
                    Finding::new(
                        Rule::Schema,
                        "the file name is not a canonical SemVer version",
                    )
                    .at(&path, None),
                );
                continue;
            }
        };
        let Some(text) = read(snapshot, &path, findings) else {
            continue;
        };
        match schema::from_yaml_checked::<VersionDoc>(&path, &text) {
            Ok((doc, unknown)) => {
                unknown_keys(findings, &path, unknown);
                if doc.verified == Some(false) {
                    let stage = assignments.and_then(|a| a.stage_of(&version));
                    match stage.filter(|stage| config.requires_verified(stage)) {
                        Some(stage) => findings.push(
                            Finding::new(
                                Rule::Verified,
                                format!(
                                    "`{model}@{version}` holds `{stage}`, which requires verified \
                                     artifacts, but its artifacts were recorded by location and \
                                     never read (`verified: false`)"
                                ),
                            )
                            .at(
                                &stages_file,
                                super::references::line_of(
                                    snapshot,
                                    &stages_file,
                                    &version.to_string(),
                                ),
                            ),
                        ),
                        None => unverified.push(format!("{model}@{version}")),
                    }
                }
                if let Err(err) = ModelVersion::from_doc(doc, model, &version, &path, &text) {
                    findings.push(Finding::from_error(Rule::Schema, &err, &path));
                }
            }
            Err(err) => {
                findings.push(Finding::new(Rule::Schema, err.message.clone()).at(&path, err.line))
            }
        }
    }
}

fn read(snapshot: &dyn Snapshot, path: &str, findings: &mut Vec<Finding>) -> Option<String> {
    match snapshot.read_text(path) {
        Ok(text) => text,
        Err(err) => {
            findings.push(Finding::new(Rule::Schema, err.to_string()).at(path, None));
            None
        }
    }
}

fn unknown_keys(findings: &mut Vec<Finding>, path: &str, unknown: Vec<schema::UnknownKey>) {
    for key in unknown {
        findings.push(
            Finding::new(Rule::UnknownKey, format!("unknown key `{}`", key.key)).at(path, key.line),
        );
    }
}
