//! Finding the repository and the registry root inside it.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository, RepositoryOpenFlags};

use super::error::{GitContext, IoContext};
use super::{CommitId, GitConfig, Identity, LfsStore, StoreError, TreeSnapshot};
use crate::registry::{CONFIG_FILE, RegistryError};

/// An opened registry: a repository and the folder of it holding `omgreg.toml`.
pub struct Store {
    pub(crate) repo: Repository,
    /// Registry root inside the repository tree: empty, or a folder path ending in `/`.
    pub(crate) prefix: String,
}

impl Store {
    /// Opens the registry containing `start`: the nearest folder at or above it, within
    /// its repository, whose committed tree (at HEAD) holds `omgreg.toml`.
    pub fn discover(start: &Path) -> Result<Self, StoreError> {
        Self::discover_at(start, "HEAD")
    }

    /// Like [`Store::discover`], looking for `omgreg.toml` in the tree of `rev`
    /// instead of HEAD (a pushed commit, before any branch points at it).
    pub fn discover_at(start: &Path, rev: &str) -> Result<Self, StoreError> {
        let repo = open_repository(start)?;
        let candidates = prefix_candidates(&repo, start)?;
        let found = {
            let tree = repo
                .revparse_single(rev)
                .ok()
                .and_then(|object| object.peel_to_tree().ok());
            tree.and_then(|tree| {
                candidates.into_iter().find(|prefix| {
                    tree.get_path(Path::new(&format!("{prefix}{CONFIG_FILE}")))
                        .is_ok()
                })
            })
        };
        match found {
            Some(prefix) => Ok(Self { repo, prefix }),
            None => Err(StoreError::NotARegistry {
                path: start.to_owned(),
            }),
        }
    }

    /// Opens a bare repository that may not hold a registry yet (a server before its
    /// first push); the registry is then at its root.
    pub fn open_bare(start: &Path) -> Result<Self, StoreError> {
        let repo = open_repository(start)?;
        if !repo.is_bare() {
            return Err(StoreError::NotARegistry {
                path: start.to_owned(),
            });
        }
        Ok(Self {
            repo,
            prefix: String::new(),
        })
    }

    /// Opens the registry kept at `folder` inside the repository around `start`
    /// (`""` or `.` for the root). A bare repository has no working folder to
    /// discover it from: a server hook names the folder its pushes keep the registry
    /// in. Nothing checks here that the folder holds a registry; the caller reads it
    /// at the revision it judges.
    pub fn open_at_folder(start: &Path, folder: &str) -> Result<Self, StoreError> {
        let prefix = registry_folder(folder)?;
        let repo = open_repository(start)?;
        Ok(Self { repo, prefix })
    }

    /// The folders (as prefixes: `""` or `path/`) whose tree at `rev` holds
    /// `omgreg.toml`, in path order: the registries a repository keeps. None when
    /// `rev` does not exist (an empty server).
    pub fn registry_folders(&self, rev: &str) -> Result<Vec<String>, StoreError> {
        let Ok(tree) = self
            .repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_tree())
        else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |folder, entry| {
            if entry.name() == Ok(CONFIG_FILE) && entry.kind() == Some(git2::ObjectType::Blob) {
                found.push(folder.to_owned());
            }
            // A registry's own `models/` holds no other registry: not walked (it can
            // hold hundreds of thousands of files).
            if entry.name() == Ok(crate::registry::MODELS_DIR)
                && tree
                    .get_path(Path::new(&format!("{folder}{CONFIG_FILE}")))
                    .is_ok()
            {
                return git2::TreeWalkResult::Skip;
            }
            git2::TreeWalkResult::Ok
        })
        .git_context("listing the registries in the tree")?;
        found.sort();
        Ok(found)
    }

    /// Opens the repository around `start` when its branch has no commit yet (a clone
    /// made before the registry's first push): `pull` brings the registry there, at
    /// the repository's root. Anything else is not a registry.
    pub fn open_unborn(start: &Path) -> Result<Self, StoreError> {
        let repo = open_repository(start)?;
        let unborn = matches!(repo.head(), Err(err) if err.code() == git2::ErrorCode::UnbornBranch);
        if !unborn || repo.is_bare() {
            return Err(StoreError::NotARegistry {
                path: start.to_owned(),
            });
        }
        Ok(Self {
            repo,
            prefix: String::new(),
        })
    }

    /// Opens `dir` as the root of a registry to be created: finds the repository around
    /// it, or `git init`s one there.
    pub fn for_init(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).io_context("creating", dir)?;
        let repo = match open_repository(dir) {
            Ok(repo) => repo,
            Err(StoreError::NotARepository { .. }) => {
                Repository::init(dir).git_context("initialising the repository")?
            }
            Err(other) => return Err(other),
        };
        let prefix = prefix_candidates(&repo, dir)?
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok(Self { repo, prefix })
    }

    /// The commit a revision (commit, branch, tag, `HEAD~2`, ...) names.
    pub(crate) fn find_commit(&self, rev: &str) -> Result<git2::Commit<'_>, StoreError> {
        self.repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|source| StoreError::RevNotFound {
                rev: rev.to_owned(),
                source,
            })
    }

    /// The repository's Git configuration (with the user's and system's).
    pub fn git_config(&self) -> Result<GitConfig, StoreError> {
        self.repo
            .config()
            .map(GitConfig)
            .map_err(|source| StoreError::Git {
                what: "reading the Git configuration",
                source,
            })
    }

    /// Who commits here: author and committer the way git picks them.
    pub fn identity(&self) -> Result<Identity, StoreError> {
        Identity::from_git(&self.repo)
    }

    /// A read-only view of the registry at `rev` (a commit-ish; HEAD when `None`).
    pub fn snapshot(&self, rev: Option<&str>) -> Result<TreeSnapshot<'_>, StoreError> {
        let rev = rev.unwrap_or("HEAD");
        let commit = self.find_commit(rev)?;
        let snapshot = TreeSnapshot::new(&self.repo, Some(&commit), &self.prefix)?;
        if !crate::registry::Snapshot::exists(&snapshot, CONFIG_FILE)
            .map_err(RegistryError::from)?
        {
            return Err(StoreError::NoRegistryAtRev {
                rev: rev.to_owned(),
            });
        }
        Ok(snapshot)
    }

    /// The last commit at or before `at` (seconds since the epoch, committer time)
    /// along first parents from `rev` (HEAD when `None`): the registry as it was then.
    pub fn commit_at(&self, rev: Option<&str>, at: i64) -> Result<CommitId, StoreError> {
        let start = self.find_commit(rev.unwrap_or("HEAD"))?;
        let mut walk = self.repo.revwalk().git_context("walking the history")?;
        walk.push(start.id()).git_context("walking the history")?;
        walk.simplify_first_parent()
            .git_context("walking the history")?;
        for id in walk {
            let id = id.git_context("walking the history")?;
            let commit = self.repo.find_commit(id).git_context("reading a commit")?;
            if commit.committer().when().seconds() <= at {
                return Ok(id.into());
            }
        }
        Err(StoreError::NothingBefore {
            at: time::OffsetDateTime::from_unix_timestamp(at)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| format!("@{at}")),
        })
    }

    /// A read-only view of the registry as staged in the index (for pre-commit hooks).
    pub fn staged_snapshot(&self) -> Result<TreeSnapshot<'_>, StoreError> {
        let mut index = self.repo.index().git_context("opening the index")?;
        let tree = index.write_tree().git_context("writing the staged tree")?;
        let tree = self
            .repo
            .find_tree(tree)
            .git_context("reading the staged tree")?;
        Ok(TreeSnapshot::from_tree(&self.repo, tree, &self.prefix))
    }

    /// Registry paths whose staged content differs from HEAD while the working tree
    /// holds HEAD's: an index read before an omgreg action landed and written back
    /// after it by a `git commit` racing with it (git reads the index before it locks
    /// it). Nobody stages a change and then puts the file back as HEAD has it, so a
    /// pre-commit hook refuses these: committing them would undo the action.
    pub fn stale_staged_paths(&self) -> Result<Vec<String>, StoreError> {
        let Some(workdir) = self.repo.workdir() else {
            return Ok(Vec::new());
        };
        let mut index = self.repo.index().git_context("opening the index")?;
        let staged = index.write_tree().git_context("writing the staged tree")?;
        let head = self.repo.head().and_then(|head| head.peel_to_tree()).ok();
        let at = |tree: Option<git2::Tree<'_>>| -> Option<Oid> {
            let tree = tree?;
            let prefix = self.prefix.trim_end_matches('/');
            if prefix.is_empty() {
                Some(tree.id())
            } else {
                tree.get_path(Path::new(prefix))
                    .ok()
                    .map(|entry| entry.id())
            }
        };
        let head_root = at(head.clone());
        let staged_root = at(self.repo.find_tree(staged).ok());
        let mut changed = Vec::new();
        self.diff_folders(String::new(), head_root, staged_root, &mut changed)
            .git_context("comparing the index with HEAD")?;
        let head_tree = head.as_ref();
        let mut stale = Vec::new();
        for path in changed {
            let full = format!("{}{path}", self.prefix);
            let in_head = head_tree.and_then(|tree| tree.get_path(Path::new(&full)).ok());
            let on_disk = workdir.join(&full);
            let matches_head = match (&in_head, std::fs::symlink_metadata(&on_disk)) {
                (None, Err(err)) => err.kind() == std::io::ErrorKind::NotFound,
                (Some(entry), Ok(meta)) if meta.is_file() => {
                    Oid::hash_file(git2::ObjectType::Blob, &on_disk).ok() == Some(entry.id())
                }
                _ => false,
            };
            if matches_head {
                stale.push(path);
            }
        }
        Ok(stale)
    }

    /// The HEAD commit of the Git repository around `dir` and the URL of its `origin`
    /// remote: where training code came from (`register --code-commit auto`).
    pub fn code_head(dir: &Path) -> Option<(CommitId, Option<String>)> {
        let repo = Repository::discover(dir).ok()?;
        let head = repo.head().and_then(|head| head.peel_to_commit()).ok()?;
        let origin = repo
            .find_remote("origin")
            .ok()
            .and_then(|remote| remote.url().ok().map(str::to_owned));
        Some((head.id().into(), origin))
    }

    /// The registry root on disk (the working-tree folder), `None` in a bare repository.
    pub fn root_dir(&self) -> Option<PathBuf> {
        self.repo
            .workdir()
            .map(|workdir| workdir.join(&self.prefix))
    }

    /// The registry root inside the repository tree (`""` or `path/to/registry/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// The Git LFS object store of this repository.
    pub fn lfs(&self) -> LfsStore {
        LfsStore::new(self.repo.commondir())
    }

    /// The repository's working tree, `None` when it is bare.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The repository's own folder (`.git`, or the bare repository).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The folder shared by all worktrees of the repository (hooks, LFS objects).
    pub fn common_dir(&self) -> &Path {
        self.repo.commondir()
    }
}

/// libgit2 re-hashes every object it reads (with collision detection), which was
/// over half of `history` on long histories. Git does not: object integrity is
/// `git fsck`'s job, and `omgreg check --artifacts` verifies artifact digests. New
/// objects are still hashed when written.
fn configure_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

fn open_repository(start: &Path) -> Result<Repository, StoreError> {
    configure_libgit2();
    Repository::open_ext(
        start,
        RepositoryOpenFlags::FROM_ENV,
        std::iter::empty::<&Path>(),
    )
    .map_err(|_| StoreError::NotARepository {
        path: start.to_owned(),
    })
}

/// `folder` (a path from the repository root; `.` or empty for the root) as a
/// registry prefix: `""` or `a/b/`. Absolute paths and `.` or `..` parts are refused.
pub fn registry_folder(folder: &str) -> Result<String, StoreError> {
    normalize_folder(folder).ok_or_else(|| StoreError::InvalidFolder {
        folder: folder.to_owned(),
    })
}

fn normalize_folder(folder: &str) -> Option<String> {
    let trimmed = folder.trim_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Some(String::new());
    }
    let parts: Vec<&str> = trimmed.split('/').collect();
    let bad = |part: &&str| part.is_empty() || *part == "." || *part == ".." || part.contains('\\');
    if folder.starts_with('/') || parts.iter().any(bad) {
        return None;
    }
    Some(parts.iter().map(|part| format!("{part}/")).collect())
}

/// Registry-root candidates for `start`: its path inside the working tree, then each
/// parent folder up to the repository root (`""`). Bare repositories only have `""`.
fn prefix_candidates(repo: &Repository, start: &Path) -> Result<Vec<String>, StoreError> {
    let Some(workdir) = repo.workdir() else {
        return Ok(vec![String::new()]);
    };
    let workdir = workdir.canonicalize().io_context("resolving", workdir)?;
    let start = start.canonicalize().io_context("resolving", start)?;
    let relative = start.strip_prefix(&workdir).unwrap_or(Path::new(""));
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok((0..=parts.len())
        .rev()
        .map(|len| parts[..len].iter().map(|part| format!("{part}/")).collect())
        .collect())
}
