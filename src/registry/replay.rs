//! `pull` replays actions, not files: the registry action a commit's events stand for,
//! and that action re-run on another state (the remote's tip) with its preconditions
//! checked again.
//!
//! A commit maps to an action when its `Omgreg-Action` trailer and the events derived
//! from its tree change (as `history` derives them) agree; anything else is a hand edit,
//! replayed as files by the caller. Pure: no I/O; the caller reads the snapshots.

use std::fmt;

use super::{
    EventKind, ModelEvent, ModelName, RegistryError, Slot, SlotConflict, VersionId, stages_file,
    version_file,
};

/// One version entering a stage, as a local promotion did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayMove {
    pub model: ModelName,
    pub version: VersionId,
    /// The stage as written in `stages.yaml`.
    pub stage: String,
}

/// A registry action recovered from a commit's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayAction {
    Register {
        model: ModelName,
        version: VersionId,
    },
    Promote {
        moves: Vec<ReplayMove>,
    },
    /// `force`: the local archive also cleared the stages and aliases the version held.
    Archive {
        model: ModelName,
        version: VersionId,
        force: bool,
    },
    Unarchive {
        model: ModelName,
        version: VersionId,
    },
    SetAlias {
        model: ModelName,
        alias: String,
        version: VersionId,
    },
    RemoveAlias {
        model: ModelName,
        alias: String,
    },
    Rollback {
        model: ModelName,
        slot: Slot,
        to: VersionId,
    },
    /// `stage`: the stage the version left for `None`.
    Demote {
        model: ModelName,
        version: VersionId,
        stage: String,
    },
}

impl ReplayAction {
    /// The models the action touches.
    pub fn models(&self) -> Vec<&ModelName> {
        match self {
            Self::Promote { moves } => moves.iter().map(|m| &m.model).collect(),
            Self::Register { model, .. }
            | Self::Archive { model, .. }
            | Self::Unarchive { model, .. }
            | Self::SetAlias { model, .. }
            | Self::RemoveAlias { model, .. }
            | Self::Demote { model, .. }
            | Self::Rollback { model, .. } => vec![model],
        }
    }

    /// The stages and aliases the action moves.
    pub fn slots(&self) -> Vec<Slot> {
        match self {
            Self::Promote { moves } => moves.iter().map(|m| Slot::Stage(m.stage.clone())).collect(),
            Self::SetAlias { alias, .. } | Self::RemoveAlias { alias, .. } => {
                vec![Slot::Alias(alias.clone())]
            }
            Self::Rollback { slot, .. } => vec![slot.clone()],
            Self::Demote { stage, .. } => vec![Slot::Stage(stage.clone())],
            Self::Register { .. } | Self::Archive { .. } | Self::Unarchive { .. } => Vec::new(),
        }
    }

    /// The file the action's preconditions are read from: the version file, or the
    /// model's `stages.yaml` for moves of stages and aliases.
    pub fn main_file(&self) -> String {
        match self {
            Self::Register { model, version }
            | Self::Archive { model, version, .. }
            | Self::Unarchive { model, version } => version_file(model, version),
            Self::Promote { moves } => moves
                .first()
                .map_or_else(String::new, |m| stages_file(&m.model)),
            Self::SetAlias { model, .. }
            | Self::RemoveAlias { model, .. }
            | Self::Demote { model, .. }
            | Self::Rollback { model, .. } => stages_file(model),
        }
    }

    /// The versions the action is about (for naming what the other side did to them).
    pub fn versions(&self) -> Vec<&VersionId> {
        match self {
            Self::Promote { moves } => moves.iter().map(|m| &m.version).collect(),
            Self::Register { version, .. }
            | Self::Archive { version, .. }
            | Self::Unarchive { version, .. }
            | Self::SetAlias { version, .. }
            | Self::Demote { version, .. } => vec![version],
            Self::Rollback { to, .. } => vec![to],
            Self::RemoveAlias { .. } => Vec::new(),
        }
    }
}

/// The action a commit made, from its `Omgreg-Action` trailer and its derived events
/// (model, event); `None` when they do not describe exactly one action (a hand edit).
pub fn action_of(
    trailer: Option<&str>,
    events: &[(ModelName, ModelEvent)],
) -> Option<ReplayAction> {
    let only = |kind: EventKind| match events {
        [(model, event)] if event.kind == kind => Some((model.clone(), event)),
        _ => None,
    };
    let version = |event: &ModelEvent| event.version.parse::<VersionId>().ok();
    match trailer? {
        "register" => only(EventKind::Registered).and_then(|(model, event)| {
            Some(ReplayAction::Register {
                model,
                version: version(event)?,
            })
        }),
        "unarchive" => only(EventKind::Unarchived).and_then(|(model, event)| {
            Some(ReplayAction::Unarchive {
                model,
                version: version(event)?,
            })
        }),
        "alias-set" => only(EventKind::AliasSet).and_then(|(model, event)| {
            Some(ReplayAction::SetAlias {
                model,
                alias: alias_of(event)?,
                version: version(event)?,
            })
        }),
        "alias-rm" => only(EventKind::AliasRemoved).and_then(|(model, event)| {
            Some(ReplayAction::RemoveAlias {
                model,
                alias: alias_of(event)?,
            })
        }),
        "rollback" => only(EventKind::RolledBack).and_then(|(model, event)| {
            Some(ReplayAction::Rollback {
                model,
                slot: event.slot.clone()?,
                to: version(event)?,
            })
        }),
        "demote" => only(EventKind::Unassigned).and_then(|(model, event)| {
            let Some(Slot::Stage(stage)) = &event.slot else {
                return None;
            };
            Some(ReplayAction::Demote {
                model,
                version: version(event)?,
                stage: stage.clone(),
            })
        }),
        "archive" => archive_of(events),
        "promote" => promote_of(events),
        _ => None,
    }
}

fn alias_of(event: &ModelEvent) -> Option<String> {
    match &event.slot {
        Some(Slot::Alias(alias)) => Some(alias.clone()),
        _ => None,
    }
}

/// One `archived` event, with the stages and aliases the version left (`--force`).
fn archive_of(events: &[(ModelName, ModelEvent)]) -> Option<ReplayAction> {
    let [(model, archived), cleared @ ..] = events else {
        return None;
    };
    let all_cleared = cleared.iter().all(|(m, e)| {
        m == model
            && e.version == archived.version
            && matches!(e.kind, EventKind::Unassigned | EventKind::AliasRemoved)
    });
    if archived.kind != EventKind::Archived || !all_cleared {
        return None;
    }
    Some(ReplayAction::Archive {
        model: model.clone(),
        version: archived.version.parse().ok()?,
        force: !cleared.is_empty(),
    })
}

/// `promoted` events (one per model), with the replaced versions that were archived
/// (`on_replace = "archive"`) and the aliases those lost.
fn promote_of(events: &[(ModelName, ModelEvent)]) -> Option<ReplayAction> {
    let mut moves: Vec<ReplayMove> = Vec::new();
    for (model, event) in events.iter().filter(|(_, e)| e.kind == EventKind::Promoted) {
        let Some(Slot::Stage(stage)) = &event.slot else {
            return None;
        };
        if moves.iter().any(|m| &m.model == model) {
            return None;
        }
        moves.push(ReplayMove {
            model: model.clone(),
            version: event.version.parse().ok()?,
            stage: stage.clone(),
        });
    }
    let replaced = |model: &ModelName, version: &str| {
        events.iter().any(|(m, e)| {
            m == model && e.kind == EventKind::Promoted && e.previous.as_deref() == Some(version)
        })
    };
    let explained = events.iter().all(|(model, event)| match event.kind {
        EventKind::Promoted => true,
        EventKind::Archived | EventKind::AliasRemoved => replaced(model, &event.version),
        _ => false,
    });
    (explained && !moves.is_empty()).then_some(ReplayAction::Promote { moves })
}

/// Why a local action cannot be replayed on the remote's state.
#[derive(Debug)]
pub enum ReplayRefusal {
    /// A stage or alias the action moves was moved on the remote meanwhile.
    SlotMoved {
        path: String,
        conflict: SlotConflict,
    },
    /// The action's preconditions no longer hold on the remote's state (`path`: the
    /// file of the registry the action reads them from).
    Refused { path: String, error: RegistryError },
}

impl ReplayRefusal {
    /// One line for people; `remote` names the other side (`origin`).
    pub fn describe(&self, remote: &str) -> String {
        match self {
            Self::SlotMoved { path, conflict } => format!(
                "{} in `{path}`: here {}, on `{remote}` it now holds {}",
                conflict.slot, conflict.local, conflict.remote
            ),
            Self::Refused { path, error } => format!("`{path}` on `{remote}`: {error}"),
        }
    }
}

impl fmt::Display for ReplayRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("the remote"))
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
