//! The event index's on-disk format: lines `<checksum> <json>\n`, where the checksum
//! is the first 16 hexadecimal digits of the SHA-256 of the JSON, so a torn write or
//! a flipped bit is seen, never trusted.
//!
//! A model's file holds records of two kinds: a change point (`"t":"change"`: the
//! model's folder changed in the commit at first-parent position `n`, from tree `old`
//! to tree `new`) and the events derived from one (`"t":"events"`); the tip log's
//! lines are in `tip`. Pure: no I/O, no Git.

use std::collections::HashMap;

use git2::Oid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::registry::{EventKind, ModelEvent, Slot};

/// The format of the files; any other value in the tip log means: rebuild.
pub(super) const FORMAT: u32 = 1;

/// Why the index cannot be trusted (shown by `omgreg doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Corrupt(pub String);

/// `<checksum> <json>\n` for `value`.
pub(in crate::store) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut line = Vec::new();
    encode_into(&mut line, value);
    line
}

/// Appends `<checksum> <json>\n` for `value` to `out`.
pub(in crate::store) fn encode_into<T: Serialize>(out: &mut Vec<u8>, value: &T) {
    let json = serde_json::to_vec(value).expect("index records always serialize");
    out.extend_from_slice(checksum(&json).as_bytes());
    out.push(b' ');
    out.extend_from_slice(&json);
    out.push(b'\n');
}

/// The value of one line (without its `\n`); `None` when its checksum or JSON fails.
pub(in crate::store) fn decode<T: DeserializeOwned>(line: &[u8]) -> Option<T> {
    let (sum, json) = (line.get(..16)?, line.get(17..)?);
    if line[16] != b' ' || sum != checksum(json).as_bytes() {
        return None;
    }
    serde_json::from_slice(json).ok()
}

fn checksum(json: &[u8]) -> String {
    let digest = Sha256::digest(json);
    hex::encode(&digest[..8])
}

/// A Git object id written as 40 hexadecimal digits (and read back only as such:
/// libgit2 would take a shorter prefix and pad it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hex(pub Oid);

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let full = text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit());
        full.then(|| Oid::from_str(&text).ok())
            .flatten()
            .map(Hex)
            .ok_or_else(|| serde::de::Error::custom("not a 40-digit object id"))
    }
}

/// One line of a model's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "RecordLine", try_from = "RecordLine")]
pub(super) enum Record {
    Change {
        n: u64,
        commit: Hex,
        old: Option<Hex>,
        new: Option<Hex>,
    },
    Events(Derived),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RecordKind {
    Change,
    Events,
}

/// A [`Record`] as written: one flat object tagged by `t` (read several times
/// faster than serde's tagged enums, which buffer every line first).
#[derive(Default, Serialize, Deserialize)]
struct RecordLine {
    t: Option<RecordKind>,
    n: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    commit: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    old: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    new: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventRecord>>,
}

impl From<Record> for RecordLine {
    fn from(record: Record) -> Self {
        match record {
            Record::Change {
                n,
                commit,
                old,
                new,
            } => Self {
                t: Some(RecordKind::Change),
                n,
                commit: Some(commit),
                old,
                new,
                ..Self::default()
            },
            Record::Events(derived) => Self {
                t: Some(RecordKind::Events),
                n: derived.n,
                time: Some(derived.time),
                author: Some(derived.author),
                email: Some(derived.email),
                subject: Some(derived.subject),
                action: derived.action,
                events: Some(derived.events),
                ..Self::default()
            },
        }
    }
}

impl TryFrom<RecordLine> for Record {
    type Error = &'static str;

    fn try_from(line: RecordLine) -> Result<Self, Self::Error> {
        match line.t {
            Some(RecordKind::Change) => Ok(Self::Change {
                n: line.n,
                commit: line.commit.ok_or("a change point without its commit")?,
                old: line.old,
                new: line.new,
            }),
            Some(RecordKind::Events) => Ok(Self::Events(Derived {
                n: line.n,
                time: line.time.ok_or("events without a time")?,
                author: line.author.ok_or("events without an author")?,
                email: line.email.ok_or("events without an email")?,
                subject: line.subject.ok_or("events without a subject")?,
                action: line.action,
                events: line.events.ok_or("events without events")?,
            })),
            None => Err("a line of no kind"),
        }
    }
}

/// The events of one change point, with what their commit says about itself.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Derived {
    pub n: u64,
    pub time: i64,
    pub author: String,
    pub email: String,
    pub subject: String,
    pub action: Option<String>,
    pub events: Vec<EventRecord>,
}

/// A [`ModelEvent`] as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct EventRecord {
    kind: String,
    version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
}

/// Every event kind, to read one back from its name.
const KINDS: [EventKind; 11] = [
    EventKind::Registered,
    EventKind::Edited,
    EventKind::Removed,
    EventKind::Archived,
    EventKind::Unarchived,
    EventKind::Promoted,
    EventKind::RolledBack,
    EventKind::Unassigned,
    EventKind::AliasSet,
    EventKind::AliasRemoved,
    EventKind::Signed,
];

impl From<&ModelEvent> for EventRecord {
    fn from(event: &ModelEvent) -> Self {
        let (stage, alias) = match &event.slot {
            Some(Slot::Stage(stage)) => (Some(stage.clone()), None),
            Some(Slot::Alias(alias)) => (None, Some(alias.clone())),
            None => (None, None),
        };
        Self {
            kind: event.kind.as_str().to_owned(),
            version: event.version.clone(),
            stage,
            alias,
            previous: event.previous.clone(),
        }
    }
}

impl EventRecord {
    /// The event; `None` for an unknown kind or a record naming both slot kinds.
    pub fn event(&self) -> Option<ModelEvent> {
        let kind = KINDS
            .iter()
            .find(|kind| kind.as_str() == self.kind)?
            .clone();
        let slot = match (&self.stage, &self.alias) {
            (Some(stage), None) => Some(Slot::Stage(stage.clone())),
            (None, Some(alias)) => Some(Slot::Alias(alias.clone())),
            (None, None) => None,
            (Some(_), Some(_)) => return None,
        };
        Some(ModelEvent {
            kind,
            version: self.version.clone(),
            slot,
            previous: self.previous.clone(),
        })
    }
}

/// A model folder that changed in the commit at position `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChangePoint {
    pub n: u64,
    pub commit: Oid,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

impl ChangePoint {
    pub fn record(&self) -> Record {
        Record::Change {
            n: self.n,
            commit: Hex(self.commit),
            old: self.old.map(Hex),
            new: self.new.map(Hex),
        }
    }
}

/// A model's file, read and checked.
#[derive(Debug, Default)]
pub(super) struct ModelLog {
    /// Oldest first.
    pub changes: Vec<ChangePoint>,
    pub derived: HashMap<u64, Derived>,
}

/// Reads a model's file (its trusted bytes): every line must pass its checksum,
/// change points come in increasing positions up to `seq`, and events follow the
/// change point they derive from, once.
pub(super) fn parse_log(bytes: &[u8], seq: u64) -> Result<ModelLog, Corrupt> {
    let mut log = ModelLog::default();
    if bytes.is_empty() {
        return Ok(log);
    }
    let Some(body) = bytes.strip_suffix(b"\n") else {
        return Err(Corrupt("its last line is cut short".to_owned()));
    };
    for (number, line) in body.split(|&b| b == b'\n').enumerate() {
        let bad = |why: &str| Corrupt(format!("line {}: {why}", number + 1));
        let record: Record = decode(line).ok_or_else(|| bad("fails its checksum"))?;
        match record {
            Record::Change {
                n,
                commit,
                old,
                new,
            } => {
                let last = log.changes.last().map_or(0, |c| c.n);
                if n <= last || n > seq {
                    return Err(bad("a change point out of order"));
                }
                log.changes.push(ChangePoint {
                    n,
                    commit: commit.0,
                    old: old.map(|id| id.0),
                    new: new.map(|id| id.0),
                });
            }
            Record::Events(derived) => {
                let known = log.changes.binary_search_by_key(&derived.n, |c| c.n);
                let valid = derived.events.iter().all(|e| e.event().is_some());
                if known.is_err() || !valid || log.derived.contains_key(&derived.n) {
                    return Err(bad("events of no change point"));
                }
                log.derived.insert(derived.n, derived);
            }
        }
    }
    Ok(log)
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
