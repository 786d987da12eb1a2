//! Re-running a replayed action on another state: the slots it moves checked first
//! (compare-and-swap against what they held before the local action), then the
//! action's own function, whose preconditions and policy checks apply to that state.

use super::merge::show;
use super::replay::{ReplayAction, ReplayMove, ReplayRefusal};
use super::{
    Actor, ArchiveRequest, Change, DemoteRequest, Event, FileChange, ModelName, ModelRef,
    PromoteRequest, RefTarget, RegistryError, Slot, SlotConflict, Snapshot, VersionId,
    artifact_path, load_assignments, load_config, load_version, model_file, stages_file,
    version_file,
};

/// What a replay reads: the local commit (`after`), its parent (`before`), the files it
/// changed, and who re-runs it.
pub struct ReplayInputs<'a> {
    pub before: &'a dyn Snapshot,
    pub after: &'a dyn Snapshot,
    /// The files the local commit changed (`None`: removed).
    pub files: &'a [(String, Option<Vec<u8>>)],
    /// The names of the signing key of the replayed commits (policy `signers`).
    pub signer_principals: Option<&'a [String]>,
    /// Stamped into `archived` blocks the local commit does not show.
    pub actor: &'a Actor,
}

/// Re-runs `action` on `remote`: the slots it moves must still hold what they held
/// before the local action, and the action's own preconditions and the remote's policy
/// must hold on the remote's state.
pub fn replay(
    action: &ReplayAction,
    remote: &dyn Snapshot,
    inputs: &ReplayInputs<'_>,
) -> Result<Change, ReplayRefusal> {
    let refused = |error| ReplayRefusal::Refused {
        path: action.main_file(),
        error,
    };
    check_slots(action, remote, inputs.before)?;
    run(action, remote, inputs).map_err(refused)
}

/// Whether re-running `action` on the local parent gives the local commit's files
/// (derived files aside): the commit is that action and nothing else.
pub fn reproduces(action: &ReplayAction, inputs: &ReplayInputs<'_>, derived: &[String]) -> bool {
    let Ok(change) = run(action, inputs.before, inputs) else {
        // The action cannot be re-run here either; the remote's run will say why.
        return true;
    };
    let mut made: Vec<(String, Option<Vec<u8>>)> = Vec::new();
    for (path, file) in &change.files {
        let bytes = match file {
            FileChange::Write(bytes) => Some(bytes.clone()),
            FileChange::Remove => None,
            FileChange::LfsPointer { .. } => return false,
        };
        if inputs.before.read(path).ok() != Some(bytes.clone()) {
            made.push((path.clone(), bytes));
        }
    }
    let own = |files: &mut Vec<(String, Option<Vec<u8>>)>| {
        files.retain(|(path, _)| !is_derived(action, path, derived));
        files.sort();
    };
    let mut local = inputs.files.to_vec();
    own(&mut made);
    own(&mut local);
    made == local
}

/// Model cards of the action's models and endpoint manifests are re-rendered, not
/// replayed.
fn is_derived(action: &ReplayAction, path: &str, derived: &[String]) -> bool {
    derived.iter().any(|d| d == path)
        || action
            .models()
            .into_iter()
            .any(|model| path == super::card_file(model))
}

/// Runs the action's own function on `on`.
fn run(
    action: &ReplayAction,
    on: &dyn Snapshot,
    inputs: &ReplayInputs<'_>,
) -> Result<Change, RegistryError> {
    let at = |model: &ModelName, version: &VersionId| ModelRef {
        model: model.clone(),
        target: RefTarget::Version(version.clone()),
    };
    match action {
        ReplayAction::Register { model, version } => register(on, inputs.files, model, version),
        ReplayAction::Promote { moves } => promote(on, moves, inputs),
        ReplayAction::Archive {
            model,
            version,
            force,
        } => {
            let (actor, reason) = archived_block(inputs.after, model, version, inputs.actor)?;
            super::archive(
                on,
                &ArchiveRequest {
                    target: at(model, version),
                    reason,
                    force: *force,
                    actor,
                    message: None,
                    signer_principals: inputs.signer_principals.map(<[String]>::to_vec),
                },
            )
        }
        ReplayAction::Unarchive { model, version } => {
            super::unarchive(on, &at(model, version), None)
        }
        ReplayAction::SetAlias {
            model,
            alias,
            version,
        } => super::set_alias(
            on,
            &at(model, version),
            alias,
            inputs.signer_principals,
            None,
        ),
        ReplayAction::RemoveAlias { model, alias } => {
            super::remove_alias(on, model, alias, inputs.signer_principals, None)
        }
        ReplayAction::Rollback { model, slot, to } => {
            super::rollback(on, model, slot, to, inputs.signer_principals, None)
        }
        ReplayAction::Demote { model, version, .. } => super::demote(
            on,
            &DemoteRequest {
                target: at(model, version),
                message: None,
                signer_principals: inputs.signer_principals.map(<[String]>::to_vec),
            },
        ),
    }
}

/// `register`, replayed: the version's file and artifact pointers as the local commit
/// wrote them (its inputs are gone; its result is what it registered), and the model's
/// files where the other side has none. Refused when the version exists there.
fn register(
    on: &dyn Snapshot,
    files: &[(String, Option<Vec<u8>>)],
    model: &ModelName,
    version: &VersionId,
) -> Result<Change, RegistryError> {
    let own = version_file(model, version);
    if on.exists(&own)? {
        return Err(RegistryError::VersionExists {
            model: model.to_string(),
            version: version.to_string(),
        });
    }
    let artifacts = artifact_path(model, version, "");
    let mut change = Change {
        files: Vec::new(),
        event: Event::Registered {
            model: model.clone(),
            version: version.clone(),
        },
        message: None,
    };
    for (path, content) in files {
        let Some(bytes) = content else { continue };
        let model_level = *path == model_file(model) || *path == stages_file(model);
        let wanted =
            *path == own || path.starts_with(&artifacts) || (model_level && !on.exists(path)?);
        if wanted {
            change.put(path.clone(), FileChange::Write(bytes.clone()));
        }
    }
    Ok(change)
}

/// The paths a `register` of `version` writes (derived files aside).
pub fn register_paths(path: &str, model: &ModelName, version: &VersionId) -> bool {
    path == version_file(model, version)
        || path.starts_with(&artifact_path(model, version, ""))
        || path == model_file(model)
        || path == stages_file(model)
}

/// Each move re-run in turn on the state the previous ones left.
fn promote(
    on: &dyn Snapshot,
    moves: &[ReplayMove],
    inputs: &ReplayInputs<'_>,
) -> Result<Change, RegistryError> {
    let mut total = Change {
        files: Vec::new(),
        event: Event::Promoted { moves: Vec::new() },
        message: None,
    };
    let mut done = Vec::new();
    for step in moves {
        let request = PromoteRequest {
            targets: vec![ModelRef {
                model: step.model.clone(),
                target: RefTarget::Version(step.version.clone()),
            }],
            stage: Some(step.stage.clone()),
            actor: replaced_actor(inputs, on, step)?,
            message: None,
            signer_principals: inputs.signer_principals.map(<[String]>::to_vec),
        };
        let change = super::promote(&super::Overlay::new(on, &total), &request)?;
        if let Event::Promoted { moves } = change.event {
            done.extend(moves);
        }
        for (path, file) in change.files {
            total.put(path, file);
        }
    }
    total.event = Event::Promoted { moves: done };
    Ok(total)
}

/// Who archived the version a move replaces, as the local commit shows it (the
/// replayed commit then writes the same `archived` block).
fn replaced_actor(
    inputs: &ReplayInputs<'_>,
    on: &dyn Snapshot,
    step: &ReplayMove,
) -> Result<Actor, RegistryError> {
    let config = load_config(on)?;
    let assignments = load_assignments(on, &config, &step.model)?;
    let stage = config.ladder.find(&step.stage).map(|s| s.name.clone());
    let replaced = stage.and_then(|stage| assignments.holders(&stage).first().cloned());
    match replaced {
        Some(replaced) => Ok(archived_block(inputs.after, &step.model, &replaced, inputs.actor)?.0),
        None => Ok(inputs.actor.clone()),
    }
}

/// The `archived` block (who, when, why) of `version` in `after`; `fallback` and an
/// empty reason when it has none.
fn archived_block(
    after: &dyn Snapshot,
    model: &ModelName,
    version: &VersionId,
    fallback: &Actor,
) -> Result<(Actor, String), RegistryError> {
    let block = load_version(after, model, version)?.and_then(|v| v.doc.archived);
    Ok(match block {
        Some(block) => (
            Actor {
                at: block.at,
                by: block.by,
            },
            block.reason,
        ),
        None => (fallback.clone(), String::new()),
    })
}

/// The compare-and-swap of a replay: each exclusive stage or alias the action moves
/// (and, for `archive --force`, each slot it clears) holds on `remote` what it held
/// before the local action.
fn check_slots(
    action: &ReplayAction,
    remote: &dyn Snapshot,
    before: &dyn Snapshot,
) -> Result<(), ReplayRefusal> {
    let refused = |error| ReplayRefusal::Refused {
        path: action.main_file(),
        error,
    };
    let config = load_config(remote).map_err(refused)?;
    for (model, slot, new) in moved_slots(action, before, &config).map_err(refused)? {
        let held = |snapshot: &dyn Snapshot| -> Result<Vec<VersionId>, RegistryError> {
            let assignments = load_assignments(snapshot, &config, &model)?;
            Ok(match &slot {
                Slot::Stage(stage) => assignments.holders(stage).to_vec(),
                Slot::Alias(alias) => assignments
                    .aliases
                    .get(alias)
                    .cloned()
                    .into_iter()
                    .collect(),
            })
        };
        let (was, now) = (
            held(before).map_err(refused)?,
            held(remote).map_err(refused)?,
        );
        if was != now {
            let new: Vec<VersionId> = new.into_iter().collect();
            return Err(ReplayRefusal::SlotMoved {
                path: stages_file(&model),
                conflict: SlotConflict {
                    slot: slot.to_string(),
                    local: format!("{} -> {}", show(&was), show(&new)),
                    remote: show(&now),
                },
            });
        }
    }
    Ok(())
}

/// (model, slot, the version the action puts there) for each slot the action moves.
fn moved_slots(
    action: &ReplayAction,
    before: &dyn Snapshot,
    config: &super::RegistryConfig,
) -> Result<Vec<(ModelName, Slot, Option<VersionId>)>, RegistryError> {
    Ok(match action {
        ReplayAction::Promote { moves } => moves
            .iter()
            .filter_map(|step| {
                let stage = config.ladder.find(&step.stage).filter(|s| !s.shared)?;
                Some((
                    step.model.clone(),
                    Slot::Stage(stage.name.clone()),
                    Some(step.version.clone()),
                ))
            })
            .collect(),
        ReplayAction::SetAlias {
            model,
            alias,
            version,
        } => vec![(
            model.clone(),
            Slot::Alias(alias.clone()),
            Some(version.clone()),
        )],
        ReplayAction::RemoveAlias { model, alias } => {
            vec![(model.clone(), Slot::Alias(alias.clone()), None)]
        }
        ReplayAction::Rollback { model, slot, to } => {
            vec![(model.clone(), slot.clone(), Some(to.clone()))]
        }
        // The stage left holds on the remote what it held before (shared or not), so
        // the version is demoted from the stage it left here, never from another.
        ReplayAction::Demote { model, stage, .. } => {
            vec![(model.clone(), Slot::Stage(stage.clone()), None)]
        }
        ReplayAction::Archive {
            model,
            version,
            force: true,
        } => {
            let mut held = load_assignments(before, config, model)?;
            held.clear_version(version, &config.ladder)
                .into_iter()
                .map(|slot| (model.clone(), slot, None))
                .collect()
        }
        _ => Vec::new(),
    })
}
