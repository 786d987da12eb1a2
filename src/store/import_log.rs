//! What earlier imports brought: the `Omgreg-Source` trailers of the branch's
//! commits. A trailer only saves work (an event already imported is not imported
//! again); it proves nothing, and `check` never reads it.

use std::collections::BTreeSet;

use super::error::GitContext;
use super::{Store, StoreError};

/// The trailer an imported commit carries: `<tool> <source id>`.
pub const SOURCE_TRAILER: &str = "Omgreg-Source";

impl Store {
    /// Every `Omgreg-Source` value in the history of the registry branch (empty on an
    /// unborn branch).
    pub fn imported_sources(&self) -> Result<BTreeSet<String>, StoreError> {
        let mut found = BTreeSet::new();
        let branch = self.branch()?;
        let Ok(tip) = self.repo.refname_to_id(&branch) else {
            return Ok(found);
        };
        let mut walk = self.repo.revwalk().git_context("walking the history")?;
        walk.push(tip).git_context("walking the history")?;
        let odb = self.repo.odb().git_context("opening the object database")?;
        let prefix = format!("\n{SOURCE_TRAILER}: ");
        for id in walk {
            let id = id.git_context("walking the history")?;
            let object = odb.read(id).git_context("reading a commit")?;
            let text = String::from_utf8_lossy(object.data());
            let mut rest = text.as_ref();
            while let Some(at) = rest.find(&prefix) {
                rest = &rest[at + prefix.len()..];
                let value = rest.split('\n').next().unwrap_or_default().trim();
                found.insert(value.to_owned());
            }
        }
        Ok(found)
    }
}
