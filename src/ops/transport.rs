//! Network transport through the `git` program, so credential helpers and ssh
//! configuration apply exactly as for the user's own pushes.

use std::process::Command;

use crate::store::Store;

use super::CommandError;

/// A `git` command that failed, with git's words (credentials in URLs masked) and a
/// hint chosen from them.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`git {command}` failed: {stderr}")]
#[diagnostic(code(omgreg::transport::git_failed))]
pub struct GitFailed {
    pub command: String,
    pub stderr: String,
    #[help]
    pub help: &'static str,
}

impl GitFailed {
    fn new(args: &[&str], said: &str) -> Self {
        // git-lfs's progress line ends up in the output even when the transfer failed.
        let said = said
            .lines()
            .filter(|line| {
                !line.starts_with("Uploading LFS objects:")
                    && !line.starts_with("Downloading LFS objects:")
            })
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            command: redact_credentials(&args.join(" ")),
            help: hint(&said),
            stderr: redact_credentials(said.trim()),
        }
    }
}

/// What to do about a failure, from what git said: refused credentials and a server
/// refusing the push are common enough to be named.
fn hint(said: &str) -> &'static str {
    const AUTH: [&str; 7] = [
        "Authentication failed",
        "Authentication required",
        "Authorization error",
        "could not read Username",
        "could not read Password",
        "HTTP Basic: Access denied",
        "Permission denied (publickey",
    ];
    if AUTH.iter().any(|needle| said.contains(needle)) {
        "the server refused the credentials git sent, or git had none: check the user and \
         password or token in the remote's URL or in your credential helper, then run the \
         command again"
    } else if said.contains("[remote rejected]") {
        "the server refused the push: its `remote:` lines say why (for omgreg's \
         pre-receive hook, `omgreg check` shows the same findings here)"
    } else {
        "run the same `git` command by hand to see why"
    }
}

/// `text` with the user and password (or token) of every `scheme://user:pass@host`
/// replaced by `***`: git-lfs prints remote URLs as configured, and a token in one
/// must not end up in a CI log through omgreg.
pub fn redact_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || "'\"`<>".contains(c))
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(user_end) => {
                out.push_str("***");
                out.push_str(&authority[user_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs `git args` in the repository of `store`.
pub fn git(store: &Store, args: &[&str]) -> Result<String, CommandError> {
    let dir = store.workdir().unwrap_or_else(|| store.git_dir());
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|err| CommandError::User(GitFailed::new(args, &err.to_string()).into()))?;
    if !output.status.success() {
        // git-lfs reports some failures (missing objects) on stdout.
        let said = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim()
        );
        return Err(CommandError::User(GitFailed::new(args, &said).into()));
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
    fn credentials_in_urls_are_masked() {
        assert_eq!(
            redact_credentials(
                "Authorization error: http://alice:s3cret@127.0.0.1:80/a.git/info/lfs\n\
                 git config lfs.https://TOKEN@host/x.git/info/lfs.locksverify false"
            ),
            "Authorization error: http://***@127.0.0.1:80/a.git/info/lfs\n\
             git config lfs.https://***@host/x.git/info/lfs.locksverify false"
        );
        assert_eq!(
            redact_credentials("for 'https://u:p@h' and ssh://git@h:22/x"),
            "for 'https://***@h' and ssh://***@h:22/x"
        );
        let plain = "fatal: 'nowhere' does not appear to be a git repository (http://h/x)";
        assert_eq!(redact_credentials(plain), plain);
    }

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
