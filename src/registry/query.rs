//! Read queries: models with their stages, versions of a model, reference resolution.

use super::{
    Assignments, ModelName, ModelRef, ModelVersion, RefTarget, RegistryConfig, RegistryError,
    Snapshot, Status, VersionId, VersionStage, load_assignments, load_version, model_exists,
    version_ids,
};

/// One row of `omgreg list`.
#[derive(Debug, Clone)]
pub struct ModelSummary {
    pub model: ModelName,
    pub version_count: usize,
    /// The greatest active version.
    pub latest: Option<VersionId>,
    pub assignments: Assignments,
}

/// One version with where it stands.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: ModelVersion,
    /// The configured stage it holds, if any.
    pub stage: Option<String>,
    pub aliases: Vec<String>,
}

impl VersionRow {
    /// The stage to show: a configured stage, or the implicit `Archived` / `None`.
    pub fn display_stage(&self) -> VersionStage {
        VersionStage::of(self.stage.as_deref(), self.version.status)
    }
}

/// All models, sorted by name.
pub fn list_models(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
) -> Result<Vec<ModelSummary>, RegistryError> {
    let mut models = Vec::new();
    for name in snapshot.list(super::MODELS_DIR)? {
        let Ok(model) = name.parse::<ModelName>() else {
            continue;
        };
        models.push(summarize_model(snapshot, config, &model)?);
    }
    sort_models(&mut models);
    Ok(models)
}

/// One row of `omgreg list`.
pub fn summarize_model(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
) -> Result<ModelSummary, RegistryError> {
    let ids = version_ids(snapshot, model)?;
    let latest = latest_active(snapshot, model, &ids)?.map(|v| v.version);
    let assignments = load_assignments(snapshot, config, model)?;
    Ok(ModelSummary {
        model: model.clone(),
        version_count: ids.len(),
        latest,
        assignments,
    })
}

/// Git orders `churn-small/` before `churn/`; people expect name order.
pub fn sort_models(models: &mut [ModelSummary]) {
    models.sort_by(|a, b| a.model.cmp(&b.model));
}

/// `omgreg::model::not_found` for `model`, suggesting the closest registered model.
pub fn model_not_found(snapshot: &dyn Snapshot, model: &ModelName) -> RegistryError {
    let names = super::model_names(snapshot);
    RegistryError::ModelNotFound {
        model: model.to_string(),
        hint: super::suggest::hint(model.as_str(), names.iter().map(ModelName::as_str)),
    }
}

/// Every version of `model`, ascending, with stage and aliases.
pub fn list_versions(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
) -> Result<Vec<VersionRow>, RegistryError> {
    if !model_exists(snapshot, model)? {
        return Err(model_not_found(snapshot, model));
    }
    let assignments = load_assignments(snapshot, config, model)?;
    version_ids(snapshot, model)?
        .iter()
        .map(|id| {
            let version = load_version(snapshot, model, id)?.ok_or_else(|| not_found(model, id))?;
            Ok(row(version, &assignments))
        })
        .collect()
}

/// The version `reference` names.
pub fn resolve(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    reference: &ModelRef,
) -> Result<VersionRow, RegistryError> {
    let model = &reference.model;
    if !model_exists(snapshot, model)? {
        return Err(model_not_found(snapshot, model));
    }
    let assignments = load_assignments(snapshot, config, model)?;
    let unresolved = |reason: String| RegistryError::Unresolved {
        model: model.to_string(),
        reference: reference.target.to_string(),
        reason,
    };
    let id = match &reference.target {
        RefTarget::Version(id) => id.clone(),
        RefTarget::Latest => {
            let ids = version_ids(snapshot, model)?;
            let latest = latest_active(snapshot, model, &ids)?
                .ok_or_else(|| unresolved("it has no active version".to_owned()))?;
            return Ok(row(latest, &assignments));
        }
        RefTarget::Name(name) => match config.ladder.find(name) {
            Some(stage) => assignments
                .holders(&stage.name)
                .iter()
                .max()
                .cloned()
                .ok_or_else(|| unresolved(format!("no version holds stage `{}`", stage.name)))?,
            None => assignments.aliases.get(name).cloned().ok_or_else(|| {
                unresolved(format!(
                    "`{name}` is neither a configured stage nor an alias of `{model}`"
                ))
            })?,
        },
    };
    let version = load_version(snapshot, model, &id)?.ok_or_else(|| not_found(model, &id))?;
    Ok(row(version, &assignments))
}

fn latest_active(
    snapshot: &dyn Snapshot,
    model: &ModelName,
    ascending: &[VersionId],
) -> Result<Option<ModelVersion>, RegistryError> {
    for id in ascending.iter().rev() {
        if let Some(version) = load_version(snapshot, model, id)?
            && version.status == Status::Active
        {
            return Ok(Some(version));
        }
    }
    Ok(None)
}

fn row(version: ModelVersion, assignments: &Assignments) -> VersionRow {
    VersionRow {
        stage: assignments.stage_of(&version.version).map(str::to_owned),
        aliases: assignments
            .aliases_of(&version.version)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        version,
    }
}

fn not_found(model: &ModelName, id: &VersionId) -> RegistryError {
    RegistryError::VersionNotFound {
        model: model.to_string(),
        version: id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{MemorySnapshot, load_config, stages_file, version_file};

    fn snapshot() -> MemorySnapshot {
        let version = |v: &str, status: &str| {
            format!("model: churn\nversion: {v}\ncreated: 2026-01-01T00:00:00Z\nstatus: {status}\n")
        };
        let churn: ModelName = "churn".parse().unwrap();
        let path = |v: &str| version_file(&churn, &v.parse().unwrap());
        MemorySnapshot::default()
            .with("omgreg.toml", "")
            .with(&path("1.0.0"), &version("1.0.0", "active"))
            .with(&path("1.1.0"), &version("1.1.0", "active"))
            .with(&path("2.0.0"), &version("2.0.0", "archived"))
            .with(
                &stages_file(&churn),
                "stages:\n  Production: 1.0.0\naliases:\n  champion: 1.1.0\n",
            )
    }

    fn resolve_str(text: &str) -> Result<String, RegistryError> {
        let snap = snapshot();
        let config = load_config(&snap)?;
        Ok(resolve(&snap, &config, &text.parse()?)?
            .version
            .version
            .to_string())
    }

    #[test]
    fn references_resolve_to_versions() {
        assert_eq!(resolve_str("churn@latest").unwrap(), "1.1.0");
        assert_eq!(resolve_str("churn@production").unwrap(), "1.0.0");
        assert_eq!(resolve_str("churn@champion").unwrap(), "1.1.0");
        assert_eq!(resolve_str("churn@2.0.0").unwrap(), "2.0.0");
        assert!(matches!(
            resolve_str("churn@Staging"),
            Err(RegistryError::Unresolved { .. })
        ));
        assert!(matches!(
            resolve_str("churn@3.0.0"),
            Err(RegistryError::VersionNotFound { .. })
        ));
        assert!(matches!(
            resolve_str("fraud@latest"),
            Err(RegistryError::ModelNotFound { .. })
        ));
    }

    #[test]
    fn list_reports_stages_and_implicit_states() {
        let snap = snapshot();
        let config = load_config(&snap).unwrap();
        let rows = list_versions(&snap, &config, &"churn".parse().unwrap()).unwrap();
        let stages: Vec<_> = rows.iter().map(VersionRow::display_stage).collect();
        assert_eq!(
            stages,
            [
                VersionStage::Named("Production".into()),
                VersionStage::Unassigned,
                VersionStage::Archived
            ]
        );
        let models = list_models(&snap, &config).unwrap();
        assert_eq!(models[0].version_count, 3);
        assert_eq!(models[0].latest.as_ref().unwrap().to_string(), "1.1.0");
    }
}
