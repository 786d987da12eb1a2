//! The work of each command: composes `registry` (the pure domain), `policy`, `sign`
//! and `store` (the only door to Git), and the file renderers of `render` (model
//! cards and endpoint manifests committed with an action).
//!
//! One module per command's work. An operation takes typed requests and returns
//! typed reports; it never parses command-line arguments and never prints: status
//! lines go through [`Progress`] (implemented by the command line), data back to
//! the caller.

mod action;
pub mod artifact_sig;
pub mod audit;
pub mod check;
pub mod checkout;
pub mod debug;
pub mod demote;
pub mod doctor;
mod error;
pub mod events;
pub mod history;
pub mod hooks;
pub mod import;
mod init;
pub mod input;
pub mod lifecycle;
pub mod lineage;
pub mod linked;
pub mod notify;
pub mod promote;
pub mod read;
mod register;
pub mod rerender;
pub mod rollback;
pub mod schema;
pub mod signing;
mod slot_moves;
pub mod sync;
pub mod transport;
pub mod verify;

pub use action::{actor, commit_action, open_writer};
pub use error::CommandError;
pub use init::{InitReport, init};
pub use register::{
    NoCodeRepository, ProgressBytes, RegisterOptions, RegisterPlan, code_reference,
    env_file_record, register,
};

/// Where an operation reports what it is doing (status lines for people); the
/// command line implements it on stderr, honouring `--quiet`.
pub trait Progress {
    fn status(&self, line: &str);
}
