//! omgreg and plain git in the same working tree (issue 10, finding 1): git's
//! locking commands cannot interleave with an omgreg action, and a plain commit made
//! from an index read before the action cannot undo it (the pre-commit hook).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::lifecycle::act;
use crate::common::{TestEnv, stderr_of};

/// Waits for `path` to exist (a paused failpoint), at most a minute.
#[cfg(feature = "failpoints")]
fn wait_for(path: &std::path::Path) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "never reached {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(feature = "failpoints")]
#[test]
fn git_cannot_commit_between_the_branch_move_and_the_index_update() {
    // Before: omgreg moved the branch first and took the index lock afterwards, so
    // a `git add && git commit` in between committed a tree without the version.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    act(&env, &reg, &["register", "m", "--version", "1.0.0"]);
    let pauses = env.path().join("pauses");
    std::fs::create_dir_all(&pauses).expect("mkdir");
    let mut omgreg = env
        .omgreg_std(&reg)
        .args(["register", "m", "--version", "1.1.0"])
        .env("OMGREG_FAILPOINT", "ref-updated:pause")
        .env("OMGREG_FAILPOINT_DIR", &pauses)
        .spawn()
        .expect("omgreg starts");
    wait_for(&pauses.join("ref-updated.reached"));
    std::fs::write(reg.join("notes.txt"), "mine\n").expect("write");
    let add = env.git_output(&reg, &["add", "notes.txt"]);
    assert!(
        !add.status.success(),
        "git add must wait for omgreg's index lock"
    );
    assert!(String::from_utf8_lossy(&add.stderr).contains("index.lock"));
    let commit = env.git_output(&reg, &["commit", "-qam", "sneaky"]);
    assert!(!commit.status.success(), "git commit must not interleave");
    std::fs::write(pauses.join("ref-updated.go"), b"").expect("go");
    assert!(omgreg.wait().expect("omgreg ends").success());
    env.git(&reg, &["add", "notes.txt"]);
    env.git(&reg, &["commit", "-qm", "notes"]);
    let tree = env.git(&reg, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(tree.contains("models/m/versions/1.1.0.yaml"), "{tree}");
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    let history = env.json(&reg, &["history", "m"]);
    assert!(!history.to_string().contains("\"removed\""), "{history}");
}

#[test]
fn a_commit_from_an_index_read_before_the_action_is_refused_by_the_hook() {
    // git commit reads the index before it locks it; a commit that started before an
    // omgreg action can still write the old index on top of the new branch tip. The
    // pre-commit hook omgreg installs refuses such a tree: it removes a version.
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    act(&env, &reg, &["register", "m", "--version", "1.0.0"]);
    act(&env, &reg, &["register", "m", "--version", "1.1.0"]);
    // The index as that commit read it: before the last action.
    env.git(&reg, &["read-tree", "HEAD~1"]);
    let commit = env.git_output(&reg, &["commit", "-qm", "from a stale index"]);
    assert!(!commit.status.success(), "the hook refuses");
    let stderr = String::from_utf8_lossy(&commit.stderr);
    assert!(stderr.contains("m@1.1.0"), "{stderr}");
    let tree = env.git(&reg, &["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(tree.contains("models/m/versions/1.1.0.yaml"));
}

// The bounded soak: omgreg writers beside a `git add -A && git commit` loop, judged
// by git at the end (the long version, on the release binary, is .ci/soak-git-beside).
//
// The race it is about is rare at natural speed (about once in a few hundred actions):
// `git commit` reads HEAD and the index, then locks the index and writes back what it
// read; if an omgreg action moved the branch just before and writes the index just
// after that read, the commit's tree is from before the action. Two slow spots make
// it common within a few dozen actions, neither one creating an interleaving that
// natural timing cannot: omgreg pauses a random moment where the branch has moved and
// the index is not written yet (the failpoint `ref-updated`, with the feature
// `failpoints`), and git runs a slow file-system monitor between reading the index and
// locking it (`core.fsmonitor`, as a busy watchman is). Without the pre-commit hook,
// the register soak below fails (a git commit removes a registered version).

/// The git loop's identity: how its commits are told from omgreg's.
const BESIDE: &str = "git-beside";
/// omgreg actions per writer; two writers.
const ACTIONS_PER_WRITER: u64 = 20;
const MODELS: [&str; 2] = ["churn", "fraud"];
/// A file-system monitor that takes 20 ms to answer and then fails (git then checks
/// every file itself, so git's view of the working tree stays exact).
const SLOW_FSMONITOR: &str = "#!/bin/sh\nsleep 0.02\nexit 1\n";

/// A command a thread can build on its own (`TestEnv` is not `Sync`): the program,
/// the hermetic environment and the folder of a command the env built.
#[derive(Clone)]
struct Runner {
    program: OsString,
    envs: Vec<(OsString, OsString)>,
    dir: PathBuf,
}

impl Runner {
    fn new(template: &Command) -> Self {
        Self {
            program: template.get_program().to_owned(),
            envs: template
                .get_envs()
                .filter_map(|(key, value)| Some((key.to_owned(), value?.to_owned())))
                .collect(),
            dir: template.get_current_dir().expect("a folder").to_owned(),
        }
    }

    /// The same command with `key=value` too (a later value wins).
    fn with(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.program);
        command
            .env_clear()
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.dir)
            .args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the command runs")
    }
}

/// A small pseudo-random sequence (xorshift), one per thread, so that a failing run
/// makes the same choices again.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }

    fn pause(&mut self, max_ms: u64) {
        std::thread::sleep(Duration::from_millis(self.roll(max_ms)));
    }
}

/// What one omgreg writer saw.
#[derive(Default)]
struct WriterLog {
    /// `MODEL@VERSION` as `register` printed it.
    registered: Vec<String>,
    /// Actions that succeeded (each is one commit of omgreg's).
    done: u64,
    /// Why the others failed (refused promotions, paths git left staged, ...).
    failed: Vec<String>,
}

/// Runs one omgreg action and lets it go on a random moment after it paused at
/// `ref-updated` (a build without failpoints does not pause).
fn paced(omgreg: &Runner, pauses: &Path, args: &[&str], dice: &mut Dice) -> Output {
    let reached = pauses.join("ref-updated.reached");
    let go = pauses.join("ref-updated.go");
    let mut child = omgreg
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("omgreg starts");
    while child.try_wait().expect("omgreg runs").is_none() {
        if reached.exists() {
            dice.pause(40);
            std::fs::write(&go, b"").expect("go");
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = child.wait_with_output().expect("omgreg ends");
    for marker in [&reached, &go] {
        let _ = std::fs::remove_file(marker);
    }
    output
}

/// One omgreg writer: registers (some with an artifact) and, with `promote`, promotes
/// random versions; thinks up to 0.2 s between actions so that git commits land too.
fn writer(omgreg: &Runner, git: &Runner, id: u64, promote: bool, artifact: &Path) -> WriterLog {
    let pauses = artifact.with_extension("pauses");
    std::fs::create_dir_all(&pauses).expect("mkdir");
    let omgreg = omgreg
        .clone()
        .with("OMGREG_FAILPOINT", "ref-updated:pause")
        .with("OMGREG_FAILPOINT_DIR", &pauses);
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ id);
    let mut log = WriterLog::default();
    let artifact = artifact.to_str().expect("a UTF-8 temp path");
    for _ in 0..ACTIONS_PER_WRITER {
        let model = MODELS[dice.roll(2) as usize];
        let registering = !promote || dice.roll(2) == 0;
        let output = if registering {
            let bump = ["patch", "minor"][dice.roll(2) as usize];
            let mut args = vec!["register", model, "--bump", bump];
            if dice.roll(3) == 0 {
                args.extend(["--artifact", artifact]);
            }
            paced(&omgreg, &pauses, &args, &mut dice)
        } else {
            let dir = format!("models/{model}/versions/");
            let listing = git.run(&["ls-tree", "--name-only", "HEAD", &dir]);
            let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
            let versions: Vec<&str> = listing.lines().collect();
            let file = versions[dice.roll(versions.len() as u64) as usize];
            let version = file.trim_start_matches(&dir).trim_end_matches(".yaml");
            let reference = format!("{model}@{version}");
            let stage = ["Staging", "Production"][dice.roll(2) as usize];
            let args = ["promote", &reference, "--stage", stage];
            paced(&omgreg, &pauses, &args, &mut dice)
        };
        if output.status.success() {
            log.done += 1;
            if registering {
                let printed = String::from_utf8_lossy(&output.stdout);
                log.registered.push(printed.trim().to_owned());
            }
        } else {
            let first = stderr_of(&output).lines().next().unwrap_or("").to_owned();
            log.failed.push(first);
        }
        dice.pause(200);
    }
    log
}

/// One round of the git loop: an edit outside models/, `git add -A`, `git commit`,
/// with a moment's thought after each.
fn git_round(git: &Runner, reg: &Path, round: u64, dice: &mut Dice) -> Result<(), String> {
    let file = reg.join(["notes.txt", "src/train.py"][(round % 2) as usize]);
    std::fs::create_dir_all(reg.join("src")).expect("mkdir");
    let mut text = std::fs::read_to_string(&file).unwrap_or_default();
    text.push_str(&format!("edit {round}\n"));
    std::fs::write(&file, text).expect("write");
    let message = format!("beside {round}");
    for args in [&["add", "-A"][..], &["commit", "-qm", &message]] {
        let output = git.run(args);
        if !output.status.success() {
            return Err(format!("git {}: {}", args[0], stderr_of(&output).trim()));
        }
        dice.pause(50);
    }
    Ok(())
}

/// Two omgreg writers beside the git loop, with the hooks of `omgreg hooks install`;
/// then git judges: no commit of the git loop touches models/, no merge, every
/// registered version is in HEAD, every action omgreg reported done is one commit of
/// its own, `omgreg check` passes, `git fsck` is clean and so is `git status`.
fn soak_beside_git(promote: bool) {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    assert!(reg.join(".git/hooks/pre-commit").exists());
    for model in MODELS {
        act(&env, &reg, &["register", model, "--version", "1.0.0"]);
    }
    let seeded = env.commit_count(&reg) as u64;
    let fsmonitor = env.path().join("slow-fsmonitor");
    std::fs::write(&fsmonitor, SLOW_FSMONITOR).expect("write");
    std::fs::set_permissions(&fsmonitor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    env.git(
        &reg,
        &[
            "config",
            "core.fsmonitor",
            fsmonitor.to_str().expect("UTF-8"),
        ],
    );
    let git = Runner::new(&env.hermetic_std("git", &reg))
        .with("GIT_AUTHOR_NAME", BESIDE)
        .with("GIT_COMMITTER_NAME", BESIDE);
    let omgreg = Runner::new(&env.omgreg_std(&reg));
    let artifacts = [
        env.make_file("w1/a.bin", 3_000).0,
        env.make_file("w2/a.bin", 5_000).0,
    ];

    let stop = AtomicBool::new(false);
    let (logs, git_failed) = std::thread::scope(|scope| {
        let writers: Vec<_> = (artifacts.iter().zip(1..))
            .map(|(artifact, id)| {
                let (omgreg, git) = (&omgreg, &git);
                scope.spawn(move || writer(omgreg, git, id, promote, artifact))
            })
            .collect();
        let git_loop = scope.spawn(|| {
            let (mut failed, mut round, mut dice) = (Vec::new(), 1, Dice(0x5EED));
            while !stop.load(Ordering::Relaxed) {
                if let Err(why) = git_round(&git, &reg, round, &mut dice) {
                    failed.push(why);
                }
                round += 1;
            }
            (failed, round, dice)
        });
        let logs: Vec<WriterLog> = writers
            .into_iter()
            .map(|w| w.join().expect("writer"))
            .collect();
        stop.store(true, Ordering::Relaxed);
        let (failed, round, mut dice) = git_loop.join().expect("git loop");
        // omgreg is quiet now: the loop's next round lands (and `git add -A` stages
        // from the working tree whatever a refused commit left in the index).
        git_round(&git, &reg, round, &mut dice).expect("a git commit lands once omgreg is quiet");
        (logs, failed)
    });

    let violations = judge(&env, &reg, seeded, &logs);
    let failed: Vec<&String> = logs.iter().flat_map(|log| &log.failed).collect();
    assert!(
        violations.is_empty(),
        "{violations:#?}\nomgreg actions failed: {failed:#?}\ngit rounds failed: {git_failed:#?}"
    );
}

/// What git finds wrong after the soak, one line each.
fn judge(env: &TestEnv, reg: &Path, seeded: u64, logs: &[WriterLog]) -> Vec<String> {
    let mut violations = Vec::new();
    let mut omgreg_commits = 0;
    for line in env.git(reg, &["log", "--format=%H %an"]).lines() {
        let (commit, author) = line.split_once(' ').expect("hash and author");
        if author == BESIDE {
            let args = [
                "diff-tree",
                "--no-commit-id",
                "--name-only",
                "-r",
                commit,
                "--",
                "models/",
            ];
            let touched = env.git(reg, &args);
            if !touched.is_empty() {
                violations.push(format!("git commit {commit} touched {touched}"));
            }
        } else {
            omgreg_commits += 1;
            let message = env.git(reg, &["log", "-1", "--format=%B", commit]);
            if !message
                .lines()
                .any(|line| line.starts_with("Omgreg-Action: "))
            {
                violations.push(format!("commit {commit} by {author} is not omgreg's"));
            }
        }
    }
    let merges = env.git(reg, &["rev-list", "--merges", "HEAD"]);
    if !merges.is_empty() {
        violations.push(format!("merges: {merges}"));
    }
    let tree = env.git(reg, &["ls-tree", "-r", "--name-only", "HEAD", "models/"]);
    for reference in logs.iter().flat_map(|log| &log.registered) {
        let (model, version) = reference.split_once('@').expect("MODEL@VERSION");
        let path = format!("models/{model}/versions/{version}.yaml");
        if !tree.lines().any(|line| line == path) {
            violations.push(format!("registered {reference} is not in HEAD"));
        }
    }
    let done: u64 = logs.iter().map(|log| log.done).sum();
    if omgreg_commits != seeded + done {
        let commits = omgreg_commits - seeded;
        violations.push(format!(
            "{done} actions done, {commits} commits of omgreg's"
        ));
    }
    let check = env.omgreg(reg).arg("check").output().expect("omgreg check");
    if !check.status.success() {
        violations.push(format!("omgreg check: {}", stderr_of(&check)));
    }
    let fsck = env.git_output(reg, &["fsck", "--full", "--no-dangling", "--no-progress"]);
    if !fsck.status.success() || !fsck.stdout.is_empty() || !fsck.stderr.is_empty() {
        let stdout = String::from_utf8_lossy(&fsck.stdout);
        violations.push(format!("git fsck: {stdout}{}", stderr_of(&fsck)));
    }
    let status = env.git(reg, &["status", "--porcelain"]);
    if !status.is_empty() {
        violations.push(format!("git status: {status}"));
    }
    violations
}

#[test]
fn git_commits_beside_omgreg_registers_never_undo_them() {
    soak_beside_git(false);
}

#[test]
fn git_commits_beside_omgreg_promotions_never_undo_them() {
    soak_beside_git(true);
}
