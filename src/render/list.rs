//! `omgreg list`: models with their stages, or the versions of one model.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::json::{Document, VersionJson};
use super::table::format_table;
use super::{Output, metric_cell};
use crate::registry::{ModelSummary, StageLadder, VersionRow};

#[derive(Serialize)]
struct ModelJson {
    model: String,
    versions: usize,
    latest: Option<String>,
    stages: IndexMap<String, Vec<String>>,
    aliases: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ModelsBody {
    models: Vec<ModelJson>,
}

#[derive(Serialize)]
struct VersionsBody {
    versions: Vec<VersionJson>,
}

/// Prints the model table.
pub fn list_models(
    output: &Output,
    commit: Option<String>,
    ladder: &StageLadder,
    models: &[ModelSummary],
) -> std::io::Result<()> {
    if output.json {
        let body = ModelsBody {
            models: models
                .iter()
                .map(|summary| ModelJson {
                    model: summary.model.to_string(),
                    versions: summary.version_count,
                    latest: summary.latest.as_ref().map(ToString::to_string),
                    stages: ladder
                        .iter()
                        .map(|stage| {
                            let held = summary.assignments.holders(&stage.name);
                            (
                                stage.name.clone(),
                                held.iter().map(ToString::to_string).collect(),
                            )
                        })
                        .collect(),
                    aliases: summary
                        .assignments
                        .aliases
                        .iter()
                        .map(|(alias, version)| (alias.clone(), version.to_string()))
                        .collect(),
                })
                .collect(),
        };
        return output.json(&Document::new("model_list", commit, &body));
    }
    if models.is_empty() {
        output.status(
            "no models registered yet; add one with `omgreg register MODEL --artifact PATH`",
        );
        return Ok(());
    }
    let mut header = vec![
        "MODEL".to_owned(),
        "VERSIONS".to_owned(),
        "LATEST".to_owned(),
    ];
    header.extend(ladder.iter().map(|stage| stage.name.to_uppercase()));
    header.push("ALIASES".to_owned());
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|summary| {
            let mut row = vec![
                summary.model.to_string(),
                summary.version_count.to_string(),
                summary
                    .latest
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), ToString::to_string),
            ];
            for stage in ladder.iter() {
                let held = summary.assignments.holders(&stage.name);
                row.push(if held.is_empty() {
                    "-".to_owned()
                } else {
                    join(held)
                });
            }
            row.push(aliases_cell(
                summary
                    .assignments
                    .aliases
                    .iter()
                    .map(|(a, v)| format!("{a}={v}")),
            ));
            row
        })
        .collect();
    output.data(&format_table(&header, &rows))
}

/// Prints version rows; `metrics` names the metric columns.
pub fn list_versions(
    output: &Output,
    commit: Option<String>,
    rows: &[VersionRow],
    metrics: &[String],
    with_model: bool,
) -> std::io::Result<()> {
    if output.json {
        let body = VersionsBody {
            versions: rows.iter().map(VersionJson::from_row).collect(),
        };
        return output.json(&Document::new("version_list", commit, &body));
    }
    if rows.is_empty() {
        output.status("no versions match");
        return Ok(());
    }
    let mut header = Vec::new();
    if with_model {
        header.push("MODEL".to_owned());
    }
    header.extend(["VERSION", "STAGE", "ALIASES", "CREATED"].map(str::to_owned));
    header.extend(metrics.iter().cloned());
    header.push("TAGS".to_owned());
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let doc = &row.version.doc;
            let mut cells = Vec::new();
            if with_model {
                cells.push(row.version.model.to_string());
            }
            cells.push(row.version.version.to_string());
            cells.push(row.display_stage().to_string());
            cells.push(aliases_cell(row.aliases.iter().cloned()));
            cells.push(doc.created.clone());
            for metric in metrics {
                cells.push(
                    doc.metrics
                        .get(metric)
                        .map_or_else(|| "-".to_owned(), |v| metric_cell(*v)),
                );
            }
            cells.push(aliases_cell(
                doc.tags.iter().map(|(k, v)| format!("{k}={v}")),
            ));
            cells
        })
        .collect();
    output.data(&format_table(&header, &table))
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn aliases_cell(items: impl Iterator<Item = String>) -> String {
    let joined = items.collect::<Vec<_>>().join(",");
    if joined.is_empty() {
        "-".to_owned()
    } else {
        joined
    }
}
