//! Keeping the read caches warm: after an omgreg action moves the checked-out
//! branch, its writer brings the event index and the list cache to the new tip, so
//! no read after an action starts cold. Both are best effort (the action is
//! committed whatever happens here) and cost about what the action changed.

use std::time::Duration;

use super::super::{CommitId, Store};
use super::{GIT_QUARANTINE_PATH, Opened, WARM_LIMIT, env_set};
use crate::registry::ModelName;

impl Store {
    /// Brings the read caches from `old` (the branch's previous tip; `None` when it
    /// was unborn) to `new`, its tip now.
    pub(crate) fn warm_read_caches(&self, old: Option<CommitId>, new: CommitId) {
        let changed = self.warm_event_index(old, new);
        let changed = changed.or_else(|| super::changed_models(self, old, new).ok());
        if let Some(changed) = changed {
            self.warm_list_cache(new, &changed);
        }
    }

    /// Extends the event index to `new` when that takes at most [`WARM_LIMIT`]
    /// commits (usually one: the action's) and the lock is free, else leaves it to
    /// the next read; the models that changed from `old`, when the index was there.
    fn warm_event_index(&self, old: Option<CommitId>, new: CommitId) -> Option<Vec<ModelName>> {
        if env_set(GIT_QUARANTINE_PATH) {
            return None;
        }
        let branch = self.branch().ok()?;
        let mut index = Opened::load(self, &branch, Duration::ZERO)?;
        if !index.may_write() {
            return None;
        }
        let from = index.commit;
        let found = index.catch_up(new.raw(), Some(WARM_LIMIT)).ok()??;
        (from == old.map(CommitId::raw)).then(|| {
            found
                .iter()
                .filter_map(|model| model.parse().ok())
                .collect()
        })
    }
}
