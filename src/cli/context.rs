//! What every command gets: the working folder, the registry location and the
//! output settings.

use std::path::{Path, PathBuf};

use super::CommandError;
use super::env_vars;
use crate::render::Output;
use crate::store::{Store, StoreError};

/// Global options, resolved once.
pub struct Ctx {
    /// The folder commands act from (`-C` applied): relative paths given on the
    /// command line, and `--code-commit auto`, are taken from here.
    pub cwd: PathBuf,
    /// Where to look for the registry: `--registry` / `OMGREG_REGISTRY`, else `cwd`.
    pub registry_dir: PathBuf,
    pub output: Output,
    /// `--sign` / `--no-sign`.
    pub sign_mode: crate::sign::SignMode,
}

impl Ctx {
    pub fn new(
        directory: Option<PathBuf>,
        registry: Option<PathBuf>,
        json: bool,
        quiet: bool,
    ) -> Result<Self, CommandError> {
        let here = std::env::current_dir()?;
        let cwd = absolute(&here, directory);
        let registry_dir = match registry {
            Some(dir) => absolute(&cwd, Some(dir)),
            None => cwd.clone(),
        };
        let output = Output::new(json, quiet, env_vars::is_set(env_vars::OMGREG_NO_PROGRESS));
        Ok(Self {
            cwd,
            registry_dir,
            output,
            sign_mode: crate::sign::SignMode::Auto,
        })
    }

    /// Opens the registry around the registry folder, completing first an action
    /// whose writer died half-way (and saying so in one line) and removing the
    /// temporary files of dead writers.
    pub fn open_store(&self) -> Result<Store, StoreError> {
        let store = Store::discover(&self.registry_dir)?;
        store.remove_abandoned_temp_files();
        match store.recover_interrupted() {
            Ok(Some(line)) => self.output.status(&line),
            Ok(None) => {}
            Err(err) => self.output.status(&format!(
                "warning: an interrupted omgreg action could not be completed: {err}"
            )),
        }
        Ok(store)
    }

    /// Opens the registry as it is, without completing an interrupted action
    /// (`omgreg doctor` reports it first).
    pub fn open_store_as_is(&self) -> Result<Store, StoreError> {
        Store::discover(&self.registry_dir)
    }

    /// A path given on the command line, relative to the working folder.
    pub fn path(&self, given: &Path) -> PathBuf {
        self.cwd.join(given)
    }
}

fn absolute(base: &Path, given: Option<PathBuf>) -> PathBuf {
    match given {
        Some(dir) => base.join(dir),
        None => base.to_owned(),
    }
}
