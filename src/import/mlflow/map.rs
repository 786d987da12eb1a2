//! An MLflow registry, read, as an import plan (the rules are tabled in
//! `docs/migrating.md`):
//!
//! - model names by [`map_model_names`], collisions refused;
//! - version `N` registered as `N.0.0`, the number kept in `imported.version`; deleted
//!   and failed versions skipped and reported;
//! - one registration per version in creation order, authored by its `user_id` (else
//!   the source run's user, else [`UNKNOWN_AUTHOR`]) at its creation time;
//! - params and latest metrics from the source run, or from the logged model of a
//!   `models:/m-…` source; the run's `mlflow.source.git.commit` as the code commit;
//! - MLflow keeps no history of stage moves: each model's current stages, aliases and
//!   archived versions are one final event, authored by the importer, and the
//!   model's description and tags one more.

use std::collections::BTreeMap;

use super::{
    ArtifactLocation, ArtifactReader, MlflowRegistry, MlflowStage, ModelVersion, RegisteredModel,
    Run,
};
use crate::import::plan::{
    ArtifactOpener, Author, Fetch, ImportAction, ImportPlan, ImportedArtifact, ImportedVersion,
    PlannedEvent, SourceKind, map_model_names,
};
use crate::schema::{ImportedDoc, ParamValue};

/// Who registered a version when MLflow does not say (its open-source stores mostly
/// leave `user_id` empty) and its run names no user either.
pub const UNKNOWN_AUTHOR: (&str, &str) = ("MLflow (user unknown)", "unknown@mlflow.invalid");

/// How artifacts come over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArtifactMode {
    /// Read what can be read into LFS (the rest is recorded as unverified URIs).
    #[default]
    Copy,
    /// Record every location as a URI, reading nothing (the versions are unverified).
    Link,
}

/// How MLflow's names meet the registry's.
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    /// MLflow stage (`Staging`, `Production`) -> the registry's stage, when the
    /// registry names them differently.
    pub stage_map: BTreeMap<String, String>,
    pub artifacts: ArtifactMode,
}

/// A version's artifact file to read: where, and which.
#[derive(Debug, Clone)]
struct Pending {
    location: ArtifactLocation,
    file: String,
}

/// Reads the artifact files a plan names, through the MLflow reader.
pub struct MlflowArtifacts<'a> {
    reader: ArtifactReader<'a>,
    files: BTreeMap<String, Pending>,
}

impl ArtifactOpener for MlflowArtifacts<'_> {
    fn open(&self, key: &str) -> Result<Box<dyn std::io::Read + Send + '_>, String> {
        let pending = self
            .files
            .get(key)
            .ok_or_else(|| format!("unknown `{key}`"))?;
        self.reader
            .open(&pending.location, &pending.file)
            .map_err(|err| err.to_string())
    }

    fn uri(&self, key: &str) -> String {
        self.files.get(key).map_or_else(
            || key.to_owned(),
            |p| format!("{}/{}", p.location.uri().trim_end_matches('/'), p.file),
        )
    }
}

/// The plan of importing `registry`, and the opener of its artifacts. `stages` are the
/// registry's configured stage names.
pub fn plan<'a>(
    registry: &MlflowRegistry,
    reader: ArtifactReader<'a>,
    location: &str,
    stages: &[String],
    options: &MapOptions,
) -> Result<(ImportPlan, MlflowArtifacts<'a>), Vec<String>> {
    let names = map_model_names(registry.models.iter().map(|m| m.name.as_str()))?;
    let stage_of = stage_names(stages, options)?;
    let mut opener = MlflowArtifacts {
        reader,
        files: BTreeMap::new(),
    };
    let mut plan = ImportPlan {
        source: SourceKind::Mlflow,
        location: location.to_owned(),
        events: Vec::new(),
        notes: registry
            .missing
            .iter()
            .map(|m| format!("{} `{}` could not be read: {}", m.kind, m.id, m.reason))
            .collect(),
        has_transition_history: false,
    };
    let mut registrations = Vec::new();
    for model in &registry.models {
        let name = &names[&model.name];
        for version in &model.versions {
            if let Some(skipped) = skipped(model, version) {
                plan.notes.push(skipped);
                continue;
            }
            let imported = imported_version(registry, model, version, name, options, &mut opener);
            registrations.push(PlannedEvent {
                id: format!("{}/{}", model.name, version.version),
                author: Some(author(registry, version)),
                action: ImportAction::Register(Box::new(imported)),
            });
        }
    }
    registrations.sort_by_key(|e| e.author.as_ref().map(|a| a.time));
    plan.events = registrations;
    for model in &registry.models {
        let name = &names[&model.name];
        plan.events.push(PlannedEvent {
            id: format!("{}:model", model.name),
            author: None,
            action: ImportAction::ModelMeta {
                model: name.clone(),
                description: Some(model.description.clone().unwrap_or_default()),
                tags: model.tags.clone(),
            },
        });
        let (action, notes) = final_state(model, name, &stage_of);
        plan.notes.extend(notes);
        plan.events.push(PlannedEvent {
            id: format!("{}:stages", model.name),
            author: None,
            action,
        });
    }
    Ok((plan, opener))
}

/// The registry's stage for MLflow's `Staging` and `Production`.
fn stage_names(
    stages: &[String],
    options: &MapOptions,
) -> Result<BTreeMap<MlflowStage, String>, Vec<String>> {
    let mut found = BTreeMap::new();
    let mut problems = Vec::new();
    for stage in [MlflowStage::Staging, MlflowStage::Production] {
        let wanted = options
            .stage_map
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(stage.name()))
            .map_or(stage.name(), |(_, to)| to.as_str());
        match stages.iter().find(|s| s.eq_ignore_ascii_case(wanted)) {
            Some(name) => {
                found.insert(stage, name.clone());
            }
            None => problems.push(format!(
                "MLflow's stage `{}` has no stage `{wanted}` in this registry (its stages: {}); \
                 map it with `--stage-map {}=STAGE`",
                stage.name(),
                stages.join(", "),
                stage.name()
            )),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// Why a version is not imported, when it is not.
fn skipped(model: &RegisteredModel, version: &ModelVersion) -> Option<String> {
    if version.deleted {
        return Some(format!(
            "`{}` version {} was deleted in MLflow: not imported",
            model.name, version.version
        ));
    }
    match version.status.as_deref() {
        Some("FAILED_REGISTRATION") | Some("PENDING_REGISTRATION") => Some(format!(
            "`{}` version {} is `{}` in MLflow: not imported",
            model.name,
            version.version,
            version.status.as_deref().unwrap_or_default()
        )),
        _ => None,
    }
}

/// Who registered `version`, and when.
fn author(registry: &MlflowRegistry, version: &ModelVersion) -> Author {
    let run_user = version
        .run_id
        .as_ref()
        .and_then(|id| registry.runs.get(id))
        .and_then(|run| {
            run.user_id
                .clone()
                .or_else(|| run.tags.get("mlflow.user").cloned())
        });
    let user = version
        .user_id
        .clone()
        .filter(|u| known_user(u))
        .or(run_user)
        .filter(|u| known_user(u));
    let (name, email) = match user {
        Some(user) if user.contains('@') => (user.clone(), user),
        Some(user) => (user.clone(), format!("{user}@mlflow.invalid")),
        None => (UNKNOWN_AUTHOR.0.to_owned(), UNKNOWN_AUTHOR.1.to_owned()),
    };
    Author {
        name,
        email,
        time: version.creation_timestamp.unwrap_or(0).div_euclid(1000),
        offset_minutes: 0,
    }
}

/// Whether MLflow's user text names someone: MLflow writes `unknown` when it could
/// not tell (`mlflow.user` of a run made without a login).
fn known_user(user: &str) -> bool {
    let user = user.trim();
    !user.is_empty() && !user.eq_ignore_ascii_case("unknown")
}

/// The record and artifacts of one version.
fn imported_version(
    registry: &MlflowRegistry,
    model: &RegisteredModel,
    version: &ModelVersion,
    name: &str,
    options: &MapOptions,
    opener: &mut MlflowArtifacts<'_>,
) -> ImportedVersion {
    let run = version.run_id.as_ref().and_then(|id| registry.runs.get(id));
    let logged = version
        .model_id
        .as_ref()
        .and_then(|id| registry.logged_models.get(id));
    let (params, metrics) = match (logged, run) {
        (Some(logged), _)
            if version
                .source
                .as_deref()
                .is_some_and(|s| s.starts_with("models:/m-")) =>
        {
            let mut metrics: BTreeMap<String, (i64, i64, f64)> = BTreeMap::new();
            for m in &logged.metrics {
                let entry = metrics
                    .entry(m.key.clone())
                    .or_insert((m.step, m.timestamp, m.value));
                if (m.step, m.timestamp) > (entry.0, entry.1) {
                    *entry = (m.step, m.timestamp, m.value);
                }
            }
            (
                logged.params.clone(),
                metrics.into_iter().map(|(k, v)| (k, v.2)).collect(),
            )
        }
        (_, Some(run)) => (
            run.params.clone(),
            run.metrics
                .iter()
                .map(|(k, m)| (k.clone(), m.value))
                .collect(),
        ),
        _ => (BTreeMap::new(), BTreeMap::new()),
    };
    let metrics: BTreeMap<String, f64> = metrics
        .into_iter()
        .filter(|(_, value): &(String, f64)| value.is_finite())
        .collect();
    let id = format!("{}/{}", model.name, version.version);
    let artifacts = artifacts_of(registry, model, version, &id, options, opener);
    ImportedVersion {
        model: name.to_owned(),
        version: format!("{}.0.0", version.version),
        description: version.description.clone().unwrap_or_default(),
        tags: version.tags.clone(),
        metrics,
        params: params
            .into_iter()
            .map(|(k, v)| (k, ParamValue::Text(v)))
            .collect(),
        code_commit: run.and_then(code_commit),
        artifacts,
        imported: ImportedDoc {
            from: SourceKind::Mlflow.as_str().to_owned(),
            id,
            version: version.version.to_string(),
            source: version.source.clone(),
            run_id: version.run_id.clone(),
            run_link: version.run_link.clone().filter(|l| !l.is_empty()),
            ..ImportedDoc::default()
        },
    }
}

fn code_commit(run: &Run) -> Option<String> {
    run.tags.get("mlflow.source.git.commit").cloned()
}

/// The artifact files of a version, to read or to record by location.
fn artifacts_of(
    registry: &MlflowRegistry,
    model: &RegisteredModel,
    version: &ModelVersion,
    id: &str,
    options: &MapOptions,
    opener: &mut MlflowArtifacts<'_>,
) -> Vec<ImportedArtifact> {
    let location = opener.reader.locate(registry, model, version);
    let unreadable = |uri: &str, reason: &str| {
        vec![ImportedArtifact {
            path: String::new(),
            fetch: Fetch::Unreadable {
                uri: uri.to_owned(),
                reason: reason.to_owned(),
            },
        }]
    };
    if let ArtifactLocation::Unreadable { uri, reason } = &location {
        return unreadable(uri, reason);
    }
    if options.artifacts == ArtifactMode::Link {
        return unreadable(location.uri(), "linked, not copied (`--artifacts link`)");
    }
    let files = match opener.reader.list(&location) {
        Ok(files) => files,
        Err(err) => return unreadable(location.uri(), &err.to_string()),
    };
    files
        .into_iter()
        .map(|file| {
            let key = format!("{id}\n{}", file.path);
            opener.files.insert(
                key.clone(),
                Pending {
                    location: location.clone(),
                    file: file.path.clone(),
                },
            );
            ImportedArtifact {
                path: file.path,
                fetch: Fetch::Read { key },
            }
        })
        .collect()
}

/// The model's current stages, aliases and archived versions as one event.
fn final_state(
    model: &RegisteredModel,
    name: &str,
    stage_of: &BTreeMap<MlflowStage, String>,
) -> (ImportAction, Vec<String>) {
    let mut notes = Vec::new();
    let live = || {
        model
            .versions
            .iter()
            .filter(|v| skipped(model, v).is_none())
    };
    let mut stages = BTreeMap::new();
    for (mlflow, stage) in stage_of {
        let mut held: Vec<u64> = live()
            .filter(|v| v.current_stage == Some(*mlflow))
            .map(|v| v.version)
            .collect();
        held.sort_unstable();
        let newest = held.pop();
        if !held.is_empty() {
            notes.push(format!(
                "`{}` has several versions in {} ({}, {}); omgreg's `{stage}` holds one: the newest, {}",
                model.name,
                mlflow.name(),
                held.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                newest.unwrap_or_default(),
                newest.unwrap_or_default()
            ));
        }
        stages.insert(stage.clone(), newest.map(|n| format!("{n}.0.0")));
    }
    let archive = live()
        .filter(|v| v.current_stage == Some(MlflowStage::Archived))
        .map(|v| format!("{}.0.0", v.version))
        .collect();
    let aliases = model
        .aliases
        .iter()
        .map(|(alias, n)| (alias.clone(), Some(format!("{n}.0.0"))))
        .collect();
    let action = ImportAction::State {
        model: name.to_owned(),
        stages,
        aliases,
        archive,
    };
    (action, notes)
}
