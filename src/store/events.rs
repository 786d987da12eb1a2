//! The audit log: registry events of every commit along first parents, derived from
//! tree diffs of `models/` and annotated by the commit's `Omgreg-*` trailers.

use std::collections::BTreeSet;

use git2::{Oid, Repository};

use super::error::GitContext;
use super::walk::{PathChange, PathChanges};
use super::{CommitId, Store, StoreError};
use crate::registry::{MODELS_DIR, ModelEvent, ModelName, model_dir, stage_events, version_events};
use crate::schema::{self, StagesDoc, VersionDoc};

/// One event with the commit it comes from.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub commit: CommitId,
    /// Author time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub email: String,
    pub subject: String,
    /// The `Omgreg-Action` trailer, when omgreg made the commit.
    pub action: Option<String>,
    pub model: String,
    pub event: ModelEvent,
}

/// Walks commits newest first and yields their events.
pub struct History<'r> {
    repo: &'r Repository,
    changes: PathChanges<'r>,
    model: Option<String>,
    pending: std::vec::IntoIter<HistoryEntry>,
}

impl Store {
    /// The events of the registry (or of one model) along first parents from `from`.
    pub fn history(
        &self,
        from: CommitId,
        model: Option<&ModelName>,
    ) -> Result<History<'_>, StoreError> {
        let odb = self.repo.odb().git_context("opening the object database")?;
        let path = match model {
            Some(model) => format!("{}{}", self.prefix, model_dir(model)),
            None => format!("{}{MODELS_DIR}", self.prefix),
        };
        Ok(History {
            repo: &self.repo,
            changes: PathChanges::new(odb, from.raw(), path),
            model: model.map(ToString::to_string),
            pending: Vec::new().into_iter(),
        })
    }
}

impl Store {
    /// The (model, stage or alias) pairs `omgreg rollback` moved in `commit`, per its
    /// trailers.
    pub fn rollback_slots(&self, commit: CommitId) -> Result<Vec<(String, String)>, StoreError> {
        let found = self.commit_object(commit)?;
        let trailers = trailers(&String::from_utf8_lossy(found.message_bytes()));
        let models: Vec<&String> = trailers
            .iter()
            .filter(|(k, _)| k == "Omgreg-Model")
            .map(|(_, v)| v)
            .collect();
        Ok(models
            .into_iter()
            .flat_map(|model| {
                rolled_back_slots(&trailers, model)
                    .into_iter()
                    .map(move |slot| (model.clone(), slot))
            })
            .collect())
    }

    /// The registry events of one commit, against its first parent.
    pub fn commit_events(&self, commit: CommitId) -> Result<Vec<HistoryEntry>, StoreError> {
        let odb = self.repo.odb().git_context("opening the object database")?;
        let path = format!("{}models", self.prefix);
        let found = self.commit_object(commit)?;
        let id_at = |c: &git2::Commit<'_>| super::walk::id_at(&odb, c.tree_id(), &path);
        let new = id_at(&found).git_context("reading a commit's tree")?;
        let old = match found.parents().next() {
            Some(parent) => id_at(&parent).git_context("reading a commit's tree")?,
            None => None,
        };
        let history = self.history(commit, None)?;
        history
            .commit_events(PathChange {
                commit: commit.raw(),
                old,
                new,
            })
            .git_context("reading a commit")
    }
}

impl History<'_> {
    fn text(&self, blob: Option<Oid>) -> Option<String> {
        let blob = self.repo.find_blob(blob?).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

    /// Entry names and ids of the tree `id` (empty when absent).
    fn entries(&self, id: Option<Oid>) -> Result<Vec<(String, Oid)>, git2::Error> {
        let Some(id) = id else { return Ok(Vec::new()) };
        let tree = self.repo.find_tree(id)?;
        Ok(tree
            .iter()
            .filter_map(|e| Some((e.name().ok()?.to_owned(), e.id())))
            .collect())
    }

    fn commit_events(&self, change: PathChange) -> Result<Vec<HistoryEntry>, git2::Error> {
        let changed: Vec<(String, Option<Oid>, Option<Oid>)> = match &self.model {
            Some(model) => vec![(model.clone(), change.old, change.new)],
            None => changed_entries(&self.entries(change.old)?, &self.entries(change.new)?),
        };
        let commit = self.repo.find_commit(change.commit)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = trailers(&message);
        let action = trailers
            .iter()
            .find(|(k, _)| k == "Omgreg-Action")
            .map(|(_, v)| v.clone());
        let author = commit.author();
        let mut out = Vec::new();
        for (model, old, new) in changed {
            let mut events = Vec::new();
            let (old_entries, new_entries) = (self.entries(old)?, self.entries(new)?);
            let find = |entries: &[(String, Oid)], name: &str| {
                entries.iter().find(|(n, _)| n == name).map(|(_, id)| *id)
            };
            let (old_versions, new_versions) = (
                find(&old_entries, "versions"),
                find(&new_entries, "versions"),
            );
            if old_versions != new_versions {
                for (file, before, after) in
                    changed_entries(&self.entries(old_versions)?, &self.entries(new_versions)?)
                {
                    let Some(version) = file.strip_suffix(".yaml") else {
                        continue;
                    };
                    let parse = |id| {
                        self.text(id)
                            .and_then(|text| schema::from_yaml::<VersionDoc>(&file, &text).ok())
                    };
                    events.extend(version_events(
                        version,
                        parse(before).as_ref(),
                        parse(after).as_ref(),
                    ));
                }
            }
            let (old_stages, new_stages) = (
                find(&old_entries, "stages.yaml"),
                find(&new_entries, "stages.yaml"),
            );
            if old_stages != new_stages {
                let parse = |id| match self.text(id) {
                    None => Some(StagesDoc::default()),
                    Some(text) if text.trim().is_empty() => Some(StagesDoc::default()),
                    Some(text) => schema::from_yaml::<StagesDoc>("stages.yaml", &text).ok(),
                };
                if let (Some(before), Some(after)) = (parse(old_stages), parse(new_stages)) {
                    let rolled_back = rolled_back_slots(&trailers, &model);
                    events.extend(stage_events(&before, &after, &rolled_back));
                }
            }
            out.extend(events.into_iter().map(|event| {
                HistoryEntry {
                    commit: commit.id().into(),
                    time: author.when().seconds(),
                    author: author.name().unwrap_or_default().to_owned(),
                    email: author.email().unwrap_or_default().to_owned(),
                    subject: commit
                        .summary()
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .to_owned(),
                    action: action.clone(),
                    model: model.clone(),
                    event,
                }
            }));
        }
        Ok(out)
    }
}

impl Iterator for History<'_> {
    type Item = Result<HistoryEntry, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.pending.next() {
                return Some(Ok(entry));
            }
            let change = match self.changes.next()? {
                Ok(change) => change,
                Err(err) => return Some(Err(err).git_context("walking the history")),
            };
            match self.commit_events(change) {
                Ok(events) => self.pending = events.into_iter(),
                Err(err) => return Some(Err(err).git_context("reading a commit of the history")),
            }
        }
    }
}

/// Names present in either listing whose ids differ: (name, old id, new id).
fn changed_entries(
    old: &[(String, Oid)],
    new: &[(String, Oid)],
) -> Vec<(String, Option<Oid>, Option<Oid>)> {
    let names: BTreeSet<&String> = old.iter().chain(new).map(|(name, _)| name).collect();
    let find = |entries: &[(String, Oid)], name: &str| {
        entries.iter().find(|(n, _)| n == name).map(|(_, id)| *id)
    };
    names
        .into_iter()
        .map(|name| (name.clone(), find(old, name), find(new, name)))
        .filter(|(_, before, after)| before != after)
        .collect()
}

/// `(key, value)` trailers of a commit message.
pub(super) fn trailers(message: &str) -> Vec<(String, String)> {
    git2::message_trailers_strs(message)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The stages and aliases of `model` that the trailers say `omgreg rollback` moved.
pub(super) fn rolled_back_slots(trailers: &[(String, String)], model: &str) -> Vec<String> {
    let is = |key: &str, value: &str| trailers.iter().any(|(k, v)| k == key && v == value);
    if !is("Omgreg-Action", "rollback") || !is("Omgreg-Model", model) {
        return Vec::new();
    }
    trailers
        .iter()
        .filter(|(k, _)| k == "Omgreg-Stage" || k == "Omgreg-Alias")
        .map(|(_, v)| v.clone())
        .collect()
}
