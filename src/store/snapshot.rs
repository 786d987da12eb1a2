//! [`Snapshot`] over a committed Git tree.
//!
//! Folders are resolved once and kept: resolving every path from the root made
//! `list` re-read the whole `models/` tree (tens of KiB at 1,000 models, more than
//! libgit2 caches) for each model, which grew with the square of the model count.

use std::cell::RefCell;
use std::collections::HashMap;

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::error::GitContext;
use super::{CommitId, StoreError};
use crate::registry::{Snapshot, SnapshotError};

/// The registry files at one commit (or the empty registry of an unborn branch).
pub struct TreeSnapshot<'r> {
    repo: &'r Repository,
    tree: Option<Tree<'r>>,
    commit: Option<Oid>,
    prefix: String,
    /// Resolved folders by repository path (`""` is the root); `None`: no such folder.
    folders: RefCell<HashMap<String, Option<Tree<'r>>>>,
}

impl<'r> TreeSnapshot<'r> {
    pub(crate) fn new(
        repo: &'r Repository,
        commit: Option<&git2::Commit<'r>>,
        prefix: &str,
    ) -> Result<Self, StoreError> {
        let tree = commit
            .map(|c| c.tree())
            .transpose()
            .git_context("reading a commit's tree")?;
        Ok(Self::build(repo, tree, commit.map(|c| c.id()), prefix))
    }

    pub(crate) fn from_tree(repo: &'r Repository, tree: Tree<'r>, prefix: &str) -> Self {
        Self::build(repo, Some(tree), None, prefix)
    }

    fn build(
        repo: &'r Repository,
        tree: Option<Tree<'r>>,
        commit: Option<Oid>,
        prefix: &str,
    ) -> Self {
        Self {
            repo,
            tree,
            commit,
            prefix: prefix.to_owned(),
            folders: RefCell::new(HashMap::new()),
        }
    }

    /// The commit this snapshot was read from; `None` for an unborn branch.
    pub fn commit(&self) -> Option<CommitId> {
        self.commit.map(CommitId::from)
    }

    pub(crate) fn tree(&self) -> Option<&Tree<'r>> {
        self.tree.as_ref()
    }

    /// The tree entry at registry-relative `path`: its id and file mode.
    pub(crate) fn entry_id(&self, path: &str) -> Option<(Oid, i32)> {
        self.entry(&self.full(path))
            .ok()
            .flatten()
            .map(|(id, _, mode)| (id, mode))
    }

    fn full(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
            .trim_end_matches('/')
            .to_owned()
    }

    /// The folder at repository path `full`, resolved once per snapshot.
    fn folder(&self, full: &str) -> Result<Option<Tree<'r>>, git2::Error> {
        if let Some(hit) = self.folders.borrow().get(full) {
            return Ok(hit.clone());
        }
        let found = if full.is_empty() {
            self.tree.clone()
        } else {
            match self.entry(full)? {
                Some((id, Some(ObjectType::Tree), _)) => Some(self.repo.find_tree(id)?),
                _ => None,
            }
        };
        self.folders
            .borrow_mut()
            .insert(full.to_owned(), found.clone());
        Ok(found)
    }

    /// The entry at repository path `full`: id, kind and mode.
    fn entry(&self, full: &str) -> Result<Option<(Oid, Option<ObjectType>, i32)>, git2::Error> {
        let (parent, name) = full.rsplit_once('/').unwrap_or(("", full));
        let Some(folder) = self.folder(parent)? else {
            return Ok(None);
        };
        Ok(folder
            .get_name(name)
            .map(|entry| (entry.id(), entry.kind(), entry.filemode())))
    }

    fn failed(path: &str, source: git2::Error) -> SnapshotError {
        SnapshotError {
            path: path.to_owned(),
            source: Box::new(source),
        }
    }
}

impl Snapshot for TreeSnapshot<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        match self
            .entry(&self.full(path))
            .map_err(|e| Self::failed(path, e))?
        {
            Some((id, Some(ObjectType::Blob), _)) => {
                let blob = self.repo.find_blob(id).map_err(|e| Self::failed(path, e))?;
                Ok(Some(blob.content().to_vec()))
            }
            _ => Ok(None),
        }
    }

    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let folder = self
            .folder(&self.full(path))
            .map_err(|e| Self::failed(path, e))?;
        Ok(folder
            .map(|tree| {
                tree.iter()
                    .filter_map(|e| e.name().ok().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn files_under(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        let Some(folder) = self
            .folder(&self.full(path))
            .map_err(|e| Self::failed(path, e))?
        else {
            return Ok(Vec::new());
        };
        let base = if path.is_empty() {
            String::new()
        } else {
            format!("{}/", path.trim_end_matches('/'))
        };
        let mut files = Vec::new();
        folder
            .walk(TreeWalkMode::PreOrder, |root, entry| {
                if entry.kind() != Some(ObjectType::Tree) {
                    let name = String::from_utf8_lossy(entry.name_bytes());
                    let mut file = String::with_capacity(base.len() + root.len() + name.len());
                    file.push_str(&base);
                    file.push_str(root);
                    file.push_str(&name);
                    files.push(file);
                }
                TreeWalkResult::Ok
            })
            .map_err(|e| Self::failed(path, e))?;
        Ok(files)
    }

    fn content_id(&self, path: &str) -> Option<String> {
        self.entry(&self.full(path))
            .ok()
            .flatten()
            .map(|(id, _, _)| id.to_string())
    }

    fn exists(&self, path: &str) -> Result<bool, SnapshotError> {
        let full = self.full(path);
        if full.is_empty() {
            return Ok(self.tree.is_some());
        }
        Ok(self
            .entry(&full)
            .map_err(|e| Self::failed(path, e))?
            .is_some())
    }
}
