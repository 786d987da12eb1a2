//! Answering from the event index: a model's (or the registry's) events newest
//! first, deriving and keeping those not derived yet, and the commits that changed a
//! model's `stages.yaml`, for the rollback stack.
//!
//! Files are read newest first and only as far as the reader goes (`stream`). A
//! damaged line met half-way makes the index rebuilt and the answer go on from the
//! same place (or, where nothing may be written, the walk go on from there): either
//! gives the same sequence, so what was already given is skipped.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use git2::Oid;

use super::super::error::GitContext;
use super::super::events::{CommitMeta, HistoryEntry, model_events};
use super::super::walk::{PathChange, PathChanges, id_at};
use super::super::{CommitId, Store, StoreError};
use super::Opened;
use super::format::{ChangePoint, Corrupt, Derived, EventRecord};
use super::scan::file_safe;
use super::stream::ModelStream;
use crate::registry::{ModelName, stages_file};

type Entries<'s> = Box<dyn Iterator<Item = Result<HistoryEntry, StoreError>> + 's>;
type Changes<'s> = Box<dyn Iterator<Item = Result<PathChange, git2::Error>> + 's>;

/// The events of `model` (or of every model) along first parents from `from`, as
/// [`Store::history`] gives them, from the index; `None` when the walk must answer.
pub(crate) fn history<'s>(
    store: &'s Store,
    from: CommitId,
    model: Option<&ModelName>,
) -> Option<Entries<'s>> {
    let mut index = Opened::open(store, from)?;
    let names = models_to_read(&index, model)?;
    let streams = index.streams(&names)?;
    let mut history = IndexedHistory {
        index,
        from,
        model: model.cloned(),
        names,
        streams: Vec::new(),
        heads: Vec::new(),
        queue: BinaryHeap::new(),
        pending: Vec::new().into_iter(),
        given: 0,
        skip: 0,
        fresh: BTreeMap::new(),
        meta: None,
        rebuilt: false,
        fallback: None,
    };
    if history.start(streams).is_err() {
        // A damaged newest line: rebuilt once, or the walk answers.
        history.rebuilt = true;
        if !history.index.rebuild() {
            return None;
        }
        history.names = models_to_read(&history.index, model)?;
        let streams = history.index.streams(&history.names)?;
        history.start(streams).ok()?;
    }
    Some(Box::new(history))
}

/// The models whose logs make up the answer; `None` when the walk must answer.
fn models_to_read(index: &Opened<'_>, model: Option<&ModelName>) -> Option<Vec<String>> {
    match model {
        Some(model) if file_safe(model.as_str()) => Some(vec![model.to_string()]),
        Some(_) => None,
        // A folder without an index file: only the walk sees it.
        None if index.unnamed => None,
        None => Some(index.model_names()),
    }
}

/// The commits, newest first along first parents from `from`, in which `model`'s
/// `stages.yaml` changed, from the index; `None` when the walk must answer.
pub(crate) fn stages_changes<'s>(
    store: &'s Store,
    from: CommitId,
    model: &ModelName,
) -> Option<Changes<'s>> {
    if !file_safe(model.as_str()) {
        return None;
    }
    let mut index = Opened::open(store, from)?;
    let name = [model.to_string()];
    let mut stream = index.streams(&name)?.pop()?;
    let odb = store.repo.odb().ok()?;
    // Changes given so far, and changes to pass over (read again after a rebuild).
    let (mut given, mut skip) = (0, 0);
    let mut rebuilt_once = false;
    let mut fallback: Option<Changes<'s>> = None;
    let path = format!("{}{}", store.prefix, stages_file(model));
    let stages = move |tree: Option<Oid>| -> Result<Option<Oid>, git2::Error> {
        Ok(match tree {
            Some(tree) => id_at(&odb, tree, "stages.yaml")?,
            None => None,
        })
    };
    Some(Box::new(std::iter::from_fn(move || {
        loop {
            if let Some(walk) = &mut fallback {
                return walk.next();
            }
            let point = match stream.next() {
                Ok(Some((point, _))) => point,
                Ok(None) => return None,
                Err(_) => {
                    // Damaged half-way: on from the same place, rebuilt (once) or
                    // walked.
                    let again = !std::mem::replace(&mut rebuilt_once, true);
                    let rebuilt = (again && index.rebuild()).then(|| index.streams(&name));
                    match rebuilt.flatten().and_then(|mut s| s.pop()) {
                        Some(fresh) => (stream, skip) = (fresh, given),
                        None => {
                            let odb = match store.repo.odb() {
                                Ok(odb) => odb,
                                Err(err) => return Some(Err(err)),
                            };
                            let walk = PathChanges::new(odb, from.raw(), path.clone());
                            fallback = Some(Box::new(walk.skip(given)));
                        }
                    }
                    continue;
                }
            };
            let change = match (stages(point.old), stages(point.new)) {
                (Ok(old), Ok(new)) if old == new => continue,
                (Ok(old), Ok(new)) => PathChange {
                    commit: point.commit,
                    old,
                    new,
                },
                (Err(err), _) | (_, Err(err)) => return Some(Err(err)),
            };
            if skip > 0 {
                skip -= 1;
                continue;
            }
            given += 1;
            return Some(Ok(change));
        }
    })))
}

impl Opened<'_> {
    /// A stream of each model of `models`; a damaged index is rebuilt once (when it
    /// may be written; else `None`: the walk answers).
    fn streams(&mut self, models: &[String]) -> Option<Vec<ModelStream>> {
        match self.open_streams(models) {
            Ok(streams) => Some(streams),
            Err(_) if self.rebuild() => self.open_streams(models).ok(),
            Err(_) => None,
        }
    }

    fn open_streams(&self, models: &[String]) -> Result<Vec<ModelStream>, Corrupt> {
        models
            .iter()
            .map(|model| {
                let len = self.disk.models.get(model).unwrap_or(0);
                let file = (len > 0).then(|| self.dir.open_model(model)).flatten();
                let pending = self.pending.get(model).cloned().unwrap_or_default();
                ModelStream::new(file, len, self.disk.seq, pending)
            })
            .collect()
    }

    /// Forgets the index and indexes the history again up to the same commit;
    /// `false` when it may not be written (or that fails).
    fn rebuild(&mut self) -> bool {
        let Some(head) = self.commit.filter(|_| self.may_write()) else {
            return false;
        };
        self.reset();
        matches!(self.catch_up(head, None), Ok(Some(_))) && self.pending.is_empty()
    }
}

/// Events newest first: by position descending, then by model name, as the walk
/// gives them.
struct IndexedHistory<'s> {
    index: Opened<'s>,
    from: CommitId,
    model: Option<ModelName>,
    names: Vec<String>,
    streams: Vec<ModelStream>,
    /// The next change point of each stream.
    heads: Vec<Option<(ChangePoint, Option<Derived>)>>,
    /// (position, model) of each stream's next change point.
    queue: BinaryHeap<(u64, Reverse<usize>)>,
    pending: std::vec::IntoIter<HistoryEntry>,
    /// Entries given so far, and entries to pass over (read again after a
    /// rebuild).
    given: usize,
    skip: usize,
    /// Events derived here, kept when the reading is done.
    fresh: BTreeMap<String, Vec<Derived>>,
    /// The last commit read, shared by the models it changed.
    meta: Option<CommitMeta>,
    /// Rebuilt once already (a second damage has the walk take over).
    rebuilt: bool,
    /// The walk, taking over where nothing may be written.
    fallback: Option<Entries<'s>>,
}

impl<'s> IndexedHistory<'s> {
    /// Reads the newest change point of each stream.
    fn start(&mut self, streams: Vec<ModelStream>) -> Result<(), Corrupt> {
        self.streams = streams;
        self.heads = (0..self.streams.len()).map(|_| None).collect();
        self.queue.clear();
        (0..self.streams.len()).try_for_each(|at| self.advance(at))
    }

    /// Reads the next change point of stream `at` into its head.
    fn advance(&mut self, at: usize) -> Result<(), Corrupt> {
        self.heads[at] = self.streams[at].next()?;
        if let Some((point, _)) = &self.heads[at] {
            self.queue.push((point.n, Reverse(at)));
        }
        Ok(())
    }

    /// A damaged line was met: the index rebuilt and read again from the start,
    /// passing over what was given; or, read-only, the walk from there.
    fn recover(&mut self) -> Result<(), StoreError> {
        self.pending = Vec::new().into_iter();
        // Derived again on the way, into the rebuilt files.
        self.fresh.clear();
        if !std::mem::replace(&mut self.rebuilt, true)
            && self.index.rebuild()
            && let Some(names) = models_to_read(&self.index, self.model.as_ref())
            && let Some(streams) = self.index.streams(&names)
        {
            self.names = names;
            if self.start(streams).is_ok() {
                self.skip = self.given;
                return Ok(());
            }
        }
        let store = self.index.store;
        let walk = store.walked_history(self.from, self.model.as_ref())?;
        self.fallback = Some(Box::new(walk.skip(self.given)));
        Ok(())
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
        let name = &self.names[model];
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

    /// The entries of the next change point; `None` at the end.
    fn next_point(&mut self) -> Option<Result<Vec<HistoryEntry>, StoreError>> {
        let (_, Reverse(at)) = self.queue.pop()?;
        let (point, derived) = self.heads[at].take().expect("queued heads are read");
        if self.advance(at).is_err() {
            return Some(self.recover().map(|()| Vec::new()));
        }
        let derived = match derived {
            Some(derived) => derived,
            None => match self.derive(at, point) {
                Ok(derived) => derived,
                Err(err) => return Some(Err(err).git_context("reading a commit of the history")),
            },
        };
        Some(Ok(entries(&derived, point.commit, &self.names[at])))
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
            if let Some(walk) = &mut self.fallback {
                return walk.next();
            }
            if let Some(entry) = self.pending.next() {
                if self.skip > 0 {
                    self.skip -= 1;
                    continue;
                }
                self.given += 1;
                return Some(Ok(entry));
            }
            match self.next_point()? {
                Ok(found) => self.pending = found.into_iter(),
                Err(err) => return Some(Err(err)),
            }
        }
    }
}

impl Drop for IndexedHistory<'_> {
    fn drop(&mut self) {
        let fresh = std::mem::take(&mut self.fresh);
        self.index.save_derived(fresh);
    }
}
