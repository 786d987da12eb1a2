//! The work of `omgreg events`: the registry events of a range of commits, as the
//! same payloads notifications deliver; it never prints.

use crate::registry::load_config;
use crate::store::Store;

use super::CommandError;
use super::audit::commits_in;
use super::notify::EventPayload;

/// The events of `range`, oldest first: `A..B` (the first-parent commits of B after
/// where A and B meet) or one revision.
pub fn events(store: &Store, range: &str) -> Result<Vec<EventPayload>, CommandError> {
    let registry = store
        .snapshot(None)
        .ok()
        .and_then(|s| load_config(&s).ok())
        .map(|c| c.name)
        .unwrap_or_default();
    // Along first parents, like `history` and `notify`: a merged pull request's
    // events come once, from its merge, not again from the branch's own commits.
    let commits = match range.split_once("..") {
        Some((base, head)) => {
            let head = store.resolve(if head.is_empty() { "HEAD" } else { head })?;
            let base = store.resolve(if base.is_empty() { "HEAD" } else { base })?;
            let base = store.merge_base(base, head)?;
            store.first_parent_range(base, head)?
        }
        None => commits_in(store, range)?.1,
    };
    let mut payloads = Vec::new();
    for commit in commits {
        for (index, entry) in store.commit_events(commit)?.iter().enumerate() {
            payloads.push(EventPayload::new(&registry, entry, index));
        }
    }
    Ok(payloads)
}
