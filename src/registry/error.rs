//! Errors of the domain layer: invalid input and violated preconditions.

use miette::Diagnostic;

use crate::schema::SchemaError;

use super::SnapshotError;

/// Something the registry refuses: every variant is caused by user input or by the
/// registry's content, never by a bug.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RegistryError {
    #[error("invalid model name `{name}`: {reason}")]
    #[diagnostic(
        code(omgreg::name::invalid_model),
        help("model names match `^[a-z0-9][a-z0-9._-]{{0,99}}$`, e.g. `churn` or `bert-base.v2`")
    )]
    InvalidModelName { name: String, reason: String },

    #[error("invalid version `{input}`: {reason}")]
    #[diagnostic(
        code(omgreg::name::invalid_version),
        help(
            "versions are SemVer 2.0, e.g. `2.1.0` or `1.0.0-rc.1`; omit `--version` to bump the greatest"
        )
    )]
    InvalidVersion { input: String, reason: String },

    #[error("invalid sha256 digest `{input}`")]
    #[diagnostic(
        code(omgreg::name::invalid_digest),
        help("give 64 hex digits, optionally prefixed by `sha256:`")
    )]
    InvalidDigest { input: String },

    #[error("invalid reference `{input}`: {reason}")]
    #[diagnostic(
        code(omgreg::reference::invalid),
        help("write `MODEL@VERSION`, `MODEL@STAGE`, `MODEL@ALIAS` or `MODEL@latest`")
    )]
    InvalidReference { input: String, reason: String },

    #[error("invalid artifact path `{path}`: {reason}")]
    #[diagnostic(
        code(omgreg::artifact::invalid_path),
        help("artifact paths are relative, with no `..` or empty parts")
    )]
    InvalidArtifactPath { path: String, reason: String },

    #[error("two artifacts would be stored at `{path}`")]
    #[diagnostic(
        code(omgreg::artifact::duplicate),
        help("rename one of them, or register a folder that holds both")
    )]
    DuplicateArtifact { path: String },

    #[error("invalid stage configuration: {reason}")]
    #[diagnostic(
        code(omgreg::config::invalid_stages),
        help("fix `[stages]` in `omgreg.toml`")
    )]
    InvalidStageConfig { reason: String },

    #[error("`{input}` is not a stage of this registry")]
    #[diagnostic(
        code(omgreg::stage::unknown),
        help("stages are {known} (and the implicit `None` and `Archived`)")
    )]
    UnknownStage { input: String, known: String },

    #[error("unsupported registry schema {found} in `omgreg.toml`")]
    #[diagnostic(
        code(omgreg::config::unsupported_schema),
        help("this omgreg reads schema 1; upgrade omgreg")
    )]
    UnsupportedSchema { found: u32 },

    #[error("a registry already exists here")]
    #[diagnostic(code(omgreg::init::exists), help("`omgreg list` shows what it holds"))]
    AlreadyInitialized,

    #[error("model `{model}` is not in the registry")]
    #[diagnostic(
        code(omgreg::model::not_found),
        help("`omgreg list` shows the registered models")
    )]
    ModelNotFound { model: String },

    #[error("version `{model}@{version}` is not in the registry")]
    #[diagnostic(
        code(omgreg::version::not_found),
        help("`omgreg list {model}` shows its versions")
    )]
    VersionNotFound { model: String, version: String },

    #[error("version `{model}@{version}` is already registered")]
    #[diagnostic(
        code(omgreg::version::exists),
        help("registered versions are immutable; pick another `--version` or use `--bump`")
    )]
    VersionExists { model: String, version: String },

    #[error("`{model}@{reference}` does not name a version: {reason}")]
    #[diagnostic(
        code(omgreg::reference::unresolved),
        help("`omgreg list {model}` shows its versions, stages and aliases")
    )]
    Unresolved {
        model: String,
        reference: String,
        reason: String,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Schema(#[from] SchemaError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Snapshot(#[from] SnapshotError),
}
