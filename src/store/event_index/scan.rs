//! Finding change points: one first-parent walk that, for each commit, reads its
//! header, its root tree and its `models` tree, and when that tree differs from the
//! first parent's, compares the two raw listings to name the model folders that
//! changed. No YAML is parsed and no entry is allocated; each `models` tree is read
//! once (the parent's listing is kept for the next step).

use std::cmp::Ordering;

use git2::{ObjectType, Odb, OdbObject, Oid};

use super::super::walk::{RawEntries, RawEntry, id_at, parse_header};
use crate::registry::{ModelName, part_problems};

/// A model folder that changed in a commit, against the commit's first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// Steps from the commit the walk started at (0: that commit).
    pub depth: u64,
    pub model: String,
    pub commit: Oid,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// What a walk found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Newest first; within a commit, by model name.
    pub found: Vec<Found>,
    /// How many commits were read (the stop commit not counted).
    pub commits: u64,
    /// The walk ended at the root commit: the stop commit was not met.
    pub reached_root: bool,
    /// A folder of `models/` changed whose name cannot name an index file.
    pub unnamed: bool,
    /// The id of the `models` tree of the commit the walk started at.
    pub tree: Option<Oid>,
}

/// Walks first parents from `from` until `stop` (excluded; with the id of its
/// `models` tree) or the root, at most `limit` commits (`None` past it), and finds
/// what changed below `models_path`.
pub(super) fn scan(
    odb: &Odb<'_>,
    from: Oid,
    stop: Option<(Oid, Option<Oid>)>,
    models_path: &str,
    limit: Option<u64>,
) -> Result<Option<Scan>, git2::Error> {
    let mut out = Scan::default();
    let mut commit = from;
    let (tree, mut parent) = header(odb, commit)?;
    let mut models = id_at(odb, tree, models_path)?;
    out.tree = models;
    // The raw `models` tree of `commit`, when already read.
    let mut listing: Option<OdbObject<'_>> = None;
    loop {
        if stop.is_some_and(|(stop, _)| stop == commit) {
            return Ok(Some(out));
        }
        if limit.is_some_and(|limit| out.commits >= limit) {
            return Ok(None);
        }
        out.commits += 1;
        let (parent_models, grandparent) = match (parent, stop) {
            // The walk ends there: its `models` tree is known.
            (Some(parent), Some((stop, tree))) if parent == stop => (tree, None),
            (Some(parent), _) => {
                let (tree, grandparent) = header(odb, parent)?;
                (id_at(odb, tree, models_path)?, grandparent)
            }
            (None, _) => (None, None),
        };
        if parent_models != models {
            let new = match listing.take() {
                Some(object) => Some(object),
                None => read_tree(odb, models)?,
            };
            let old = read_tree(odb, parent_models)?;
            let depth = out.commits - 1;
            for (model, old, new) in diff(bytes(&old), bytes(&new)) {
                if file_safe(&model) {
                    let found = Found {
                        depth,
                        model,
                        commit,
                        old,
                        new,
                    };
                    out.found.push(found);
                } else {
                    out.unnamed = true;
                }
            }
            listing = old;
        }
        let Some(next) = parent else {
            out.reached_root = true;
            return Ok(Some(out));
        };
        (commit, parent, models) = (next, grandparent, parent_models);
    }
}

/// The models whose folders differ between the `models` trees of two commits (`old`:
/// `None` for an unborn branch), by name.
pub(super) fn changed_models(
    odb: &Odb<'_>,
    old: Option<Oid>,
    new: Oid,
    models_path: &str,
) -> Result<Vec<ModelName>, git2::Error> {
    let models_of = |commit: Oid| -> Result<Option<Oid>, git2::Error> {
        let (tree, _) = header(odb, commit)?;
        id_at(odb, tree, models_path)
    };
    let before = old.map(models_of).transpose()?.flatten();
    let after = models_of(new)?;
    if before == after {
        return Ok(Vec::new());
    }
    let (old, new) = (read_tree(odb, before)?, read_tree(odb, after)?);
    Ok(diff(bytes(&old), bytes(&new))
        .into_iter()
        .filter_map(|(model, ..)| model.parse().ok())
        .collect())
}

fn bytes<'a>(object: &'a Option<OdbObject<'_>>) -> &'a [u8] {
    object.as_ref().map_or(&[][..], |o| o.data())
}

fn header(odb: &Odb<'_>, commit: Oid) -> Result<(Oid, Option<Oid>), git2::Error> {
    let object = odb.read(commit)?;
    if object.kind() != ObjectType::Commit {
        return Err(git2::Error::from_str("expected a commit"));
    }
    parse_header(object.data()).ok_or_else(|| git2::Error::from_str("malformed commit header"))
}

/// The raw tree `id`; `None` when absent or not a tree (no folder: nothing inside).
fn read_tree<'o>(odb: &'o Odb<'_>, id: Option<Oid>) -> Result<Option<OdbObject<'o>>, git2::Error> {
    let Some(id) = id else { return Ok(None) };
    let object = odb.read(id)?;
    Ok((object.kind() == ObjectType::Tree).then_some(object))
}

/// Git's order of tree entries: by name, a folder's name read as if it ended in `/`.
fn git_order(a: &RawEntry<'_>, b: &RawEntry<'_>) -> Ordering {
    let len = a.name.len().min(b.name.len());
    a.name[..len].cmp(&b.name[..len]).then_with(|| {
        let end = |e: &RawEntry<'_>| match e.name.get(len) {
            Some(&byte) => byte,
            None if e.is_tree() => b'/',
            None => 0,
        };
        end(a).cmp(&end(b))
    })
}

type Side = Option<(Oid, bool)>;

/// An entry that differs between two listings: (name, old, new).
type Changed<'a> = (&'a [u8], Side, Side);

/// The folders that differ between two raw `models` trees, by name: (name, old id,
/// new id). A file on both sides is not a model, and a name that is not UTF-8 is not
/// listed by the walk either.
fn diff(old: &[u8], new: &[u8]) -> Vec<(String, Option<Oid>, Option<Oid>)> {
    // The entries before the first differing byte are the same on both sides.
    let start = entry_start(old, common_prefix(old, new));
    let mut changed = merge(&old[start..], &new[start..]).unwrap_or_else(|| unordered(old, new));
    // A folder replaced by a file of the same name (or the reverse) sits at two
    // places in Git's order: one change of one name.
    changed.sort_by(|a, b| a.0.cmp(b.0));
    changed.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = earlier.1.or(later.1);
            earlier.2 = earlier.2.or(later.2);
        }
        same
    });
    let folder = |side: Side| side.is_some_and(|(_, tree)| tree);
    changed
        .into_iter()
        .filter(|(_, before, after)| folder(*before) || folder(*after))
        .filter_map(|(name, before, after)| {
            let name = std::str::from_utf8(name).ok()?.to_owned();
            Some((name, before.map(|(id, _)| id), after.map(|(id, _)| id)))
        })
        .collect()
}

/// How many leading bytes `a` and `b` share (compared 64 at a time).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + 64 <= len && a[at..at + 64] == b[at..at + 64] {
        at += 64;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Where the entry holding byte `at` of a raw tree starts.
fn entry_start(data: &[u8], at: usize) -> usize {
    let mut start = 0;
    let mut entries = RawEntries::new(data);
    while entries.next().is_some() {
        let end = data.len() - entries.rest().len();
        if end > at {
            break;
        }
        start = end;
    }
    start
}

fn side(entry: &RawEntry<'_>) -> Side {
    Oid::from_bytes(entry.id)
        .ok()
        .map(|id| (id, entry.is_tree()))
}

/// The entries that differ between two listings in Git's order, in one pass that
/// stops where the rest of both is the same; `None` when one is out of order.
fn merge<'a>(old: &'a [u8], new: &'a [u8]) -> Option<Vec<Changed<'a>>> {
    let (mut old, mut new) = (Ordered::new(old), Ordered::new(new));
    let mut changed = Vec::new();
    loop {
        if old.rest() == new.rest() {
            return Some(changed);
        }
        let order = match (old.peek()?, new.peek()?) {
            (Some(a), Some(b)) => git_order(&a, &b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return Some(changed),
        };
        match order {
            Ordering::Less => {
                let a = old.take();
                changed.push((a.name, side(&a), None));
            }
            Ordering::Greater => {
                let b = new.take();
                changed.push((b.name, None, side(&b)));
            }
            Ordering::Equal => {
                let (a, b) = (old.take(), new.take());
                if a.id != b.id {
                    changed.push((a.name, side(&a), side(&b)));
                }
            }
        }
    }
}

/// The differing entries of two listings in any order (trees Git did not write).
fn unordered<'a>(old: &'a [u8], new: &'a [u8]) -> Vec<Changed<'a>> {
    let by_name = |data: &'a [u8]| {
        let mut map = std::collections::BTreeMap::new();
        for entry in RawEntries::new(data) {
            map.entry(entry.name).or_insert_with(|| side(&entry));
        }
        map
    };
    let (old, new) = (by_name(old), by_name(new));
    let names: std::collections::BTreeSet<&[u8]> = old.keys().chain(new.keys()).copied().collect();
    names
        .into_iter()
        .map(|name| {
            (
                name,
                old.get(name).copied().flatten(),
                new.get(name).copied().flatten(),
            )
        })
        .filter(|(_, before, after)| before != after)
        .collect()
}

/// A listing read one entry ahead, checking that it is in Git's order.
struct Ordered<'a> {
    entries: RawEntries<'a>,
    /// The listing from the entry `next` on.
    rest: &'a [u8],
    next: Option<RawEntry<'a>>,
    out_of_order: bool,
}

impl<'a> Ordered<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut entries = RawEntries::new(data);
        let next = entries.next();
        Self {
            entries,
            rest: data,
            next,
            out_of_order: false,
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The next entry (`Some(None)` at the end); `None` when out of order.
    fn peek(&self) -> Option<Option<RawEntry<'a>>> {
        (!self.out_of_order).then_some(self.next)
    }

    /// Moves past the entry [`Self::peek`] returned.
    fn take(&mut self) -> RawEntry<'a> {
        let taken = self.next.take().expect("peeked");
        self.rest = self.entries.rest();
        self.next = self.entries.next();
        if let Some(next) = &self.next {
            self.out_of_order |= git_order(&taken, next) != Ordering::Less;
        }
        taken
    }
}

/// Whether `name` is a model name that is also a file name on every system.
pub(super) fn file_safe(name: &str) -> bool {
    name.parse::<ModelName>().is_ok() && part_problems(name).is_empty()
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
