//! GTO's events -> an [`ImportPlan`]: one planned event per tag (a deprecation: one
//! per version it archives), replayed under omgreg's rules — a version holds one
//! stage, an exclusive stage one version — so the plan only asks for what omgreg can
//! do at that point, and says in a note what it leaves out.

use std::collections::BTreeMap;

use super::GtoError;
use super::annotations::{self, Annotation};
use super::events::GtoEvent;
use super::tag_name::TagAction;
use crate::import::plan::{
    Author, Fetch, ImportAction, ImportPlan, ImportedArtifact, ImportedVersion, PlannedEvent,
    SourceKind,
};
use crate::schema::ImportedDoc;
use crate::store::SourceRepo;

/// A version of a model as the replay sees it.
struct Slot {
    /// omgreg's version (`1.2.3`).
    version: String,
    archived: bool,
    stage: Option<String>,
}

/// The replay's state: model -> GTO version (`v1.2.3`) -> slot, in registration order.
#[derive(Default)]
struct Replay {
    models: BTreeMap<String, Vec<(String, Slot)>>,
    events: Vec<PlannedEvent>,
    notes: Vec<String>,
}

/// Names and stages resolved before the replay.
pub struct Resolved {
    /// GTO artifact -> omgreg model.
    pub models: BTreeMap<String, String>,
    /// GTO stage -> registry stage.
    pub stages: BTreeMap<String, String>,
}

/// Maps `events` (in GTO's order) to a plan.
pub fn map(
    repo: &SourceRepo,
    events: &[GtoEvent],
    resolved: &Resolved,
    mut notes: Vec<String>,
) -> Result<ImportPlan, GtoError> {
    let mut replay = Replay::default();
    for event in events {
        let model = resolved.models[&event.artifact].clone();
        let author = event.tagger.as_ref().map(|t| Author {
            name: t.name.clone(),
            email: t.email.clone(),
            time: t.time,
            offset_minutes: t.offset_minutes,
        });
        if author.is_none() {
            replay.notes.push(format!(
                "`{}` has no tagger: its commit is authored by the importer, now",
                event.tag
            ));
        }
        match &event.action {
            TagAction::Register { version } => {
                let imported = registration(repo, event, &model, version, &mut replay.notes)?;
                replay.register(event, author, imported);
            }
            TagAction::Deregister { version } => replay.deregister(event, author, &model, version),
            TagAction::Assign { stage } => {
                replay.assign(event, author, &model, &resolved.stages[stage]);
            }
            TagAction::Unassign { stage } => {
                replay.unassign(event, author, &model, &resolved.stages[stage]);
            }
            TagAction::Deprecate => replay.deprecate(event, author.as_ref(), &model),
            TagAction::Create => {}
        }
    }
    notes.append(&mut replay.notes);
    Ok(ImportPlan {
        source: SourceKind::Gto,
        location: repo.location().to_owned(),
        events: replay.events,
        notes,
        has_transition_history: true,
    })
}

impl Replay {
    fn slot(&mut self, model: &str, version: &str) -> Option<&mut Slot> {
        self.models
            .get_mut(model)?
            .iter_mut()
            .find(|(v, _)| v == version)
            .map(|(_, slot)| slot)
    }

    fn push(&mut self, id: String, author: Option<Author>, action: ImportAction) {
        self.events.push(PlannedEvent { id, author, action });
    }

    fn register(&mut self, event: &GtoEvent, author: Option<Author>, imported: ImportedVersion) {
        let model = imported.model.clone();
        let gto_version = imported.imported.version.clone();
        if self.slot(&model, &gto_version).is_some() {
            self.notes.push(format!(
                "`{}` registers `{gto_version}` of `{}` again: omgreg registers a version once, \
                 the tag is skipped",
                event.tag, event.artifact
            ));
            return;
        }
        let slot = Slot {
            version: imported.version.clone(),
            archived: false,
            stage: None,
        };
        self.models
            .entry(model)
            .or_default()
            .push((gto_version, slot));
        self.push(
            event.tag.clone(),
            author,
            ImportAction::Register(Box::new(imported)),
        );
    }

    fn deregister(&mut self, event: &GtoEvent, author: Option<Author>, model: &str, v: &str) {
        let Some(slot) = self.slot(model, v).filter(|slot| !slot.archived) else {
            self.notes.push(format!(
                "`{}` deregisters `{v}` of `{}`, which is not an active version: skipped",
                event.tag, event.artifact
            ));
            return;
        };
        slot.archived = true;
        slot.stage = None;
        let version = slot.version.clone();
        let reason = reason(&format!("deregistered in GTO (`{}`)", event.tag), event);
        self.push(
            event.tag.clone(),
            author,
            ImportAction::Archive {
                model: model.to_owned(),
                version,
                reason,
            },
        );
    }

    fn assign(&mut self, event: &GtoEvent, author: Option<Author>, model: &str, stage: &str) {
        let gto_version = event.version.clone().unwrap_or_default();
        let Some(slot) = self.slot(model, &gto_version) else {
            // GTO finds the version registered at the commit whenever it was
            // registered; omgreg replays in time order.
            self.notes.push(format!(
                "`{}` assigns `{stage}` to `{gto_version}` of `{}` before that version's \
                 registration: omgreg cannot promote what is not registered yet, the tag is \
                 skipped",
                event.tag, event.artifact
            ));
            return;
        };
        if slot.archived {
            self.notes.push(format!(
                "`{}` assigns `{stage}` to `{gto_version}` of `{}`, which is archived (deregistered \
                 or deprecated): an archived version holds no stage in omgreg, the tag is skipped",
                event.tag, event.artifact
            ));
            return;
        }
        if slot.stage.as_deref() == Some(stage) {
            self.notes.push(format!(
                "`{}` assigns `{stage}` to `{gto_version}` of `{}`, which holds it already: \
                 nothing to commit, the tag is skipped",
                event.tag, event.artifact
            ));
            return;
        }
        let version = slot.version.clone();
        // The stage is exclusive: whoever held it goes back to no stage.
        for (_, other) in self.models.get_mut(model).into_iter().flatten() {
            if other.stage.as_deref() == Some(stage) {
                other.stage = None;
            }
        }
        if let Some(slot) = self.slot(model, &gto_version) {
            slot.stage = Some(stage.to_owned());
        }
        self.push(
            event.tag.clone(),
            author,
            ImportAction::Assign {
                model: model.to_owned(),
                version,
                stage: Some(stage.to_owned()),
            },
        );
    }

    fn unassign(&mut self, event: &GtoEvent, author: Option<Author>, model: &str, stage: &str) {
        let gto_version = event.version.clone().unwrap_or_default();
        let holds = self
            .slot(model, &gto_version)
            .filter(|slot| slot.stage.as_deref() == Some(stage));
        let Some(slot) = holds else {
            self.notes.push(format!(
                "`{}` unassigns `{stage}` from `{gto_version}` of `{}`, which does not hold it in \
                 omgreg at that point (a version holds one stage, a stage one version): skipped",
                event.tag, event.artifact
            ));
            return;
        };
        slot.stage = None;
        let version = slot.version.clone();
        self.push(
            event.tag.clone(),
            author,
            ImportAction::Assign {
                model: model.to_owned(),
                version,
                stage: None,
            },
        );
    }

    fn deprecate(&mut self, event: &GtoEvent, author: Option<&Author>, model: &str) {
        let active: Vec<String> = self
            .models
            .get(model)
            .into_iter()
            .flatten()
            .filter(|(_, slot)| !slot.archived)
            .map(|(v, _)| v.clone())
            .collect();
        if active.is_empty() {
            self.notes.push(format!(
                "`{}` deprecates `{}`, which has no active version in omgreg: nothing to archive",
                event.tag, event.artifact
            ));
            return;
        }
        self.notes.push(format!(
            "`{}` deprecates `{}`: its {} active version(s) are archived, one commit each",
            event.tag,
            event.artifact,
            active.len()
        ));
        let reason = reason(
            &format!("artifact deprecated in GTO (`{}`)", event.tag),
            event,
        );
        for gto_version in active {
            let Some(slot) = self.slot(model, &gto_version) else {
                continue;
            };
            slot.archived = true;
            slot.stage = None;
            let version = slot.version.clone();
            self.push(
                format!("{}:{version}", event.tag),
                author.cloned(),
                ImportAction::Archive {
                    model: model.to_owned(),
                    version,
                    reason: reason.clone(),
                },
            );
        }
    }
}

/// `what`, and the tag's message when someone wrote one (not GTO's default).
fn reason(what: &str, event: &GtoEvent) -> String {
    let default = event.message.is_empty()
        || event.message.starts_with("Deregistering artifact")
        || event.message.starts_with("Deprecating artifact");
    if default {
        what.to_owned()
    } else {
        format!("{what}: {}", event.message)
    }
}

/// The version a registration brings: its annotation at the registered commit.
fn registration(
    repo: &SourceRepo,
    event: &GtoEvent,
    model: &str,
    gto_version: &str,
    notes: &mut Vec<String>,
) -> Result<ImportedVersion, GtoError> {
    let annotation = match annotations::find(repo, &event.commit, &event.artifact)? {
        Ok(found) => found.unwrap_or_default(),
        Err(why) => {
            notes.push(format!(
                "`{}`: the annotations at {} cannot be read ({why}); the version is imported \
                 without description, tags or artifacts",
                event.tag, event.commit
            ));
            Annotation::default()
        }
    };
    let mut tags = BTreeMap::new();
    if let Some(kind) = &annotation.kind {
        tags.insert("type".to_owned(), kind.clone());
    }
    if !annotation.labels.is_empty() {
        tags.insert("labels".to_owned(), annotation.labels.join(","));
    }
    for (key, value) in &annotation.meta {
        tags.insert(format!("meta.{key}"), value.clone());
    }
    Ok(ImportedVersion {
        model: model.to_owned(),
        version: gto_version.trim_start_matches('v').to_owned(),
        description: annotation.description.clone(),
        tags,
        artifacts: artifacts(repo, &event.commit, &annotation)?,
        imported: ImportedDoc {
            from: SourceKind::Gto.as_str().to_owned(),
            id: event.tag.clone(),
            version: gto_version.to_owned(),
            commit: Some(event.commit.clone()),
            ..ImportedDoc::default()
        },
        ..ImportedVersion::default()
    })
}

/// The annotation's path at `commit`: a file, every file of a folder, or one
/// unreadable location when Git does not have it.
fn artifacts(
    repo: &SourceRepo,
    commit: &str,
    annotation: &Annotation,
) -> Result<Vec<ImportedArtifact>, GtoError> {
    let path = match &annotation.path {
        None => return Ok(Vec::new()),
        Some(Ok(path)) => path,
        Some(Err(raw)) => {
            let name = raw
                .rsplit('/')
                .find(|p| !p.is_empty())
                .unwrap_or("artifact");
            let (uri, reason) = if raw.contains("://") {
                (raw.clone(), "not a path in the repository".to_owned())
            } else {
                (
                    format!("gto:{commit}:{raw}"),
                    "the path leaves the repository".to_owned(),
                )
            };
            return Ok(vec![ImportedArtifact {
                path: name.to_owned(),
                fetch: Fetch::Unreadable { uri, reason },
            }]);
        }
    };
    let base = path.rsplit('/').next().unwrap_or(path);
    if repo.is_dir(commit, path)? {
        let files = repo.list_files(commit, path)?;
        return Ok(files
            .into_iter()
            .map(|file| ImportedArtifact {
                path: format!("{base}/{}", &file[path.len() + 1..]),
                fetch: Fetch::Read {
                    key: format!("{commit}:{file}"),
                },
            })
            .collect());
    }
    if repo.is_file(commit, path)? {
        return Ok(vec![ImportedArtifact {
            path: base.to_owned(),
            fetch: Fetch::Read {
                key: format!("{commit}:{path}"),
            },
        }]);
    }
    let reason = if repo.is_file(commit, &format!("{path}.dvc"))? {
        format!("tracked by DVC (`{path}.dvc`): the data is in DVC's cache or remote, not in Git")
    } else {
        format!("`{path}` is not in the repository at {commit} (a DVC output, or never committed)")
    };
    Ok(vec![ImportedArtifact {
        path: base.to_owned(),
        fetch: Fetch::Unreadable {
            uri: format!("gto:{commit}:{path}"),
            reason,
        },
    }])
}
