//! History-aware rollback: the stack of versions a stage (or alias) has held.
//!
//! Replaying a slot's history oldest to newest, a change pushes the new holder and a
//! rollback pops back to its target. [`rollback_target`] computes the same answer
//! walking newest to oldest, so it can stop as soon as the target is known instead
//! of reading the whole history.

use super::{
    Change, Event, ModelName, RegistryConfig, RegistryError, Slot, Snapshot, VersionId,
    lifecycle::write_stages, load_assignments, load_config,
};

/// One change of a slot's holder found in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotChange {
    pub old: Option<VersionId>,
    pub new: Option<VersionId>,
    /// The change was made by `omgreg rollback` (per its commit trailers).
    pub rolled_back: bool,
}

/// The version a rollback of a slot lands on, or `None` when there is none.
///
/// `history` yields the slot's changes newest first; `usable` says whether a version
/// may be rolled back to (active, artifacts present). Stops reading `history` as soon
/// as the answer is known.
///
/// The stack at any time is the stack before the last change, transformed: a change
/// pushes its new holder; a rollback to `X` drops the top and everything down to the
/// first `X`. Read newest first, each push yields one entry of the stack at its
/// time, which then passes through the filters of the rollbacks made after it
/// (earliest first). The first entry that comes through is the current holder; the
/// next usable one is the target.
pub fn rollback_target<E>(
    current: Option<&VersionId>,
    history: impl IntoIterator<Item = Result<SlotChange, E>>,
    mut usable: impl FnMut(&VersionId) -> Result<bool, E>,
) -> Result<Option<VersionId>, E> {
    let mut filters: Vec<PopFilter> = Vec::new();
    let mut seen_top = false;
    let mut bottom = None;
    for change in history {
        let change = change?;
        bottom = Some(change.old.clone());
        if change.rolled_back {
            filters.push(PopFilter {
                to: change.new,
                state: PopState::DropTop,
            });
            continue;
        }
        if !passes(&mut filters, change.new.as_ref()) {
            continue;
        }
        if !seen_top {
            seen_top = true;
            continue;
        }
        if let Some(version) = &change.new
            && Some(version) != current
            && usable(version)?
        {
            return Ok(change.new);
        }
    }
    // The oldest change's previous holder is the bottom of the stack.
    if let Some(Some(version)) = bottom
        && passes(&mut filters, Some(&version))
        && seen_top
        && Some(&version) != current
        && usable(&version)?
    {
        return Ok(Some(version));
    }
    Ok(None)
}

/// What a rollback did to the stack below it: dropped the top, then everything
/// down to its target.
struct PopFilter {
    to: Option<VersionId>,
    state: PopState,
}

enum PopState {
    DropTop,
    DropUntilTarget,
    Pass,
}

/// Runs one stack entry through the rollback filters, innermost (earliest) first.
fn passes(filters: &mut Vec<PopFilter>, entry: Option<&VersionId>) -> bool {
    for filter in filters.iter_mut().rev() {
        match filter.state {
            PopState::DropTop => {
                filter.state = PopState::DropUntilTarget;
                return false;
            }
            PopState::DropUntilTarget if filter.to.as_ref() == entry => {
                filter.state = PopState::Pass
            }
            PopState::DropUntilTarget => return false,
            PopState::Pass => {}
        }
    }
    filters.retain(|filter| !matches!(filter.state, PopState::Pass));
    true
}

/// Resolves the stage to roll back (any case); the top of the ladder when `input` is
/// `None`. Aliases are named explicitly (`--alias`), never guessed from a typo.
pub fn resolve_slot(config: &RegistryConfig, input: Option<&str>) -> Result<Slot, RegistryError> {
    let stage = match input {
        None => config
            .ladder
            .iter()
            .last()
            .expect("ladders are never empty"),
        Some(name) => config
            .ladder
            .find(name)
            .ok_or_else(|| super::lifecycle::unknown_stage(config, name))?,
    };
    if stage.shared {
        return Err(RegistryError::RollbackShared {
            stage: stage.name.clone(),
        });
    }
    Ok(Slot::Stage(stage.name.clone()))
}

/// Points `slot` of `model` at `target` (found by [`rollback_target`] or named by the
/// user); the version it replaces goes back to `None`.
pub fn rollback(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    slot: &Slot,
    target: &VersionId,
    signer_principals: Option<&[String]>,
    message: Option<String>,
) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let row = super::query::resolve(
        snapshot,
        &config,
        &super::ModelRef {
            model: model.clone(),
            target: super::RefTarget::Version(target.clone()),
        },
    )?;
    if row.version.status == super::Status::Archived {
        return Err(RegistryError::VersionArchived {
            model: model.to_string(),
            version: target.to_string(),
        });
    }
    match slot {
        // A rollback moves a stage like a promotion does: the same people may do it.
        Slot::Stage(stage) => super::lifecycle::check_signers(&config, stage, signer_principals)?,
        // A gated alias likewise (no metric gates: the version held it before).
        Slot::Alias(alias) => {
            super::alias_gate::check_alias_move(&config, model, alias, None, signer_principals)?;
        }
    }
    let mut assignments = load_assignments(snapshot, &config, model)?;
    let from = assignments.holder(slot).cloned();
    if from.as_ref() == Some(target) {
        return Err(RegistryError::AlreadyInStage {
            model: model.to_string(),
            version: target.to_string(),
            stage: slot.name().to_owned(),
        });
    }
    match slot {
        Slot::Stage(stage) => {
            // A version holds one stage at a time: rolling Staging back must not
            // quietly take the Production version out of Production.
            if let Some(other) = assignments.stage_of(target) {
                return Err(RegistryError::HoldsSlots {
                    model: model.to_string(),
                    version: target.to_string(),
                    slots: format!("stage `{other}`"),
                });
            }
            assignments.set_stage(stage, &config.ladder, vec![target.clone()]);
        }
        Slot::Alias(alias) => {
            assignments.aliases.insert(alias.clone(), target.clone());
        }
    }
    let mut change = Change {
        files: Vec::new(),
        event: Event::RolledBack {
            model: model.clone(),
            slot: slot.clone(),
            from,
            to: target.clone(),
        },
        message,
    };
    write_stages(&mut change, &config, model, &assignments);
    Ok(change)
}

#[cfg(test)]
#[path = "rollback_tests.rs"]
mod tests;
