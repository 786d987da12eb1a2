//! The stage and alias moves a commit makes, as the signer and transition rules judge
//! them: a commit with one parent (or none: against the empty registry) makes the
//! moves of its events; a merge makes only the moves its sides do not explain
//! ([`policy::merges`]), whatever its first parent is.

use std::collections::BTreeSet;

use crate::policy::{self, merges};
use crate::registry::{
    EventKind, ModelEvent, ModelName, RegistryConfig, Slot, Snapshot, load_assignments,
    model_names, stages_file,
};
use crate::store::{CommitId, Store};

use super::CommandError;

/// One move of a stage or alias pointer.
pub(crate) struct SlotMove {
    pub model: String,
    pub event: ModelEvent,
    /// Made by a merge on its own (not brought in by a commit it merges).
    pub by_merge: bool,
}

/// The moves `commit` makes; `policy` (BASE's) reads stages files whose own
/// registry configuration is unusable.
pub(crate) fn slot_moves(
    store: &Store,
    commit: CommitId,
    policy: &RegistryConfig,
) -> Result<Vec<SlotMove>, CommandError> {
    let parents = store.parents(commit)?;
    if parents.len() < 2 {
        return Ok(store
            .commit_events(commit)?
            .into_iter()
            .map(|entry| SlotMove {
                model: entry.model,
                event: entry.event,
                by_merge: false,
            })
            .collect());
    }
    let moves = merge_moves(store, commit, &parents, policy)?;
    Ok(moves
        .into_iter()
        .map(|(model, merged)| {
            let (kind, slot, version) = match merged.holding {
                merges::Holding::Stage { stage, version } => (
                    if merged.entered {
                        EventKind::Promoted
                    } else {
                        EventKind::Unassigned
                    },
                    Slot::Stage(stage),
                    version,
                ),
                merges::Holding::Alias { alias, version } => (
                    if merged.entered {
                        EventKind::AliasSet
                    } else {
                        EventKind::AliasRemoved
                    },
                    Slot::Alias(alias),
                    version,
                ),
            };
            SlotMove {
                model: model.to_string(),
                event: ModelEvent {
                    kind,
                    version,
                    slot: Some(slot),
                    previous: None,
                },
                by_merge: true,
            }
        })
        .collect())
}

/// The holdings a merge sets or drops that its sides do not explain, per model.
pub(crate) fn merge_moves(
    store: &Store,
    commit: CommitId,
    parents: &[CommitId],
    policy: &RegistryConfig,
) -> Result<Vec<(ModelName, merges::MergeMove)>, CommandError> {
    let merged = store.snapshot_at(commit)?;
    let sides = parents
        .iter()
        .map(|parent| store.snapshot_at(*parent))
        .collect::<Result<Vec<_>, _>>()?;
    // Where all sides meet; none when one shares no history with the others (its
    // commits were judged from the empty registry, root first).
    let mut base = Some(parents[0]);
    for parent in &parents[1..] {
        base = match base {
            Some(base) => store.merge_base(base, *parent)?,
            None => None,
        };
    }
    let base = base.map(|base| store.snapshot_at(base)).transpose()?;
    // Only models whose stages file the merge has differently from some side.
    let mut models: BTreeSet<ModelName> = model_names(&merged).into_iter().collect();
    for side in &sides {
        models.extend(model_names(side));
    }
    models.retain(|model| {
        let path = stages_file(model);
        let id = merged.content_id(&path);
        sides.iter().any(|side| side.content_id(&path) != id)
    });
    let configured = |snapshot: &dyn Snapshot| {
        policy::usable_config(snapshot).unwrap_or_else(|_| policy.clone())
    };
    let merged_config = configured(&merged);
    let side_configs: Vec<RegistryConfig> = sides.iter().map(|side| configured(side)).collect();
    let base_config = base.as_ref().map(|base| configured(base));
    let holdings = |snapshot: &dyn Snapshot, config: &RegistryConfig, model: &ModelName| {
        load_assignments(snapshot, config, model)
            .map(|assignments| merges::holdings(&assignments))
            .unwrap_or_default()
    };
    let mut moves = Vec::new();
    for model in models {
        let in_base = match (&base, &base_config) {
            (Some(base), Some(config)) => holdings(base, config, &model),
            _ => merges::Holdings::new(),
        };
        let in_sides: Vec<merges::Holdings> = sides
            .iter()
            .zip(&side_configs)
            .map(|(side, config)| holdings(side, config, &model))
            .collect();
        let in_merge = holdings(&merged, &merged_config, &model);
        for found in merges::unexplained_moves(&in_base, &in_sides, &in_merge) {
            moves.push((model.clone(), found));
        }
    }
    Ok(moves)
}
