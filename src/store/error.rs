//! Errors of the Git layer, each saying what was being attempted.

use std::path::PathBuf;
use std::time::Duration;

use miette::Diagnostic;

use crate::registry::RegistryError;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum StoreError {
    #[error("`{}` is not inside a Git repository", path.display())]
    #[diagnostic(
        code(omgreg::store::not_a_repository),
        help("run `omgreg init` to create a registry, or pass `-C <path>`")
    )]
    NotARepository { path: PathBuf },

    #[error("no registry found at `{}` (no committed `omgreg.toml` here or in a parent folder)", path.display())]
    #[diagnostic(
        code(omgreg::store::not_a_registry),
        help(
            "from a training repository, point omgreg at the registry with `--registry PATH` or `export OMGREG_REGISTRY=PATH` (relative paths such as `--artifact` still refer to here); `omgreg init` creates a registry here"
        )
    )]
    NotARegistry { path: PathBuf },

    #[error("`{folder}` is not a folder inside the repository")]
    #[diagnostic(
        code(omgreg::store::invalid_folder),
        help(
            "name the registry's folder from the repository root, e.g. `ml/registry` (or `.` for the root)"
        )
    )]
    InvalidFolder { folder: String },

    #[error("revision `{rev}` not found")]
    #[diagnostic(
        code(omgreg::store::rev_not_found),
        help("give a commit, branch or tag that exists (`git log` lists them)")
    )]
    RevNotFound {
        rev: String,
        #[source]
        source: git2::Error,
    },

    #[error("the registry did not exist yet at `{rev}`")]
    #[diagnostic(code(omgreg::store::no_registry_at_rev), help("pick a later revision"))]
    NoRegistryAtRev { rev: String },

    #[error("nothing was committed at or before {at}")]
    #[diagnostic(code(omgreg::store::nothing_before), help("pick a later `--at` date"))]
    NothingBefore { at: String },

    #[error("`{input}` is not a date")]
    #[diagnostic(
        code(omgreg::args::invalid_date),
        help(
            "write `2026-05-01`, `2026-05-01T12:00:00Z`, `2026-05-01 12:00:00 +0200` or `@<unix seconds>`"
        )
    )]
    InvalidAt { input: String },

    #[error("HEAD is detached; omgreg commits to a branch")]
    #[diagnostic(
        code(omgreg::store::detached_head),
        help("check out the registry branch first, e.g. `git switch main`")
    )]
    DetachedHead,

    #[error("uncommitted changes in {}", paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))]
    #[diagnostic(
        code(omgreg::store::dirty_paths),
        help(
            "this action rewrites those files: look at the edits (`git status`, `git diff`), then put them aside with `git stash` or drop them with `git restore --staged --worktree -- <path>`"
        )
    )]
    DirtyPaths { paths: Vec<String> },

    #[error("`{path}` in the working tree is a symbolic link or a file, not a folder")]
    #[diagnostic(
        code(omgreg::store::symlink_in_working_tree),
        help(
            "omgreg never writes through links; replace `{path}` with a real folder (or remove it)"
        )
    )]
    SymlinkInWorkingTree { path: String },

    #[error("the Git index is locked: `{}` exists (created {})", path.display(), ago(age))]
    #[diagnostic(
        code(omgreg::store::index_locked),
        help(
            "another git command is using the index, or one crashed; if no git command is \
             running, remove the lock: `rm {}`", path.display()
        )
    )]
    IndexLocked { path: PathBuf, age: Duration },

    #[error("the branch `{branch}` kept moving under this action ({attempts} attempts)")]
    #[diagnostic(
        code(omgreg::store::conflict),
        help("another writer is busy on this registry; run the command again")
    )]
    Conflict { branch: String, attempts: u32 },

    #[error("the branch cannot move: `{}` exists (left {age} ago)", path.display())]
    #[diagnostic(
        code(omgreg::store::ref_locked),
        help(
            "a git command is moving the branch, or one died while doing so; if no git command is running, remove the lock: `rm {}`", path.display()
        )
    )]
    RefLocked {
        path: std::path::PathBuf,
        age: String,
    },

    #[error("signing the commit failed: {message}")]
    #[diagnostic(code(omgreg::sign::failed), help("{help}"))]
    Signing { message: String, help: String },

    #[error("`{branch}` already exists")]
    #[diagnostic(
        code(omgreg::store::branch_exists),
        help("name another with `--branch NAME`, or delete it: `git branch -D`")
    )]
    BranchExists { branch: String },

    #[error("the action changes nothing")]
    #[diagnostic(code(omgreg::store::nothing_to_commit))]
    NothingToCommit,

    #[error("Git identity unknown: {missing} is not set, and cannot be guessed")]
    #[diagnostic(
        code(omgreg::store::identity_unknown),
        help(
            "tell git who you are, as git asks: `git config --global user.email \"you@example.com\"` and `git config --global user.name \"Your Name\"` (omit --global to set it in this repository only)"
        )
    )]
    IdentityUnknown { missing: &'static str },

    #[error("`{var}` holds `{value}`, which is not a date")]
    #[diagnostic(
        code(omgreg::store::invalid_date),
        help("use `@<unix seconds> <+hhmm>` or RFC 3339")
    )]
    InvalidDate { var: &'static str, value: String },

    #[error(
        "`{var}` holds `{value}`, outside the dates Git and RFC 3339 can store (1970-01-01 to 9999-12-31 UTC)"
    )]
    #[diagnostic(
        code(omgreg::store::date_out_of_range),
        help("unset `{var}` to use the clock, or give a date such as `2026-05-01T12:00:00Z`")
    )]
    DateOutOfRange { var: &'static str, value: String },

    #[error("artifact `{}` does not exist", path.display())]
    #[diagnostic(
        code(omgreg::artifact::not_found),
        help("check the path given to `--artifact`")
    )]
    ArtifactNotFound { path: PathBuf },

    #[error("artifact `{}` is a symbolic link", path.display())]
    #[diagnostic(
        code(omgreg::artifact::symlink),
        help("omgreg stores regular files only; pass the link's target, or copy it in place")
    )]
    ArtifactSymlink { path: PathBuf },

    #[error("artifact `{}` is neither a regular file nor a folder", path.display())]
    #[diagnostic(code(omgreg::artifact::not_a_file))]
    ArtifactNotAFile { path: PathBuf },

    #[error("artifact `{}` has a name that is not UTF-8", path.display())]
    #[diagnostic(code(omgreg::artifact::non_utf8_name), help("rename the file"))]
    ArtifactName { path: PathBuf },

    #[error("folder artifact `{}` holds no files", path.display())]
    #[diagnostic(code(omgreg::artifact::empty_folder))]
    ArtifactEmptyFolder { path: PathBuf },

    #[error("Git LFS object `{oid}` is missing from the local store")]
    #[diagnostic(
        code(omgreg::lfs::object_missing),
        help("fetch it with `git lfs fetch`, or register the artifact again")
    )]
    LfsObjectMissing { oid: String },

    #[error("Git LFS object `{oid}` is corrupt: its content hashes to `{actual}`")]
    #[diagnostic(
        code(omgreg::lfs::object_corrupt),
        help("delete it from `.git/lfs/objects` and fetch it again (`git lfs fetch`)")
    )]
    LfsObjectCorrupt { oid: String, actual: String },

    #[error("I/O error while {what} `{}`", path.display())]
    #[diagnostic(code(omgreg::store::io))]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Git error while {what}")]
    #[diagnostic(code(omgreg::store::git))]
    Git {
        what: &'static str,
        #[source]
        source: git2::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),
}

/// How long ago something happened, in the largest whole unit: `3 hours ago`.
fn ago(age: &Duration) -> String {
    let seconds = age.as_secs();
    let (count, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3_600 => (seconds / 60, "minute"),
        3_600..172_800 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

/// Attaches "what was being attempted" to git2 errors: `.git_context("reading HEAD")`.
pub(crate) trait GitContext<T> {
    fn git_context(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> GitContext<T> for Result<T, git2::Error> {
    fn git_context(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Git { what, source })
    }
}

/// Attaches the operation and path to I/O errors.
pub(crate) trait IoContext<T> {
    fn io_context(self, what: &'static str, path: &std::path::Path) -> Result<T, StoreError>;
}

impl<T> IoContext<T> for Result<T, std::io::Error> {
    fn io_context(self, what: &'static str, path: &std::path::Path) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Io {
            what,
            path: path.to_owned(),
            source,
        })
    }
}
