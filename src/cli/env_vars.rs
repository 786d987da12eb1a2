//! Every environment variable omgreg reads, in one place.

/// Disables colour when set to anything (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// The registry to use (same as `--registry`); read by clap.
pub const OMGREG_REGISTRY: &str = "OMGREG_REGISTRY";
/// Forces progress bars off even on a terminal (`1`).
pub const OMGREG_NO_PROGRESS: &str = "OMGREG_NO_PROGRESS";

/// The size limit, in bytes, of `--metrics-file`, `--params-file` and `--env-file`
/// (default 16 MiB, `ops::input::DEFAULT_MAX_INPUT_BYTES`).
pub const OMGREG_MAX_INPUT_BYTES: &str = "OMGREG_MAX_INPUT_BYTES";

/// The value of `name` when it is set to a non-empty value (lossily decoded).
pub fn value(name: &str) -> Option<String> {
    std::env::var_os(name)
        .filter(|value| !value.is_empty())
        .map(|value| value.to_string_lossy().into_owned())
}

// Read below the command line, and declared there: `OMGREG_FAILPOINT` and
// `OMGREG_FAILPOINT_DIR` (crash injection, builds with the `failpoints` feature only)
// in `store::failpoint`.

/// Whether `name` is set to a non-empty value.
pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}
