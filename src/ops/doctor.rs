//! `omgreg doctor`: finds what a crash can leave and repairs what is safe to repair,
//! and names a damaged or stale event index (removing its tip file has it rebuilt).

use crate::store::{Leftover, Store};

use super::CommandError;

/// What `doctor` may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoctorOptions {
    /// Report only.
    pub dry_run: bool,
    /// Also remove git lock files (the user knows no git command is running).
    pub remove_locks: bool,
}

/// One leftover and what became of it.
#[derive(Debug)]
pub struct DoctorFinding {
    pub leftover: Leftover,
    pub outcome: Outcome,
}

/// What `doctor` did about a leftover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Repaired; the line says how (an interrupted action completed).
    Repaired(String),
    /// The file was removed.
    Removed,
    /// Left in place (a dry run, or a lock without `--remove-locks`).
    Kept,
    /// Removing or repairing failed.
    Failed(String),
}

impl DoctorFinding {
    /// Whether something is still left for the user to do.
    pub fn is_open(&self) -> bool {
        matches!(self.outcome, Outcome::Kept | Outcome::Failed(_))
    }
}

/// Finds the leftovers of crashes in `store` and repairs them as `options` allow.
pub fn doctor(store: &Store, options: DoctorOptions) -> Result<Vec<DoctorFinding>, CommandError> {
    Ok(store
        .leftovers()
        .into_iter()
        .chain(store.event_index_problem())
        .map(|leftover| {
            let outcome = repair(store, &leftover, options);
            DoctorFinding { leftover, outcome }
        })
        .collect())
}

fn repair(store: &Store, leftover: &Leftover, options: DoctorOptions) -> Outcome {
    let removable = match leftover {
        Leftover::Lock { .. } => options.remove_locks,
        _ => true,
    };
    if options.dry_run || !removable {
        return Outcome::Kept;
    }
    let result = match leftover {
        Leftover::InterruptedAction { .. } => match store.recover_interrupted() {
            Ok(line) => return Outcome::Repaired(line.unwrap_or_default()),
            Err(err) => Err(err.to_string()),
        },
        other => other.remove().map_err(|err| err.to_string()),
    };
    match result {
        Ok(()) => Outcome::Removed,
        Err(err) => Outcome::Failed(err),
    }
}
