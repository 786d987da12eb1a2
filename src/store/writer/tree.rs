//! Objects of a new commit: blobs, the tree built from the parent's, and the commit
//! itself (signed when a signer is given).

use std::collections::BTreeMap;

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, ObjectType, Oid, Repository};

use super::super::error::GitContext;
use super::super::failpoint;
use super::super::{CommitSigner, Identity, LfsPointer, Store, StoreError, TreeSnapshot};
use crate::registry::{Change, FileChange};

/// One file of the new tree: its path in the repository and its new content
/// (`None` when removed).
pub(crate) struct PlannedFile {
    pub repo_path: String,
    pub content: Option<Vec<u8>>,
    /// The blob written for `content`.
    pub blob: Option<Oid>,
}

impl Store {
    pub(crate) fn build_tree(
        &self,
        snapshot: &TreeSnapshot<'_>,
        change: &Change,
    ) -> Result<(Oid, Vec<PlannedFile>), StoreError> {
        self.build_tree_with(snapshot, change, true)
    }

    /// [`Store::build_tree`]; `require_objects: false` (a dry run, whose artifacts
    /// were hashed, not stored) writes LFS pointers without their objects at hand.
    pub(crate) fn build_tree_with(
        &self,
        snapshot: &TreeSnapshot<'_>,
        change: &Change,
        require_objects: bool,
    ) -> Result<(Oid, Vec<PlannedFile>), StoreError> {
        let repo: &Repository = &self.repo;
        let mut update = TreeUpdateBuilder::new();
        let mut planned = Vec::with_capacity(change.files.len());
        for (path, file) in &change.files {
            let repo_path = format!("{}{path}", self.prefix);
            let content = self.file_content(file, require_objects)?;
            let blob = content
                .as_deref()
                .map(|bytes| repo.blob(bytes))
                .transpose()
                .git_context("writing a blob")?;
            match blob {
                Some(blob) => update.upsert(&repo_path, blob, FileMode::Blob),
                None => update.remove(&repo_path),
            };
            planned.push(PlannedFile {
                repo_path,
                content,
                blob,
            });
        }
        failpoint("blobs-written");
        let tree = match snapshot.tree() {
            Some(base) => update
                .create_updated(repo, base)
                .git_context("building the new tree")?,
            // No empty base tree is written: it would linger as a dangling object.
            None => tree_from_scratch(repo, &planned)?,
        };
        failpoint("tree-written");
        Ok((tree, planned))
    }

    /// The bytes a file change puts in the tree (`None` when it removes the file).
    fn file_content(
        &self,
        file: &FileChange,
        require_objects: bool,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(match file {
            FileChange::Write(bytes) => Some(bytes.clone()),
            FileChange::LfsPointer { sha256, size } => {
                if require_objects && !self.lfs().has_object(sha256, *size) {
                    return Err(StoreError::LfsObjectMissing {
                        oid: sha256.to_string(),
                    });
                }
                let pointer = LfsPointer {
                    oid: sha256.clone(),
                    size: *size,
                };
                Some(pointer.to_text().into_bytes())
            }
            FileChange::Remove => None,
        })
    }

    pub(crate) fn write_commit(
        &self,
        identity: &Identity,
        signer: Option<&dyn CommitSigner>,
        message: &str,
        tree: Oid,
        parent: Option<&git2::Commit<'_>>,
    ) -> Result<Oid, StoreError> {
        let tree = self
            .repo
            .find_tree(tree)
            .git_context("reading the new tree")?;
        let parents: Vec<&git2::Commit<'_>> = parent.into_iter().collect();
        let buffer = self
            .repo
            .commit_create_buffer(
                &identity.author,
                &identity.committer,
                message,
                &tree,
                &parents,
            )
            .git_context("creating the commit")?;
        match signer {
            None => {
                let odb = self.repo.odb().git_context("opening the object database")?;
                odb.write(ObjectType::Commit, &buffer)
                    .git_context("writing the commit")
            }
            Some(signer) => {
                let text = buffer.as_str().map_err(|_| StoreError::Signing {
                    message: "the commit is not UTF-8 and cannot be signed".to_owned(),
                    help: "use UTF-8 names and messages".to_owned(),
                })?;
                let signature = signer.sign(text).map_err(|failed| StoreError::Signing {
                    message: failed.message,
                    help: failed.help,
                })?;
                self.repo
                    .commit_signed(text, &signature, None)
                    .git_context("writing the signed commit")
            }
        }
    }
}

/// Builds the tree of a first commit from its files, deepest folders first.
fn tree_from_scratch(repo: &Repository, files: &[PlannedFile]) -> Result<Oid, StoreError> {
    let entries: Vec<(&str, Oid)> = files
        .iter()
        .filter_map(|file| file.blob.map(|blob| (file.repo_path.as_str(), blob)))
        .collect();
    build_level(repo, &entries)
}

fn build_level(repo: &Repository, entries: &[(&str, Oid)]) -> Result<Oid, StoreError> {
    let mut builder = repo.treebuilder(None).git_context("building a tree")?;
    let mut folders: BTreeMap<&str, Vec<(&str, Oid)>> = BTreeMap::new();
    for &(path, blob) in entries {
        match path.split_once('/') {
            Some((folder, rest)) => folders.entry(folder).or_default().push((rest, blob)),
            None => {
                builder
                    .insert(path, blob, FileMode::Blob.into())
                    .git_context("building a tree")?;
            }
        }
    }
    for (folder, children) in folders {
        let subtree = build_level(repo, &children)?;
        builder
            .insert(folder, subtree, FileMode::Tree.into())
            .git_context("building a tree")?;
    }
    builder.write().git_context("writing a tree")
}
