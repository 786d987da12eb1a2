//! Reading the registry's past from the commit graph: the changes of one stage or
//! alias, newest first, derived from tree diffs of `stages.yaml` along first parents
//! (so hand edits and merged pull requests count like omgreg's own commits).
//!
//! The changed `stages.yaml` blobs come from the event index when it can answer for
//! the commit read, else from a first-parent walk; the holders are read here either way.

use git2::{Oid, Repository};

use super::error::GitContext;
use super::walk::{PathChange, PathChanges};
use super::{CommitId, Store, StoreError};
use crate::registry::{ModelName, Slot, SlotChange, SnapshotError, VersionId, stages_file};
use crate::schema::{self, StageSlot, StagesDoc};

/// The changes of one slot's holder, newest first.
pub struct SlotHistory<'r> {
    repo: &'r Repository,
    /// The commits whose `stages.yaml` of the model differs from their first parent's.
    changes: Box<dyn Iterator<Item = Result<PathChange, git2::Error>> + 'r>,
    path: String,
    model: String,
    slot: Slot,
}

impl Store {
    /// The changes of `slot` of `model`, walking first parents back from `from`.
    pub fn slot_history(
        &self,
        from: CommitId,
        model: &ModelName,
        slot: &Slot,
    ) -> Result<SlotHistory<'_>, StoreError> {
        let path = format!("{}{}", self.prefix, stages_file(model));
        let changes = match super::event_index::stages_changes(self, from, model) {
            Some(indexed) => indexed,
            None => {
                let odb = self.repo.odb().git_context("opening the object database")?;
                Box::new(PathChanges::new(odb, from.raw(), path.clone()))
            }
        };
        Ok(SlotHistory {
            repo: &self.repo,
            changes,
            path,
            model: model.to_string(),
            slot: slot.clone(),
        })
    }
}

impl SlotHistory<'_> {
    fn failed(&self, source: git2::Error) -> SnapshotError {
        SnapshotError {
            path: format!("history of {}", self.path),
            source: Box::new(source),
        }
    }

    /// The slot's holder in the `stages.yaml` blob; `Err` when the file is unreadable
    /// (a broken hand edit in the past: such commits are skipped).
    fn holder(&self, blob: Option<Oid>) -> Result<Option<VersionId>, ()> {
        let Some(blob) = blob else { return Ok(None) };
        let blob = self.repo.find_blob(blob).map_err(drop)?;
        let text = std::str::from_utf8(blob.content()).map_err(drop)?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        let doc: StagesDoc = schema::from_yaml(&self.path, text).map_err(drop)?;
        let raw = match &self.slot {
            Slot::Stage(stage) => doc
                .stages
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(stage))
                .and_then(|(_, slot)| match slot {
                    StageSlot::One(version) => Some(version.clone()),
                    StageSlot::Many(versions) => versions.last().cloned(),
                }),
            Slot::Alias(alias) => doc.aliases.get(alias).cloned(),
        };
        raw.map(|raw| raw.parse().map_err(drop)).transpose()
    }

    fn rolled_back(&self, commit: &git2::Commit<'_>) -> bool {
        // Aliases never share a name with a stage, so the name alone tells the slot.
        let trailers = super::events::trailers(&String::from_utf8_lossy(commit.message_bytes()));
        super::events::rolled_back_slots(&trailers, &self.model)
            .iter()
            .any(|slot| slot.eq_ignore_ascii_case(self.slot.name()))
    }

    fn step(&mut self) -> Result<Option<SlotChange>, git2::Error> {
        while let Some(change) = self.changes.next() {
            let change = change?;
            let (Ok(new), Ok(old)) = (self.holder(change.new), self.holder(change.old)) else {
                continue;
            };
            if new != old {
                let commit = self.repo.find_commit(change.commit)?;
                return Ok(Some(SlotChange {
                    old,
                    new,
                    rolled_back: self.rolled_back(&commit),
                }));
            }
        }
        Ok(None)
    }
}

impl Iterator for SlotHistory<'_> {
    type Item = Result<SlotChange, SnapshotError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().map_err(|err| self.failed(err)).transpose()
    }
}
