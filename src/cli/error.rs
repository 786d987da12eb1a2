//! The one exit point: every failure becomes a diagnostic on stderr and an exit code.
//!
//! 0 ok (a closed stdout pipe too), 1 user or domain error, 2 usage, 3 violations
//! found by `check`/`verify`, 4 conflict with a concurrent writer, 255 internal bug.

use std::process::ExitCode;

use miette::Diagnostic;

pub use crate::ops::CommandError;

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

    #[error("the model is given twice: `{positional}` and `--model {flag}`")]
    #[diagnostic(code(omgreg::args::model_twice), help("give the model once"))]
    ModelTwice { positional: String, flag: String },

    #[error("no model given")]
    #[diagnostic(
        code(omgreg::args::model_missing),
        help("name it: `omgreg {command} MODEL` or `--model MODEL`")
    )]
    ModelMissing { command: &'static str },

    #[error("`--sign` and `--no-sign` apply to commands that write a commit")]
    #[diagnostic(
        code(omgreg::args::sign_not_applicable),
        help(
            "drop it: this command writes no commit (the writing commands are init, register, promote, alias, archive, unarchive, demote, rollback, render, import and pull)"
        )
    )]
    SignNotApplicable,
}

impl From<ArgError> for CommandError {
    fn from(err: ArgError) -> Self {
        Self::User(err.into())
    }
}

/// Prints the diagnostic of `err` to stderr and returns the exit code.
pub fn report(err: CommandError) -> ExitCode {
    match err {
        CommandError::User(report) => {
            crate::render::print_diagnostic(&report);
            ExitCode::from(1)
        }
        CommandError::Conflict(report) => {
            crate::render::print_diagnostic(&report);
            ExitCode::from(4)
        }
        CommandError::Violations => ExitCode::from(3),
        CommandError::Corrupt(report) => {
            crate::render::print_diagnostic(&report);
            ExitCode::from(3)
        }
        CommandError::BrokenPipe => ExitCode::SUCCESS,
        CommandError::Output(err) => {
            eprintln!("omgreg: cannot write output: {err}");
            ExitCode::from(1)
        }
    }
}
