//! What every command gets: the working folder and the output settings.

use std::path::PathBuf;

use super::CommandError;
use super::env_vars;
use crate::render::Output;
use crate::store::{Store, StoreError};

/// Global options, resolved once.
pub struct Ctx {
    /// The folder commands act from (`-C` applied).
    pub cwd: PathBuf,
    pub output: Output,
}

impl Ctx {
    pub fn new(directory: Option<PathBuf>, json: bool, quiet: bool) -> Result<Self, CommandError> {
        let here = std::env::current_dir()?;
        let cwd = match directory {
            Some(dir) if dir.is_absolute() => dir,
            Some(dir) => here.join(dir),
            None => here,
        };
        let output = Output::new(json, quiet, env_vars::is_set(env_vars::OMGREG_NO_PROGRESS));
        Ok(Self { cwd, output })
    }

    /// Opens the registry around the working folder.
    pub fn open_store(&self) -> Result<Store, StoreError> {
        Store::discover(&self.cwd)
    }
}
