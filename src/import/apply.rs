//! An imported event as a change of the registry: a pure function of the snapshot it
//! applies to, as every action is. `None` when the registry already shows what the
//! event did (a second import, or a state that did not change).
//!
//! Imports write `stages.yaml` directly rather than through `promote`: the source
//! decided the move, and its gates did not run in omgreg. How `check` judges such a
//! commit is in `docs/migrating.md` (an administrator's signature, or a branch for
//! review).

use std::collections::BTreeMap;

use crate::registry::{
    self, Assignments, Change, Event, FileChange, ModelName, RegisterRequest, RegistryConfig,
    RegistryError, Slot, Snapshot, Status, VersionId, load_assignments, load_config, load_version,
    model_file, validate_alias, version_file,
};
use crate::schema::{self, ArchivedDoc};

use super::plan::{ImportAction, PlannedEvent, SourceKind};

/// The change `event` makes on `snapshot`. A registration takes its request, with
/// the artifacts already stored, from `request`; `at` and `by` stamp `archived`
/// blocks (the event's author and time).
pub fn apply(
    snapshot: &dyn Snapshot,
    from: SourceKind,
    event: &PlannedEvent,
    request: Option<&RegisterRequest>,
    (at, by): (&str, &str),
) -> Result<Option<Change>, RegistryError> {
    let config = load_config(snapshot)?;
    let refuse = |reason: String, help: &str| RegistryError::ImportConflict {
        event: format!("{} {}", from.as_str(), event.id),
        reason,
        help: help.to_owned(),
    };
    let model: ModelName = event
        .action
        .model()
        .parse()
        .map_err(|err: RegistryError| refuse(err.to_string(), "see docs/migrating.md"))?;
    if let ImportAction::Register(_) = &event.action {
        let request = request.expect("registrations come with their request");
        return register(snapshot, request, &event.id, refuse)
            .map(|change| change.map(|change| wrap(change, from, &event.id, &model)));
    }
    let mut out = Output::new(&model);
    let changed = match &event.action {
        ImportAction::Register(_) => unreachable!("handled above"),
        ImportAction::Assign { version, stage, .. } => {
            let stage = stage.as_deref();
            assign(snapshot, &config, &mut out, version, stage, &refuse)?
        }
        ImportAction::Alias { alias, version, .. } => {
            let version = version.as_deref();
            alias_event(snapshot, &config, &mut out, alias, version, &refuse)?
        }
        ImportAction::Archive {
            version, reason, ..
        } => {
            let version = existing(snapshot, &model, version, &refuse)?;
            let mut assignments = load_assignments(snapshot, &config, &model)?;
            out.summary = format!("archive {model}@{version}");
            out.version = Some(version.clone());
            let stamp = (at, by, reason.as_str());
            archive(
                snapshot,
                &config,
                &mut assignments,
                &mut out,
                &version,
                stamp,
            )?
        }
        ImportAction::State {
            stages,
            aliases,
            archive: archived,
            ..
        } => {
            let wanted = (stages, aliases, archived.as_slice());
            state(snapshot, &config, &mut out, wanted, (at, by), &refuse)?
        }
        ImportAction::ModelMeta {
            description, tags, ..
        } => model_meta(snapshot, &mut out, description.as_deref(), tags)?,
    };
    if !changed {
        return Ok(None);
    }
    Ok(Some(out.finish(from, &event.id)))
}

/// Moves `version` into `stage` (or out of its stage for `None`): `false` when it is
/// there already.
fn assign(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    out: &mut Output,
    version: &str,
    stage: Option<&str>,
    refuse: &impl Fn(String, &str) -> RegistryError,
) -> Result<bool, RegistryError> {
    let model = out.model.clone();
    let version = existing(snapshot, &model, version, refuse)?;
    let mut assignments = load_assignments(snapshot, config, &model)?;
    let moved = match stage {
        Some(stage) => enter(config, &mut assignments, &version, stage, refuse)?,
        None => leave(config, &mut assignments, &version),
    };
    let Some((slot, summary)) = moved else {
        return Ok(false);
    };
    out.version = Some(version);
    out.slots.push(slot);
    out.summary = summary;
    registry::write_stages(&mut out.change, config, &model, &assignments);
    Ok(true)
}

/// Points `alias` at `version` (removes it for `None`): `false` when it is so.
fn alias_event(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    out: &mut Output,
    alias: &str,
    version: Option<&str>,
    refuse: &impl Fn(String, &str) -> RegistryError,
) -> Result<bool, RegistryError> {
    let model = out.model.clone();
    validate_alias(alias, &config.ladder)?;
    let mut assignments = load_assignments(snapshot, config, &model)?;
    let target = match version {
        Some(v) => Some(existing(snapshot, &model, v, refuse)?),
        None => None,
    };
    if assignments.aliases.get(alias) == target.as_ref() {
        return Ok(false);
    }
    out.summary = match &target {
        Some(v) => format!("alias {model}@{alias} -> {v}"),
        None => format!("remove alias {model}@{alias}"),
    };
    match target.clone() {
        Some(v) => assignments.aliases.insert(alias.to_owned(), v),
        None => assignments.aliases.remove(alias),
    };
    out.version = target;
    out.slots.push(Slot::Alias(alias.to_owned()));
    registry::write_stages(&mut out.change, config, &model, &assignments);
    Ok(true)
}

/// Sets the model's description and tags: `false` when they are so already.
fn model_meta(
    snapshot: &dyn Snapshot,
    out: &mut Output,
    description: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Result<bool, RegistryError> {
    let model = out.model.clone();
    let mut doc = registry::load_model(snapshot, &model)?;
    let before = doc.clone();
    if let Some(description) = description {
        description.clone_into(&mut doc.description);
    }
    doc.tags = tags.clone();
    if doc == before {
        return Ok(false);
    }
    out.summary = format!("description and tags of {model}");
    out.change.put(
        model_file(&model),
        FileChange::Write(schema::to_yaml(&doc).into_bytes()),
    );
    Ok(true)
}

/// A change being built, with what its event will say.
struct Output {
    model: ModelName,
    change: Change,
    summary: String,
    version: Option<VersionId>,
    slots: Vec<Slot>,
}

impl Output {
    fn new(model: &ModelName) -> Self {
        Self {
            model: model.clone(),
            change: Change {
                files: Vec::new(),
                event: Event::Rendered { models: Vec::new() },
                message: None,
            },
            summary: String::new(),
            version: None,
            slots: Vec::new(),
        }
    }

    fn finish(mut self, from: SourceKind, id: &str) -> Change {
        self.change.event = Event::Imported {
            from: from.as_str().to_owned(),
            id: id.to_owned(),
            summary: self.summary,
            model: self.model,
            version: self.version,
            slots: self.slots,
        };
        self.change
    }
}

/// Registers the version; `None` when a previous import registered it already.
fn register(
    snapshot: &dyn Snapshot,
    request: &RegisterRequest,
    id: &str,
    refuse: impl Fn(String, &str) -> RegistryError,
) -> Result<Option<Change>, RegistryError> {
    if let registry::VersionSpec::Exact(version) = &request.version
        && let Some(existing) = load_version(snapshot, &request.model, version)?
    {
        let same = existing
            .doc
            .imported
            .as_ref()
            .is_some_and(|imported| imported.id == id);
        if same {
            return Ok(None);
        }
        return Err(refuse(
            format!(
                "`{}@{version}` is already registered{}",
                request.model,
                existing
                    .doc
                    .imported
                    .as_ref()
                    .map(|i| format!(" (imported from {} `{}`)", i.from, i.id))
                    .unwrap_or_default()
            ),
            "versions are immutable: import into another registry, or import only the other models with `--model`",
        ));
    }
    registry::register(snapshot, request).map(Some)
}

/// The register change as an import event.
fn wrap(mut change: Change, from: SourceKind, id: &str, model: &ModelName) -> Change {
    let version = match &change.event {
        Event::Registered { version, .. } => Some(version.clone()),
        _ => None,
    };
    change.event = Event::Imported {
        from: from.as_str().to_owned(),
        id: id.to_owned(),
        summary: match &version {
            Some(v) => format!("register {model}@{v}"),
            None => format!("register a version of {model}"),
        },
        model: model.clone(),
        version,
        slots: Vec::new(),
    };
    change
}

/// The registered version `raw` of `model`, refused when it is not there.
fn existing(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    raw: &str,
    refuse: &impl Fn(String, &str) -> RegistryError,
) -> Result<VersionId, RegistryError> {
    let version: VersionId = raw.parse()?;
    match load_version(snapshot, model, &version)? {
        Some(_) => Ok(version),
        None => Err(refuse(
            format!("`{model}@{version}` is not registered"),
            "the source moves a version it never registered; see docs/migrating.md",
        )),
    }
}

/// Moves `version` into `stage` (leaving the stage it held); `None` when it holds it.
fn enter(
    config: &RegistryConfig,
    assignments: &mut Assignments,
    version: &VersionId,
    stage: &str,
    refuse: &impl Fn(String, &str) -> RegistryError,
) -> Result<Option<(Slot, String)>, RegistryError> {
    let Some(def) = config.ladder.find(stage) else {
        return Err(refuse(
            format!("`{stage}` is not a stage of this registry"),
            "map the source's stages with `--stage-map SOURCE=STAGE`",
        ));
    };
    let name = def.name.clone();
    if assignments.holders(&name).contains(version) {
        return Ok(None);
    }
    if let Some(from) = assignments.stage_of(version).map(str::to_owned) {
        let rest = without(assignments.holders(&from), version);
        assignments.set_stage(&from, &config.ladder, rest);
    }
    let held = if def.shared {
        let mut held = assignments.holders(&name).to_vec();
        held.push(version.clone());
        held
    } else {
        vec![version.clone()]
    };
    assignments.set_stage(&name, &config.ladder, held);
    Ok(Some((
        Slot::Stage(name.clone()),
        format!("{version} to {name}"),
    )))
}

/// Takes `version` out of the stage it holds; `None` when it holds none.
fn leave(
    config: &RegistryConfig,
    assignments: &mut Assignments,
    version: &VersionId,
) -> Option<(Slot, String)> {
    let from = assignments.stage_of(version)?.to_owned();
    let rest = without(assignments.holders(&from), version);
    assignments.set_stage(&from, &config.ladder, rest);
    Some((
        Slot::Stage(from.clone()),
        format!("{version} out of {from}"),
    ))
}

fn without(held: &[VersionId], version: &VersionId) -> Vec<VersionId> {
    held.iter().filter(|v| *v != version).cloned().collect()
}

/// Archives `version` (clearing its stage and aliases): `false` when it already is.
fn archive(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    assignments: &mut Assignments,
    out: &mut Output,
    version: &VersionId,
    (at, by, reason): (&str, &str, &str),
) -> Result<bool, RegistryError> {
    let model = out.model.clone();
    let Some(mut record) = load_version(snapshot, &model, version)? else {
        return Ok(false);
    };
    if record.status == Status::Archived {
        return Ok(false);
    }
    let cleared = assignments.clear_version(version, &config.ladder);
    if !cleared.is_empty() {
        registry::write_stages(&mut out.change, config, &model, assignments);
    }
    out.slots.extend(cleared);
    record.doc.status = Status::Archived.as_str().to_owned();
    record.doc.archived = Some(ArchivedDoc {
        at: at.to_owned(),
        by: by.to_owned(),
        reason: reason.to_owned(),
    });
    out.change.put(
        version_file(&model, version),
        FileChange::Write(schema::to_yaml(&record.doc).into_bytes()),
    );
    Ok(true)
}

type Wanted<'a> = (
    &'a BTreeMap<String, Option<String>>,
    &'a BTreeMap<String, Option<String>>,
    &'a [String],
);

/// Brings the model's stages and aliases to the source's state, archiving what it
/// archived: `false` when they are there already.
fn state(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    out: &mut Output,
    (stages, aliases, archived): Wanted<'_>,
    (at, by): (&str, &str),
    refuse: &impl Fn(String, &str) -> RegistryError,
) -> Result<bool, RegistryError> {
    let model = out.model.clone();
    let mut assignments = load_assignments(snapshot, config, &model)?;
    let before = assignments.clone();
    let mut moved = Vec::new();
    for raw in archived {
        let version = existing(snapshot, &model, raw, refuse)?;
        let reason = "Archived in the source";
        if archive(
            snapshot,
            config,
            &mut assignments,
            out,
            &version,
            (at, by, reason),
        )? {
            moved.push(format!("archive {version}"));
        }
    }
    for (stage, holder) in stages {
        let def = config.ladder.find(stage).ok_or_else(|| {
            refuse(
                format!("`{stage}` is not a stage of this registry"),
                "add the stage to `omgreg.toml`, or map it with `--stage-map SOURCE=STAGE`",
            )
        })?;
        let want = match holder {
            Some(v) => vec![existing(snapshot, &model, v, refuse)?],
            None => Vec::new(),
        };
        if assignments.holders(&def.name) == want.as_slice() {
            continue;
        }
        for version in &want {
            if let Some(from) = assignments.stage_of(version).map(str::to_owned) {
                let rest = without(assignments.holders(&from), version);
                assignments.set_stage(&from, &config.ladder, rest);
            }
        }
        assignments.set_stage(&def.name, &config.ladder, want.clone());
        out.slots.push(Slot::Stage(def.name.clone()));
        moved.push(match want.first() {
            Some(v) => format!("{v} to {}", def.name),
            None => format!("{} emptied", def.name),
        });
    }
    for (alias, target) in aliases {
        validate_alias(alias, &config.ladder)?;
        let target = match target {
            Some(v) => Some(existing(snapshot, &model, v, refuse)?),
            None => None,
        };
        if assignments.aliases.get(alias) == target.as_ref() {
            continue;
        }
        match &target {
            Some(v) => assignments.aliases.insert(alias.clone(), v.clone()),
            None => assignments.aliases.remove(alias),
        };
        out.slots.push(Slot::Alias(alias.clone()));
        moved.push(match target {
            Some(v) => format!("alias {alias} -> {v}"),
            None => format!("alias {alias} removed"),
        });
    }
    if assignments != before {
        registry::write_stages(&mut out.change, config, &model, &assignments);
    }
    if out.change.files.is_empty() {
        return Ok(false);
    }
    out.summary = format!("stages and aliases of {model}: {}", moved.join(", "));
    Ok(true)
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
