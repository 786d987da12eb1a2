//! Turning reports into output: human tables and text, JSON wire types, progress bars.
//!
//! Human text goes to stdout only when it is the data asked for; status lines go to
//! stderr. JSON output is a public API (docs/json.md). Depends on `registry`,
//! `schema` and `store` report values, never on `cli` argument types.

mod action;
mod card;
mod check;
mod checkout;
mod derived;
mod diff;
mod doctor;
mod endpoint;
pub(crate) mod escape;
mod history;
mod init;
mod json;
mod lineage;
mod list;
mod output;
mod progress;
mod register;
mod resolve;
mod show;
mod table;
mod verify;

pub use action::{ActionReport, action};
pub use card::{CARD_TEMPLATE_PATH, DEFAULT_CARD_TEMPLATE, metric_names, model_card};
pub use check::{CheckFormat, check};
pub use checkout::checkout;
pub use derived::with_derived_files;
pub use diff::diff;
pub use doctor::doctor;
pub use endpoint::{DEFAULT_TEMPLATE, endpoint_manifest};
pub use history::{history, rfc3339};
pub use init::init;
pub(crate) use json::Document;
pub use json::{ArtifactJson, JSON_SCHEMA_VERSION, VersionJson};
pub use lineage::{LineageReport, lineage};
pub use list::{list_models, list_versions};
pub use output::{Output, print_diagnostic};
pub use progress::ByteProgress;
pub use register::{RegisterReport, register};
pub use resolve::{ResolveMode, resolve};
pub use show::show;
pub use verify::{CommitVerdict, artifacts_verdict, verify};

/// `version=2026-05  uri=s3://...  hash=...`: the data reference's set fields.
pub(crate) fn data_summary(data: &crate::schema::DataDoc, separator: &str) -> String {
    [
        ("version", &data.version),
        ("uri", &data.uri),
        ("hash", &data.hash),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_ref().map(|value| format!("{key}={value}")))
    .collect::<Vec<_>>()
    .join(separator)
}

/// A human-readable size: `5.0 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A metric for a table cell: at most 4 significant decimals, no trailing noise.
pub(crate) fn metric_cell(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_metrics_read_well() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(metric_cell(0.93), "0.93");
        assert_eq!(metric_cell(12.0), "12");
        assert_eq!(metric_cell(0.123456), "0.1235");
    }
}
