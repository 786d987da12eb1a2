//! Outside tools the tests run against (GTO, MLflow, ...), installed pinned by
//! `.ci/setup-tools` into one virtual environment: `$OMGREG_TOOLS_VENV`, default
//! `target/tools-venv` of this crate. A test that needs a tool asks [`tool`]: when the
//! tool is missing it is skipped with a line saying how to install it, except under
//! `CI=true`, where `.ci/run` installs them and a skip would hide a failure.

use std::path::PathBuf;

/// The virtual environment `.ci/setup-tools` fills.
pub fn venv() -> PathBuf {
    std::env::var_os("OMGREG_TOOLS_VENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tools-venv"),
        PathBuf::from,
    )
}

/// The program `name` (e.g. `gto`, `mlflow`, `python`) in the tools environment, or
/// `None` (the caller returns: the test is skipped) when it is not installed. Panics
/// under `CI=true` instead of skipping.
#[track_caller]
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = venv().join("bin").join(name);
    if path.is_file() {
        return Some(path);
    }
    let how = "run `bash .ci/setup-tools` (or set OMGREG_TOOLS_VENV)";
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "`{name}` is missing from {} and CI=true: {how}",
        venv().display()
    );
    eprintln!("skipped: `{name}` is not installed; {how}");
    None
}

/// Whether the program `name` is on PATH; when it is not, says how to install it and
/// returns `false` (the caller skips), except under `CI=true`, where it panics.
#[track_caller]
pub fn program_on_path(name: &str, install: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if found {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "`{name}` is not on PATH and CI=true: {install}"
    );
    eprintln!("skipped: `{name}` is not on PATH; {install}");
    false
}
