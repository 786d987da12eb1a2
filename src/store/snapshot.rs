//! [`Snapshot`] over a committed Git tree.

use std::path::Path;

use git2::{ObjectType, Oid, Repository, Tree};

use super::StoreError;
use super::error::GitContext;
use crate::registry::{Snapshot, SnapshotError};

/// The registry files at one commit (or the empty registry of an unborn branch).
pub struct TreeSnapshot<'r> {
    repo: &'r Repository,
    tree: Option<Tree<'r>>,
    commit: Option<Oid>,
    prefix: String,
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
        Ok(Self {
            repo,
            tree,
            commit: commit.map(|c| c.id()),
            prefix: prefix.to_owned(),
        })
    }

    pub(crate) fn from_tree(repo: &'r Repository, tree: Tree<'r>, prefix: &str) -> Self {
        Self {
            repo,
            tree: Some(tree),
            commit: None,
            prefix: prefix.to_owned(),
        }
    }

    /// The commit this snapshot was read from; `None` for an unborn branch.
    pub fn commit(&self) -> Option<Oid> {
        self.commit
    }

    pub(crate) fn tree(&self) -> Option<&Tree<'r>> {
        self.tree.as_ref()
    }

    /// The tree entry at registry-relative `path`, with its full repository path.
    pub(crate) fn entry_id(&self, path: &str) -> Option<(Oid, i32)> {
        let tree = self.tree.as_ref()?;
        let entry = tree
            .get_path(Path::new(&format!("{}{path}", self.prefix)))
            .ok()?;
        Some((entry.id(), entry.filemode()))
    }

    fn failed(path: &str, source: git2::Error) -> SnapshotError {
        SnapshotError {
            path: path.to_owned(),
            source: Box::new(source),
        }
    }

    fn object(&self, path: &str) -> Result<Option<git2::Object<'r>>, SnapshotError> {
        let Some(tree) = &self.tree else {
            return Ok(None);
        };
        let full = format!("{}{path}", self.prefix);
        let full = full.trim_end_matches('/');
        if full.is_empty() {
            return Ok(Some(tree.as_object().clone()));
        }
        match tree.get_path(Path::new(full)) {
            Ok(entry) => entry
                .to_object(self.repo)
                .map(Some)
                .map_err(|e| Self::failed(path, e)),
            Err(err) if err.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(err) => Err(Self::failed(path, err)),
        }
    }
}

impl Snapshot for TreeSnapshot<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        match self.object(path)? {
            Some(object) if object.kind() == Some(ObjectType::Blob) => {
                Ok(object.as_blob().map(|blob| blob.content().to_vec()))
            }
            _ => Ok(None),
        }
    }

    fn list(&self, path: &str) -> Result<Vec<String>, SnapshotError> {
        match self.object(path)? {
            Some(object) => Ok(object
                .as_tree()
                .map(|tree| {
                    tree.iter()
                        .filter_map(|e| e.name().ok().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()),
            None => Ok(Vec::new()),
        }
    }

    fn exists(&self, path: &str) -> Result<bool, SnapshotError> {
        let Some(tree) = &self.tree else {
            return Ok(false);
        };
        Ok(tree
            .get_path(Path::new(&format!("{}{path}", self.prefix)))
            .is_ok())
    }
}
