//! The audit log: registry events of every commit along first parents, derived from
//! tree diffs of `models/` and annotated by the commit's `Omgreg-*` trailers.
//!
//! [`model_events`] is the one derivation of a model's events in a commit; the walk
//! here and the event index (`event_index`) both call it, so they cannot disagree.

use std::collections::BTreeSet;

use git2::{Oid, Repository};

use super::error::GitContext;
use super::walk::{PathChange, PathChanges};
use super::{CommitId, Store, StoreError};
use crate::registry::{
    EventKind, MODELS_DIR, ModelEvent, ModelName, model_dir, stage_events, version_events,
};
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

/// The events newest first: from the event index when it can answer for the
/// requested commit, else from a first-parent walk (both give the same entries).
pub struct History<'r> {
    source: Source<'r>,
}

enum Source<'r> {
    Walk(Walk<'r>),
    Indexed(Box<dyn Iterator<Item = Result<HistoryEntry, StoreError>> + 'r>),
}

/// Walks commits newest first and derives their events.
struct Walk<'r> {
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
        if let Some(indexed) = super::event_index::history(self, from, model) {
            return Ok(History {
                source: Source::Indexed(indexed),
            });
        }
        Ok(History {
            source: Source::Walk(self.walk_history(from, model)?),
        })
    }

    /// [`Store::history`] by walking the commits, whatever the event index holds.
    pub(super) fn walked_history(
        &self,
        from: CommitId,
        model: Option<&ModelName>,
    ) -> Result<History<'_>, StoreError> {
        Ok(History {
            source: Source::Walk(self.walk_history(from, model)?),
        })
    }

    /// The events along first parents from `from`, always by walking the commits.
    fn walk_history(
        &self,
        from: CommitId,
        model: Option<&ModelName>,
    ) -> Result<Walk<'_>, StoreError> {
        let odb = self.repo.odb().git_context("opening the object database")?;
        let path = match model {
            Some(model) => format!("{}{}", self.prefix, model_dir(model)),
            None => format!("{}{MODELS_DIR}", self.prefix),
        };
        Ok(Walk {
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

    /// Whether the commit says it is an import (`Omgreg-Action: import`): a claim,
    /// which `check` honours only with an administrator's signature.
    pub fn claims_import(&self, commit: CommitId) -> Result<bool, StoreError> {
        let found = self.commit_object(commit)?;
        let trailers = trailers(&String::from_utf8_lossy(found.message_bytes()));
        Ok(trailers
            .iter()
            .any(|(k, v)| k == "Omgreg-Action" && v == "import"))
    }

    /// The registry events of one commit, against its first parent.
    pub fn commit_events(&self, commit: CommitId) -> Result<Vec<HistoryEntry>, StoreError> {
        let odb = self.repo.odb().git_context("opening the object database")?;
        let path = format!("{}{MODELS_DIR}", self.prefix);
        let found = self.commit_object(commit)?;
        let id_at = |c: &git2::Commit<'_>| super::walk::id_at(&odb, c.tree_id(), &path);
        let new = id_at(&found).git_context("reading a commit's tree")?;
        let old = match found.parents().next() {
            Some(parent) => id_at(&parent).git_context("reading a commit's tree")?,
            None => None,
        };
        let walk = self.walk_history(commit, None)?;
        walk.commit_events(PathChange {
            commit: commit.raw(),
            old,
            new,
        })
        .git_context("reading a commit")
    }
}

/// What the events of one commit share: the commit, who made it and when, its
/// subject and trailers.
pub(crate) struct CommitMeta {
    pub commit: CommitId,
    /// Author time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub email: String,
    pub subject: String,
    /// The `Omgreg-Action` trailer, when omgreg made the commit.
    pub action: Option<String>,
    pub trailers: Vec<(String, String)>,
}

impl CommitMeta {
    pub(crate) fn read(repo: &Repository, id: Oid) -> Result<Self, git2::Error> {
        let commit = repo.find_commit(id)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = trailers(&message);
        let action = trailers
            .iter()
            .find(|(k, _)| k == "Omgreg-Action")
            .map(|(_, v)| v.clone());
        let author = commit.author();
        Ok(Self {
            commit: id.into(),
            time: author.when().seconds(),
            author: author.name().unwrap_or_default().to_owned(),
            email: author.email().unwrap_or_default().to_owned(),
            subject: commit
                .summary()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned(),
            action,
            trailers,
        })
    }

    /// `event` of `model` in this commit, as the audit log shows it.
    pub(crate) fn entry(&self, model: &str, event: ModelEvent) -> HistoryEntry {
        HistoryEntry {
            commit: self.commit,
            time: self.time,
            author: self.author.clone(),
            email: self.email.clone(),
            subject: self.subject.clone(),
            action: self.action.clone(),
            model: model.to_owned(),
            event,
        }
    }
}

/// The UTF-8 text of a blob; `None` when absent or not text.
fn text(repo: &Repository, blob: Option<Oid>) -> Option<String> {
    let blob = repo.find_blob(blob?).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

/// Entry names, ids and whether each is a folder, of the tree `id`: empty when
/// absent or when `id` is not a tree (a file where a folder was: nothing inside).
fn entries(repo: &Repository, id: Option<Oid>) -> Result<Vec<(String, Oid, bool)>, git2::Error> {
    let Some(id) = id else { return Ok(Vec::new()) };
    let Ok(tree) = repo.find_object(id, None)?.into_tree() else {
        return Ok(Vec::new());
    };
    Ok(tree
        .iter()
        .filter_map(|e| {
            let is_tree = e.kind() == Some(git2::ObjectType::Tree);
            Some((e.name().ok()?.to_owned(), e.id(), is_tree))
        })
        .collect())
}

/// The events of the model folder `model` going from tree `old` to tree `new` in a
/// commit with `trailers`: the one derivation that the walk and the event index
/// share, so both give the same audit log.
pub(crate) fn model_events(
    repo: &Repository,
    trailers: &[(String, String)],
    model: &str,
    old: Option<Oid>,
    new: Option<Oid>,
) -> Result<Vec<ModelEvent>, git2::Error> {
    let mut events = Vec::new();
    let (old_entries, new_entries) = (entries(repo, old)?, entries(repo, new)?);
    let find = |entries: &[(String, Oid, bool)], name: &str| {
        entries
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, id, _)| *id)
    };
    let (old_versions, new_versions) = (
        find(&old_entries, "versions"),
        find(&new_entries, "versions"),
    );
    if old_versions != new_versions {
        let (before, after) = (entries(repo, old_versions)?, entries(repo, new_versions)?);
        for (file, before, after, _) in changed_entries(&before, &after) {
            let Some(version) = file.strip_suffix(".yaml") else {
                continue;
            };
            let parse = |id| {
                text(repo, id).and_then(|text| schema::from_yaml::<VersionDoc>(&file, &text).ok())
            };
            events.extend(version_events(
                version,
                parse(before).as_ref(),
                parse(after).as_ref(),
            ));
        }
    }
    let (old_signatures, new_signatures) = (
        find(&old_entries, "signatures"),
        find(&new_entries, "signatures"),
    );
    if old_signatures != new_signatures {
        let (before, after) = (
            entries(repo, old_signatures)?,
            entries(repo, new_signatures)?,
        );
        for (file, _, after, _) in changed_entries(&before, &after) {
            // A bundle written or replaced; one removed is no event (nothing vouches).
            if let (Some(version), Some(_)) = (file.strip_suffix(".sig"), after) {
                events.push(ModelEvent {
                    kind: EventKind::Signed,
                    version: version.to_owned(),
                    slot: None,
                    previous: None,
                });
            }
        }
    }
    let (old_stages, new_stages) = (
        find(&old_entries, "stages.yaml"),
        find(&new_entries, "stages.yaml"),
    );
    if old_stages != new_stages {
        let parse = |id| match text(repo, id) {
            None => Some(StagesDoc::default()),
            Some(text) if text.trim().is_empty() => Some(StagesDoc::default()),
            Some(text) => schema::from_yaml::<StagesDoc>("stages.yaml", &text).ok(),
        };
        if let (Some(before), Some(after)) = (parse(old_stages), parse(new_stages)) {
            let rolled_back = rolled_back_slots(trailers, model);
            events.extend(stage_events(&before, &after, &rolled_back));
        }
    }
    Ok(events)
}

impl Walk<'_> {
    fn commit_events(&self, change: PathChange) -> Result<Vec<HistoryEntry>, git2::Error> {
        let changed: Vec<(String, Option<Oid>, Option<Oid>)> = match &self.model {
            Some(model) => vec![(model.clone(), change.old, change.new)],
            // A file directly in `models/` (on both sides) is not a model.
            None => changed_entries(
                &entries(self.repo, change.old)?,
                &entries(self.repo, change.new)?,
            )
            .into_iter()
            .filter(|(_, _, _, folder)| *folder)
            .map(|(name, old, new, _)| (name, old, new))
            .collect(),
        };
        let meta = CommitMeta::read(self.repo, change.commit)?;
        let mut out = Vec::new();
        for (model, old, new) in changed {
            let events = model_events(self.repo, &meta.trailers, &model, old, new)?;
            out.extend(events.into_iter().map(|event| meta.entry(&model, event)));
        }
        Ok(out)
    }
}

impl Iterator for Walk<'_> {
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

impl Iterator for History<'_> {
    type Item = Result<HistoryEntry, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Walk(walk) => walk.next(),
            Source::Indexed(entries) => entries.next(),
        }
    }
}

/// Names present in either listing whose ids differ: (name, old id, new id, whether
/// either side is a folder).
fn changed_entries(
    old: &[(String, Oid, bool)],
    new: &[(String, Oid, bool)],
) -> Vec<(String, Option<Oid>, Option<Oid>, bool)> {
    let names: BTreeSet<&String> = old.iter().chain(new).map(|(name, ..)| name).collect();
    let find = |entries: &[(String, Oid, bool)], name: &str| {
        entries
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, id, folder)| (*id, *folder))
    };
    names
        .into_iter()
        .map(|name| {
            let (before, after) = (find(old, name), find(new, name));
            let folder = before.is_some_and(|(_, f)| f) || after.is_some_and(|(_, f)| f);
            (
                name.clone(),
                before.map(|(id, _)| id),
                after.map(|(id, _)| id),
                folder,
            )
        })
        .filter(|(_, before, after, _)| before != after)
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
