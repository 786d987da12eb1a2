//! Rolling a stage or alias back: the slot chosen, the previous holder found on the
//! rollback stack (read from the commit graph), and the move committed.

use crate::registry::{
    self, ModelName, ModelVersion, RegistryError, Slot, SnapshotError, Status, VersionId,
    load_assignments, load_config, load_version,
};
use crate::sign::SignMode;
use crate::store::{Committed, LfsStore, Store, TreeSnapshot};

use super::lifecycle::commit_body;
use super::{CommandError, commit_action, open_writer, signing};

/// A rollback, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RollbackRequest {
    pub model: ModelName,
    /// The stage to roll back (as typed); `None` for the top of the ladder.
    pub stage: Option<String>,
    /// An alias to roll back instead of a stage.
    pub alias: Option<String>,
    /// The version to go back to, instead of the previous one.
    pub to_version: Option<VersionId>,
    /// Why (recorded in the commit message).
    pub reason: Option<String>,
    /// Extra text for the commit message.
    pub message: Option<String>,
}

/// Rolls the slot of `request` back, as one commit (a dry run commits nothing).
pub fn rollback(
    store: &Store,
    sign_mode: SignMode,
    dry_run: bool,
    request: RollbackRequest,
) -> Result<Committed, CommandError> {
    let (writer, signing) = open_writer(store, sign_mode)?;
    let principals = signing::principals_for_policy(&writer, &signing)?;
    let body = commit_body(request.reason.as_deref(), request.message.clone());
    let model = &request.model;
    commit_action(&writer, dry_run, None, &mut |snapshot| {
        let slot = slot(
            snapshot,
            model,
            request.stage.as_deref(),
            request.alias.as_ref(),
        )?;
        let target = match &request.to_version {
            Some(version) => version.clone(),
            None => previous_version(store, snapshot, model, &slot)?,
        };
        let change = registry::rollback(
            snapshot,
            model,
            &slot,
            &target,
            principals.as_deref(),
            body.clone(),
        )?;
        if request.to_version.is_some() {
            ensure_held(store, snapshot, model, &slot, &target)?;
        }
        super::artifact_sig::require_for_moves(snapshot, &change)?;
        Ok(change)
    })
}

/// Refuses a `--to-version` the slot never held: `check` would judge that move as a
/// promotion (its gates and `from` rules apply), so it is not offered as a rollback.
fn ensure_held(
    store: &Store,
    snapshot: &TreeSnapshot<'_>,
    model: &ModelName,
    slot: &Slot,
    version: &VersionId,
) -> Result<(), RegistryError> {
    let held = match snapshot.commit() {
        Some(head) => super::check::held_before(store, head, model, slot, &[version])?,
        None => false,
    };
    if held {
        return Ok(());
    }
    Err(RegistryError::RollbackNeverHeld {
        model: model.to_string(),
        version: version.to_string(),
        slot: slot.to_string(),
    })
}

/// The alias when given (it must exist, when the model does), else the stage.
fn slot(
    snapshot: &TreeSnapshot<'_>,
    model: &ModelName,
    stage: Option<&str>,
    alias: Option<&String>,
) -> Result<Slot, RegistryError> {
    let config = load_config(snapshot)?;
    let Some(alias) = alias else {
        return registry::resolve_slot(&config, stage);
    };
    registry::validate_alias(alias, &config.ladder)?;
    let assignments = load_assignments(snapshot, &config, model)?;
    if !assignments.aliases.contains_key(alias) && registry::model_exists(snapshot, model)? {
        return Err(RegistryError::AliasNotFound {
            model: model.to_string(),
            alias: alias.clone(),
            hint: registry::suggest::hint(alias, assignments.aliases.keys().map(String::as_str)),
        });
    }
    Ok(Slot::Alias(alias.clone()))
}

/// The version the slot held before its current holder, per the commit graph.
pub fn previous_version(
    store: &Store,
    snapshot: &TreeSnapshot<'_>,
    model: &ModelName,
    slot: &Slot,
) -> Result<VersionId, RegistryError> {
    let config = load_config(snapshot)?;
    if !registry::model_exists(snapshot, model)? {
        return Err(registry::model_not_found(snapshot, model));
    }
    let assignments = load_assignments(snapshot, &config, model)?;
    let current = assignments.holder(slot).cloned();
    // Why earlier holders were passed over, to say so when nothing is left.
    let skipped = std::cell::RefCell::new(Vec::<String>::new());
    let nothing = || RegistryError::NothingToRollBack {
        model: model.to_string(),
        slot: slot.to_string(),
        skipped: match skipped.borrow().as_slice() {
            [] => String::new(),
            reasons => format!(" (skipped: {})", reasons.join("; ")),
        },
    };
    let Some(head) = snapshot.commit() else {
        return Err(nothing());
    };
    let history = store
        .slot_history(head, model, slot)
        .map_err(|err| SnapshotError {
            path: registry::stages_file(model),
            source: Box::new(err),
        })?;
    let lfs = store.lfs();
    let usable = |version: &VersionId| -> Result<bool, SnapshotError> {
        let loaded = load_version(snapshot, model, version).map_err(|err| SnapshotError {
            path: registry::version_file(model, version),
            source: Box::new(err),
        })?;
        // Skipped: archived versions, versions whose artifacts are gone, and versions
        // holding another stage (a version holds one stage at a time).
        let reason = match &loaded {
            None => Some("is not registered"),
            Some(v) if v.status == Status::Archived => Some("is archived"),
            _ if matches!(slot, Slot::Stage(_)) && assignments.stage_of(version).is_some() => {
                Some("holds another stage")
            }
            Some(v) if !artifacts_present(&lfs, v) => {
                Some("has artifacts missing from the local LFS store")
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            skipped.borrow_mut().push(format!("`{version}` {reason}"));
        }
        Ok(reason.is_none())
    };
    registry::rollback_target(current.as_ref(), history, usable)?.ok_or_else(nothing)
}

/// Whether every stored artifact's LFS object is in the local store.
fn artifacts_present(lfs: &LfsStore, version: &ModelVersion) -> bool {
    version
        .artifacts()
        .filter(|a| a.is_stored())
        .all(|artifact| lfs.has_object(artifact.digest, artifact.record.size.unwrap_or_default()))
}
