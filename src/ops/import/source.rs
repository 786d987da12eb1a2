//! Opening an import's source and mapping it to a plan.

use std::collections::BTreeMap;
use std::path::Path;

use crate::import::gto::{self, GtoOptions};
use crate::import::mlflow::map::{self, ArtifactMode, MapOptions};
use crate::import::mlflow::{MlflowError, MlflowRegistry, MlflowSource};
use crate::import::plan::{ArtifactOpener, ImportPlan};
use crate::store::SourceRepo;

use super::super::CommandError;

/// Where an import reads from.
pub enum ImportSource {
    Mlflow {
        tracking_uri: String,
        models: Vec<String>,
        artifacts: ArtifactMode,
        stage_map: BTreeMap<String, String>,
    },
    Gto {
        location: String,
        options: GtoOptions,
    },
}

impl ImportSource {
    /// For status lines: the source, credentials removed.
    pub fn describe(&self) -> String {
        match self {
            Self::Mlflow { tracking_uri, .. } => {
                format!("MLflow at {}", crate::import::mlflow::redact(tracking_uri))
            }
            Self::Gto { location, .. } => format!("GTO tags of {location}"),
        }
    }
}

/// A source, opened and read.
pub enum Opened {
    Mlflow {
        source: MlflowSource,
        registry: MlflowRegistry,
        options: MapOptions,
        location: String,
    },
    Gto {
        repo: SourceRepo,
        options: GtoOptions,
    },
}

/// Opens and reads the source (a GTO repository from a URL is mirrored into
/// `scratch`).
pub fn read_source(
    source: &ImportSource,
    cwd: &Path,
    scratch: &Path,
) -> Result<Opened, CommandError> {
    match source {
        ImportSource::Mlflow {
            tracking_uri,
            models,
            artifacts,
            stage_map,
        } => {
            let opened = MlflowSource::open(tracking_uri, cwd).map_err(user)?;
            let registry = opened.read(models).map_err(user)?;
            if let Some(missing) = models
                .iter()
                .find(|name| !registry.models.iter().any(|m| &m.name == *name))
            {
                return Err(CommandError::User(miette::miette!(
                    code = "omgreg::import::no_such_model",
                    help = "`--model` takes MLflow's registered model names, as MLflow spells them",
                    "MLflow has no registered model `{missing}`"
                )));
            }
            Ok(Opened::Mlflow {
                source: opened,
                registry,
                options: MapOptions {
                    stage_map: stage_map.clone(),
                    artifacts: *artifacts,
                },
                location: crate::import::mlflow::redact(tracking_uri),
            })
        }
        ImportSource::Gto { location, options } => Ok(Opened::Gto {
            repo: gto::open(location, scratch).map_err(|err| CommandError::User(err.into()))?,
            options: options.clone(),
        }),
    }
}

impl Opened {
    /// The plan of the import onto the registry's `stages`, and the reader of its
    /// artifacts.
    pub fn plan(
        &self,
        stages: &[String],
    ) -> Result<(ImportPlan, Box<dyn ArtifactOpener + '_>), CommandError> {
        match self {
            Self::Mlflow {
                source,
                registry,
                options,
                location,
            } => {
                let (plan, opener) =
                    map::plan(registry, source.artifacts(), location, stages, options)
                        .map_err(unmappable)?;
                Ok((plan, Box::new(opener)))
            }
            Self::Gto { repo, options } => {
                let plan = gto::plan(repo, stages, options)
                    .map_err(|err| CommandError::User(err.into()))?;
                Ok((plan, gto::opener(repo)))
            }
        }
    }
}

fn user(err: MlflowError) -> CommandError {
    CommandError::User(err.into())
}

/// The mapper's refusals, one diagnostic.
fn unmappable(problems: Vec<String>) -> CommandError {
    CommandError::User(miette::miette!(
        code = "omgreg::import::unmappable",
        help = "see docs/migrating.md for how names and stages are mapped",
        "the source cannot be imported as it is:\n  - {}",
        problems.join("\n  - ")
    ))
}
