//! Fast history primitives: a first-parent walk and tree-path lookups that read raw
//! objects instead of parsing whole commits and trees.
//!
//! The audit log and rollback read a path's object id in thousands of commits; with
//! full libgit2 parsing (every entry of a 1,000-entry `models/` tree allocated for
//! each commit) that dominated `history`. Here a commit header yields its tree and
//! first parent, and a tree is scanned for one name without building its entries.

use git2::{ObjectType, Odb, Oid};

/// A commit (along first parents) in which the object at a path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PathChange {
    pub commit: Oid,
    /// The id at the path in the first parent (`None`: absent, or no parent).
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// The commits, newest first along first parents, in which `path` changed. Each
/// commit costs one header read and one raw tree read per path component; the
/// parent's lookup is kept for the next step.
pub(crate) struct PathChanges<'r> {
    odb: Odb<'r>,
    path: String,
    /// The next commit to look at, its first parent and the id at `path` in it.
    current: Option<(Oid, Option<Oid>, Option<Oid>)>,
    start: Option<Oid>,
}

impl<'r> PathChanges<'r> {
    pub fn new(odb: Odb<'r>, from: Oid, path: String) -> Self {
        Self {
            odb,
            path,
            current: None,
            start: Some(from),
        }
    }

    fn header(&self, commit: Oid) -> Result<(Oid, Option<Oid>), git2::Error> {
        let object = self.odb.read(commit)?;
        if object.kind() != ObjectType::Commit {
            return Err(git2::Error::from_str("expected a commit"));
        }
        parse_header(object.data()).ok_or_else(|| git2::Error::from_str("malformed commit header"))
    }

    fn step(&mut self) -> Result<Option<PathChange>, git2::Error> {
        if let Some(start) = self.start.take() {
            let (tree, parent) = self.header(start)?;
            self.current = Some((start, parent, id_at(&self.odb, tree, &self.path)?));
        }
        while let Some((commit, parent, new)) = self.current.take() {
            let old = match parent {
                Some(parent) => {
                    let (tree, grandparent) = self.header(parent)?;
                    let old = id_at(&self.odb, tree, &self.path)?;
                    self.current = Some((parent, grandparent, old));
                    old
                }
                None => None,
            };
            if old != new {
                return Ok(Some(PathChange { commit, old, new }));
            }
        }
        Ok(None)
    }
}

impl Iterator for PathChanges<'_> {
    type Item = Result<PathChange, git2::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}

/// `tree <hex>` and the first `parent <hex>` of a raw commit.
pub(crate) fn parse_header(data: &[u8]) -> Option<(Oid, Option<Oid>)> {
    let mut tree = None;
    let mut parent = None;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Some(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            if parent.is_none() {
                parent = Some(Oid::from_str(std::str::from_utf8(hex).ok()?).ok()?);
            }
        } else if tree.is_some() && !line.starts_with(b"parent ") {
            break;
        }
    }
    Some((tree?, parent))
}

/// The id of the entry at `path` (`/`-separated) below tree `root`, if any.
pub(crate) fn id_at(odb: &Odb<'_>, root: Oid, path: &str) -> Result<Option<Oid>, git2::Error> {
    let mut current = root;
    for name in path.split('/').filter(|part| !part.is_empty()) {
        let object = odb.read(current)?;
        if object.kind() != ObjectType::Tree {
            return Ok(None);
        }
        match find_entry(object.data(), name.as_bytes()) {
            Some(id) => current = id,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// Scans a raw tree (`<mode> <name>\0<20-byte id>`...) for `name`.
fn find_entry(data: &[u8], name: &[u8]) -> Option<Oid> {
    RawEntries::new(data)
        .find(|entry| entry.name == name)
        .and_then(|entry| Oid::from_bytes(entry.id).ok())
}

/// One entry of a raw tree, borrowed from the object's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawEntry<'a> {
    pub mode: &'a [u8],
    pub name: &'a [u8],
    /// The 20 bytes of the entry's object id.
    pub id: &'a [u8],
}

impl RawEntry<'_> {
    /// Whether the entry is a folder (mode `40000`).
    pub fn is_tree(&self) -> bool {
        self.mode == b"40000"
    }
}

/// The entries of a raw tree in their stored order, without allocating; stops at
/// the first malformed entry.
pub(crate) struct RawEntries<'a> {
    data: &'a [u8],
}

impl<'a> RawEntries<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = RawEntry<'a>;

    fn next(&mut self) -> Option<RawEntry<'a>> {
        let data = self.data;
        let space = data.iter().position(|&b| b == b' ')?;
        let rest = &data[space + 1..];
        let nul = rest.iter().position(|&b| b == 0)?;
        let Some(id) = rest.get(nul + 1..nul + 21) else {
            self.data = &[];
            return None;
        };
        self.data = &rest[nul + 21..];
        Some(RawEntry {
            mode: &data[..space],
            name: &rest[..nul],
            id,
        })
    }
}

#[cfg(test)]
#[path = "walk_tests.rs"]
mod tests;
