//! Answering from the event index: a model's (or the registry's) events newest
//! first, deriving and keeping those not derived yet, and the commits that changed a
//! model's `stages.yaml`, for the rollback stack.

use std::collections::BTreeMap;

use git2::Oid;

use super::super::error::GitContext;
use super::super::events::{CommitMeta, HistoryEntry, model_events};
use super::super::walk::{PathChange, id_at};
use super::super::{CommitId, Store, StoreError};
use super::Opened;
use super::format::{ChangePoint, Derived, EventRecord, ModelLog};
use super::scan::file_safe;
use crate::registry::ModelName;

type Entries<'s> = Box<dyn Iterator<Item = Result<HistoryEntry, StoreError>> + 's>;

/// The events of `model` (or of every model) along first parents from `from`, as
/// [`Store::history`] gives them, from the index; `None` when the walk must answer.
pub(crate) fn history<'s>(
    store: &'s Store,
    from: CommitId,
    model: Option<&ModelName>,
) -> Option<Entries<'s>> {
    let mut index = Opened::open(store, from)?;
    let names = match model {
        Some(model) if file_safe(model.as_str()) => vec![model.to_string()],
        Some(_) => return None,
        // A folder without an index file: only the walk sees it.
        None if index.unnamed => return None,
        None => index.model_names(),
    };
    let logs = index.logs(&names)?;
    Some(Box::new(IndexedHistory::new(
        index,
        names.into_iter().zip(logs).collect(),
    )))
}

/// The commits, newest first along first parents from `from`, in which `model`'s
/// `stages.yaml` changed, from the index; `None` when the walk must answer.
pub(crate) fn stages_changes<'s>(
    store: &'s Store,
    from: CommitId,
    model: &ModelName,
) -> Option<Box<dyn Iterator<Item = Result<PathChange, git2::Error>> + 's>> {
    if !file_safe(model.as_str()) {
        return None;
    }
    let mut index = Opened::open(store, from)?;
    let log = index.logs(&[model.to_string()])?.pop()?;
    drop(index);
    let odb = store.repo.odb().ok()?;
    let stages = move |tree: Option<Oid>| -> Result<Option<Oid>, git2::Error> {
        Ok(match tree {
            Some(tree) => id_at(&odb, tree, "stages.yaml")?,
            None => None,
        })
    };
    Some(Box::new(log.changes.into_iter().rev().filter_map(
        move |point| match (stages(point.old), stages(point.new)) {
            (Ok(old), Ok(new)) if old == new => None,
            (Ok(old), Ok(new)) => Some(Ok(PathChange {
                commit: point.commit,
                old,
                new,
            })),
            (Err(err), _) | (_, Err(err)) => Some(Err(err)),
        },
    )))
}

/// Events newest first: by position descending, then by model name, as the walk
/// gives them.
struct IndexedHistory<'s> {
    index: Opened<'s>,
    models: Vec<(String, ModelLog)>,
    /// (position, model, change point) still to read; the next one is last.
    queue: Vec<(u64, usize, usize)>,
    pending: std::vec::IntoIter<HistoryEntry>,
    /// Events derived here, kept when the reading is done.
    fresh: BTreeMap<String, Vec<Derived>>,
    /// The last commit read, shared by the models it changed.
    meta: Option<CommitMeta>,
}

impl<'s> IndexedHistory<'s> {
    fn new(index: Opened<'s>, models: Vec<(String, ModelLog)>) -> Self {
        let mut queue: Vec<(u64, usize, usize)> = models
            .iter()
            .enumerate()
            .flat_map(|(m, (_, log))| {
                log.changes
                    .iter()
                    .enumerate()
                    .map(move |(c, p)| (p.n, m, c))
            })
            .collect();
        queue.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        Self {
            index,
            models,
            queue,
            pending: Vec::new().into_iter(),
            fresh: BTreeMap::new(),
            meta: None,
        }
    }

    /// The events of a change point not derived yet (kept to be written).
    fn derive(&mut self, model: usize, point: ChangePoint) -> Result<Derived, git2::Error> {
        let repo = &self.index.store.repo;
        if self
            .meta
            .as_ref()
            .is_none_or(|meta| meta.commit.raw() != point.commit)
        {
            self.meta = Some(CommitMeta::read(repo, point.commit)?);
        }
        let meta = self.meta.as_ref().expect("just read");
        let name = &self.models[model].0;
        let events = model_events(repo, &meta.trailers, name, point.old, point.new)?;
        let derived = Derived {
            n: point.n,
            time: meta.time,
            author: meta.author.clone(),
            email: meta.email.clone(),
            subject: meta.subject.clone(),
            action: meta.action.clone(),
            events: events.iter().map(EventRecord::from).collect(),
        };
        self.fresh
            .entry(name.clone())
            .or_default()
            .push(derived.clone());
        Ok(derived)
    }
}

/// The audit log's entries of derived events.
fn entries(derived: &Derived, commit: Oid, model: &str) -> Vec<HistoryEntry> {
    derived
        .events
        .iter()
        .filter_map(EventRecord::event)
        .map(|event| HistoryEntry {
            commit: commit.into(),
            time: derived.time,
            author: derived.author.clone(),
            email: derived.email.clone(),
            subject: derived.subject.clone(),
            action: derived.action.clone(),
            model: model.to_owned(),
            event,
        })
        .collect()
}

impl Iterator for IndexedHistory<'_> {
    type Item = Result<HistoryEntry, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.pending.next() {
                return Some(Ok(entry));
            }
            let (n, model, change) = self.queue.pop()?;
            let (name, log) = &self.models[model];
            let point = log.changes[change];
            let found = match log.derived.get(&n) {
                Some(derived) => entries(derived, point.commit, name),
                None => match self.derive(model, point) {
                    Ok(derived) => entries(&derived, point.commit, &self.models[model].0),
                    Err(err) => {
                        return Some(Err(err).git_context("reading a commit of the history"));
                    }
                },
            };
            self.pending = found.into_iter();
        }
    }
}

impl Drop for IndexedHistory<'_> {
    fn drop(&mut self) {
        let fresh = std::mem::take(&mut self.fresh);
        self.index.save_derived(fresh);
    }
}
