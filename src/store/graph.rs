//! Reading the commit graph: branch tips, ranges, ancestry, merge bases, what changed
//! between commits, commit messages and signatures, remotes.

use git2::{DiffOptions, ErrorCode, Oid, Sort};

use super::error::GitContext;
use super::{CommitId, Store, StoreError, TreeSnapshot};

/// A registry-relative path and its new content (`None`: removed).
pub type ChangedFile = (String, Option<Vec<u8>>);

/// A commit's signature and the bytes it signs.
pub struct SignedCommit {
    pub signature: Vec<u8>,
    pub payload: Vec<u8>,
}

impl Store {
    /// The commit a revision (commit, branch, tag, `HEAD~2`, ...) names.
    pub fn resolve(&self, rev: &str) -> Result<CommitId, StoreError> {
        self.find_commit(rev).map(|commit| commit.id().into())
    }

    /// The registry branch and its tip (`None` when unborn).
    pub fn branch_tip(&self) -> Result<(String, Option<CommitId>), StoreError> {
        let branch = self.branch()?;
        let tip = match self.repo.find_reference(&branch) {
            Ok(reference) => Some(
                reference
                    .peel_to_commit()
                    .git_context("reading the branch tip")?
                    .id()
                    .into(),
            ),
            Err(err) if err.code() == ErrorCode::NotFound => None,
            Err(err) => return Err(err).git_context("reading the branch"),
        };
        Ok((branch, tip))
    }

    /// The branch HEAD points at (possibly unborn).
    pub(crate) fn branch(&self) -> Result<String, StoreError> {
        let head = self
            .repo
            .find_reference("HEAD")
            .git_context("reading HEAD")?;
        head.symbolic_target()
            .ok()
            .flatten()
            .map(str::to_owned)
            .ok_or(StoreError::DetachedHead)
    }

    /// The short name of the branch HEAD points at (`main`), if it can be read.
    pub fn head_branch_name(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        head.shorthand().ok().map(str::to_owned)
    }

    pub fn merge_base(&self, a: CommitId, b: CommitId) -> Result<Option<CommitId>, StoreError> {
        match self.repo.merge_base(a.raw(), b.raw()) {
            Ok(base) => Ok(Some(base.into())),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err).git_context("finding the merge base"),
        }
    }

    pub fn is_ancestor(&self, ancestor: CommitId, of: CommitId) -> Result<bool, StoreError> {
        Ok(ancestor == of
            || self
                .repo
                .graph_descendant_of(of.raw(), ancestor.raw())
                .git_context("comparing commits")?)
    }

    /// The parents of `commit`, first parent first.
    pub fn parents(&self, commit: CommitId) -> Result<Vec<CommitId>, StoreError> {
        Ok(self
            .commit_object(commit)?
            .parent_ids()
            .map(CommitId::from)
            .collect())
    }

    /// The first parent of `commit`, if it has one.
    pub fn parent_of(&self, commit: CommitId) -> Result<Option<CommitId>, StoreError> {
        let found = self.commit_object(commit)?;
        Ok(found.parent_id(0).ok().map(CommitId::from))
    }

    /// The commits after `base` up to `tip` along first parents, oldest first.
    pub fn first_parent_range(
        &self,
        base: Option<CommitId>,
        tip: CommitId,
    ) -> Result<Vec<CommitId>, StoreError> {
        let mut commits = Vec::new();
        let mut current = Some(tip);
        while let Some(id) = current {
            if Some(id) == base {
                break;
            }
            commits.push(id);
            current = self.parent_of(id)?;
        }
        commits.reverse();
        Ok(commits)
    }

    /// The commits reachable from `head` but not from `base` (all parents), oldest
    /// first in topological order: what `git log --topo-order --reverse BASE..HEAD`
    /// lists.
    pub fn commits_between(
        &self,
        base: CommitId,
        head: CommitId,
    ) -> Result<Vec<CommitId>, StoreError> {
        let what = "walking the range";
        let mut walk = self.repo.revwalk().git_context(what)?;
        walk.push(head.raw()).git_context(what)?;
        walk.hide(base.raw()).git_context(what)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .git_context(what)?;
        walk.map(|id| id.map(CommitId::from))
            .collect::<Result<Vec<_>, _>>()
            .git_context(what)
    }

    /// Registry-relative paths of the files that differ between `old` (or nothing)
    /// and `new`; no file is read, and only folders whose ids differ are opened (cost
    /// proportional to the change, not to the registry).
    pub fn changed_paths(
        &self,
        old: Option<CommitId>,
        new: CommitId,
    ) -> Result<Vec<String>, StoreError> {
        let root = |id: CommitId| -> Result<Option<Oid>, git2::Error> {
            let tree = self.repo.find_commit(id.raw())?.tree()?;
            let prefix = self.prefix.trim_end_matches('/');
            if prefix.is_empty() {
                return Ok(Some(tree.id()));
            }
            match tree.get_path(std::path::Path::new(prefix)) {
                Ok(entry) => Ok(Some(entry.id())),
                Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
                Err(err) => Err(err),
            }
        };
        let old = old
            .map(root)
            .transpose()
            .git_context("reading a tree")?
            .flatten();
        let new = root(new).git_context("reading a tree")?;
        let mut paths = Vec::new();
        self.diff_folders(String::new(), old, new, &mut paths)
            .git_context("comparing trees")?;
        Ok(paths)
    }

    /// Adds to `out` the paths below `folder` that differ between trees `old` and
    /// `new` (either may be absent), descending only into folders that differ.
    pub(super) fn diff_folders(
        &self,
        folder: String,
        old: Option<Oid>,
        new: Option<Oid>,
        out: &mut Vec<String>,
    ) -> Result<(), git2::Error> {
        let entries = |id: Option<Oid>| -> Result<Vec<(String, Oid, bool)>, git2::Error> {
            let Some(id) = id else { return Ok(Vec::new()) };
            let tree = self.repo.find_tree(id)?;
            Ok(tree
                .iter()
                .filter_map(|e| {
                    let name = e.name().ok()?.to_owned();
                    Some((name, e.id(), e.kind() == Some(git2::ObjectType::Tree)))
                })
                .collect())
        };
        let (before, after) = (entries(old)?, entries(new)?);
        let find = |list: &[(String, Oid, bool)], name: &str| {
            list.iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, id, tree)| (*id, *tree))
        };
        let mut names: Vec<&String> = before.iter().chain(&after).map(|(n, _, _)| n).collect();
        names.sort();
        names.dedup();
        for name in names {
            let (was, is) = (find(&before, name), find(&after, name));
            if was.map(|(id, _)| id) == is.map(|(id, _)| id) {
                continue;
            }
            let path = if folder.is_empty() {
                name.clone()
            } else {
                format!("{folder}/{name}")
            };
            let tree_id =
                |side: Option<(Oid, bool)>| side.filter(|(_, tree)| *tree).map(|(id, _)| id);
            let (old_tree, new_tree) = (tree_id(was), tree_id(is));
            let file_changed =
                was.is_some_and(|(_, tree)| !tree) || is.is_some_and(|(_, tree)| !tree);
            if file_changed {
                out.push(path.clone());
            }
            if old_tree.is_some() || new_tree.is_some() {
                self.diff_folders(path, old_tree, new_tree, out)?;
            }
        }
        Ok(())
    }

    /// Registry files that differ between `old` (or nothing) and `new`:
    /// registry-relative path and the content in `new` (`None`: removed).
    pub fn changed_files(
        &self,
        old: Option<CommitId>,
        new: CommitId,
    ) -> Result<Vec<ChangedFile>, StoreError> {
        let tree_of = |id: CommitId| self.repo.find_commit(id.raw()).and_then(|c| c.tree());
        let old_tree = old.map(tree_of).transpose().git_context("reading a tree")?;
        let new_tree = tree_of(new).git_context("reading a tree")?;
        let mut options = DiffOptions::new();
        if !self.prefix.is_empty() {
            options.pathspec(&self.prefix);
        }
        let diff = self
            .repo
            .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut options))
            .git_context("comparing trees")?;
        let mut files = Vec::new();
        for delta in diff.deltas() {
            let removed = delta.status() == git2::Delta::Deleted;
            let file = if removed {
                delta.old_file()
            } else {
                delta.new_file()
            };
            let Some(path) = file.path().and_then(|p| p.to_str()) else {
                continue;
            };
            let Some(relative) = path.strip_prefix(&self.prefix) else {
                continue;
            };
            let content = if removed {
                None
            } else {
                Some(self.blob(file.id())?)
            };
            files.push((relative.to_owned(), content));
        }
        Ok(files)
    }

    /// A snapshot of the registry at `commit` (which need not hold a registry).
    pub fn snapshot_at(&self, commit: CommitId) -> Result<TreeSnapshot<'_>, StoreError> {
        let commit = self.commit_object(commit)?;
        TreeSnapshot::new(&self.repo, Some(&commit), &self.prefix)
    }

    /// The message of `commit`.
    pub fn commit_message(&self, commit: CommitId) -> Result<String, StoreError> {
        let commit = self.commit_object(commit)?;
        Ok(String::from_utf8_lossy(commit.message_bytes()).into_owned())
    }

    /// The first line of the message of `commit`.
    pub fn commit_summary(&self, commit: CommitId) -> Result<String, StoreError> {
        let commit = self.commit_object(commit)?;
        Ok(commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_owned())
    }

    /// The signature of `commit` and the bytes it covers; `None` when unsigned.
    pub fn commit_signature(&self, commit: CommitId) -> Result<Option<SignedCommit>, StoreError> {
        match self.repo.extract_signature(&commit.raw(), None) {
            Ok((signature, payload)) => Ok(Some(SignedCommit {
                signature: signature.to_vec(),
                payload: payload.to_vec(),
            })),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err).git_context("reading a commit's signature"),
        }
    }

    /// The URL of remote `name`, if it is configured.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let remote = self.repo.find_remote(name).ok()?;
        remote.url().ok().map(str::to_owned)
    }

    /// The `MODEL@VERSION` tags (`refs/tags/<model>@<version>`, as `register
    /// --git-tag` makes them) whose commit is `tip` or one of its ancestors: what
    /// `push` sends with the branch.
    pub fn version_tags(&self, tip: CommitId) -> Result<Vec<String>, StoreError> {
        let mut tags = Vec::new();
        let references = self
            .repo
            .references_glob("refs/tags/*@*")
            .git_context("listing tags")?;
        for reference in references.flatten() {
            let (Ok(name), Ok(commit)) = (reference.name(), reference.peel_to_commit()) else {
                continue;
            };
            // A version tag: a model name, `@`, a version (not a stage or alias).
            let tagged = matches!(
                name.trim_start_matches("refs/tags/")
                    .parse::<crate::registry::ModelRef>(),
                Ok(crate::registry::ModelRef {
                    target: crate::registry::RefTarget::Version(_),
                    ..
                })
            );
            let on_branch = commit.id() == tip.raw()
                || self
                    .repo
                    .graph_descendant_of(tip.raw(), commit.id())
                    .unwrap_or(false);
            if tagged && on_branch {
                tags.push(name.to_owned());
            }
        }
        tags.sort();
        Ok(tags)
    }

    /// Whether a reference named `name` (e.g. `refs/tags/m@1.0.0`) exists.
    pub fn has_reference(&self, name: &str) -> bool {
        self.repo.find_reference(name).is_ok()
    }

    pub(crate) fn commit_object(&self, id: CommitId) -> Result<git2::Commit<'_>, StoreError> {
        self.repo
            .find_commit(id.raw())
            .git_context("reading a commit")
    }

    fn blob(&self, id: Oid) -> Result<Vec<u8>, StoreError> {
        Ok(self
            .repo
            .find_blob(id)
            .git_context("reading a blob")?
            .content()
            .to_vec())
    }
}
