//! GTO (DVC's Git Tag Ops) registries: annotated Git tags and `dvc.yaml` /
//! `artifacts.yaml` annotations, read from a [`SourceRepo`] and mapped to an
//! [`ImportPlan`] in GTO's own event order (`docs/migrating.md`, `## GTO`).
//!
//! Reads the source only through `store::SourceRepo`; writes nothing: the plan is
//! applied by `ops::import`.

mod annotations;
mod events;
mod mapper;
mod tag_name;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use super::plan::{ArtifactOpener, Author, ImportPlan, map_model_names};
use crate::store::{SourceRepo, StoreError};
use events::GtoEvent;
use tag_name::TagAction;

/// How GTO's names map onto the registry's.
#[derive(Debug, Clone, Default)]
pub struct GtoOptions {
    /// GTO stage (as written in its tags) -> the registry's stage name.
    pub stage_map: BTreeMap<String, String>,
}

/// A GTO registry could not be read or mapped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GtoError {
    #[error("`{location}` is not a Git repository")]
    #[diagnostic(
        code(omgreg::import::gto_not_a_repository),
        help(
            "give the path of the Git repository that holds GTO's tags (bare or not), or a URL `git clone` accepts"
        )
    )]
    NotARepository { location: String },

    #[error("`git clone --mirror {location}` failed: {said}")]
    #[diagnostic(
        code(omgreg::import::gto_clone_failed),
        help(
            "check the URL and your access (`git ls-remote URL` should list the tags); git's credential helpers and ssh configuration are used"
        )
    )]
    CloneFailed { location: String, said: String },

    #[error("GTO stage(s) with no stage of this registry: {}", unmapped.join(", "))]
    #[diagnostic(
        code(omgreg::import::gto_unmapped_stage),
        help(
            "map each with `--stage-map GTO=STAGE` (e.g. `--stage-map {example}`), or add the stage to `omgreg.toml`; this registry's stages: {}",
            configured.join(", ")
        )
    )]
    UnmappedStage {
        /// `` `stage` (tags `a`, `b`) ``.
        unmapped: Vec<String>,
        configured: Vec<String>,
        example: String,
    },

    #[error("`--stage-map {gto}={target}`: `{target}` is not a stage of this registry")]
    #[diagnostic(
        code(omgreg::import::gto_unmapped_stage),
        help("name one of: {}", configured.join(", "))
    )]
    UnknownTargetStage {
        gto: String,
        target: String,
        configured: Vec<String>,
    },

    #[error(
        "GTO stage assignments to commits with no registered version: {}",
        list(tags)
    )]
    #[diagnostic(
        code(omgreg::import::gto_unregistered_version),
        help(
            "GTO names such a version by its commit hash, which is no version in omgreg: register a version at that commit in GTO first (`gto register NAME COMMIT --version vX.Y.Z`), then import again"
        )
    )]
    UnregisteredVersion { tags: Vec<String> },

    #[error(
        "GTO stage assignments to a commit where several versions are registered: {}",
        list(tags)
    )]
    #[diagnostic(
        code(omgreg::import::gto_ambiguous_version),
        help(
            "GTO itself cannot read this registry (`ManyVersions`): deregister all but one version at that commit (`gto deprecate NAME VERSION`), then import again"
        )
    )]
    AmbiguousVersion { tags: Vec<String> },

    #[error("GTO artifact names omgreg cannot map: {}", problems.join("; "))]
    #[diagnostic(
        code(omgreg::import::gto_unmappable_name),
        help(
            "omgreg lowercases a name and turns `dir:`, `/` and other characters into `-` (docs/migrating.md); rename the artifact in GTO, or import into separate registries"
        )
    )]
    UnmappableName { problems: Vec<String> },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] StoreError),
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opens the GTO repository at `location` (a path, or a URL mirrored into
/// `scratch`), with diagnostics that speak of the import source.
pub fn open(location: &str, scratch: &Path) -> Result<SourceRepo, GtoError> {
    SourceRepo::open(location, scratch).map_err(|err| match err {
        StoreError::NotARepository { .. } => GtoError::NotARepository {
            location: location.to_owned(),
        },
        StoreError::Io { what, source, .. } if what == SourceRepo::CLONE_FAILED => {
            GtoError::CloneFailed {
                location: SourceRepo::masked(location),
                said: source.to_string(),
            }
        }
        other => GtoError::Store(other),
    })
}

/// The plan of importing the GTO registry in `repo`; `stages` are the registry's
/// configured stage names.
pub fn plan(
    repo: &SourceRepo,
    stages: &[String],
    options: &GtoOptions,
) -> Result<ImportPlan, GtoError> {
    let tags: Vec<events::RawTag> = repo
        .tags()?
        .into_iter()
        .map(|tag| events::RawTag {
            name: tag.name,
            commit: tag.commit,
            annotated: tag.annotated,
            tagger: tag.tagger.map(|t| Author {
                name: t.name,
                email: t.email,
                time: t.time,
                offset_minutes: t.offset_minutes,
            }),
            message: tag.message,
        })
        .collect();
    let (events, skipped) = events::history(&tags);
    if !skipped.ambiguous.is_empty() {
        return Err(GtoError::AmbiguousVersion {
            tags: skipped.ambiguous,
        });
    }
    let unregistered: Vec<String> = events
        .iter()
        .filter(|e| !e.registered && e.version.is_some())
        .map(|e| e.tag.clone())
        .collect();
    if !unregistered.is_empty() {
        return Err(GtoError::UnregisteredVersion { tags: unregistered });
    }
    let resolved = mapper::Resolved {
        models: map_models(&events)?,
        stages: map_stages(&events, stages, options)?,
    };
    mapper::map(repo, &events, &resolved, skipped.notes)
}

fn map_models(events: &[GtoEvent]) -> Result<BTreeMap<String, String>, GtoError> {
    let mut names: Vec<&str> = events.iter().map(|e| e.artifact.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    map_model_names(names).map_err(|problems| GtoError::UnmappableName { problems })
}

/// GTO stage -> registry stage: `--stage-map` first, then the configured stage of
/// the same name ignoring case.
fn map_stages(
    events: &[GtoEvent],
    stages: &[String],
    options: &GtoOptions,
) -> Result<BTreeMap<String, String>, GtoError> {
    let configured = |name: &str| {
        stages
            .iter()
            .find(|s| s.eq_ignore_ascii_case(name))
            .cloned()
    };
    let mut mapped = BTreeMap::new();
    let mut unmapped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in events {
        let (TagAction::Assign { stage } | TagAction::Unassign { stage }) = &event.action else {
            continue;
        };
        let target = match options.stage_map.get(stage) {
            Some(target) => {
                Some(
                    configured(target).ok_or_else(|| GtoError::UnknownTargetStage {
                        gto: stage.clone(),
                        target: target.clone(),
                        configured: stages.to_vec(),
                    })?,
                )
            }
            None => configured(stage),
        };
        match target {
            Some(target) => {
                mapped.insert(stage.clone(), target);
            }
            None => unmapped
                .entry(stage.clone())
                .or_default()
                .push(event.tag.clone()),
        }
    }
    if unmapped.is_empty() {
        return Ok(mapped);
    }
    let first = unmapped.keys().next().cloned().unwrap_or_default();
    Err(GtoError::UnmappedStage {
        example: format!(
            "{first}={}",
            stages.first().map_or("Staging", String::as_str)
        ),
        unmapped: unmapped
            .into_iter()
            .map(|(stage, tags)| format!("`{stage}` (tags {})", list(&tags)))
            .collect(),
        configured: stages.to_vec(),
    })
}

/// Reads the artifacts a GTO plan names from `repo`: keys are `COMMIT:PATH`.
pub fn opener(repo: &SourceRepo) -> Box<dyn ArtifactOpener + '_> {
    Box::new(GtoOpener { repo })
}

struct GtoOpener<'a> {
    repo: &'a SourceRepo,
}

/// The first line of a Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

impl ArtifactOpener for GtoOpener<'_> {
    fn open(&self, key: &str) -> Result<Box<dyn std::io::Read + Send + '_>, String> {
        let Some((commit, path)) = key.split_once(':') else {
            return Err(format!("`{key}` names no commit"));
        };
        match self.repo.read_file(commit, path) {
            Ok(Some(bytes)) if bytes.starts_with(LFS_POINTER) => Err(format!(
                "`{path}` is a Git LFS pointer in the source repository: its object is not read"
            )),
            Ok(Some(bytes)) => Ok(Box::new(Cursor::new(bytes))),
            Ok(None) => Err(format!("`{path}` is not in the repository at {commit}")),
            Err(err) => Err(err.to_string()),
        }
    }

    fn uri(&self, key: &str) -> String {
        format!("gto:{key}")
    }
}
