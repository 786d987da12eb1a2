//! Rollbacks proven from history (issue 12, item 2): a commit's `Omgreg-Action:
//! rollback` trailers claim that a stage went back to a version it held before, which
//! spares that version the stage's `from` rule and gates. The claim stands only when
//! the commit graph proves it: the version entering the stage held that stage earlier
//! on the first-parent history of the commit's parent. Anything else is a promotion,
//! judged by every rule; a trailer alone proves nothing.

use crate::registry::{ModelName, RegistryConfig, Slot, Snapshot, VersionId, load_assignments};
use crate::store::{CommitId, Store};

use super::CommandError;

/// The (model, stage) pairs of `claimed` whose entering versions (in `after`, not in
/// `before`) all held that stage before `parent`, along its first parents.
pub(super) fn proven(
    store: &Store,
    parent: CommitId,
    (before, after): (&dyn Snapshot, &dyn Snapshot),
    config: &RegistryConfig,
    claimed: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, CommandError> {
    let mut proven = Vec::new();
    for (model_name, stage) in claimed {
        let Ok(model) = model_name.parse::<ModelName>() else {
            continue;
        };
        // Aliases are not judged by stage rules; only stages need the proof.
        let Some(definition) = config.ladder.find(&stage) else {
            proven.push((model_name, stage));
            continue;
        };
        let (Ok(old), Ok(new)) = (
            load_assignments(before, config, &model),
            load_assignments(after, config, &model),
        ) else {
            continue;
        };
        let entering: Vec<&VersionId> = new
            .holders(&definition.name)
            .iter()
            .filter(|v| !old.holders(&definition.name).contains(v))
            .collect();
        let slot = Slot::Stage(definition.name.clone());
        let mut held_before = Vec::new();
        for change in store.slot_history(parent, &model, &slot)? {
            let change = change.map_err(|err| CommandError::User(err.into()))?;
            held_before.extend(change.old.into_iter().chain(change.new));
            if entering.iter().all(|v| held_before.contains(v)) {
                break;
            }
        }
        if entering.iter().all(|v| held_before.contains(v)) {
            proven.push((model_name, stage));
        }
    }
    Ok(proven)
}
