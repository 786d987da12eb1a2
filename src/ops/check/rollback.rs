//! Rollbacks proven from history (issue 12, item 2): a commit's `Omgreg-Action:
//! rollback` trailers claim that a stage went back to a version it held before, which
//! spares that version the stage's `from` rule and gates. The claim stands only when
//! the commit graph proves it: the version entering the stage held that stage earlier
//! on the first-parent history of the commit's parent. Anything else is a promotion,
//! judged by every rule; a trailer alone proves nothing.

use crate::registry::{
    ModelName, RegistryConfig, RegistryError, Slot, Snapshot, SnapshotError, VersionId,
    load_assignments, stages_file,
};
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
        // An alias is judged by stage rules only when an endpoint gated by a stage
        // follows it; only those need the proof.
        let slot = match config.ladder.find(&stage) {
            Some(definition) => Slot::Stage(definition.name.clone()),
            None if config.alias_gate(&model, &stage).is_some() => Slot::Alias(stage.clone()),
            None => {
                proven.push((model_name, stage));
                continue;
            }
        };
        let (Ok(old), Ok(new)) = (
            load_assignments(before, config, &model),
            load_assignments(after, config, &model),
        ) else {
            continue;
        };
        let entering: Vec<&VersionId> = match &slot {
            Slot::Stage(name) => new
                .holders(name)
                .iter()
                .filter(|v| !old.holders(name).contains(v))
                .collect(),
            Slot::Alias(alias) => new
                .aliases
                .get(alias)
                .filter(|v| old.aliases.get(alias) != Some(*v))
                .into_iter()
                .collect(),
        };
        if held_before(store, parent, &model, &slot, &entering)
            .map_err(|err| CommandError::User(err.into()))?
        {
            proven.push((model_name, stage));
        }
    }
    Ok(proven)
}

/// Whether each of `versions` held `slot` of `model` at `commit` or before it, along
/// its first parents (the history a rollback may go back to).
pub(crate) fn held_before(
    store: &Store,
    commit: CommitId,
    model: &ModelName,
    slot: &Slot,
    versions: &[&VersionId],
) -> Result<bool, RegistryError> {
    let history = store
        .slot_history(commit, model, slot)
        .map_err(|err| SnapshotError {
            path: stages_file(model),
            source: Box::new(err),
        })?;
    let mut held = Vec::new();
    for change in history {
        let change = change?;
        held.extend(change.old.into_iter().chain(change.new));
        if versions.iter().all(|v| held.contains(v)) {
            return Ok(true);
        }
    }
    Ok(versions.iter().all(|v| held.contains(v)))
}
