//! A hermetic environment for running `omgreg` and `git`: temp HOME, no global or
//! system Git configuration, fixed identity and dates, no colour.

#![allow(dead_code)] // each test module uses a different part of the harness

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

#[cfg(feature = "failpoints")]
pub mod crash;
pub mod http_remote;
pub mod lifecycle;
pub mod mlflow;
pub mod refusal;
pub mod signing;
pub mod tools;
pub mod transcript;
use sha2::{Digest, Sha256};

pub const AUTHOR: &str = "Ada Lovelace";
pub const EMAIL: &str = "ada@example.com";
pub const DATE: &str = "2026-01-02T03:04:05Z";

/// A temp folder with a HOME inside, plus helpers to run commands hermetically.
pub struct TestEnv {
    dir: tempfile::TempDir,
    /// Extra variables every later `omgreg` / `git` command sees (see [`Self::set_env`]).
    extra_env: RefCell<Vec<(String, String)>>,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        Self {
            dir,
            extra_env: RefCell::new(Vec::new()),
        }
    }

    /// Sets `key=value` for every `omgreg` and `git` command run after this call
    /// (e.g. `GNUPGHOME`, `SSH_AUTH_SOCK`); a later call for the same key wins.
    pub fn set_env(&self, key: &str, value: &str) {
        let mut extra = self.extra_env.borrow_mut();
        extra.retain(|(k, _)| k != key);
        extra.push((key.to_owned(), value.to_owned()));
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn hermetic(&self, command: &mut std::process::Command) {
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", AUTHOR)
            .env("GIT_AUTHOR_EMAIL", EMAIL)
            .env("GIT_AUTHOR_DATE", DATE)
            .env("GIT_COMMITTER_NAME", AUTHOR)
            .env("GIT_COMMITTER_EMAIL", EMAIL)
            .env("GIT_COMMITTER_DATE", DATE)
            .env("NO_COLOR", "1")
            .env("OMGREG_NO_PROGRESS", "1")
            .env("LANG", "C");
        for (key, value) in self.extra_env.borrow().iter() {
            command.env(key, value);
        }
    }

    /// `omgreg` run in `dir`.
    pub fn omgreg(&self, dir: &Path) -> Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_omgreg"));
        self.hermetic(&mut command);
        command.current_dir(dir);
        Command::from_std(command)
    }

    /// `omgreg` as a plain std command (for spawning several at once).
    pub fn omgreg_std(&self, dir: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_omgreg"));
        self.hermetic(&mut command);
        command.current_dir(dir);
        command
    }

    /// `program` as a plain std command with the same hermetic environment (e.g. a
    /// shell that sets limits, then `exec`s `omgreg`).
    pub fn hermetic_std(&self, program: &str, dir: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(program);
        self.hermetic(&mut command);
        command.current_dir(dir);
        command
    }

    /// Runs `git args` in `dir`, whatever its outcome.
    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        let mut command = std::process::Command::new("git");
        self.hermetic(&mut command);
        command
            .current_dir(dir)
            .args(args)
            .output()
            .expect("git runs")
    }

    /// Runs `git args` in `dir`, which must succeed; returns stdout.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.git_output(dir, args);
        assert!(
            output.status.success(),
            "git {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("git prints UTF-8 here")
    }

    /// `omgreg init <name>` in the env root; returns the registry folder.
    pub fn init_registry(&self, name: &str) -> PathBuf {
        self.omgreg(self.path())
            .args(["init", name])
            .assert()
            .success();
        self.path().join(name)
    }

    /// Writes a file of `size` pseudo-random bytes; returns its path and sha256.
    pub fn make_file(&self, relative: &str, size: usize) -> (PathBuf, String) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ size as u64 ^ relative.len() as u64;
        let bytes: Vec<u8> = (0..size)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(&path, &bytes).expect("write file");
        (path, hex::encode(Sha256::digest(&bytes)))
    }

    /// Everything a refused command must leave alone: HEAD, index, working tree.
    pub fn state(&self, repo: &Path) -> RepoState {
        let head = self.git_output(repo, &["rev-parse", "HEAD"]);
        let index = std::fs::read(repo.join(".git/index")).unwrap_or_default();
        let mut files = Vec::new();
        for entry in walk(repo) {
            let relative = entry
                .strip_prefix(repo)
                .expect("below repo")
                .to_string_lossy()
                .into_owned();
            if relative.starts_with(".git") {
                continue;
            }
            files.push((relative, std::fs::read(&entry).unwrap_or_default()));
        }
        files.sort();
        RepoState {
            head: String::from_utf8_lossy(&head.stdout).trim().to_owned(),
            index_sha256: hex::encode(Sha256::digest(&index)),
            files,
            refs: self.git(repo, &["for-each-ref", "--format=%(refname) %(objectname)"]),
        }
    }

    /// `git fsck --full` must pass and report nothing dangling or broken.
    pub fn assert_fsck_clean(&self, repo: &Path) {
        let output = self.git_output(repo, &["fsck", "--full", "--no-progress"]);
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success() && report.trim().is_empty(),
            "git fsck: {report}"
        );
    }

    /// `omgreg <args> --json` parsed.
    pub fn json(&self, dir: &Path, args: &[&str]) -> serde_json::Value {
        let output = self
            .omgreg(dir)
            .args(args)
            .arg("--json")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&output).expect("omgreg --json prints JSON")
    }

    pub fn commit_count(&self, repo: &Path) -> usize {
        self.git(repo, &["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .expect("a count")
    }
}

/// A snapshot of HEAD, refs, the index file and every working-tree file.
#[derive(Debug, PartialEq, Eq)]
pub struct RepoState {
    pub head: String,
    pub index_sha256: String,
    pub files: Vec<(String, Vec<u8>)>,
    pub refs: String,
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if path.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// stderr of a finished command as text.
pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
