//! `omgreg rollback`: back to the previous version of a stage or alias.

use crate::registry::{
    self, ModelName, ModelVersion, RegistryError, Slot, SnapshotError, Status, VersionId,
    load_assignments, load_config, load_version,
};
use crate::store::{Store, TreeSnapshot};

use super::action::{message, open_writer, run_action};
use super::{CommandError, Ctx};

/// Roll a stage (or alias) back to the version it held before.
///
/// History-aware: promotions push onto the stage's stack and rollbacks pop it, so
/// 1.0 → 2.0 → 2.1 then `rollback`, `rollback` gives 2.0 then 1.0, never 2.1 again.
/// The history is read from the commit graph (hand edits and merged pull requests
/// count); archived versions and versions whose artifacts are missing are skipped.
/// Endpoints following the stage are re-rendered in the same commit. Works offline.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The model.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// The model, as a flag.
    #[arg(long = "model", value_name = "MODEL", conflicts_with = "model")]
    model_flag: Option<String>,

    /// The stage to roll back (default: the top of the ladder, e.g. Production).
    #[arg(long, value_name = "STAGE", conflicts_with = "alias")]
    stage: Option<String>,

    /// An alias to roll back instead of a stage.
    #[arg(long, value_name = "NAME")]
    alias: Option<String>,

    /// Roll back to this version instead of the previous one.
    #[arg(long, value_name = "VERSION")]
    to_version: Option<String>,

    /// Why (recorded in the commit message).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: RollbackArgs) -> Result<(), CommandError> {
    let model: ModelName = match args.model.or(args.model_flag) {
        Some(model) => model.parse()?,
        None => {
            return Err(super::ArgError::ModelMissing {
                command: "rollback",
            }
            .into());
        }
    };
    let to_version = args
        .to_version
        .as_deref()
        .map(str::parse::<VersionId>)
        .transpose()?;
    let store = ctx.open_store()?;
    let (writer, signing) = open_writer(ctx, &store)?;
    let principals = crate::ops::signing::principals_for_policy(&writer, &signing)?;
    let body = message(args.reason.as_deref(), args.message);
    run_action(ctx, &writer, args.dry_run, &mut |snapshot| {
        let config = load_config(snapshot)?;
        let slot = match &args.alias {
            Some(alias) => {
                registry::validate_alias(alias, &config.ladder)?;
                let assignments = load_assignments(snapshot, &config, &model)?;
                if !assignments.aliases.contains_key(alias)
                    && registry::model_exists(snapshot, &model)?
                {
                    return Err(RegistryError::AliasNotFound {
                        model: model.to_string(),
                        alias: alias.clone(),
                    });
                }
                Slot::Alias(alias.clone())
            }
            None => registry::resolve_slot(&config, args.stage.as_deref())?,
        };
        let target = match &to_version {
            Some(version) => version.clone(),
            None => previous_version(writer.store(), snapshot, &model, &slot)?,
        };
        registry::rollback(
            snapshot,
            &model,
            &slot,
            &target,
            principals.as_deref(),
            body.clone(),
        )
    })
}

/// The version the slot held before its current holder, per the commit graph.
fn previous_version(
    store: &Store,
    snapshot: &TreeSnapshot<'_>,
    model: &ModelName,
    slot: &Slot,
) -> Result<VersionId, RegistryError> {
    let config = load_config(snapshot)?;
    if !registry::model_exists(snapshot, model)? {
        return Err(RegistryError::ModelNotFound {
            model: model.to_string(),
        });
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
fn artifacts_present(lfs: &crate::store::LfsStore, version: &ModelVersion) -> bool {
    version
        .artifacts
        .iter()
        .filter(|a| a.is_stored())
        .all(|artifact| lfs.has_object(&artifact.digest, artifact.record.size.unwrap_or_default()))
}
