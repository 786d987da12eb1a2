//! What `omgreg doctor` says about the event index: a damaged file, or a tip that is
//! not in the branch's history (rewritten). Either would make the next read rebuild
//! it; doctor names it and removes the tip file, which has the same effect.

use std::time::Duration;

use git2::{ObjectType, Oid};

use super::super::walk::parse_header;
use super::super::{Leftover, Store};
use super::format::{Corrupt, parse_log};
use super::index_dir;
use super::tip::TipLog;

impl Store {
    /// The event index's problem, if it has one (a busy index is not judged).
    pub fn event_index_problem(&self) -> Option<Leftover> {
        let dir = index_dir(self);
        let path = dir.tip_path();
        if !path.exists() {
            return None;
        }
        let _shared = dir.lock(false, Duration::from_secs(1))?;
        let problem = match dir.read_tip() {
            Err(Corrupt(why)) => Some(why),
            Ok(None) => None,
            Ok(Some(TipLog { tip, .. })) => tip
                .models
                .all()
                .iter()
                .find_map(|(model, len)| {
                    let bytes = dir.read_model(model, *len).map_err(|Corrupt(why)| why);
                    bytes
                        .and_then(|b| parse_log(&b, tip.seq).map(drop).map_err(|Corrupt(why)| why))
                        .err()
                        .map(|why| format!("`models/{model}`: {why}"))
                })
                .or_else(|| self.unreachable_tip(&tip.branch, tip.commit.map(|c| c.0))),
        };
        problem.map(|problem| Leftover::EventIndex { path, problem })
    }

    /// Why `commit` cannot be the indexed tip of `branch` (its tip's first parents
    /// never meet it), when the index follows the checked-out branch.
    fn unreachable_tip(&self, branch: &str, commit: Option<Oid>) -> Option<String> {
        let (current, tip) = self.branch_tip().ok()?;
        let (commit, tip) = (commit?, tip?.raw());
        if current != branch && self.repo.find_reference(branch).is_ok() {
            return None;
        }
        let odb = self.repo.odb().ok()?;
        let mut next = Some(tip);
        while let Some(id) = next {
            if id == commit {
                return None;
            }
            let object = odb.read(id).ok()?;
            if object.kind() != ObjectType::Commit {
                return None;
            }
            next = parse_header(object.data())?.1;
        }
        Some(format!(
            "its commit {commit} is not in the history of `{current}` (rewritten)"
        ))
    }
}
