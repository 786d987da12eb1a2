//! Another Git repository read as an import source (a GTO registry): its annotated
//! tags and the files of its commits. Read-only; a URL is mirrored into a scratch
//! folder by the `git` program first (network transport is git's, so credential
//! helpers and ssh configuration apply).
//!
//! No git2 type crosses this interface: tags are [`SourceTag`]s, commits are full
//! hexadecimal ids, files are bytes.

use std::path::Path;
use std::process::{Command, Stdio};

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};

use super::StoreError;
use super::error::GitContext;

/// A source repository opened for reading.
pub struct SourceRepo {
    repo: Repository,
    location: String,
}

/// Who made an annotated tag, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagger {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// The tagger's UTC offset, in minutes.
    pub offset_minutes: i32,
}

/// One tag of the source repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTag {
    /// The name below `refs/tags/`.
    pub name: String,
    /// The commit the tag points at (peeled through tags), full hexadecimal; `None`
    /// when it points at a tree or a blob.
    pub commit: Option<String>,
    /// `false` for a lightweight tag (a bare reference, no tag object): no tagger, no
    /// message; GTO ignores those.
    pub annotated: bool,
    /// The tag object's tagger; `None` for lightweight tags and for tag objects
    /// written without one.
    pub tagger: Option<Tagger>,
    pub message: String,
}

impl SourceRepo {
    /// Opens the repository at `location`: a local path (bare or with a working
    /// tree), or a URL (`file://`, `http(s)://`, `ssh://`, `user@host:path`) mirrored
    /// with `git clone --mirror` into `scratch/source.git`.
    ///
    /// A path that is not a repository is [`StoreError::NotARepository`]; a clone
    /// that fails is [`StoreError::Io`] whose source carries git's words (any password
    /// in the URL masked), with `what` = [`SourceRepo::CLONE_FAILED`].
    pub fn open(location: &str, scratch: &Path) -> Result<Self, StoreError> {
        let path = if is_url(location) {
            mirror(location, scratch)?
        } else {
            std::path::PathBuf::from(location)
        };
        let repo = Repository::open(&path).map_err(|_| StoreError::NotARepository {
            path: location.into(),
        })?;
        Ok(Self {
            repo,
            location: mask_password(location),
        })
    }

    /// The `what` of the [`StoreError::Io`] that [`SourceRepo::open`] returns when
    /// `git clone --mirror` fails.
    pub const CLONE_FAILED: &'static str =
        "mirroring the source repository with `git clone --mirror` into";

    /// `location` with any password in it masked (`https://user:***@host/...`).
    pub fn masked(location: &str) -> String {
        mask_password(location)
    }

    /// The location as given, any password in it masked.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Every tag, sorted by name (byte order, as GTO's Git backends list them).
    pub fn tags(&self) -> Result<Vec<SourceTag>, StoreError> {
        let mut names = Vec::new();
        self.repo
            .tag_foreach(|oid, name| {
                let name = String::from_utf8_lossy(name);
                let name = name.strip_prefix("refs/tags/").unwrap_or(&name).to_owned();
                names.push((name, oid));
                true
            })
            .git_context("listing the source repository's tags")?;
        names.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        names
            .into_iter()
            .map(|(name, oid)| self.read_tag(name, oid))
            .collect()
    }

    fn read_tag(&self, name: String, oid: Oid) -> Result<SourceTag, StoreError> {
        let object = self
            .repo
            .find_object(oid, None)
            .git_context("reading a tag of the source repository")?;
        let commit = object
            .peel(ObjectType::Commit)
            .ok()
            .map(|commit| commit.id().to_string());
        let Some(tag) = object.as_tag() else {
            return Ok(SourceTag {
                name,
                commit,
                annotated: false,
                tagger: None,
                message: String::new(),
            });
        };
        let tagger = tag.tagger().map(|signature| Tagger {
            name: String::from_utf8_lossy(signature.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(signature.email_bytes()).into_owned(),
            time: signature.when().seconds(),
            offset_minutes: signature.when().offset_minutes(),
        });
        let message = tag
            .message_bytes()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default();
        Ok(SourceTag {
            name,
            commit,
            annotated: true,
            tagger,
            message,
        })
    }

    /// The bytes of the file at `path` (`/`-separated, from the root) in `commit`;
    /// `None` when there is no file there (absent, a folder, a submodule).
    pub fn read_file(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tree = self.tree(commit)?;
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            return Ok(None);
        };
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120_000 {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .git_context("reading a file of the source repository")?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Whether `path` is a regular file in `commit` (not read).
    pub fn is_file(&self, commit: &str, path: &str) -> Result<bool, StoreError> {
        let tree = self.tree(commit)?;
        Ok(tree.get_path(Path::new(path)).is_ok_and(|entry| {
            entry.kind() == Some(ObjectType::Blob) && entry.filemode() != 0o120_000
        }))
    }

    /// Whether `path` is a folder in `commit`.
    pub fn is_dir(&self, commit: &str, path: &str) -> Result<bool, StoreError> {
        if path.is_empty() {
            return Ok(true);
        }
        let tree = self.tree(commit)?;
        Ok(tree
            .get_path(Path::new(path))
            .is_ok_and(|entry| entry.kind() == Some(ObjectType::Tree)))
    }

    /// The regular files under the folder `folder` (`""` for the root) in `commit`,
    /// recursively, as paths from the root, sorted; symbolic links and submodules are
    /// left out. Empty when `folder` is not a folder.
    pub fn list_files(&self, commit: &str, folder: &str) -> Result<Vec<String>, StoreError> {
        let root = self.tree(commit)?;
        let tree = if folder.is_empty() {
            root
        } else {
            match root.get_path(Path::new(folder)) {
                Ok(entry) if entry.kind() == Some(ObjectType::Tree) => self
                    .repo
                    .find_tree(entry.id())
                    .git_context("reading a folder of the source repository")?,
                _ => return Ok(Vec::new()),
            }
        };
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{}/", folder.trim_end_matches('/'))
        };
        let mut files = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let regular = matches!(entry.filemode(), 0o100_644 | 0o100_755);
            if entry.kind() == Some(ObjectType::Blob) && regular {
                let name = String::from_utf8_lossy(entry.name_bytes());
                files.push(format!("{prefix}{dir}{name}"));
            }
            TreeWalkResult::Ok
        })
        .git_context("listing a folder of the source repository")?;
        files.sort();
        Ok(files)
    }

    fn tree(&self, commit: &str) -> Result<Tree<'_>, StoreError> {
        let oid = Oid::from_str(commit).git_context("reading a commit id of the source")?;
        self.repo
            .find_commit(oid)
            .and_then(|commit| commit.tree())
            .git_context("reading a commit of the source repository")
    }
}

/// Whether `location` is a URL for `git clone` rather than a local path.
fn is_url(location: &str) -> bool {
    if location.contains("://") {
        return true;
    }
    // scp-like `user@host:path` (git's own rule: a colon before any slash).
    match (location.find(':'), location.find('/')) {
        (Some(colon), Some(slash)) => colon < slash && colon > 1,
        (Some(colon), None) => colon > 1,
        _ => false,
    }
}

/// Mirrors `url` into `scratch/source.git` with the `git` program.
fn mirror(url: &str, scratch: &Path) -> Result<std::path::PathBuf, StoreError> {
    use super::error::IoContext;
    let dest = scratch.join("source.git");
    std::fs::create_dir_all(scratch).io_context("creating the scratch folder", scratch)?;
    let output = Command::new("git")
        .args(["clone", "--mirror", "-q", "--", url])
        .arg(&dest)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .io_context("running `git clone --mirror`", &dest)?;
    if output.status.success() {
        return Ok(dest);
    }
    let said = String::from_utf8_lossy(&output.stderr);
    let said = mask_password(said.trim());
    Err(StoreError::Io {
        what: SourceRepo::CLONE_FAILED,
        path: dest,
        source: std::io::Error::other(if said.is_empty() {
            format!("git exited with {}", output.status)
        } else {
            said
        }),
    })
}

/// `scheme://user:password@host` -> `scheme://user:***@host`, wherever it occurs.
fn mask_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert!(is_url("https://example.com/r.git"));
        assert!(is_url("file:///tmp/r"));
        assert!(is_url("git@github.com:org/r.git"));
        assert!(!is_url("/tmp/r"));
        assert!(!is_url("relative/dir"));
        assert!(!is_url("./a:b"));
        // A Windows drive letter is a path.
        assert!(!is_url("C:/repo"));
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_password("fatal: 'https://me:s3cret@h.example/r' not found"),
            "fatal: 'https://me:***@h.example/r' not found"
        );
        assert_eq!(mask_password("ssh://git@h:22/x"), "ssh://git@h:22/x");
        assert_eq!(mask_password("/plain/path"), "/plain/path");
    }
}
