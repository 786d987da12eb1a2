//! `omgreg diff`: fields of two versions side by side.

use serde::Serialize;

use super::Output;
use super::json::Document;
use super::table::format_table;
use crate::registry::{FieldDiff, VersionRow};

#[derive(Serialize)]
struct Side {
    model: String,
    version: String,
    stage: String,
}

#[derive(Serialize)]
struct FieldJson<'a> {
    key: &'a str,
    a: Option<&'a str>,
    b: Option<&'a str>,
}

#[derive(Serialize)]
struct DiffBody<'a> {
    a: Side,
    b: Side,
    fields: Vec<FieldJson<'a>>,
}

fn side(row: &VersionRow) -> Side {
    Side {
        model: row.version.model.to_string(),
        version: row.version.version.to_string(),
        stage: row.display_stage().to_string(),
    }
}

/// Prints the compared fields.
pub fn diff(
    output: &Output,
    commit: Option<String>,
    a: &VersionRow,
    b: &VersionRow,
    fields: &[FieldDiff],
) -> std::io::Result<()> {
    if output.json {
        let body = DiffBody {
            a: side(a),
            b: side(b),
            fields: fields
                .iter()
                .map(|f| FieldJson {
                    key: &f.key,
                    a: f.a.as_deref(),
                    b: f.b.as_deref(),
                })
                .collect(),
        };
        return output.json(&Document::new("diff", commit, &body));
    }
    if fields.is_empty() {
        output.status("no differences");
        return Ok(());
    }
    let name = |row: &VersionRow| format!("{}@{}", row.version.model, row.version.version);
    let header = ["FIELD".to_owned(), name(a), name(b)];
    let rows: Vec<Vec<String>> = fields
        .iter()
        .map(|f| {
            let cell = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
            vec![f.key.clone(), cell(&f.a), cell(&f.b)]
        })
        .collect();
    output.data(&format_table(&header, &rows))
}
