//! GTO's events from a repository's tags, in the order `gto history --ascending`
//! lists them, each assignment resolved to the version it concerns.
//!
//! GTO (`gto/tag.py`, `gto/base.py`, `gto/api.py` 1.10) builds its state in three
//! passes (deprecations, then registrations and deregistrations, then assignments and
//! unassignments), each over the annotated tags sorted by tag time (ties: tag name
//! order). Its history gathers each artifact's events newest first through nested
//! stable sorts and reversals (stage, version, artifact), then sorts them by (time,
//! priority). [`history`] replays exactly that, so events of the same second come out
//! in GTO's order too.

use super::tag_name::{self, TagAction};
use crate::import::plan::Author;

/// A tag of the source repository, as the reader needs it.
#[derive(Debug, Clone)]
pub struct RawTag {
    pub name: String,
    /// The commit it points at (peeled); `None` for a tree or a blob.
    pub commit: Option<String>,
    /// `false` for a lightweight tag.
    pub annotated: bool,
    pub tagger: Option<Author>,
    pub message: String,
}

/// One GTO event: a tag, parsed, with the version it concerns.
#[derive(Debug, Clone)]
pub struct GtoEvent {
    pub tag: String,
    /// The artifact as GTO names it (`dir:name`).
    pub artifact: String,
    pub action: TagAction,
    /// The version (`v1.2.3`): the tag's own for (de)registrations; for
    /// (un)assignments the version registered at the tagged commit, or the commit
    /// hash when none is (GTO does the same); `None` for deprecations.
    pub version: Option<String>,
    /// Whether `version` is a registered version (not a bare commit hash).
    pub registered: bool,
    pub commit: String,
    pub tagger: Option<Author>,
    pub message: String,
}

impl GtoEvent {
    fn time(&self) -> i64 {
        self.tagger.as_ref().map_or(0, |t| t.time)
    }
}

/// What the tags hold besides GTO's events: tags GTO skips, said why.
#[derive(Debug, Default)]
pub struct Skipped {
    pub notes: Vec<String>,
    /// Registrations of two versions of one artifact at one commit (GTO refuses to
    /// read such a registry: `ManyVersions`).
    pub ambiguous: Vec<String>,
}

/// A version as GTO's state holds it: its events in arrival order per kind.
#[derive(Default)]
struct VersionState {
    name: String,
    commit: String,
    direct: Vec<usize>,
    /// Stage -> assignment and unassignment events, stages in first-seen order.
    stages: Vec<(String, Vec<usize>)>,
}

#[derive(Default)]
struct ArtifactState {
    deprecations: Vec<usize>,
    versions: Vec<VersionState>,
}

/// The events of `tags` in `gto history --ascending` order.
pub fn history(tags: &[RawTag]) -> (Vec<GtoEvent>, Skipped) {
    let mut skipped = Skipped::default();
    let mut events = parse_tags(tags, &mut skipped);
    // GTO's find(): stable sort by tag time over the name-sorted tags.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].time());
    let mut artifacts: Vec<(String, ArtifactState)> = Vec::new();
    for pass in 0..3 {
        for &i in &order {
            let in_pass = match events[i].action {
                TagAction::Deprecate => 0,
                TagAction::Register { .. } | TagAction::Deregister { .. } => 1,
                TagAction::Assign { .. } | TagAction::Unassign { .. } => 2,
                TagAction::Create => continue,
            };
            if in_pass == pass {
                index(&mut artifacts, &mut events, i, &mut skipped);
            }
        }
    }
    let mut listed = Vec::new();
    for (_, artifact) in &artifacts {
        listed.extend(artifact_events_newest_first(artifact, &events));
    }
    // gto.api.history: stable sort by (timestamp, priority).
    listed.sort_by_key(|&i| (events[i].time(), events[i].action.priority()));
    let mut taken: Vec<Option<GtoEvent>> = events.into_iter().map(Some).collect();
    let ordered = listed.into_iter().filter_map(|i| taken[i].take()).collect();
    (ordered, skipped)
}

fn parse_tags(tags: &[RawTag], skipped: &mut Skipped) -> Vec<GtoEvent> {
    let mut events = Vec::new();
    for tag in tags {
        let Some(parsed) = tag_name::parse(&tag.name) else {
            continue;
        };
        if !tag.annotated {
            skipped.notes.push(format!(
                "`{}` is a lightweight tag: GTO ignores it, so does the import",
                tag.name
            ));
            continue;
        }
        if parsed.action == TagAction::Create {
            skipped.notes.push(format!(
                "`{}` (`@created`) is not an event GTO writes or reads: skipped",
                tag.name
            ));
            continue;
        }
        let Some(commit) = tag.commit.clone() else {
            skipped
                .notes
                .push(format!("`{}` points at no commit: skipped", tag.name));
            continue;
        };
        let version = match &parsed.action {
            TagAction::Register { version } | TagAction::Deregister { version } => {
                Some(version.clone())
            }
            _ => None,
        };
        events.push(GtoEvent {
            tag: tag.name.clone(),
            artifact: parsed.artifact,
            registered: version.is_some(),
            action: parsed.action,
            version,
            commit,
            tagger: tag.tagger.clone(),
            message: tag.message.trim().to_owned(),
        });
    }
    events
}

/// Adds event `i` to GTO's state (`index_tag`, `Artifact.add_event`).
fn index(
    artifacts: &mut Vec<(String, ArtifactState)>,
    events: &mut [GtoEvent],
    i: usize,
    skipped: &mut Skipped,
) {
    let name = events[i].artifact.clone();
    let at = match artifacts.iter().position(|(n, _)| *n == name) {
        Some(at) => at,
        None => {
            artifacts.push((name, ArtifactState::default()));
            artifacts.len() - 1
        }
    };
    let artifact = &mut artifacts[at].1;
    let commit = events[i].commit.clone();
    match events[i].action.clone() {
        TagAction::Deprecate | TagAction::Create => artifact.deprecations.push(i),
        TagAction::Register { version } | TagAction::Deregister { version } => {
            let found = artifact
                .versions
                .iter()
                .position(|v| v.name == version && v.commit == commit && !v.direct.is_empty());
            let at = found.unwrap_or_else(|| {
                artifact.versions.push(VersionState {
                    name: version,
                    commit,
                    ..VersionState::default()
                });
                artifact.versions.len() - 1
            });
            artifact.versions[at].direct.push(i);
        }
        TagAction::Assign { stage } | TagAction::Unassign { stage } => {
            // find_version(commit_hexsha=...): registered versions at the commit.
            let at_commit: Vec<usize> = (0..artifact.versions.len())
                .filter(|&v| {
                    artifact.versions[v].commit == commit && !artifact.versions[v].direct.is_empty()
                })
                .collect();
            if at_commit.len() > 1 {
                skipped.ambiguous.push(events[i].tag.clone());
            }
            let at = match at_commit.first() {
                Some(&at) => at,
                None => {
                    artifact.versions.push(VersionState {
                        name: commit.clone(),
                        commit,
                        ..VersionState::default()
                    });
                    artifact.versions.len() - 1
                }
            };
            let version = &mut artifact.versions[at];
            events[i].version = Some(version.name.clone());
            events[i].registered = !version.direct.is_empty();
            match version.stages.iter_mut().find(|(s, _)| *s == stage) {
                Some((_, list)) => list.push(i),
                None => version.stages.push((stage, vec![i])),
            }
        }
    }
}

/// GTO's `get_events()`: stable sort by time, then reversed (newest first; events of
/// one time in reverse order of arrival).
fn newest_first(mut list: Vec<usize>, events: &[GtoEvent]) -> Vec<usize> {
    list.sort_by_key(|&i| events[i].time());
    list.reverse();
    list
}

/// `Artifact.get_events()` over `Version.get_events()` over `VStage.get_events()`.
fn artifact_events_newest_first(artifact: &ArtifactState, events: &[GtoEvent]) -> Vec<usize> {
    let by_kind = |list: &[usize], pick: fn(&TagAction) -> bool| -> Vec<usize> {
        let mut kept: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&i| pick(&events[i].action))
            .collect();
        kept.sort_by_key(|&i| events[i].time());
        kept
    };
    let mut all = by_kind(&artifact.deprecations, |_| true);
    for version in &artifact.versions {
        let mut own = by_kind(&version.direct, |a| matches!(a, TagAction::Register { .. }));
        own.extend(by_kind(&version.direct, |a| {
            matches!(a, TagAction::Deregister { .. })
        }));
        for (_, stage) in &version.stages {
            let mut moves = by_kind(stage, |a| matches!(a, TagAction::Assign { .. }));
            moves.extend(by_kind(stage, |a| matches!(a, TagAction::Unassign { .. })));
            own.extend(newest_first(moves, events));
        }
        all.extend(newest_first(own, events));
    }
    newest_first(all, events)
}
