//! The report of `omgreg init`.

use std::path::Path;

use serde::Serialize;

use super::Output;
use super::json::Document;

#[derive(Serialize)]
struct InitBody<'a> {
    name: &'a str,
    path: &'a Path,
}

/// Prints the `init` document when JSON was asked for (the status line is printed
/// by the command as it goes).
pub fn init(
    output: &Output,
    name: &str,
    root: &Path,
    commit: Option<String>,
) -> std::io::Result<()> {
    if output.json {
        return output.json(&Document::new(
            "init",
            commit,
            &InitBody { name, path: root },
        ));
    }
    Ok(())
}
