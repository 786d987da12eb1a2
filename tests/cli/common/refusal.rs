//! Helpers for refusal tests: run a command that must fail, and check that it left
//! the repository exactly as it was.

use std::path::{Path, PathBuf};

use super::{TestEnv, stderr_of};

/// A registry `reg` with one artifact `w.bin` beside it (`../w.bin` from inside).
///
/// Refused registrations pass the artifact too, so that "no LFS object was written"
/// is a real check rather than a property of an empty store.
pub fn registry() -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.make_file("w.bin", 4096);
    (env, reg)
}

/// Runs `omgreg args` in `dir`, which must exit with `code` and change nothing in
/// `repo`; returns stderr flattened (see [`flatten`]).
pub fn refused_in(env: &TestEnv, dir: &Path, repo: &Path, args: &[&str], code: i32) -> String {
    let before = env.state(repo);
    let objects = lfs_objects(repo);
    let output = env
        .omgreg(dir)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    let stderr = flatten(&stderr_of(&output));
    assert!(
        output.stdout.is_empty(),
        "a refusal prints no data: {args:?}"
    );
    assert_eq!(
        env.state(repo),
        before,
        "omgreg {args:?} changed the repository"
    );
    assert_eq!(
        lfs_objects(repo),
        objects,
        "omgreg {args:?} wrote LFS objects"
    );
    stderr
}

/// [`refused_in`] run inside the registry itself.
pub fn refused(env: &TestEnv, reg: &Path, args: &[&str], code: i32) -> String {
    refused_in(env, reg, reg, args, code)
}

/// `omgreg register ARGS --artifact ../w.bin`, which must be refused with exit 1 before
/// the artifact is stored.
pub fn register_refused(env: &TestEnv, reg: &Path, args: &[&str]) -> String {
    let mut full = vec!["register"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--artifact", "../w.bin"]);
    refused(env, reg, &full, 1)
}

/// stderr with miette's line wrapping and gutters undone, so that assertions do not
/// depend on the report width.
pub fn flatten(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| {
            let line = line.trim();
            line.strip_prefix('|').unwrap_or(line).trim()
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[track_caller]
pub fn assert_mentions(stderr: &str, needles: &[&str]) {
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
    }
}

/// Every file of the Git LFS object store, sorted.
pub fn lfs_objects(repo: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![repo.join(".git/lfs/objects")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Writes `content` at `path` in `reg` and commits it with plain git, as a hand edit.
pub fn commit_by_hand(env: &TestEnv, reg: &Path, path: &str, content: &str) {
    let file = reg.join(path);
    std::fs::create_dir_all(file.parent().expect("has parent")).expect("mkdir");
    std::fs::write(&file, content).expect("write");
    env.git(reg, &["add", path]);
    env.git(reg, &["commit", "-q", "-m", "hand edit"]);
}

/// Edits `model`'s `stages.yaml` by hand (`from` becomes `to`; `from` must be there)
/// and commits it with the message of an `omgreg rollback` of `slot` (the trailer
/// `Omgreg-Stage: Production` or `Omgreg-Alias: champion`): a rollback claimed by a
/// trailer alone, which must prove nothing.
pub fn commit_claimed_rollback(
    env: &TestEnv,
    reg: &Path,
    model: &str,
    (from, to): (&str, &str),
    slot: &str,
) {
    let path = reg.join(format!("models/{model}/stages.yaml"));
    let stages = std::fs::read_to_string(&path).expect("stages");
    let moved = stages.replace(from, to);
    assert_ne!(moved, stages, "`{from}` in:\n{stages}");
    std::fs::write(&path, moved).expect("write");
    env.git(reg, &["add", "-A"]);
    let message =
        format!("Roll back {model}\n\nOmgreg-Action: rollback\nOmgreg-Model: {model}\n{slot}\n");
    env.git(reg, &["commit", "-q", "-m", &message]);
}

pub fn register_ok(env: &TestEnv, reg: &Path, args: &[&str]) {
    env.omgreg(reg)
        .arg("register")
        .args(args)
        .assert()
        .success();
}
