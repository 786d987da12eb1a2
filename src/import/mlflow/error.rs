//! Why an MLflow store could not be read: one diagnostic per class of failure, each
//! naming the store and the next step.

use std::path::PathBuf;

use miette::Diagnostic;

/// A failure reading an MLflow registry. Nothing of omgreg's is touched by a reader,
/// so every one of these leaves the registry as it was.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum MlflowError {
    #[error("`{uri}` is not a tracking URI omgreg reads")]
    #[diagnostic(
        code(omgreg::import::mlflow_uri),
        help(
            "give `http(s)://HOST:PORT` (a tracking server), `sqlite:///PATH` or `file:///PATH`; for a PostgreSQL or MySQL store, serve it with `mlflow server --backend-store-uri URI` and import from the server"
        )
    )]
    UnsupportedUri { uri: String },

    #[error("cannot reach the MLflow tracking server at `{url}`: {detail}")]
    #[diagnostic(
        code(omgreg::import::mlflow_unreachable),
        help("start the server or fix the URI; `curl URL/health` answers `OK` when it is up")
    )]
    Unreachable { url: String, detail: String },

    #[error("the MLflow server answered HTTP {status}{} for `{url}`: {message}", error_code.as_deref().map(|code| format!(" {code}")).unwrap_or_default())]
    #[diagnostic(
        code(omgreg::import::mlflow_http),
        help(
            "check the URI and your access to the server (MLflow's own error code is in the message)"
        )
    )]
    Http {
        url: String,
        status: u16,
        error_code: Option<String>,
        message: String,
    },

    #[error("`{url}` did not answer like an MLflow tracking server: {detail}")]
    #[diagnostic(
        code(omgreg::import::mlflow_bad_response),
        help(
            "give the tracking server's base URL (the one `mlflow server` prints), without `/api/...`"
        )
    )]
    BadResponse { url: String, detail: String },

    #[error("no MLflow store at `{}`", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_missing_store),
        help(
            "check the path: `sqlite:///` is followed by the database file's path, `file:///` by the folder that holds `models/` (often `mlruns`)"
        )
    )]
    MissingStore { path: PathBuf },

    #[error("`{}` is not an MLflow file store: {detail}", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_not_a_file_store),
        help(
            "give the folder MLflow writes (`mlruns`): it holds `models/` and one folder per experiment"
        )
    )]
    NotAFileStore { path: PathBuf, detail: String },

    #[error("`{}` in the MLflow file store is damaged: {detail}", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_corrupt_file_store),
        help("MLflow cannot read this file either; restore it from a backup or remove it")
    )]
    CorruptFileStore { path: PathBuf, detail: String },

    #[error("`{}` is not an MLflow database: {detail}", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_not_a_database),
        help(
            "give the SQLite file MLflow's `--backend-store-uri sqlite:///PATH` names (often `mlflow.db`)"
        )
    )]
    NotMlflowDatabase { path: PathBuf, detail: String },

    #[error("the MLflow database `{}` is damaged: {detail}", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_corrupt_database),
        help("`sqlite3 PATH 'PRAGMA integrity_check'` shows the damage; restore it from a backup")
    )]
    CorruptDatabase { path: PathBuf, detail: String },

    #[error("the MLflow database `{}` has a schema omgreg does not read (alembic revision `{revision}`): {detail}", path.display())]
    #[diagnostic(
        code(omgreg::import::mlflow_unsupported_schema),
        help(
            "upgrade it with `mlflow db upgrade sqlite:///PATH` (on a copy), or import from an `mlflow server` over it"
        )
    )]
    UnsupportedSchema {
        path: PathBuf,
        revision: String,
        detail: String,
    },

    #[error("cannot read the artifact `{uri}`: {detail}")]
    #[diagnostic(
        code(omgreg::import::mlflow_artifact),
        help(
            "the file was listed but could not be read; check that the artifact store is complete"
        )
    )]
    Artifact { uri: String, detail: String },
}

impl From<MlflowError> for crate::ops::CommandError {
    fn from(err: MlflowError) -> Self {
        Self::User(err.into())
    }
}
