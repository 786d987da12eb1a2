//! Lifecycle actions after `register`: promote, aliases, archive and unarchive.
//! Each is a pure function from a snapshot and a request to one change.

use crate::schema::{self, ArchivedDoc};

use super::layout::{stages_file, version_file};
use super::{
    Assignments, Change, Event, FileChange, ModelName, ModelRef, ModelVersion, OnReplace,
    RegistryConfig, RegistryError, Snapshot, StageDef, StageMove, Status, VersionId, VersionStage,
    load_assignments, load_config, query, validate_alias,
};

/// Who acts, and when: stamped into `archived` blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// RFC 3339 UTC.
    pub at: String,
    /// `Name <email>`.
    pub by: String,
}

/// `omgreg promote`: versions to move, all into one stage or each up one rung.
#[derive(Debug, Clone)]
pub struct PromoteRequest {
    pub targets: Vec<ModelRef>,
    /// The stage as typed; `None` for the next rung of each version.
    pub stage: Option<String>,
    pub actor: Actor,
    pub message: Option<String>,
    /// The names the commit's signing key goes by; `None` when the commit will not
    /// be signed. Checked against `[policy.<Stage>] signers`.
    pub signer_principals: Option<Vec<String>>,
}

/// Moves each target version into its stage, in one change.
pub fn promote(snapshot: &dyn Snapshot, request: &PromoteRequest) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let mut change = Change {
        files: Vec::new(),
        event: Event::Promoted { moves: Vec::new() },
        message: request.message.clone(),
    };
    let mut moves = Vec::new();
    for target in &request.targets {
        if moves.iter().any(|m: &StageMove| m.model == target.model) {
            return Err(RegistryError::DuplicateModel {
                model: target.model.to_string(),
            });
        }
        moves.push(promote_one(
            snapshot,
            &config,
            request,
            target,
            &mut change,
        )?);
    }
    change.event = Event::Promoted { moves };
    Ok(change)
}

/// Moves one target version into its stage, adding the files it touches to `change`.
fn promote_one(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    request: &PromoteRequest,
    target: &ModelRef,
    change: &mut Change,
) -> Result<StageMove, RegistryError> {
    let row = query::resolve(snapshot, config, target)?;
    let version = active(&row.version)?;
    let model = &target.model;
    let mut assignments = load_assignments(snapshot, config, model)?;
    let from = assignments.stage_of(version).map(str::to_owned);
    let stage = target_stage(
        config,
        request.stage.as_deref(),
        model,
        version,
        from.as_deref(),
    )?;
    check_signers(config, &stage.name, request.signer_principals.as_deref())?;
    if config.requires_verified(&stage.name) && row.version.doc.verified == Some(false) {
        return Err(RegistryError::UnverifiedArtifacts {
            model: model.to_string(),
            version: version.to_string(),
            stage: stage.name.clone(),
        });
    }
    check_gates(config, stage, model, version, &row.version.doc.metrics)?;
    check_transition(stage, model, version, from.as_deref())?;
    if let Some(from) = &from {
        let remaining = assignments
            .holders(from)
            .iter()
            .filter(|v| *v != version)
            .cloned()
            .collect();
        assignments.set_stage(from, &config.ladder, remaining);
    }
    let (held, replaced) = if stage.shared {
        let mut held = assignments.holders(&stage.name).to_vec();
        held.push(version.clone());
        (held, None)
    } else {
        (
            vec![version.clone()],
            assignments.holders(&stage.name).first().cloned(),
        )
    };
    assignments.set_stage(&stage.name, &config.ladder, held);
    let replaced_archived = replaced.is_some() && stage.on_replace == OnReplace::Archive;
    if let (Some(old), true) = (&replaced, replaced_archived) {
        let reason = format!("replaced by {version} in {}", stage.name);
        let old_version =
            super::load_version(snapshot, model, old)?.ok_or_else(|| not_found(model, old))?;
        // An archived version holds nothing: its aliases go with it (as with
        // `archive --force`), so no alias is left pointing at an archived version.
        assignments.clear_version(old, &config.ladder);
        write_archived(change, old_version, &request.actor, &reason);
    }
    write_stages(change, config, model, &assignments);
    Ok(StageMove {
        model: model.clone(),
        version: version.clone(),
        stage: stage.name.clone(),
        from,
        replaced,
        replaced_archived,
    })
}

/// The stage a version moves into: the one typed, or the next rung above `from`.
fn target_stage<'a>(
    config: &'a RegistryConfig,
    input: Option<&str>,
    model: &ModelName,
    version: &VersionId,
    from: Option<&str>,
) -> Result<&'a StageDef, RegistryError> {
    let stage = match input {
        Some(input) => config
            .ladder
            .find(input)
            .ok_or_else(|| unknown_stage(config, input))?,
        None => config
            .ladder
            .next_after(from)
            .ok_or_else(|| RegistryError::TopOfLadder {
                model: model.to_string(),
                version: version.to_string(),
                stage: from.map(str::to_owned).unwrap_or_default(),
            })?,
    };
    if from == Some(stage.name.as_str()) {
        return Err(RegistryError::AlreadyInStage {
            model: model.to_string(),
            version: version.to_string(),
            stage: stage.name.clone(),
        });
    }
    Ok(stage)
}

/// Refuses a version whose metrics fail the `[policy.<Stage>] require` gates of `stage`.
fn check_gates(
    config: &RegistryConfig,
    stage: &StageDef,
    model: &ModelName,
    version: &VersionId,
    metrics: &std::collections::BTreeMap<String, f64>,
) -> Result<(), RegistryError> {
    if let Some(gates) = config.metric_gates.get(&stage.name) {
        let failed = super::failed_gates(gates, metrics);
        if !failed.is_empty() {
            return Err(RegistryError::GateFailed {
                model: model.to_string(),
                version: version.to_string(),
                stage: stage.name.clone(),
                failures: super::describe_gate_failures(&failed),
            });
        }
    }
    Ok(())
}

/// Refuses a move into `stage` from a stage its `from` option does not allow.
fn check_transition(
    stage: &StageDef,
    model: &ModelName,
    version: &VersionId,
    from: Option<&str>,
) -> Result<(), RegistryError> {
    let source = VersionStage::held(from);
    if let Some(allowed) = &stage.from
        && !allowed.contains(&source)
    {
        return Err(RegistryError::TransitionNotAllowed {
            model: model.to_string(),
            version: version.to_string(),
            from: source.to_string(),
            to: stage.name.clone(),
            allowed: allowed
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Points `alias` of `target.model` at the version `target` names.
pub fn set_alias(
    snapshot: &dyn Snapshot,
    target: &ModelRef,
    alias: &str,
    principals: Option<&[String]>,
    message: Option<String>,
) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    validate_alias(alias, &config.ladder)?;
    let row = query::resolve(snapshot, &config, target)?;
    let version = active(&row.version)?.clone();
    let model = &target.model;
    super::alias_gate::check_alias_move(
        &config,
        model,
        alias,
        Some((&version, &row.version.doc.metrics)),
        principals,
    )?;
    let mut assignments = load_assignments(snapshot, &config, model)?;
    let previous = assignments
        .aliases
        .insert(alias.to_owned(), version.clone());
    if previous.as_ref() == Some(&version) {
        return Err(RegistryError::AliasUnchanged {
            model: model.to_string(),
            alias: alias.to_owned(),
            version: version.to_string(),
        });
    }
    let mut change = Change {
        files: Vec::new(),
        event: Event::AliasSet {
            model: model.clone(),
            alias: alias.to_owned(),
            version,
            previous,
        },
        message,
    };
    write_stages(&mut change, &config, model, &assignments);
    Ok(change)
}

/// Removes `alias` of `model`.
pub fn remove_alias(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    alias: &str,
    principals: Option<&[String]>,
    message: Option<String>,
) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    super::alias_gate::check_alias_move(&config, model, alias, None, principals)?;
    let mut assignments = load_assignments(snapshot, &config, model)?;
    let version =
        assignments
            .aliases
            .remove(alias)
            .ok_or_else(|| RegistryError::AliasNotFound {
                model: model.to_string(),
                alias: alias.to_owned(),
                hint: super::suggest::hint(alias, assignments.aliases.keys().map(String::as_str)),
            })?;
    let mut change = Change {
        files: Vec::new(),
        event: Event::AliasRemoved {
            model: model.clone(),
            alias: alias.to_owned(),
            version,
        },
        message,
    };
    write_stages(&mut change, &config, model, &assignments);
    Ok(change)
}

/// `omgreg archive`.
#[derive(Debug, Clone)]
pub struct ArchiveRequest {
    pub target: ModelRef,
    pub reason: String,
    /// Also clear the stages and aliases the version holds.
    pub force: bool,
    pub actor: Actor,
    pub message: Option<String>,
    /// Who will sign the commit: emptying a stage (or a gated alias) with `force`
    /// needs the rights to move it, as entering it does.
    pub signer_principals: Option<Vec<String>>,
}

/// Marks a version archived; its artifacts stay.
pub fn archive(snapshot: &dyn Snapshot, request: &ArchiveRequest) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let row = query::resolve(snapshot, &config, &request.target)?;
    let version = row.version.version.clone();
    let model = row.version.model.clone();
    active(&row.version)?;
    let mut assignments = load_assignments(snapshot, &config, &model)?;
    let mut probe = assignments.clone();
    let held = probe.clear_version(&version, &config.ladder);
    if !held.is_empty() && !request.force {
        return Err(RegistryError::HoldsSlots {
            model: model.to_string(),
            version: version.to_string(),
            slots: held
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and "),
        });
    }
    for slot in &held {
        let principals = request.signer_principals.as_deref();
        match slot {
            super::Slot::Stage(stage) => check_signers(&config, stage, principals)?,
            super::Slot::Alias(alias) => {
                super::alias_gate::check_alias_move(&config, &model, alias, None, principals)?;
            }
        }
    }
    let mut change = Change {
        files: Vec::new(),
        event: Event::Archived {
            model: model.clone(),
            version: version.clone(),
            reason: request.reason.clone(),
            cleared: held.clone(),
        },
        message: request.message.clone(),
    };
    if !held.is_empty() {
        assignments.clear_version(&version, &config.ladder);
        write_stages(&mut change, &config, &model, &assignments);
    }
    write_archived(&mut change, row.version, &request.actor, &request.reason);
    Ok(change)
}

/// Makes an archived version active again (it holds no stage afterwards).
pub fn unarchive(
    snapshot: &dyn Snapshot,
    target: &ModelRef,
    message: Option<String>,
) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let row = query::resolve(snapshot, &config, target)?;
    let mut version = row.version;
    if version.status != Status::Archived {
        return Err(RegistryError::NotArchived {
            model: version.model.to_string(),
            version: version.version.to_string(),
        });
    }
    version.doc.status = Status::Active.as_str().to_owned();
    version.doc.archived = None;
    let path = version_file(&version.model, &version.version);
    let event = Event::Unarchived {
        model: version.model.clone(),
        version: version.version.clone(),
    };
    Ok(Change {
        files: vec![(
            path,
            FileChange::Write(schema::to_yaml(&version.doc).into_bytes()),
        )],
        event,
        message,
    })
}

/// The version's id when it is active.
fn active(version: &ModelVersion) -> Result<&VersionId, RegistryError> {
    match version.status {
        Status::Active => Ok(&version.version),
        Status::Archived => Err(RegistryError::VersionArchived {
            model: version.model.to_string(),
            version: version.version.to_string(),
        }),
    }
}

pub(crate) fn write_stages(
    change: &mut Change,
    config: &RegistryConfig,
    model: &ModelName,
    assignments: &Assignments,
) {
    let text = schema::to_yaml(&assignments.to_doc(&config.ladder));
    change.put(stages_file(model), FileChange::Write(text.into_bytes()));
}

fn write_archived(change: &mut Change, mut version: ModelVersion, actor: &Actor, reason: &str) {
    version.doc.status = Status::Archived.as_str().to_owned();
    version.doc.archived = Some(ArchivedDoc {
        at: actor.at.clone(),
        by: actor.by.clone(),
        reason: reason.to_owned(),
    });
    let path = version_file(&version.model, &version.version);
    change.put(
        path,
        FileChange::Write(schema::to_yaml(&version.doc).into_bytes()),
    );
}

/// Refuses a commit into `stage` when `[policy.<stage>] signers` does not list
/// any name of the signing key (`None`: the commit will not be signed).
pub(crate) fn check_signers(
    config: &RegistryConfig,
    stage: &str,
    principals: Option<&[String]>,
) -> Result<(), RegistryError> {
    let Some(allowed) = config.stage_signers.get(stage) else {
        return Ok(());
    };
    if principals.is_some_and(|names| names.iter().any(|name| allowed.contains(name))) {
        return Ok(());
    }
    Err(RegistryError::SignerNotAllowed {
        stage: format!("`{stage}`"),
        signer: match principals {
            None => "this commit would be unsigned".to_owned(),
            Some([]) => "this commit's key is not an allowed signer".to_owned(),
            Some(names) => format!(
                "this commit's key is {}",
                names
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        allowed: allowed
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

pub fn unknown_stage(config: &RegistryConfig, input: &str) -> RegistryError {
    RegistryError::UnknownStage {
        hint: super::suggest::hint(input, config.ladder.iter().map(|s| s.name.as_str())),
        input: input.to_owned(),
        known: config
            .ladder
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn not_found(model: &ModelName, version: &VersionId) -> RegistryError {
    RegistryError::VersionNotFound {
        model: model.to_string(),
        version: version.to_string(),
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
