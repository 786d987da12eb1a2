//! The transition rules (`from`, metric gates) on what a merge moves by itself: a
//! holding its sides do not explain (`policy::merges`) entered the stage or alias in
//! the merge, and is judged as if the merge's signer had promoted it there from the
//! first parent's state. What a merge only brings together was judged in the commits
//! that made it.

use crate::policy::merges::{Holding, MergeMove};
use crate::policy::{self, Finding};
use crate::registry::{RegistryConfig, Snapshot};
use crate::store::{CommitId, Store};

use super::CommandError;
use crate::ops::slot_moves::merge_moves;

/// The transition findings of a commit without exactly one parent, marked with it: a
/// root (a branch with no common history) is judged from the empty registry — what it
/// holds, it put there; a merge only on what it moves by itself.
pub(super) fn moves_of_root_or_merge(
    store: &Store,
    (commit, parents): (CommitId, &[CommitId]),
    (after, after_config): (&dyn Snapshot, &RegistryConfig),
    registered: &dyn Snapshot,
    policy: &RegistryConfig,
) -> Result<Vec<Finding>, CommandError> {
    let findings = if parents.is_empty() {
        let empty = crate::registry::MemorySnapshot::default();
        policy::check_transitions(&empty, after, registered, policy, after_config, &[])
    } else {
        merge_transitions(
            store,
            (commit, parents),
            (after, after_config),
            registered,
            policy,
        )?
    };
    Ok(findings
        .into_iter()
        .map(|finding| finding.in_commit(commit.to_string()))
        .collect())
}

/// Transition findings on the holdings `commit` (a merge of `parents`) entered on its
/// own; `after` is the merge's state, `registered` the range's base.
fn merge_transitions(
    store: &Store,
    (commit, parents): (CommitId, &[CommitId]),
    (after, after_config): (&dyn Snapshot, &RegistryConfig),
    registered: &dyn Snapshot,
    policy: &RegistryConfig,
) -> Result<Vec<Finding>, CommandError> {
    let entered: Vec<String> = merge_moves(store, commit, parents, policy)?
        .into_iter()
        .filter_map(|(model, MergeMove { holding, entered })| {
            entered.then(|| match holding {
                Holding::Stage { stage, version } => {
                    policy::entered(model.as_str(), &version, &stage)
                }
                Holding::Alias { alias, version } => {
                    policy::became_alias(model.as_str(), &version, &alias)
                }
            })
        })
        .collect();
    if entered.is_empty() {
        return Ok(Vec::new());
    }
    let first = store.snapshot_at(parents[0])?;
    Ok(
        policy::check_transitions(&first, after, registered, policy, after_config, &[])
            .into_iter()
            .filter(|finding| entered.iter().any(|what| finding.message.starts_with(what)))
            .collect(),
    )
}
