//! The read queries of `list`, `show`, `resolve` and `diff`: the committed state at
//! a revision, asked one question, answered with a report for `render`.

use crate::registry::{
    self, FieldDiff, ModelName, ModelRef, ModelSummary, RegistryConfig, RegistryError, Snapshot,
    StageLadder, Status, VersionRow, VersionStage, load_config,
};
use crate::store::{Store, TreeSnapshot, parse_date};

use super::CommandError;

/// Which committed state to read: a revision (default HEAD), optionally as it was
/// at a date (the last commit at or before it, along first parents).
#[derive(Debug, Clone, Default)]
pub struct Revision {
    pub rev: Option<String>,
    pub at: Option<String>,
}

impl Revision {
    /// The commit to read, as a revision string for [`Store::snapshot`].
    pub fn resolve(&self, store: &Store) -> Result<Option<String>, CommandError> {
        match &self.at {
            None => Ok(self.rev.clone()),
            Some(date) => {
                let at = parse_date(date)?;
                Ok(Some(store.commit_at(self.rev.as_deref(), at)?.to_string()))
            }
        }
    }

    /// The snapshot to read.
    pub fn snapshot<'s>(&self, store: &'s Store) -> Result<TreeSnapshot<'s>, CommandError> {
        let rev = self.resolve(store)?;
        Ok(store.snapshot(rev.as_deref())?)
    }
}

/// Which models or versions to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The model whose versions to list; `None` for every model.
    pub model: Option<ModelName>,
    /// Only versions in this stage (as typed, any case; `None` and `Archived` too).
    pub stage: Option<String>,
    /// Only versions with all of these tags.
    pub tags: Vec<(String, String)>,
    /// Include archived versions.
    pub all: bool,
}

/// What `list` found, at `commit`.
pub enum ListReport {
    /// Every model with who holds each stage (no model and no filter given).
    Models {
        commit: Option<String>,
        ladder: StageLadder,
        models: Vec<ModelSummary>,
        /// Models whose files could not be read: listed apart, not hiding the rest.
        broken: Vec<(ModelName, RegistryError)>,
    },
    /// The matching versions of `models` models.
    Versions {
        commit: Option<String>,
        rows: Vec<VersionRow>,
        models: usize,
    },
}

/// Lists the models, or the versions matching `query`.
pub fn list(
    store: &Store,
    revision: &Revision,
    query: &ListQuery,
) -> Result<ListReport, CommandError> {
    let snapshot = revision.snapshot(store)?;
    let config = load_config(&snapshot)?;
    let commit = snapshot.commit().map(|c| c.to_string());
    let stage = query
        .stage
        .as_deref()
        .map(|s| canonical_stage(&config, s))
        .transpose()?;
    if query.model.is_none() && stage.is_none() && query.tags.is_empty() {
        let (models, broken) = store.list_models_cached(&snapshot, &config)?;
        return Ok(ListReport::Models {
            commit,
            ladder: config.ladder,
            models,
            broken,
        });
    }
    let models = match &query.model {
        Some(model) => vec![model.clone()],
        None => registry::list_models(&snapshot, &config)?
            .into_iter()
            .map(|m| m.model)
            .collect(),
    };
    let mut rows = Vec::new();
    for model in &models {
        rows.extend(matching_versions(
            &snapshot,
            &config,
            model,
            stage.as_ref(),
            query,
        )?);
    }
    Ok(ListReport::Versions {
        commit,
        rows,
        models: models.len(),
    })
}

fn matching_versions(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
    stage: Option<&VersionStage>,
    query: &ListQuery,
) -> Result<Vec<VersionRow>, RegistryError> {
    let rows = registry::list_versions(snapshot, config, model)?;
    Ok(rows
        .into_iter()
        .filter(|row| match stage {
            Some(stage) => row.display_stage() == *stage,
            None => query.all || row.version.status == Status::Active,
        })
        .filter(|row| {
            query
                .tags
                .iter()
                .all(|(k, v)| row.version.doc.tags.get(k) == Some(v))
        })
        .collect())
}

/// The configured spelling of a stage typed in any case, or the implicit stages.
fn canonical_stage(config: &RegistryConfig, input: &str) -> Result<VersionStage, RegistryError> {
    config
        .ladder
        .standing(input)
        .ok_or_else(|| registry::unknown_stage(config, input))
}

/// One version, at `commit`.
pub struct VersionReport {
    pub commit: Option<String>,
    pub row: VersionRow,
}

/// The version `reference` points at.
pub fn show(
    store: &Store,
    revision: &Revision,
    reference: &ModelRef,
) -> Result<VersionReport, CommandError> {
    let snapshot = revision.snapshot(store)?;
    let config = load_config(&snapshot)?;
    let row = registry::resolve(&snapshot, &config, reference)?;
    let commit = snapshot.commit().map(|c| c.to_string());
    Ok(VersionReport { commit, row })
}

/// A resolved version and where its stored artifacts' bytes are.
pub struct ResolveReport {
    pub commit: Option<String>,
    pub row: VersionRow,
    /// For each artifact, in order: the local path of its LFS object, when stored
    /// and present.
    pub object_paths: Vec<Option<String>>,
}

/// The version `reference` points at, with the local files of its stored artifacts;
/// with `local`, a stored artifact whose object is missing is an error.
pub fn resolve(
    store: &Store,
    revision: &Revision,
    reference: &ModelRef,
    local: bool,
) -> Result<ResolveReport, CommandError> {
    let VersionReport { commit, row } = show(store, revision, reference)?;
    let lfs = store.lfs();
    let mut object_paths = Vec::new();
    for artifact in row.version.artifacts() {
        let oid = &artifact.digest;
        let path = match &artifact.record.uri {
            None if lfs.has_object(oid, artifact.record.size.unwrap_or_default()) => {
                Some(lfs.object_file(oid).display().to_string())
            }
            None if local => {
                let oid = oid.to_string();
                return Err(ObjectMissing { oid }.into());
            }
            _ => None,
        };
        object_paths.push(path);
    }
    Ok(ResolveReport {
        commit,
        row,
        object_paths,
    })
}

/// A stored artifact's bytes are not in the local LFS store.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`--path` and `--uri` name local files, and this repository has no copy of `{oid}`")]
#[diagnostic(
    code(omgreg::resolve::object_missing),
    help("fetch it with `git lfs fetch` (or `git lfs pull`), or read the artifacts from `--json`")
)]
pub struct ObjectMissing {
    pub oid: String,
}

impl From<ObjectMissing> for CommandError {
    fn from(err: ObjectMissing) -> Self {
        Self::User(err.into())
    }
}

/// Two versions and the fields in which they differ, at `commit`.
pub struct DiffReport {
    pub commit: Option<String>,
    pub left: VersionRow,
    pub right: VersionRow,
    pub fields: Vec<FieldDiff>,
}

/// Compares the versions `a` and `b` point at (every field with `all`).
pub fn diff(
    store: &Store,
    revision: &Revision,
    a: &ModelRef,
    b: &ModelRef,
    all: bool,
) -> Result<DiffReport, CommandError> {
    let snapshot = revision.snapshot(store)?;
    let config = load_config(&snapshot)?;
    let left = registry::resolve(&snapshot, &config, a)?;
    let right = registry::resolve(&snapshot, &config, b)?;
    let fields = registry::compare(&left.version, &right.version, all);
    let commit = snapshot.commit().map(|c| c.to_string());
    Ok(DiffReport {
        commit,
        left,
        right,
        fields,
    })
}

/// Some models could not be read; the others were listed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{} model(s) could not be read and are not listed: {}", .errors.len(), names)]
#[diagnostic(
    code(omgreg::list::incomplete),
    help("fix the files named below and commit the fix; `omgreg check` reports every problem")
)]
pub struct ListIncomplete {
    pub names: String,
    #[related]
    pub errors: Vec<RegistryError>,
}

impl ListIncomplete {
    /// The error for `broken` models, `None` when there are none.
    pub fn of(broken: Vec<(ModelName, RegistryError)>) -> Option<Self> {
        if broken.is_empty() {
            return None;
        }
        let names = broken
            .iter()
            .map(|(model, _)| format!("`{model}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Some(Self {
            names,
            errors: broken.into_iter().map(|(_, err)| err).collect(),
        })
    }
}
