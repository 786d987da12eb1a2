//! What an import brings, source-independent: events in the order they are to be
//! committed, each with its original author and time and the source's id of it.
//!
//! A reader turns another tool's store into plain values; its mapper turns those into
//! an [`ImportPlan`]; `ops::import` applies the plan to the registry, skipping what a
//! previous import already brought, as one commit per event. Nothing here does I/O.

use std::collections::BTreeMap;

use crate::schema::{ImportedDoc, ParamValue};

/// Which tool a plan comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Mlflow,
    Gto,
}

impl SourceKind {
    /// As written in `imported.from` and in the `Omgreg-Source` trailer.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mlflow => "mlflow",
            Self::Gto => "gto",
        }
    }
}

/// Who did something in the source, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// The author's UTC offset, in minutes.
    pub offset_minutes: i32,
}

/// Everything one import would bring, in commit order.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub source: SourceKind,
    /// The source as given (credentials removed): for the commit bodies and reports.
    pub location: String,
    pub events: Vec<PlannedEvent>,
    /// What the mapper left out and why (deleted versions, unreachable runs): shown to
    /// the user, never silently dropped.
    pub notes: Vec<String>,
    /// Whether the source keeps a history of stage and alias moves. MLflow's does not:
    /// its current stages and aliases are one final event, and the report says so.
    pub has_transition_history: bool,
}

/// One event of the source, to become one commit.
#[derive(Debug, Clone)]
pub struct PlannedEvent {
    /// The source's id of the event (a GTO tag name, `churn/3` for an MLflow version,
    /// `churn:stages` for MLflow's final state): recorded in the commit's
    /// `Omgreg-Source` trailer so a second import skips it.
    pub id: String,
    /// Who did it in the source, and when; `None` for what the source keeps no author
    /// of (MLflow's current stages): the importer, now.
    pub author: Option<Author>,
    pub action: ImportAction,
}

impl PlannedEvent {
    /// Whether the event happens once, so that an import that finds its id recorded
    /// skips it (registrations, GTO's tags); a state (MLflow's stages, a model's
    /// description) is compared with the registry's instead, and only a difference
    /// is committed.
    pub fn once(&self) -> bool {
        !matches!(
            self.action,
            ImportAction::State { .. } | ImportAction::ModelMeta { .. }
        )
    }
}

/// What an event does in omgreg's terms. Model and version names are already
/// mapped to omgreg's rules; stages are the registry's configured spelling.
#[derive(Debug, Clone)]
pub enum ImportAction {
    /// A new version, with its record's details and its artifacts.
    Register(Box<ImportedVersion>),
    /// The version enters `stage` (leaving any stage it held); `None` for leaving the
    /// stage it holds without entering another.
    Assign {
        model: String,
        version: String,
        stage: Option<String>,
    },
    /// `alias` points at `version`; `None` removes the alias.
    Alias {
        model: String,
        alias: String,
        version: Option<String>,
    },
    /// The version is archived (a GTO deregistration, an MLflow `Archived` stage).
    Archive {
        model: String,
        version: String,
        reason: String,
    },
    /// Several moves of one model that the source shows as one state (MLflow's stages
    /// and aliases): applied together as one commit.
    State {
        model: String,
        stages: BTreeMap<String, Option<String>>,
        aliases: BTreeMap<String, Option<String>>,
        archive: Vec<String>,
    },
    /// The model's description and tags (`model.yaml`).
    ModelMeta {
        model: String,
        description: Option<String>,
        tags: BTreeMap<String, String>,
    },
}

impl ImportAction {
    /// The model the action concerns.
    pub fn model(&self) -> &str {
        match self {
            Self::Register(version) => &version.model,
            Self::Assign { model, .. }
            | Self::Alias { model, .. }
            | Self::Archive { model, .. }
            | Self::State { model, .. }
            | Self::ModelMeta { model, .. } => model,
        }
    }
}

/// A version as the source describes it.
#[derive(Debug, Clone, Default)]
pub struct ImportedVersion {
    pub model: String,
    /// The SemVer omgreg registers it as.
    pub version: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub params: BTreeMap<String, ParamValue>,
    /// The Git commit of the training code, when the source knows it.
    pub code_commit: Option<String>,
    pub artifacts: Vec<ImportedArtifact>,
    /// Provenance: source, ids, original version; `unverified` is filled by the
    /// importer from the artifacts it could not read.
    pub imported: ImportedDoc,
}

/// One artifact of an imported version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedArtifact {
    /// Path below the version's `artifacts/` folder.
    pub path: String,
    pub fetch: Fetch,
}

/// How an artifact's bytes are had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// Read through the source's [`ArtifactOpener`] under this key.
    Read { key: String },
    /// Not readable from here: recorded by location, the version left unverified.
    Unreadable { uri: String, reason: String },
}

/// Opens artifact bytes for the importer (implemented by each source).
pub trait ArtifactOpener {
    /// A reader of the artifact named `key`; `Err` with the reason when it cannot be
    /// read (the artifact is then recorded as unverified, by `uri`).
    fn open(&self, key: &str) -> Result<Box<dyn std::io::Read + Send + '_>, String>;

    /// The location to record when `key` cannot be read.
    fn uri(&self, key: &str) -> String;
}

/// An opener for sources without readable artifacts.
pub struct NoArtifacts;

impl ArtifactOpener for NoArtifacts {
    fn open(&self, key: &str) -> Result<Box<dyn std::io::Read + Send + '_>, String> {
        Err(format!("`{key}` cannot be read from this source"))
    }

    fn uri(&self, key: &str) -> String {
        key.to_owned()
    }
}

/// Maps a source's model name to omgreg's rules (lowercase ASCII letters, digits,
/// `-`, `_`, `.`, starting with a letter or digit): letters are lowercased, every run
/// of other characters (spaces, `/`, `:`, `-`) becomes one `-`, a run of dots one
/// dot; leading and trailing `-`, `.` and `_` are dropped. `None` when nothing is
/// left.
pub fn map_model_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            // `..` is refused in names: a run of dots is one.
            if !(c == '.' && out.ends_with('.')) {
                out.push(c.to_ascii_lowercase());
            }
        } else {
            pending_dash = true;
        }
    }
    let out = out.trim_matches(['-', '.', '_']).to_owned();
    (!out.is_empty()).then_some(out)
}

/// Maps every name of `names` with [`map_model_name`], refusing two source names that
/// land on the same omgreg name (and names that map to nothing): the `Err` lists
/// each problem as a sentence.
pub fn map_model_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut mapped: BTreeMap<String, String> = BTreeMap::new();
    let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for name in names {
        match map_model_name(name) {
            Some(target) => {
                by_target
                    .entry(target.clone())
                    .or_default()
                    .push(name.to_owned());
                mapped.insert(name.to_owned(), target);
            }
            None => problems.push(format!(
                "`{name}` has no letter or digit omgreg could keep in a model name"
            )),
        }
    }
    for (target, sources) in by_target {
        if sources.len() > 1 {
            problems.push(format!(
                "{} would all become `{target}`",
                sources
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Ok(mapped)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercased_and_runs_of_other_characters_become_one_dash() {
        assert_eq!(
            map_model_name("Churn Model").as_deref(),
            Some("churn-model")
        );
        assert_eq!(
            map_model_name("team/nlp:Sentiment").as_deref(),
            Some("team-nlp-sentiment")
        );
        assert_eq!(map_model_name("  a -- b  ").as_deref(), Some("a-b"));
        assert_eq!(map_model_name("fraud_v2.1").as_deref(), Some("fraud_v2.1"));
        assert_eq!(map_model_name("--- ").as_deref(), None);
    }

    #[test]
    fn collisions_are_refused_naming_every_source() {
        let problems = map_model_names(["Churn", "churn", "other"]).unwrap_err();
        assert_eq!(problems, vec!["`Churn`, `churn` would all become `churn`"]);
        let ok = map_model_names(["A B", "c"]).unwrap();
        assert_eq!(ok["A B"], "a-b");
    }
}
