//! The tip log (`history/tip`): what the index covers. A `"t":"base"` line names the
//! branch followed, the last indexed commit, its position, the id of its `models`
//! tree and each model file's trusted length; `"t":"step"` lines move the commit on
//! and name the lengths that grew.
//!
//! Every index file is only ever appended to: on common file systems a new or
//! replaced file costs about a millisecond where an append costs microseconds, and
//! an action's writer moves the tip every time. The log is rewritten as one base
//! line every [`MAX_STEPS`] steps. Reading it must stay cheap at thousands of models,
//! so the base line's lengths are kept as written and looked up on demand. Pure: no
//! I/O, no Git.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::format::{Corrupt, FORMAT, Hex, decode};

/// How many steps the tip log takes before it is rewritten as one base line.
pub(super) const MAX_STEPS: usize = 64;

/// What the index covers: the base line, with its steps applied.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tip {
    pub format: u32,
    /// The branch the index follows (`refs/heads/main`).
    pub branch: String,
    /// The last indexed commit (`None`: nothing indexed yet).
    pub commit: Option<Hex>,
    /// The id of its `models` tree (`None`: it has none).
    pub tree: Option<Hex>,
    /// Its position along first parents, the root being 1.
    pub seq: u64,
    /// Some folder of `models/` is not a model name omgreg can name a file after:
    /// the whole registry's log is then read by walking.
    pub unnamed: bool,
    /// Each model file's trusted length in bytes: anything after it was written by
    /// a writer that died before the tip named it, and a shorter file was cut.
    pub models: Lengths,
}

/// A move of the tip: the new commit and the lengths that grew.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Step {
    pub commit: Option<Hex>,
    pub tree: Option<Hex>,
    pub seq: u64,
    pub unnamed: bool,
    pub models: BTreeMap<String, u64>,
}

/// Model file lengths: the base line's map as written (`{"name":len,...}`, looked up
/// without being parsed whole), and the lengths of steps over it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Lengths {
    base: String,
    steps: BTreeMap<String, u64>,
}

impl Lengths {
    pub fn get(&self, model: &str) -> Option<u64> {
        if let Some(len) = self.steps.get(model) {
            return Some(*len);
        }
        // Written by serde_json without spaces; model names need no escaping.
        let key = format!("\"{model}\":");
        let at = self.base.find(&key)? + key.len();
        let digits = &self.base[at..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits[..end].parse().ok()
    }

    pub fn insert(&mut self, model: String, len: u64) {
        self.steps.insert(model, len);
    }

    /// Every model and its length.
    pub fn all(&self) -> BTreeMap<String, u64> {
        let mut all: BTreeMap<String, u64> = if self.base.is_empty() {
            BTreeMap::new()
        } else {
            serde_json::from_str(&self.base).unwrap_or_default()
        };
        all.extend(self.steps.iter().map(|(m, len)| (m.clone(), *len)));
        all
    }
}

impl Tip {
    pub fn empty(branch: &str) -> Self {
        Self {
            format: FORMAT,
            branch: branch.to_owned(),
            commit: None,
            tree: None,
            seq: 0,
            unnamed: false,
            models: Lengths::default(),
        }
    }

    pub fn apply(&mut self, step: &Step) {
        (self.commit, self.tree) = (step.commit, step.tree);
        (self.seq, self.unnamed) = (step.seq, step.unnamed);
        for (model, len) in &step.models {
            self.models.insert(model.clone(), *len);
        }
    }
}

/// One line of the tip log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "TipFlat", try_from = "TipFlat")]
pub(super) enum TipLine {
    Base(Tip),
    Step(Step),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TipKind {
    Base,
    Step,
}

/// A [`TipLine`] as written: one flat object tagged by `t` (serde's tagged enums
/// buffer the whole line first).
#[derive(Serialize, Deserialize)]
struct TipFlat {
    t: TipKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    commit: Option<Hex>,
    tree: Option<Hex>,
    seq: u64,
    unnamed: bool,
    models: Box<RawValue>,
}

impl From<TipLine> for TipFlat {
    fn from(line: TipLine) -> Self {
        let raw = |map: &BTreeMap<String, u64>| {
            serde_json::value::to_raw_value(map).expect("a map of lengths serializes")
        };
        match line {
            TipLine::Base(tip) => Self {
                t: TipKind::Base,
                format: Some(tip.format),
                branch: Some(tip.branch),
                commit: tip.commit,
                tree: tip.tree,
                seq: tip.seq,
                unnamed: tip.unnamed,
                models: raw(&tip.models.all()),
            },
            TipLine::Step(step) => Self {
                t: TipKind::Step,
                format: None,
                branch: None,
                commit: step.commit,
                tree: step.tree,
                seq: step.seq,
                unnamed: step.unnamed,
                models: raw(&step.models),
            },
        }
    }
}

impl TryFrom<TipFlat> for TipLine {
    type Error = &'static str;

    fn try_from(flat: TipFlat) -> Result<Self, Self::Error> {
        Ok(match flat.t {
            TipKind::Base => {
                if !flat.models.get().starts_with('{') {
                    return Err("lengths that are not a map");
                }
                Self::Base(Tip {
                    format: flat.format.ok_or("a base line without its format")?,
                    branch: flat.branch.ok_or("a base line without its branch")?,
                    commit: flat.commit,
                    tree: flat.tree,
                    seq: flat.seq,
                    unnamed: flat.unnamed,
                    models: Lengths {
                        base: flat.models.get().to_owned(),
                        steps: BTreeMap::new(),
                    },
                })
            }
            TipKind::Step => Self::Step(Step {
                commit: flat.commit,
                tree: flat.tree,
                seq: flat.seq,
                unnamed: flat.unnamed,
                models: serde_json::from_str(flat.models.get())
                    .map_err(|_| "lengths that are not a map")?,
            }),
        })
    }
}

/// The tip log, read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TipLog {
    pub tip: Tip,
    /// The bytes of its complete lines (an append goes after them).
    pub len: u64,
    pub steps: usize,
}

/// The tip log: a base line in this format, then steps. A last line cut short (a
/// writer died while appending it) is left out, since the state before it is whole;
/// any complete line that fails its checksum makes the log untrusted.
pub(super) fn parse_tip(bytes: &[u8]) -> Result<TipLog, Corrupt> {
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let mut lines = bytes[..complete].split(|&b| b == b'\n');
    lines.next_back();
    let bad = |what: &str| Corrupt(format!("the tip log {what}"));
    let mut tip = match lines.next().map(decode::<TipLine>) {
        Some(Some(TipLine::Base(tip))) if tip.format == FORMAT => tip,
        Some(Some(TipLine::Base(tip))) => {
            return Err(bad(&format!("is in format {}", tip.format)));
        }
        _ => return Err(bad("does not start with a valid base line")),
    };
    let mut steps = 0;
    for line in lines {
        match decode::<TipLine>(line) {
            Some(TipLine::Step(step)) if step.seq >= tip.seq => tip.apply(&step),
            _ => return Err(bad(&format!("has a bad line {}", steps + 2))),
        }
        steps += 1;
    }
    Ok(TipLog {
        tip,
        len: complete as u64,
        steps,
    })
}
