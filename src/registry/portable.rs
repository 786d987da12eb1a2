//! Paths that check out everywhere (DESIGN §7): on Linux, macOS and Windows.
//!
//! A path part may not be longer than 255 bytes, be a Windows device name (`CON`,
//! `PRN`, `AUX`, `NUL`, `COM1`–`COM9`, `LPT1`–`LPT9`, with or without an extension),
//! hold `<>:"|?*\` or a control character, or end in a dot or a space; and no two
//! paths of a tree may be equal once case is folded and Unicode is normalized (NFC),
//! which is what case-insensitive and normalizing file systems do. Pure: judges
//! strings, reads a [`Snapshot`] only to know the siblings of new paths.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use miette::Diagnostic;
use unicode_normalization::UnicodeNormalization;

use super::{Snapshot, SnapshotError};

/// The longest path part, in bytes, that every common file system accepts.
pub const MAX_PART_BYTES: usize = 255;

/// Why one path part cannot be checked out everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartProblem {
    /// Longer than [`MAX_PART_BYTES`].
    TooLong { bytes: usize },
    /// A Windows device name, e.g. `NUL` or `com1.txt`.
    ReservedName,
    /// One of `<>:"|?*\` or a control character.
    ForbiddenCharacter(char),
    /// Ends in `.` or a space, which Windows drops.
    TrailingDotOrSpace,
}

impl fmt::Display for PartProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { bytes } => {
                write!(f, "is {bytes} bytes long (at most {MAX_PART_BYTES})")
            }
            Self::ReservedName => f.write_str("is a device name reserved by Windows"),
            Self::ForbiddenCharacter(c) if c.is_control() => {
                write!(f, "contains the control character `{}`", c.escape_unicode())
            }
            Self::ForbiddenCharacter(c) => write!(f, "contains `{c}`"),
            Self::TrailingDotOrSpace => f.write_str("ends in a dot or a space"),
        }
    }
}

/// What [`judge_paths`] found about one path (a file or a folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFinding {
    /// The last part of `path` cannot be checked out everywhere.
    Unportable {
        path: String,
        problems: Vec<PartProblem>,
    },
    /// `path` and the earlier `other` are one path on case-insensitive or
    /// normalizing file systems.
    Collision { path: String, other: String },
}

impl PathFinding {
    /// The offending path: a file, or the folder whose name is the problem.
    pub fn path(&self) -> &str {
        match self {
            Self::Unportable { path, .. } | Self::Collision { path, .. } => path,
        }
    }
}

/// A new path would break a registry's checkout somewhere.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum PortabilityError {
    #[error(
        "`{}` cannot be checked out on every system: its last part {}",
        shown(path),
        describe_problems(problems)
    )]
    #[diagnostic(
        code(omgreg::path::not_portable),
        help(
            "path parts must be at most 255 bytes, not a Windows device name (`CON`, `NUL`, `COM1`, ...), without `<>:\"|?*\\` or control characters, and not end in `.` or a space: rename the file, or pick a shorter version or model name"
        )
    )]
    NotPortable {
        path: String,
        problems: Vec<PartProblem>,
    },

    #[error(
        "`{}` and `{}` are the same path on case-insensitive file systems (macOS, Windows)",
        shown(path),
        shown(other)
    )]
    #[diagnostic(
        code(omgreg::path::collision),
        help(
            "rename the file, or pick a name that differs by more than case or accents; `git ls-tree -r --name-only HEAD` lists the registry's paths"
        )
    )]
    Collision { path: String, other: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// The problems of one path part (empty when it is portable).
pub fn part_problems(part: &str) -> Vec<PartProblem> {
    let mut problems = Vec::new();
    if part.len() > MAX_PART_BYTES {
        problems.push(PartProblem::TooLong { bytes: part.len() });
    }
    if is_reserved(part) {
        problems.push(PartProblem::ReservedName);
    }
    if let Some(c) = part
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\\') || c.is_control())
    {
        problems.push(PartProblem::ForbiddenCharacter(c));
    }
    if part.ends_with(['.', ' ']) {
        problems.push(PartProblem::TrailingDotOrSpace);
    }
    problems
}

/// Whether `part` is a Windows device name, alone or before an extension.
fn is_reserved(part: &str) -> bool {
    let stem = part.split('.').next().unwrap_or(part).trim_end_matches(' ');
    let bytes = stem.as_bytes();
    match bytes.len() {
        3 => ["con", "prn", "aux", "nul"]
            .iter()
            .any(|name| stem.eq_ignore_ascii_case(name)),
        4 => {
            let (head, digit) = stem.split_at(3);
            (head.eq_ignore_ascii_case("com") || head.eq_ignore_ascii_case("lpt"))
                && matches!(digit.as_bytes()[0], b'1'..=b'9')
        }
        _ => false,
    }
}

/// The form two names share when a case-insensitive, normalizing file system
/// takes them for one: lower case, NFC.
fn fold(name: &str) -> Cow<'_, str> {
    if name.is_ascii() {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    } else {
        Cow::Owned(name.nfd().flat_map(char::to_lowercase).nfc().collect())
    }
}

/// Judges a set of paths (files, or folders) in one pass: every part that cannot be
/// checked out everywhere, and every path equal to an earlier one once folded.
///
/// Each finding names the shortest offending path (a bad folder once, not each file
/// in it); a collision names the later path and the earlier one it meets.
pub fn judge_paths<S: AsRef<str>>(paths: &[S]) -> Vec<PathFinding> {
    // Each path prefix is judged once: `true` when it and its folders are fine.
    let mut judged: HashMap<&str, bool> = HashMap::with_capacity(paths.len() * 2);
    // (exact parent folder, folded name) -> the first name seen there.
    let mut names: HashMap<(&str, Cow<'_, str>), &str> = HashMap::with_capacity(paths.len() * 2);
    let mut findings = Vec::new();
    // The previous path and how much of it (whole folders) was judged fine: a tree's
    // paths come folder by folder, so most folders need no second look-up.
    let (mut previous, mut previous_fine) = ("", 0);
    for path in paths {
        let path = path.as_ref();
        let shared = shared_folders(previous, path).min(previous_fine);
        let mut start = if shared == 0 { 0 } else { shared + 1 };
        let mut fine_end = shared;
        loop {
            let end = path[start..].find('/').map_or(path.len(), |at| start + at);
            let prefix = &path[..end];
            let fine = match judged.get(prefix) {
                Some(fine) => *fine,
                None => {
                    let fine = judge_part(prefix, start, &mut names, &mut findings);
                    judged.insert(prefix, fine);
                    fine
                }
            };
            if !fine {
                break;
            }
            fine_end = end;
            if end == path.len() {
                break;
            }
            start = end + 1;
        }
        (previous, previous_fine) = (path, fine_end);
    }
    findings
}

/// The length of the leading folders `a` and `b` share (`x/y` of `x/y/1` and
/// `x/y/2`), 0 when none.
fn shared_folders(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .take_while(|(x, y)| x == y)
        .enumerate()
        .filter(|(_, (x, _))| *x == b'/')
        .last()
        .map_or(0, |(at, _)| at)
}

/// Judges the last part of `prefix` (starting at byte `start`) once.
fn judge_part<'p>(
    prefix: &'p str,
    start: usize,
    names: &mut HashMap<(&'p str, Cow<'p, str>), &'p str>,
    findings: &mut Vec<PathFinding>,
) -> bool {
    let name = &prefix[start..];
    let problems = part_problems(name);
    if !problems.is_empty() {
        findings.push(PathFinding::Unportable {
            path: prefix.to_owned(),
            problems,
        });
        return false;
    }
    let parent = &prefix[..start.saturating_sub(1)];
    match names.entry((parent, fold(name))) {
        Entry::Occupied(first) => {
            let other = if parent.is_empty() {
                (*first.get()).to_owned()
            } else {
                format!("{parent}/{}", first.get())
            };
            findings.push(PathFinding::Collision {
                path: prefix.to_owned(),
                other,
            });
            false
        }
        Entry::Vacant(slot) => {
            slot.insert(name);
            true
        }
    }
}

/// Checks the paths an action will create against the rules and against what is
/// already beside them in `snapshot`: refuses the first one that would break a
/// checkout somewhere. What is already wrong in the tree is left to `check`.
pub fn check_new_paths(snapshot: &dyn Snapshot, new: &[String]) -> Result<(), PortabilityError> {
    let mut created = HashSet::new();
    for path in new {
        let mut rest = path.as_str();
        created.insert(rest);
        while let Some((folder, _)) = rest.rsplit_once('/') {
            created.insert(folder);
            rest = folder;
        }
    }
    // Only a folder that gains an entry can gain a collision: list those alone (an
    // existing model's folder needs no look at the thousand others beside it).
    let mut folders = HashSet::new();
    for path in &created {
        if !snapshot.exists(path)? {
            folders.insert(path.rsplit_once('/').map_or("", |(folder, _)| folder));
        }
    }
    // What exists beside the new paths comes first, so that a collision names the
    // new path and the existing one it meets.
    let mut folders: Vec<&str> = folders.into_iter().collect();
    folders.sort_unstable();
    let mut all = Vec::new();
    for folder in folders {
        for name in snapshot.list(folder)? {
            all.push(if folder.is_empty() {
                name
            } else {
                format!("{folder}/{name}")
            });
        }
    }
    all.extend(new.iter().cloned());
    let found = judge_paths(&all)
        .into_iter()
        .find(|finding| created.contains(finding.path()));
    match found {
        None => Ok(()),
        Some(PathFinding::Unportable { path, problems }) => {
            Err(PortabilityError::NotPortable { path, problems })
        }
        Some(PathFinding::Collision { path, other }) => {
            Err(PortabilityError::Collision { path, other })
        }
    }
}

/// `path` fit for a message: control characters escaped, very long parts cut.
pub fn shown(path: &str) -> String {
    const KEEP: usize = 40;
    let parts: Vec<String> = path
        .split('/')
        .map(|part| {
            let escaped: String = part
                .chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_unicode().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            if escaped.chars().count() > KEEP + 8 {
                let head: String = escaped.chars().take(KEEP).collect();
                format!("{head}…")
            } else {
                escaped
            }
        })
        .collect();
    parts.join("/")
}

/// The problems of a part, joined for a message.
pub fn describe_problems(problems: &[PartProblem]) -> String {
    let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    texts.join(" and ")
}

#[cfg(test)]
#[path = "portable_tests.rs"]
mod tests;
