//! The report of `omgreg checkout`.

use serde::Serialize;

use super::Output;
use super::json::JSON_SCHEMA_VERSION;
use crate::ops::checkout::CheckoutReport;

#[derive(Serialize)]
struct CheckedOut<'a> {
    path: &'a str,
    sha256: &'a str,
    size: Option<u64>,
    /// `written`, or `linked` for artifacts that live at a URI.
    status: &'static str,
    uri: Option<&'a str>,
}

/// The files written (and linked), or the `checkout` JSON document.
/// `commit` is the registry commit the version was read at (`--rev`, else HEAD).
pub fn checkout(
    output: &Output,
    report: &CheckoutReport,
    commit: Option<String>,
) -> std::io::Result<()> {
    if output.json {
        let artifacts: Vec<CheckedOut> = report
            .artifacts
            .iter()
            .map(|item| CheckedOut {
                path: &item.path,
                sha256: &item.sha256,
                size: item.size,
                status: if item.uri.is_some() {
                    "linked"
                } else {
                    "written"
                },
                uri: item.uri.as_deref(),
            })
            .collect();
        output.json(&serde_json::json!({
            "kind": "checkout",
            "schema_version": JSON_SCHEMA_VERSION,
            "commit": commit,
            "model": report.model.to_string(),
            "version": report.version.to_string(),
            "dest": report.dest,
            "artifacts": artifacts,
        }))?;
    } else {
        let mut text = String::new();
        for item in &report.artifacts {
            match &item.uri {
                Some(uri) => text.push_str(&format!("{}  (linked: {uri})\n", item.path)),
                None => text.push_str(&format!("{}\n", item.path)),
            }
        }
        output.data(&text)?;
        output.status(&format!(
            "Checked out `{}@{}` into `{}`",
            report.model,
            report.version,
            report.dest.display()
        ));
    }
    Ok(())
}
