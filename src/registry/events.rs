//! Registry events derived from what changed between two states of a model's files:
//! the audit log is computed from tree diffs, so a stage changed in a web editor is
//! seen like one changed by omgreg. Commit trailers only annotate.

use std::collections::BTreeSet;

use crate::schema::{StagesDoc, VersionDoc};

use super::Slot;

/// What happened to a model in one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Registered,
    /// The version file changed in something other than its status (a hand edit;
    /// `check` flags it when it touches immutable fields).
    Edited,
    /// The version file was deleted.
    Removed,
    Archived,
    Unarchived,
    /// The version entered a stage (`from`: the version it replaced there).
    Promoted,
    /// The version entered a stage by `omgreg rollback`.
    RolledBack,
    /// The version left a stage without entering another.
    Unassigned,
    AliasSet,
    AliasRemoved,
    /// The version's artifact signature (`signatures/<version>.sig`) was written or
    /// replaced (`omgreg sign`, `register --sign-artifacts`).
    Signed,
}

impl EventKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Edited => "edited",
            Self::Removed => "removed",
            Self::Archived => "archived",
            Self::Unarchived => "unarchived",
            Self::Promoted => "promoted",
            Self::RolledBack => "rolled_back",
            Self::Unassigned => "unassigned",
            Self::AliasSet => "alias_set",
            Self::AliasRemoved => "alias_removed",
            Self::Signed => "signed",
        }
    }
}

/// One derived event of one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEvent {
    pub kind: EventKind,
    pub version: String,
    /// The stage (as written) or alias the event concerns.
    pub slot: Option<Slot>,
    /// For stage and alias events: the version the slot held before.
    pub previous: Option<String>,
}

/// The events of a version file going from `old` to `new`.
pub fn version_events(
    version: &str,
    old: Option<&VersionDoc>,
    new: Option<&VersionDoc>,
) -> Vec<ModelEvent> {
    let event = |kind| ModelEvent {
        kind,
        version: version.to_owned(),
        slot: None,
        previous: None,
    };
    match (old, new) {
        (None, Some(_)) => vec![event(EventKind::Registered)],
        (Some(_), None) => vec![event(EventKind::Removed)],
        (Some(old), Some(new)) if old.status != new.status => match new.status.as_str() {
            "archived" => vec![event(EventKind::Archived)],
            _ => vec![event(EventKind::Unarchived)],
        },
        (Some(old), Some(new)) if old != new => vec![event(EventKind::Edited)],
        _ => Vec::new(),
    }
}

/// The events of `stages.yaml` going from `old` to `new`. `rolled_back` names the
/// stages or aliases the commit's trailers say `omgreg rollback` moved.
pub fn stage_events(old: &StagesDoc, new: &StagesDoc, rolled_back: &[String]) -> Vec<ModelEvent> {
    let holders = |doc: &StagesDoc, stage: &str| -> BTreeSet<String> {
        doc.stages
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(stage))
            .flat_map(|(_, slot)| slot.versions().into_iter().map(str::to_owned))
            .collect()
    };
    let mut stages: Vec<String> = Vec::new();
    for name in old.stages.keys().chain(new.stages.keys()) {
        if !stages.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
            stages.push(name.clone());
        }
    }
    let mut events = Vec::new();
    let mut entered = BTreeSet::new();
    for stage in &stages {
        let (before, after) = (holders(old, stage), holders(new, stage));
        let previous = (before.len() == 1)
            .then(|| before.iter().next().cloned())
            .flatten();
        for version in after.difference(&before) {
            let kind = if rolled_back.iter().any(|s| s.eq_ignore_ascii_case(stage)) {
                EventKind::RolledBack
            } else {
                EventKind::Promoted
            };
            entered.insert(version.clone());
            if let Some(replaced) = &previous {
                // Reported as the promotion's `previous`, not as an event of its own.
                entered.insert(replaced.clone());
            }
            events.push(ModelEvent {
                kind,
                version: version.clone(),
                slot: Some(Slot::Stage(stage.clone())),
                previous: previous.clone(),
            });
        }
    }
    for stage in &stages {
        let (before, after) = (holders(old, stage), holders(new, stage));
        for version in before.difference(&after).filter(|v| !entered.contains(*v)) {
            events.push(ModelEvent {
                kind: EventKind::Unassigned,
                version: version.clone(),
                slot: Some(Slot::Stage(stage.clone())),
                previous: Some(version.clone()),
            });
        }
    }
    let aliases: BTreeSet<&String> = old.aliases.keys().chain(new.aliases.keys()).collect();
    for alias in aliases {
        let (before, after) = (old.aliases.get(alias), new.aliases.get(alias));
        let event = match (before, after) {
            (_, Some(version)) if before != after => {
                let kind = if rolled_back.contains(alias) {
                    EventKind::RolledBack
                } else {
                    EventKind::AliasSet
                };
                ModelEvent {
                    kind,
                    version: version.clone(),
                    slot: Some(Slot::Alias(alias.clone())),
                    previous: before.cloned(),
                }
            }
            (Some(version), None) => ModelEvent {
                kind: EventKind::AliasRemoved,
                version: version.clone(),
                slot: Some(Slot::Alias(alias.clone())),
                previous: Some(version.clone()),
            },
            _ => continue,
        };
        events.push(event);
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    fn doc(text: &str) -> StagesDoc {
        schema::from_yaml("s.yaml", text).unwrap()
    }

    #[test]
    fn a_move_up_the_ladder_is_one_promotion() {
        let old = doc("stages:\n  Staging: 2.0.0\n  Production: 1.0.0\n");
        let new = doc("stages:\n  Production: 2.0.0\n");
        let events = stage_events(&old, &new, &[]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, EventKind::Promoted);
        assert_eq!(
            (events[0].version.as_str(), events[0].previous.as_deref()),
            ("2.0.0", Some("1.0.0"))
        );
    }

    #[test]
    fn hand_edits_in_other_case_and_rollbacks_and_aliases_are_events() {
        let old =
            doc("stages:\n  Production: 2.0.0\naliases:\n  champion: 2.0.0\n  canary: 1.0.0\n");
        let new = doc("stages:\n  production: 1.0.0\naliases:\n  champion: 1.0.0\n");
        let events = stage_events(&old, &new, &["Production".to_owned()]);
        let kinds: Vec<_> = events
            .iter()
            .map(|e| (e.kind.clone(), e.slot.clone().unwrap().name().to_owned()))
            .collect();
        assert_eq!(
            kinds,
            [
                (EventKind::RolledBack, "Production".to_owned()),
                (EventKind::AliasRemoved, "canary".to_owned()),
                (EventKind::AliasSet, "champion".to_owned()),
            ]
        );
    }

    #[test]
    fn clearing_a_stage_is_unassigned() {
        let events = stage_events(
            &doc("stages:\n  Production: 2.0.0\n"),
            &doc("stages: {}\n"),
            &[],
        );
        assert_eq!(events[0].kind, EventKind::Unassigned);
    }
}
