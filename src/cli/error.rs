//! The one exit point: every failure becomes a diagnostic on stderr and an exit code.
//!
//! 0 ok (a closed stdout pipe too), 1 user or domain error, 2 usage, 3 violations
//! found by `check`/`verify`, 4 conflict with a concurrent writer, 255 internal bug.

use std::process::ExitCode;

use miette::Diagnostic;

use crate::registry::RegistryError;
use crate::store::StoreError;

/// Errors of resolving command-line input, before anything is touched.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ArgError {
    #[error("`{flag} {input}` is not `KEY=VALUE`")]
    #[diagnostic(
        code(omgreg::args::not_key_value),
        help("write it as `{flag} name=value`")
    )]
    NotKeyValue { flag: &'static str, input: String },

    #[error("metric `{key}` has the non-numeric value `{value}`")]
    #[diagnostic(
        code(omgreg::args::non_numeric_metric),
        help(
            "metrics are numbers, e.g. `--metric accuracy=0.93`; use `--tag` or `--param` for text"
        )
    )]
    NonNumericMetric { key: String, value: String },

    #[error("cannot read `{path}`")]
    #[diagnostic(code(omgreg::args::unreadable_file))]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{uris} `--uri` but {digests} `--sha256`")]
    #[diagnostic(
        code(omgreg::args::uri_without_sha256),
        help("give each `--uri` its own `--sha256`, in the same order")
    )]
    UriDigestCount { uris: usize, digests: usize },

    #[error("`{uri}` has no file name to store the linked artifact under")]
    #[diagnostic(
        code(omgreg::args::uri_without_name),
        help("link a URI that ends in a file name, e.g. `s3://bucket/model.pt`")
    )]
    UriWithoutName { uri: String },

    #[error("the model is given twice: `{positional}` and `--model {flag}`")]
    #[diagnostic(code(omgreg::args::model_twice), help("give the model once"))]
    ModelTwice { positional: String, flag: String },

    #[error("no model given")]
    #[diagnostic(
        code(omgreg::args::model_missing),
        help("name it: `omgreg {command} MODEL` or `--model MODEL`")
    )]
    ModelMissing { command: &'static str },

    #[error("`--code-commit auto` needs a Git repository around `{}`", path.display())]
    #[diagnostic(
        code(omgreg::args::code_commit_auto),
        help("run from the training code's repository, or pass `--code-commit SHA`")
    )]
    NoCodeRepository { path: std::path::PathBuf },

    #[error("`--path` and `--uri` name local files, and this repository has no copy of `{oid}`")]
    #[diagnostic(
        code(omgreg::resolve::object_missing),
        help(
            "fetch it with `git lfs fetch` (or `git lfs pull`), or read the artifacts from `--json`"
        )
    )]
    ObjectMissing { oid: String },
}

/// A command failure and the exit code it maps to.
#[derive(Debug)]
pub enum CommandError {
    /// Refused input or a failed precondition: exit 1.
    User(miette::Report),
    /// Another writer moved the branch too often: exit 4.
    Conflict(miette::Report),
    /// `check`/`verify` ran and found violations (already reported): exit 3.
    Violations,
    /// stdout was closed by the reader (`omgreg list | head`): exit 0, silently.
    BrokenPipe,
    /// Writing to stdout failed otherwise: exit 1.
    Output(std::io::Error),
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { .. } => Self::Conflict(err.into()),
            other => Self::User(other.into()),
        }
    }
}

impl From<RegistryError> for CommandError {
    fn from(err: RegistryError) -> Self {
        Self::User(err.into())
    }
}

impl From<ArgError> for CommandError {
    fn from(err: ArgError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::registry::SnapshotError> for CommandError {
    fn from(err: crate::registry::SnapshotError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::sign::SignError> for CommandError {
    fn from(err: crate::sign::SignError) -> Self {
        Self::User(err.into())
    }
}

impl From<crate::schema::SchemaError> for CommandError {
    fn from(err: crate::schema::SchemaError) -> Self {
        Self::User(err.into())
    }
}

impl From<std::io::Error> for CommandError {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Output(err)
        }
    }
}

impl CommandError {
    /// Prints the diagnostic to stderr and returns the exit code.
    pub fn report(self) -> ExitCode {
        match self {
            Self::User(report) => {
                eprintln!("{report:?}");
                ExitCode::from(1)
            }
            Self::Conflict(report) => {
                eprintln!("{report:?}");
                ExitCode::from(4)
            }
            Self::Violations => ExitCode::from(3),
            Self::BrokenPipe => ExitCode::SUCCESS,
            Self::Output(err) => {
                eprintln!("omgreg: cannot write output: {err}");
                ExitCode::from(1)
            }
        }
    }
}
