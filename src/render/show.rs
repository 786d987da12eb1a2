//! `omgreg show`: one version in full.

use std::fmt::Write as _;

use super::json::{Document, VersionJson};
use super::{Output, human_size, metric_cell};
use crate::registry::VersionRow;

/// Prints one version.
pub fn show(output: &Output, commit: Option<String>, row: &VersionRow) -> std::io::Result<()> {
    if output.json {
        return output.json(&Document::new(
            "version",
            commit,
            &VersionJson::from_row(row),
        ));
    }
    let mut text = String::new();
    write_fields(&mut text, row);
    write_sections(&mut text, &row.version.doc);
    output.data(&text)
}

/// Writes the `key: value` lines: identity, stage, provenance and archiving.
fn write_fields(text: &mut String, row: &VersionRow) {
    let version = &row.version;
    let doc = &version.doc;
    let mut field = |key: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(text, "{:<13}{value}", format!("{key}:"));
        }
    };
    field("version", &format!("{}@{}", version.model, version.version));
    field("stage", row.display_stage().as_str());
    field("aliases", &row.aliases.join(", "));
    field("status", version.status.as_str());
    field("created", &format!("{} by {}", doc.created, doc.created_by));
    field("description", &doc.description);
    if let Some(parent) = doc.lineage.as_ref().and_then(|l| l.parent.as_deref()) {
        field("parent", parent);
    }
    if let Some(code) = &doc.code {
        let commit = code.commit.as_deref().unwrap_or("-");
        field(
            "code",
            &code
                .repo
                .as_ref()
                .map_or_else(|| commit.to_owned(), |repo| format!("{repo} @ {commit}")),
        );
    }
    if let Some(data) = &doc.data {
        field("data", &super::data_summary(data, "  "));
    }
    if let Some(archived) = &doc.archived {
        field(
            "archived",
            &format!("{} by {}: {}", archived.at, archived.by, archived.reason),
        );
    }
    if let Some(imported) = &doc.imported {
        field(
            "imported",
            &format!(
                "from {} `{}` (version {})",
                imported.from, imported.id, imported.version
            ),
        );
        if let Some(source) = &imported.source {
            field("source", source);
        }
        if let Some(run) = &imported.run_id {
            field(
                "run",
                &imported.run_link.clone().unwrap_or_else(|| run.clone()),
            );
        }
        if let Some(commit) = &imported.commit {
            field("commit", commit);
        }
    }
    if doc.verified == Some(false) {
        let locations: Vec<String> = doc
            .imported
            .iter()
            .flat_map(|i| &i.unverified)
            .map(|u| format!("{} ({})", u.uri, u.reason))
            .collect();
        field(
            "verified",
            &format!(
                "no: artifacts recorded by location, never read: {}",
                locations.join(", ")
            ),
        );
    }
}

/// Writes the aligned tables: metrics, params, tags, environment and artifacts.
fn write_sections(text: &mut String, doc: &crate::schema::VersionDoc) {
    let mut section = |title: &str, entries: Vec<(String, String)>| {
        if entries.is_empty() {
            return;
        }
        let _ = writeln!(text, "{title}:");
        let width = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, value) in entries {
            let _ = writeln!(text, "  {key:<width$}  {value}");
        }
    };
    section(
        "metrics",
        doc.metrics
            .iter()
            .map(|(k, v)| (k.clone(), metric_cell(*v)))
            .collect(),
    );
    section(
        "params",
        doc.params
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect(),
    );
    section(
        "tags",
        doc.tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
    if let Some(env) = &doc.environment {
        let mut entries: Vec<(String, String)> = env
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(file) = &env.file {
            entries.push((file.path.clone(), format!("sha256:{}", file.sha256)));
        }
        section("environment", entries);
    }
    section(
        "artifacts",
        doc.artifacts
            .iter()
            .map(|a| {
                let size = a.size.map_or_else(|| "-".to_owned(), human_size);
                let place = a.uri.clone().unwrap_or_else(|| "lfs".to_owned());
                (
                    a.path.clone(),
                    format!("{size:>10}  sha256:{}  {place}", a.sha256),
                )
            })
            .collect(),
    );
}
