//! Network transport through the `git` program, so credential helpers and ssh
//! configuration apply exactly as for the user's own pushes.

use std::process::Command;

use crate::store::Store;

use super::CommandError;

/// A `git` command that failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`git {command}` failed: {stderr}")]
#[diagnostic(
    code(omgreg::transport::git_failed),
    help("run the same `git` command by hand to see why")
)]
pub struct GitFailed {
    pub command: String,
    pub stderr: String,
}

/// Runs `git args` in the repository of `store`.
pub fn git(store: &Store, args: &[&str]) -> Result<String, CommandError> {
    let dir = store.workdir().unwrap_or_else(|| store.git_dir());
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|err| {
            CommandError::User(
                GitFailed {
                    command: args.join(" "),
                    stderr: err.to_string(),
                }
                .into(),
            )
        })?;
    if !output.status.success() {
        return Err(CommandError::User(
            GitFailed {
                command: args.join(" "),
                // git-lfs reports some failures (missing objects) on stdout.
                stderr: format!(
                    "{} {}",
                    String::from_utf8_lossy(&output.stderr).trim(),
                    String::from_utf8_lossy(&output.stdout).trim()
                )
                .trim()
                .to_owned(),
            }
            .into(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Fails clearly when the `git-lfs` program, needed for LFS transport, is absent.
pub fn require_git_lfs() -> Result<(), CommandError> {
    let present = Command::new("git")
        .args(["lfs", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        Ok(())
    } else {
        Err(CommandError::User(GitLfsMissing.into()))
    }
}

/// LFS transport without git-lfs.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("moving artifacts to or from a remote needs the `git-lfs` program, which is not installed")]
#[diagnostic(
    code(omgreg::transport::git_lfs_missing),
    help(
        "install it (`apt-get install git-lfs`, `brew install git-lfs`); local registry work needs no git-lfs"
    )
)]
pub struct GitLfsMissing;

/// Pushes `branch` to `remote`, LFS objects first (a plain `git push` from a
/// repository written through libgit2 would not upload them).
pub fn push_branch(store: &Store, remote: &str, branch: &str) -> Result<(), CommandError> {
    if Command::new("git")
        .args(["lfs", "version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        git(store, &["lfs", "push", remote, branch])?;
    }
    git(
        store,
        &[
            "push",
            remote,
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
        ],
    )?;
    Ok(())
}

/// Where to open a pull (merge) request for `branch` against `base`, for GitHub and
/// GitLab remotes (https or ssh URLs).
pub fn compare_url(remote_url: &str, base: &str, branch: &str) -> Option<String> {
    let trimmed = remote_url
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git");
    let (host, path) = if let Some(rest) = trimmed.strip_prefix("git@") {
        rest.split_once(':')?
    } else {
        let rest = trimmed.split_once("://")?.1;
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        rest.split_once('/')?
    };
    match host {
        "github.com" => Some(format!(
            "https://github.com/{path}/compare/{base}...{branch}?expand=1"
        )),
        "gitlab.com" => Some(format!(
            "https://gitlab.com/{path}/-/merge_requests/new?merge_request[source_branch]={branch}&merge_request[target_branch]={base}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_urls_for_github_and_gitlab() {
        assert_eq!(
            compare_url("git@github.com:acme/models.git", "main", "omgreg/x").as_deref(),
            Some("https://github.com/acme/models/compare/main...omgreg/x?expand=1")
        );
        assert_eq!(
            compare_url("https://token@github.com/acme/models", "main", "b").as_deref(),
            Some("https://github.com/acme/models/compare/main...b?expand=1")
        );
        assert!(
            compare_url("https://gitlab.com/g/sub/repo.git", "main", "b")
                .unwrap()
                .contains("gitlab.com/g/sub/repo/-/")
        );
        assert_eq!(compare_url("/srv/git/models.git", "main", "b"), None);
    }
}
