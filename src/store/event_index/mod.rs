//! The event index: the audit log kept on disk so that `history MODEL`, `lineage`
//! and `rollback` answer at the speed of a lookup instead of walking the whole
//! commit graph, with exactly the answers of the walk.
//!
//! It lives in `<common git dir>/omgreg/[<registry prefix>/]history/` (shared by
//! linked worktrees; bare repositories have one too) and has two levels:
//!
//! - **change points**, for every model, found by one first-parent walk that reads
//!   commit headers and raw `models` trees only (`scan`): the model folder changed in
//!   the commit at position `n` (the root is 1), from tree `old` to tree `new`;
//! - **derived events**, computed from a change point when a model's log is first
//!   read, by the same function the walk uses (`events::model_events`), and kept.
//!
//! The index follows the checked-out branch and serves only reads of its tip; any
//! other revision is walked. It is never trusted blindly: the tip file's commit must
//! be met walking first parents from the branch tip (then only the newer commits are
//! scanned), every line carries a checksum, and the tip names each model file's
//! length; anything else (a cut or damaged file, a rewritten branch) makes it
//! rebuilt from scratch. Everything is best effort: where nothing can be written
//! (a read-only file system, a server hook's quarantine) the missing part is
//! computed in memory, and when even that is not possible the walk answers.
//!
//! Depends on `walk` and `events`; nothing outside `store` sees it.

mod files;
mod format;
mod health;
mod reads;
mod scan;
mod stream;
mod tip;
mod warm;

use std::collections::BTreeMap;
use std::time::Duration;

use git2::Oid;

use self::files::{Access, IndexDir};
pub(in crate::store) use self::format::encode_into;
use self::format::{ChangePoint, Derived, Hex, parse_log};
use self::tip::{MAX_STEPS, Step, Tip};
use super::{CommitId, Store};
use crate::registry::{MODELS_DIR, ModelName};

pub(in crate::store) use format::decode;
pub(crate) use reads::{history, stages_changes};

/// Set to `1`, reads answer by walking the commits, as before the index existed
/// (writers still keep it). For tests that compare the two; not a user setting.
pub const OMGREG_NO_EVENT_INDEX: &str = "OMGREG_NO_EVENT_INDEX";

/// Set by `git receive-pack` while a server hook judges pushed objects that are not
/// yet part of the repository: nothing may be written then.
const GIT_QUARANTINE_PATH: &str = "GIT_QUARANTINE_PATH";

/// How many derived change points of a model are appended at once; more are
/// written with their change points.
const APPEND_AT_MOST: usize = 32;

/// How long a reader waits for the index's lock (another reader bringing it up to
/// date, or an action's writer) before it walks instead.
const READER_PATIENCE: Duration = Duration::from_secs(1);

/// How many commits an action's writer scans at most to bring the index along
/// (usually one); past that the next read does it.
const WARM_LIMIT: u64 = 256;

/// The most models a writer re-indexes after history was rewritten under the index
/// (each is a file written anew, ~0.2 ms); more are left to the next read.
const WARM_REBUILD_MODELS: usize = 64;

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}

/// The index's folder for `store`'s registry.
fn index_dir(store: &Store) -> IndexDir {
    let mut path = store.repo.commondir().join("omgreg");
    if !store.prefix.is_empty() {
        path.push(store.prefix.trim_end_matches('/').replace('/', "%2F"));
    }
    IndexDir::new(path.join("history"))
}

/// The index brought up to a commit of its branch: what its files hold, plus the
/// change points not written (yet, or at all when it is read-only here).
struct Opened<'s> {
    store: &'s Store,
    dir: IndexDir,
    access: Access,
    /// What the files on disk cover (an empty tip when nothing there is usable).
    disk: Tip,
    /// The tip log's length, its steps, and whether its base line must be written
    /// (there is none, or it names another branch).
    log_len: u64,
    steps: usize,
    new_base: bool,
    /// Change points past `disk`, oldest first per model.
    pending: BTreeMap<String, Vec<ChangePoint>>,
    /// What the index covers, `pending` included: the commit, its `models` tree,
    /// its position.
    commit: Option<Oid>,
    tree: Option<Oid>,
    seq: u64,
    unnamed: bool,
    /// Writing failed once: everything else stays in memory.
    write_failed: bool,
}

impl<'s> Opened<'s> {
    /// The index for reading `head`, which must be the checked-out branch's tip,
    /// brought up to it; `None` when the walk must answer.
    fn open(store: &'s Store, head: CommitId) -> Option<Self> {
        if env_set(OMGREG_NO_EVENT_INDEX) {
            return None;
        }
        let (branch, tip) = store.branch_tip().ok()?;
        if tip != Some(head) {
            return None;
        }
        let mut index = Self::load(store, &branch, READER_PATIENCE)?;
        index.catch_up(head.raw(), None).ok()??;
        Some(index)
    }

    /// Locks and reads the tip file of the index for `branch`. A missing or damaged
    /// index is started afresh (when it may be written; else `None`). An index of
    /// another branch that still exists is left alone (`None`): two worktrees on two
    /// branches would otherwise rebuild it in turn.
    fn load(store: &'s Store, branch: &str, patience: Duration) -> Option<Self> {
        let dir = index_dir(store);
        let access = dir.lock(!env_set(GIT_QUARANTINE_PATH), patience)?;
        let tip = dir.read_tip();
        let mut index = Self {
            store,
            dir,
            access,
            disk: Tip::empty(branch),
            log_len: 0,
            steps: 0,
            new_base: true,
            pending: BTreeMap::new(),
            commit: None,
            tree: None,
            seq: 0,
            unnamed: false,
            write_failed: false,
        };
        match tip {
            Ok(Some(log))
                if log.tip.branch != branch
                    && store.repo.find_reference(&log.tip.branch).is_ok() =>
            {
                return None;
            }
            Ok(Some(log)) => {
                let mut tip = log.tip;
                index.new_base = tip.branch != branch;
                tip.branch = branch.to_owned();
                (index.commit, index.tree) = (tip.commit.map(|c| c.0), tip.tree.map(|t| t.0));
                index.seq = tip.seq;
                index.unnamed = tip.unnamed;
                (index.log_len, index.steps) = (log.len, log.steps);
                index.disk = tip;
            }
            _ if !index.may_write() => return None,
            _ => index.reset(),
        }
        Some(index)
    }

    fn may_write(&self) -> bool {
        self.access.may_write() && !self.write_failed
    }

    /// Forgets everything indexed.
    fn reset(&mut self) {
        if self.may_write() && self.dir.clear().is_err() {
            self.write_failed = true;
        }
        self.disk = Tip::empty(&self.disk.branch);
        (self.log_len, self.steps, self.new_base) = (0, 0, true);
        self.pending.clear();
        (self.commit, self.tree, self.seq, self.unnamed) = (None, None, 0, false);
    }

    /// Indexes the commits from the indexed one up to `head` (all of them when the
    /// indexed commit is not met along first parents: history was rewritten), and
    /// writes them when it may; the models they changed, or `None` when that takes
    /// more than `limit` commits (with a `limit`, a writer's, also when history was
    /// rewritten and the rebuild would touch more than [`WARM_REBUILD_MODELS`] models:
    /// it is left to the next read).
    fn catch_up(
        &mut self,
        head: Oid,
        limit: Option<u64>,
    ) -> Result<Option<Vec<String>>, git2::Error> {
        if self.commit == Some(head) {
            return Ok(Some(Vec::new()));
        }
        let odb = self.store.repo.odb()?;
        let models_path = format!("{}{MODELS_DIR}", self.store.prefix);
        let stop = self.commit.map(|commit| (commit, self.tree));
        let Some(found) = scan::scan(&odb, head, stop, &models_path, limit)? else {
            return Ok(None);
        };
        if found.reached_root && self.commit.is_some() {
            // The indexed commit is not on the branch any more (a reset, a pull that
            // replayed local actions). A writer rebuilds only a small index (one file
            // per model is written anew): an action must not pay for re-indexing a
            // large registry; the next read does it.
            let models: std::collections::BTreeSet<&str> =
                found.found.iter().map(|f| f.model.as_str()).collect();
            if limit.is_some() && models.len() > WARM_REBUILD_MODELS {
                return Ok(None);
            }
            self.reset();
        }
        for change in found.found.iter().rev() {
            self.pending
                .entry(change.model.clone())
                .or_default()
                .push(ChangePoint {
                    n: self.seq + found.commits - change.depth,
                    commit: change.commit,
                    old: change.old,
                    new: change.new,
                });
        }
        self.seq += found.commits;
        (self.commit, self.tree) = (Some(head), found.tree);
        self.unnamed |= found.unnamed;
        self.persist();
        let mut models: Vec<String> = found.found.into_iter().map(|f| f.model).collect();
        models.sort();
        models.dedup();
        Ok(Some(models))
    }

    /// Writes the pending change points and then the tip step that vouches for them.
    fn persist(&mut self) {
        if !self.may_write() {
            return;
        }
        let mut grown = BTreeMap::new();
        for (model, points) in &self.pending {
            let mut lines = Vec::new();
            for point in points {
                encode_into(&mut lines, &point.record());
            }
            let len = self.disk.models.get(model).unwrap_or(0);
            match self.dir.append(model, len, &lines) {
                Ok(new) => grown.insert(model.clone(), new),
                Err(_) => return self.write_failed = true,
            };
        }
        if self.write_step(grown) {
            self.pending.clear();
        }
    }

    /// Moves the tip log to `self.commit` and the `grown` file lengths: one step
    /// appended, or a new base line when there is none yet or enough steps.
    fn write_step(&mut self, grown: BTreeMap<String, u64>) -> bool {
        let step = Step {
            commit: self.commit.map(Hex),
            tree: self.tree.map(Hex),
            seq: self.seq,
            unnamed: self.unnamed,
            models: grown,
        };
        let mut tip = self.disk.clone();
        tip.apply(&step);
        let written = if self.new_base || self.steps >= MAX_STEPS {
            self.dir.write_base(&tip).map(|len| (len, 0))
        } else {
            let steps = self.steps + 1;
            self.dir
                .append_step(self.log_len, &step)
                .map(|len| (len, steps))
        };
        match written {
            Ok((len, steps)) => {
                (self.log_len, self.steps, self.new_base) = (len, steps, false);
                self.disk = tip;
                true
            }
            Err(_) => {
                self.write_failed = true;
                false
            }
        }
    }

    /// Every model with change points.
    fn model_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.disk.models.all().into_keys().collect();
        names.extend(self.pending.keys().cloned());
        names.sort();
        names.dedup();
        names
    }

    /// Writes the events derived while reading, then a tip step naming the new
    /// lengths. A few are appended; many (the first reading of a long past) make the
    /// file written anew with each change point's events right after it, so that
    /// reading newest first finds them together: the new file is written beside the
    /// old, the tip step names its length, and only then does it replace the old
    /// one (a crash in between leaves the old file shorter than the tip says: seen,
    /// and rebuilt).
    fn save_derived(&mut self, derived: BTreeMap<String, Vec<Derived>>) {
        if !self.may_write() || !self.pending.is_empty() || derived.is_empty() {
            return;
        }
        let mut grown = BTreeMap::new();
        let mut rewritten = Vec::new();
        for (model, records) in derived {
            let len = self.disk.models.get(&model).unwrap_or(0);
            if records.len() > APPEND_AT_MOST {
                if let Some(new) = self.rewrite(&model, len, records) {
                    grown.insert(model.clone(), new);
                    rewritten.push(model);
                }
                continue;
            }
            let mut lines = Vec::new();
            for record in records {
                encode_into(&mut lines, &format::Record::Events(record));
            }
            match self.dir.append(&model, len, &lines) {
                Ok(new) => grown.insert(model, new),
                Err(_) => return self.write_failed = true,
            };
        }
        if self.write_step(grown) {
            for model in rewritten {
                if self.dir.replace(&model).is_err() {
                    self.write_failed = true;
                }
            }
        }
    }

    /// Writes `model`'s file anew beside it (not replacing it yet), with `derived`
    /// after their change points; its length.
    fn rewrite(&self, model: &str, len: u64, derived: Vec<Derived>) -> Option<u64> {
        let bytes = self.dir.read_model(model, len).ok()?;
        let mut log = parse_log(&bytes, self.disk.seq).ok()?;
        log.derived.extend(derived.into_iter().map(|d| (d.n, d)));
        let mut lines = Vec::with_capacity(bytes.len() * 2);
        for point in &log.changes {
            encode_into(&mut lines, &point.record());
            if let Some(events) = log.derived.remove(&point.n) {
                encode_into(&mut lines, &format::Record::Events(events));
            }
        }
        self.dir.write_replacement(model, &lines).ok()
    }
}

/// The models whose folders differ between two commits (`old`: `None` for the
/// first commit of a branch).
pub(crate) fn changed_models(
    store: &Store,
    old: Option<CommitId>,
    new: CommitId,
) -> Result<Vec<ModelName>, git2::Error> {
    let odb = store.repo.odb()?;
    let models_path = format!("{}{MODELS_DIR}", store.prefix);
    scan::changed_models(&odb, old.map(CommitId::raw), new.raw(), &models_path)
}
