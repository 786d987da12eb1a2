//! The result of an action: the files to write and the event to record.

use std::fmt;

use super::{Digest, ModelName, VersionId};

/// What happens to one file of the registry.
#[derive(Debug, Clone, PartialEq)]
pub enum FileChange {
    /// Write these bytes as a regular file.
    Write(Vec<u8>),
    /// Write a Git LFS pointer to an object already in the local LFS store.
    LfsPointer { sha256: Digest, size: u64 },
    /// Remove the file.
    Remove,
}

/// A pointer in `stages.yaml`: a stage (configured spelling) or an alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    Stage(String),
    Alias(String),
}

impl Slot {
    pub fn name(&self) -> &str {
        match self {
            Self::Stage(name) | Self::Alias(name) => name,
        }
    }

    /// The trailer naming this slot: `Omgreg-Stage` or `Omgreg-Alias`.
    pub fn trailer_key(&self) -> &'static str {
        match self {
            Self::Stage(_) => "Omgreg-Stage",
            Self::Alias(_) => "Omgreg-Alias",
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stage(name) => write!(f, "stage `{name}`"),
            Self::Alias(name) => write!(f, "alias `{name}`"),
        }
    }
}

/// One version entering a stage, as part of a promotion.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMove {
    pub model: ModelName,
    pub version: VersionId,
    pub stage: String,
    /// The stage the version left, if it held one.
    pub from: Option<String>,
    /// The version the promotion pushed out of an exclusive stage.
    pub replaced: Option<VersionId>,
    /// Whether the replaced version was archived (`on_replace = "archive"`).
    pub replaced_archived: bool,
}

/// What an action did, in domain terms; the source of commit trailers and, later,
/// notifications.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Initialized {
        name: String,
    },
    Registered {
        model: ModelName,
        version: VersionId,
    },
    Promoted {
        moves: Vec<StageMove>,
    },
    AliasSet {
        model: ModelName,
        alias: String,
        version: VersionId,
        previous: Option<VersionId>,
    },
    AliasRemoved {
        model: ModelName,
        alias: String,
        version: VersionId,
    },
    Archived {
        model: ModelName,
        version: VersionId,
        reason: String,
        cleared: Vec<Slot>,
    },
    Unarchived {
        model: ModelName,
        version: VersionId,
    },
    /// An OMS signature bundle was written for a version's artifacts (`omgreg sign`).
    Signed {
        model: ModelName,
        version: VersionId,
    },
    /// A version left `stage` for the implicit `None` (it stays active).
    Demoted {
        model: ModelName,
        version: VersionId,
        stage: String,
    },
    RolledBack {
        model: ModelName,
        slot: Slot,
        from: Option<VersionId>,
        to: VersionId,
    },
    /// A commit replayed on top of a remote by `pull` (its message is kept).
    Replayed {
        models: Vec<ModelName>,
    },
    /// Model cards and endpoint manifests brought up to date (`omgreg render`).
    Rendered {
        models: Vec<ModelName>,
    },
    /// One event of another registry brought in by `omgreg import`: `from` is the
    /// tool (`mlflow`, `gto`), `id` the source's id of the event (recorded in the
    /// `Omgreg-Source` trailer so a second import skips it), `summary` what it did.
    Imported {
        from: String,
        id: String,
        summary: String,
        model: ModelName,
        version: Option<VersionId>,
        slots: Vec<Slot>,
    },
}

impl Event {
    /// The `Omgreg-Action` trailer value.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Initialized { .. } => "init",
            Self::Registered { .. } => "register",
            Self::Promoted { .. } => "promote",
            Self::AliasSet { .. } => "alias-set",
            Self::AliasRemoved { .. } => "alias-rm",
            Self::Archived { .. } => "archive",
            Self::Unarchived { .. } => "unarchive",
            Self::Signed { .. } => "sign",
            Self::Demoted { .. } => "demote",
            Self::RolledBack { .. } => "rollback",
            Self::Replayed { .. } => "replay",
            Self::Rendered { .. } => "render",
            Self::Imported { .. } => "import",
        }
    }

    /// The one-line commit subject.
    pub fn subject(&self) -> String {
        match self {
            Self::Initialized { name } if name.is_empty() => "init registry".to_owned(),
            Self::Initialized { name } => format!("init registry {name}"),
            Self::Rendered { models } if models.len() == 1 => {
                format!("render the model card and endpoints of {}", models[0])
            }
            Self::Rendered { .. } => "render model cards and endpoints".to_owned(),
            Self::Imported {
                from, id, summary, ..
            } => format!("import {from} {id}: {summary}"),
            Self::Replayed { models } => {
                let names: Vec<String> = models.iter().map(ToString::to_string).collect();
                format!("replay {}", names.join(", "))
            }
            Self::Registered { model, version } => format!("register {model}@{version}"),
            Self::Promoted { moves } => {
                let what: Vec<String> = moves
                    .iter()
                    .map(|m| format!("{}@{}", m.model, m.version))
                    .collect();
                let stages: Vec<&str> = moves.iter().map(|m| m.stage.as_str()).collect();
                let stage = if stages.windows(2).all(|w| w[0] == w[1]) {
                    stages.first().copied().unwrap_or_default().to_owned()
                } else {
                    "stages".to_owned()
                };
                format!("promote {} to {stage}", what.join(", "))
            }
            Self::AliasSet {
                model,
                alias,
                version,
                ..
            } => format!("set alias {model}@{alias} -> {version}"),
            Self::AliasRemoved { model, alias, .. } => format!("remove alias {model}@{alias}"),
            Self::Archived { model, version, .. } => format!("archive {model}@{version}"),
            Self::Unarchived { model, version } => format!("unarchive {model}@{version}"),
            Self::Signed { model, version } => format!("sign the artifacts of {model}@{version}"),
            Self::Demoted {
                model,
                version,
                stage,
            } => format!("demote {model}@{version} from {stage}"),
            Self::RolledBack {
                model, slot, to, ..
            } => format!("roll back {model} {} to {to}", slot.name()),
        }
    }

    /// `Omgreg-*` trailers, in a fixed order; groups repeat for multi-model actions.
    pub fn trailers(&self) -> Vec<(&'static str, String)> {
        let mut trailers = vec![("Omgreg-Action", self.action().to_owned())];
        let mut push = |key: &'static str, value: String| trailers.push((key, value));
        match self {
            Self::Initialized { .. } | Self::Replayed { .. } | Self::Rendered { .. } => {}
            Self::Registered { model, version }
            | Self::Unarchived { model, version }
            | Self::Signed { model, version } => {
                push("Omgreg-Model", model.to_string());
                push("Omgreg-Version", version.to_string());
            }
            Self::Archived {
                model,
                version,
                cleared,
                ..
            } => version_trailers(&mut push, model, Some(version), cleared),
            Self::Demoted {
                model,
                version,
                stage,
            } => {
                let left = [Slot::Stage(stage.clone())];
                version_trailers(&mut push, model, Some(version), &left);
            }
            Self::Promoted { moves } => {
                for m in moves {
                    push("Omgreg-Model", m.model.to_string());
                    push("Omgreg-Version", m.version.to_string());
                    push("Omgreg-Stage", m.stage.clone());
                    if let Some(replaced) = &m.replaced {
                        push("Omgreg-Previous", replaced.to_string());
                    }
                }
            }
            Self::AliasSet {
                model,
                alias,
                version,
                previous,
            } => {
                push("Omgreg-Model", model.to_string());
                push("Omgreg-Version", version.to_string());
                push("Omgreg-Alias", alias.clone());
                if let Some(previous) = previous {
                    push("Omgreg-Previous", previous.to_string());
                }
            }
            Self::AliasRemoved {
                model,
                alias,
                version,
            } => {
                push("Omgreg-Model", model.to_string());
                push("Omgreg-Alias", alias.clone());
                push("Omgreg-Previous", version.to_string());
            }
            Self::RolledBack {
                model,
                slot,
                from,
                to,
            } => {
                push("Omgreg-Model", model.to_string());
                push("Omgreg-Version", to.to_string());
                push(slot.trailer_key(), slot.name().to_owned());
                if let Some(from) = from {
                    push("Omgreg-Previous", from.to_string());
                }
            }
            Self::Imported {
                from,
                id,
                model,
                version,
                slots,
                ..
            } => imported_trailers(&mut push, (from, id), model, version.as_ref(), slots),
        }
        trailers
    }

    /// The models this event touches.
    pub fn models(&self) -> Vec<&ModelName> {
        match self {
            Self::Initialized { .. } => Vec::new(),
            Self::Replayed { models } | Self::Rendered { models } => models.iter().collect(),
            Self::Promoted { moves } => moves.iter().map(|m| &m.model).collect(),
            Self::Registered { model, .. }
            | Self::AliasSet { model, .. }
            | Self::AliasRemoved { model, .. }
            | Self::Archived { model, .. }
            | Self::Unarchived { model, .. }
            | Self::Signed { model, .. }
            | Self::Demoted { model, .. }
            | Self::RolledBack { model, .. }
            | Self::Imported { model, .. } => vec![model],
        }
    }
}

/// The trailers of an imported event after `Omgreg-Action`.
fn imported_trailers(
    push: &mut impl FnMut(&'static str, String),
    (from, id): (&str, &str),
    model: &ModelName,
    version: Option<&VersionId>,
    slots: &[Slot],
) {
    version_trailers(push, model, version, slots);
    push("Omgreg-Source", format!("{from} {id}"));
}

/// `Omgreg-Model`, `Omgreg-Version` (when given), then one `Omgreg-Stage` or
/// `Omgreg-Alias` per slot.
fn version_trailers(
    push: &mut impl FnMut(&'static str, String),
    model: &ModelName,
    version: Option<&VersionId>,
    slots: &[Slot],
) {
    push("Omgreg-Model", model.to_string());
    if let Some(version) = version {
        push("Omgreg-Version", version.to_string());
    }
    for slot in slots {
        push(slot.trailer_key(), slot.name().to_owned());
    }
}

/// A change set: applied by the store as one commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Registry-relative path to change, in the order given.
    pub files: Vec<(String, FileChange)>,
    pub event: Event,
    /// Free text from `-m`, placed between subject and trailers.
    pub message: Option<String>,
}

impl Change {
    /// The full commit message: subject, optional body, trailers.
    pub fn commit_message(&self) -> String {
        let mut message = self.event.subject();
        message.push_str("\n\n");
        if let Some(body) = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            message.push_str(body);
            message.push_str("\n\n");
        }
        for (key, value) in self.event.trailers() {
            message.push_str(&format!("{key}: {value}\n"));
        }
        message
    }

    /// Sets `path` to `file`, replacing an earlier entry for the same path.
    pub fn put(&mut self, path: String, file: FileChange) {
        match self
            .files
            .iter_mut()
            .find(|(existing, _)| *existing == path)
        {
            Some(entry) => entry.1 = file,
            None => self.files.push((path, file)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_message_ends_with_trailers() {
        let change = Change {
            files: vec![],
            event: Event::Registered {
                model: "churn".parse().unwrap(),
                version: "1.0.0".parse().unwrap(),
            },
            message: Some("retrained on May data".into()),
        };
        assert_eq!(
            change.commit_message(),
            "register churn@1.0.0\n\nretrained on May data\n\n\
             Omgreg-Action: register\nOmgreg-Model: churn\nOmgreg-Version: 1.0.0\n"
        );
    }

    #[test]
    fn multi_model_promotion_repeats_trailer_groups() {
        let stage_move = |model: &str, version: &str| StageMove {
            model: model.parse().unwrap(),
            version: version.parse().unwrap(),
            stage: "Production".into(),
            from: Some("Staging".into()),
            replaced: None,
            replaced_archived: false,
        };
        let event = Event::Promoted {
            moves: vec![stage_move("a", "1.2.0"), stage_move("b", "3.0.0")],
        };
        assert_eq!(event.subject(), "promote a@1.2.0, b@3.0.0 to Production");
        let keys: Vec<_> = event.trailers().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys.iter().filter(|k| **k == "Omgreg-Model").count(), 2);
    }
}
