//! Whole-process benchmarks of `omgreg` on generated registries.
//!
//! Run with `cargo bench --bench registry` (release build). Prints Markdown tables to
//! stdout and progress to stderr. Every figure is a median of whole-process wall-clock
//! times (spawn to exit), reported with a baseline measured in the same run, runs of
//! the command and of its baseline interleaved:
//!
//! - read commands, `register` without artifacts and `check` against `git rev-parse
//!   HEAD` in the same repository (the cost of starting a process that opens the
//!   repository); `list` both with its row cache deleted before each run (cold) and
//!   with it in place (warm);
//! - `rollback` and `history` on a registry with a long promotion history, against
//!   `git rev-parse HEAD` and `git log --oneline -- models/m7/stages.yaml`;
//! - signed `register` against `register --no-sign`, and `git commit -S` against an
//!   unsigned `git commit` for reference (a throwaway SSH key);
//! - `register --artifact <1 GiB file>` against `cp` of the same file on the same file
//!   system, page cache warm, the copy and the LFS objects deleted before each run.
//!
//! Environment:
//! - `OMGREG_BENCH_QUICK=1`: small registries, 5 runs, a 2,000-commit history, a 64 MiB
//!   artifact (seconds).
//! - `OMGREG_BENCH_RUNS=N`: runs per figure (default 30; `check` at most 10, the large
//!   artifact 5).
//! - `OMGREG_BENCH_SHAPES=1000x10,100x100`: the registries (models x versions).
//! - `OMGREG_BENCH_HISTORY=20000`: promotion commits in the history registry.
//! - `OMGREG_BENCH_PARTS=shapes,check,history,signing,artifact`: which parts to run
//!   (default all; `check` runs on the registries of `shapes`, after `register`).
//! - `OMGREG_BENCH_KEEP=1`: keep the generated registries and print where they are.
//!
//! `cargo test --all-targets` builds this target and runs it without `--bench`; it then
//! does nothing.

mod generate;

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use generate::{History, Shape};

/// What to run.
struct Plan {
    shapes: Vec<Shape>,
    runs: usize,
    warmup: usize,
    history: History,
    big_bytes: u64,
    big_runs: usize,
    parts: Vec<String>,
}

impl Plan {
    fn from_env() -> Self {
        let mut plan = Self::defaults();
        if let Ok(list) = std::env::var("OMGREG_BENCH_SHAPES") {
            plan.shapes = list
                .split(',')
                .map(|shape| {
                    let (models, versions) = shape
                        .trim()
                        .split_once('x')
                        .and_then(|(m, v)| Some((m.parse().ok()?, v.parse().ok()?)))
                        .filter(|&(m, v)| m > 0 && v > 0)
                        .unwrap_or_else(|| {
                            panic!("OMGREG_BENCH_SHAPES: `{shape}` is not MODELSxVERSIONS")
                        });
                    Shape { models, versions }
                })
                .collect();
        }
        if let Ok(commits) = std::env::var("OMGREG_BENCH_HISTORY") {
            plan.history.commits = commits
                .trim()
                .parse()
                .ok()
                .filter(|&n| n > 100)
                .expect("OMGREG_BENCH_HISTORY: a number of commits above 100");
        }
        if let Ok(parts) = std::env::var("OMGREG_BENCH_PARTS") {
            plan.parts = parts.split(',').map(|p| p.trim().to_owned()).collect();
            for part in &plan.parts {
                assert!(
                    PARTS.contains(&part.as_str()),
                    "OMGREG_BENCH_PARTS: `{part}` is not one of {PARTS:?}"
                );
            }
            assert!(
                !plan.runs("check") || plan.runs("shapes"),
                "OMGREG_BENCH_PARTS: `check` needs `shapes`"
            );
        }
        plan
    }

    fn runs(&self, part: &str) -> bool {
        self.parts.iter().any(|p| p == part)
    }

    fn defaults() -> Self {
        let quick = is_set("OMGREG_BENCH_QUICK");
        let runs = std::env::var("OMGREG_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0);
        let parts = PARTS.iter().map(|&p| p.to_owned()).collect();
        let history = |commits| History {
            models: 200,
            versions: 5,
            commits,
            subject: 7,
        };
        if quick {
            Self {
                shapes: vec![
                    Shape {
                        models: 100,
                        versions: 10,
                    },
                    Shape {
                        models: 10,
                        versions: 100,
                    },
                ],
                runs: runs.unwrap_or(5),
                warmup: 1,
                history: history(2_000),
                big_bytes: 64 << 20,
                big_runs: 2,
                parts,
            }
        } else {
            Self {
                shapes: vec![
                    Shape {
                        models: 1000,
                        versions: 10,
                    },
                    Shape {
                        models: 100,
                        versions: 100,
                    },
                ],
                runs: runs.unwrap_or(30),
                warmup: 3,
                history: history(20_000),
                big_bytes: 1 << 30,
                big_runs: 5,
                parts,
            }
        }
    }
}

/// The parts of the bench. `check` runs on the registries of `shapes`, after them.
const PARTS: [&str; 5] = ["shapes", "check", "history", "signing", "artifact"];

fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// A temp folder with a HOME inside; builds hermetic commands.
struct Env {
    root: PathBuf,
    home: PathBuf,
    omgreg: PathBuf,
    path_var: std::ffi::OsString,
}

impl Env {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", &self.path_var)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("NO_COLOR", "1")
            .env("OMGREG_NO_PROGRESS", "1")
            .env("LANG", "C")
            .current_dir(dir);
        command
    }

    fn omgreg(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = self.command(&self.omgreg, dir);
        command.args(args);
        command
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = self.command("git", dir);
        command.args(args);
        command
    }
}

/// Runs `command`, which must succeed; returns its wall-clock time and output.
fn timed(mut command: Command) -> (Duration, Output) {
    let start = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let elapsed = start.elapsed();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (elapsed, output)
}

fn stdout_of(command: Command) -> String {
    String::from_utf8_lossy(&timed(command).1.stdout).into_owned()
}

/// Median, minimum and maximum of some runs, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
}

impl Stats {
    fn of(times: &[Duration]) -> Self {
        let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let median = if n % 2 == 1 {
            ms[n / 2]
        } else {
            (ms[n / 2 - 1] + ms[n / 2]) / 2.0
        };
        Self {
            median,
            min: ms[0],
            max: ms[n - 1],
            runs: n,
        }
    }
}

/// What a figure is held against.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Median at most this many milliseconds.
    Millis(f64),
    /// Median at most this multiple of the baseline median.
    Ratio(f64),
    /// No target: the figure is reported for comparison.
    None,
}

/// Which table a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    ReadRegister,
    Check,
    History,
    Signing,
    Artifact,
}

impl Group {
    const ALL: [Group; 5] = [
        Group::ReadRegister,
        Group::Check,
        Group::History,
        Group::Signing,
        Group::Artifact,
    ];

    fn title(self) -> &'static str {
        match self {
            Group::ReadRegister => "Read commands and register",
            Group::Check => "omgreg check",
            Group::History => "Rollback and history on a long history",
            Group::Signing => "Signed and unsigned register",
            Group::Artifact => "Large artifact",
        }
    }
}

struct Row {
    group: Group,
    bench: String,
    registry: String,
    subject: Stats,
    baseline_name: String,
    baseline: Stats,
    target: Target,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.subject.median / self.baseline.median
    }

    fn met(&self) -> bool {
        match self.target {
            Target::Millis(ms) => self.subject.median <= ms,
            Target::Ratio(r) => self.ratio() <= r,
            Target::None => true,
        }
    }
}

/// Runs `subject` and `baseline` alternately: `warmup` untimed rounds, then `runs`.
fn measure_pair(
    warmup: usize,
    runs: usize,
    subject: &dyn Fn() -> Command,
    baseline: &dyn Fn() -> Command,
    before_each: &dyn Fn(),
) -> (Stats, Stats) {
    let (mut s, mut b) = (Vec::new(), Vec::new());
    for round in 0..warmup + runs {
        before_each();
        let (base_time, _) = timed(baseline());
        before_each();
        let (subject_time, _) = timed(subject());
        if round >= warmup {
            b.push(base_time);
            s.push(subject_time);
        }
    }
    (Stats::of(&s), Stats::of(&b))
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("registry bench: skipped (run it with `cargo bench --bench registry`)");
        return;
    }
    let plan = Plan::from_env();
    let temp = tempfile::Builder::new()
        .prefix("omgreg-bench-")
        .tempdir()
        .expect("temp dir");
    let env = Env {
        root: temp.path().to_owned(),
        home: temp.path().join("home"),
        omgreg: PathBuf::from(env!("CARGO_BIN_EXE_omgreg")),
        path_var: std::env::var_os("PATH").unwrap_or_default(),
    };
    std::fs::create_dir_all(&env.home).expect("home");
    let started = Instant::now();
    let load_before = load_average();
    eprintln!("omgreg: {}", env.omgreg.display());
    eprintln!("work dir: {}", env.root.display());

    let mut rows = Vec::new();
    if plan.runs("shapes") {
        for &shape in &plan.shapes {
            let dir = env
                .root
                .join(format!("r{}x{}", shape.models, shape.versions));
            generate_verified(&env, &dir, shape);
            rows.extend(bench_shape(&env, &plan, &dir, shape));
        }
    }
    if plan.runs("history") {
        rows.extend(bench_history(&env, &plan));
    }
    if plan.runs("signing") {
        rows.extend(bench_signing(&env, &plan));
    }
    if plan.runs("artifact") {
        rows.push(bench_big_artifact(&env, &plan));
    }

    print_report(&env, &plan, &rows, &load_before);
    eprintln!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
    if is_set("OMGREG_BENCH_KEEP") {
        let kept = temp.keep();
        eprintln!("kept the registries in {}", kept.display());
    }
}

/// Generates a registry and checks that `omgreg list` reads it back whole.
fn generate_verified(env: &Env, dir: &Path, shape: Shape) {
    let start = Instant::now();
    generate::generate(dir, shape, &|| env.command("git", &env.root))
        .unwrap_or_else(|e| panic!("generating {}: {e}", shape.label()));
    eprintln!(
        "generated {} registry in {:.2} s",
        shape.label(),
        start.elapsed().as_secs_f64()
    );
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(dir, &["list", "--json"])))
            .expect("`omgreg list --json` prints JSON");
    let models = listed["models"].as_array().expect("a model list");
    assert_eq!(models.len(), shape.models, "models listed");
    let m42 = models
        .iter()
        .find(|m| m["model"] == "m42")
        .or_else(|| models.iter().find(|m| m["model"] == "m0"))
        .expect("a model");
    assert_eq!(m42["versions"], shape.versions, "versions of {m42}");
    assert_eq!(m42["latest"], shape.latest().as_str(), "latest of {m42}");
    assert_eq!(m42["stages"]["Staging"][0], shape.latest().as_str());
    let fsck = env.git(dir, &["fsck", "--no-progress", "--no-dangling"]);
    timed(fsck);
    let check = env
        .omgreg(dir, &["check"])
        .output()
        .expect("running omgreg check");
    assert!(
        check.status.success(),
        "`omgreg check` finds problems in the generated registry (do the model cards of \
         benches/generate.rs still match src/render/card.rs?):\n{}",
        String::from_utf8_lossy(&check.stdout)
            .lines()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("verified: `omgreg list` reads all models; `git fsck` and `omgreg check` are clean");
}

/// The model the single-model figures use.
fn subject_model(shape: Shape) -> String {
    generate::model(42.min(shape.models - 1))
}

fn bench_shape(env: &Env, plan: &Plan, dir: &Path, shape: Shape) -> Vec<Row> {
    let model = subject_model(shape);
    let latest = format!("{model}@latest");
    let cache = dir.join(".git").join("omgreg").join("list-cache.json");
    let no_cache = || {
        let _ = std::fs::remove_file(&cache);
    };
    let nothing = || {};
    type Read<'a> = (String, Vec<&'a str>, &'a dyn Fn());
    let reads: [Read; 4] = [
        (
            "`omgreg list` (cold: row cache deleted before each run)".to_owned(),
            vec!["list"],
            &no_cache,
        ),
        (
            "`omgreg list` (warm row cache)".to_owned(),
            vec!["list"],
            &nothing,
        ),
        (
            format!("`omgreg list {model}`"),
            vec!["list", &model],
            &nothing,
        ),
        (
            format!("`omgreg show {latest}`"),
            vec!["show", &latest],
            &nothing,
        ),
    ];
    let baseline = || env.git(dir, &["rev-parse", "HEAD"]);
    let mut rows = Vec::new();
    for (name, args, before_each) in &reads {
        eprintln!("{} {name}: {} runs", shape.label(), plan.runs);
        let (subject, base) = measure_pair(
            plan.warmup,
            plan.runs,
            &|| env.omgreg(dir, args),
            &baseline,
            before_each,
        );
        rows.push(Row {
            group: Group::ReadRegister,
            bench: name.clone(),
            registry: shape.label(),
            subject,
            baseline_name: "`git rev-parse HEAD`".to_owned(),
            baseline: base,
            target: Target::Millis(20.0),
        });
    }
    // The cold runs really were cold: `list` writes the cache where it was deleted.
    assert!(
        cache.is_file(),
        "`omgreg list` wrote no {}",
        cache.display()
    );

    eprintln!(
        "{} omgreg register {model}: {} runs",
        shape.label(),
        plan.runs
    );
    let (subject, base) = measure_pair(
        plan.warmup,
        plan.runs,
        &|| env.omgreg(dir, &["register", &model]),
        &baseline,
        &|| {},
    );
    rows.push(Row {
        group: Group::ReadRegister,
        bench: format!("`omgreg register {model}` (no artifact)"),
        registry: shape.label(),
        subject,
        baseline_name: "`git rev-parse HEAD`".to_owned(),
        baseline: base,
        target: Target::Millis(15.0),
    });
    // Every run registered one more version, bumped from the greatest.
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(dir, &["list", &model, "--json"])))
            .expect("JSON");
    let count = listed["versions"].as_array().map_or(0, Vec::len);
    assert_eq!(count, shape.versions + plan.warmup + plan.runs);

    if !plan.runs("check") {
        return rows;
    }
    // `check` of the whole registry, and of the last commit (a `register`) as a
    // pull request or push would be checked.
    let checks: [(&str, Vec<&str>); 2] = [
        ("omgreg check", vec!["check"]),
        (
            "omgreg check --range HEAD~1..HEAD",
            vec!["check", "--range", "HEAD~1..HEAD"],
        ),
    ];
    // `check` takes seconds at 1,000 models: fewer runs, one warm-up.
    let runs = plan.runs.min(10);
    for (name, args) in &checks {
        eprintln!("{} {name}: {runs} runs", shape.label());
        let (subject, base) = measure_pair(1, runs, &|| env.omgreg(dir, args), &baseline, &|| {});
        rows.push(Row {
            group: Group::Check,
            bench: format!("`{name}`"),
            registry: shape.label(),
            subject,
            baseline_name: "`git rev-parse HEAD`".to_owned(),
            baseline: base,
            target: Target::None,
        });
    }
    rows
}

/// One command measured against a baseline.
struct Figure<'a> {
    name: String,
    args: Vec<&'a str>,
    baseline: &'a dyn Fn() -> Command,
    baseline_name: String,
    target: Target,
    /// The command commits: the branch is reset before each run.
    writes: bool,
}

/// `rollback` and `history` of one model on a registry with a long promotion history.
fn bench_history(env: &Env, plan: &Plan) -> Vec<Row> {
    let history = plan.history;
    let dir = env.root.join("history");
    let start = Instant::now();
    let facts = generate::generate_history(&dir, history, &|| env.command("git", &env.root))
        .unwrap_or_else(|e| panic!("generating {}: {e}", history.label()));
    eprintln!(
        "generated the {} registry in {:.2} s",
        history.label(),
        start.elapsed().as_secs_f64()
    );
    let model = generate::model(history.subject);
    let stages = format!("models/{model}/stages.yaml");
    let head = stdout_of(env.git(&dir, &["rev-parse", "HEAD"]))
        .trim()
        .to_owned();
    let reset = || {
        timed(env.git(&dir, &["reset", "-q", "--hard", &head]));
    };

    // What the figures rest on: the rollback target, the promotions history finds.
    let dry: serde_json::Value = serde_json::from_str(&stdout_of(
        env.omgreg(&dir, &["rollback", &model, "--dry-run", "--json"]),
    ))
    .expect("JSON");
    let expected = format!("roll back {model} Production to {}", facts.rollback_target);
    assert_eq!(dry["subject"], expected.as_str(), "{dry}");
    timed(env.omgreg(&dir, &["rollback", &model]));
    let subject = stdout_of(env.git(&dir, &["log", "-1", "--format=%s"]));
    assert_eq!(subject.trim(), expected);
    reset();
    let events: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(&dir, &["history", &model, "--json"])))
            .expect("JSON");
    let promoted = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "promote" && e["event"] == "promoted")
        .count();
    assert_eq!(
        promoted, facts.promotions,
        "promotions of {model} in history"
    );
    let last: serde_json::Value = serde_json::from_str(&stdout_of(
        env.omgreg(&dir, &["history", "-n", "20", "--json"]),
    ))
    .expect("JSON");
    assert_eq!(last["events"].as_array().map_or(0, Vec::len), 20);
    let logged = stdout_of(env.git(&dir, &["log", "--oneline", "--", &stages]));
    assert_eq!(logged.lines().count(), facts.promotions + 1);
    eprintln!(
        "verified: {model} was promoted {} times, last {} and {} commits from the tip; \
         rollback lands on {} (now {})",
        facts.promotions,
        facts.target_depth,
        facts.current_depth,
        facts.rollback_target,
        facts.current
    );

    let registry = history.label();
    let rev_parse = || env.git(&dir, &["rev-parse", "HEAD"]);
    let git_log = || env.git(&dir, &["log", "--oneline", "--", &stages]);
    let git_log_name = format!("`git log --oneline -- {stages}`");
    let figures = [
        Figure {
            name: format!(
                "`omgreg rollback {model} --dry-run` (target {} commits back)",
                facts.target_depth
            ),
            args: vec!["rollback", &model, "--dry-run"],
            baseline: &rev_parse,
            baseline_name: "`git rev-parse HEAD`".to_owned(),
            target: Target::Millis(50.0),
            writes: false,
        },
        Figure {
            name: format!("`omgreg rollback {model}` (commits; branch reset between runs)"),
            args: vec!["rollback", &model],
            baseline: &rev_parse,
            baseline_name: "`git rev-parse HEAD`".to_owned(),
            target: Target::None,
            writes: true,
        },
        Figure {
            name: format!("`omgreg history {model}`"),
            args: vec!["history", &model],
            baseline: &git_log,
            baseline_name: git_log_name.clone(),
            target: Target::Ratio(1.0),
            writes: false,
        },
        Figure {
            name: "`omgreg history -n 20`".to_owned(),
            args: vec!["history", "-n", "20"],
            baseline: &git_log,
            baseline_name: git_log_name,
            target: Target::Ratio(1.0),
            writes: false,
        },
    ];
    let mut rows = Vec::new();
    for figure in figures {
        eprintln!("{registry} {}: {} runs", figure.name, plan.runs);
        let (subject, base) = measure_pair(
            plan.warmup,
            plan.runs,
            &|| env.omgreg(&dir, &figure.args),
            figure.baseline,
            &|| {
                if figure.writes {
                    reset();
                }
            },
        );
        if figure.writes {
            let subject = stdout_of(env.git(&dir, &["log", "-1", "--format=%s"]));
            assert_eq!(subject.trim(), expected);
            reset();
        }
        rows.push(Row {
            group: Group::History,
            bench: figure.name,
            registry: registry.clone(),
            subject,
            baseline_name: figure.baseline_name,
            baseline: base,
            target: figure.target,
        });
    }
    rows
}

/// Signed `register` (an SSH key, `commit.gpgsign`) against `register --no-sign` on the
/// same small registry, and `git commit -S` against an unsigned commit for reference.
fn bench_signing(env: &Env, plan: &Plan) -> Vec<Row> {
    let shape = Shape {
        models: 10,
        versions: 10,
    };
    let dir = env.root.join("signing-registry");
    generate_verified(env, &dir, shape);
    let key = env.root.join("signing-key");
    let key_arg = key.to_str().expect("a UTF-8 temp path");
    let mut keygen = env.command("ssh-keygen", &env.root);
    keygen.args([
        "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key_arg,
    ]);
    timed(keygen);
    for (name, value) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", key_arg),
        ("commit.gpgsign", "true"),
    ] {
        timed(env.git(&dir, &["config", name, value]));
    }
    // The newest `count` commits alternate unsigned (older) and signed (newer).
    let check_alternation = |count: usize| {
        let ids = stdout_of(env.git(&dir, &["rev-list", "-n", &count.to_string(), "HEAD"]));
        for (i, id) in ids.lines().enumerate() {
            let raw = stdout_of(env.git(&dir, &["cat-file", "commit", id]));
            let signed = raw.lines().any(|l| l.starts_with("gpgsig "));
            assert_eq!(signed, i % 2 == 0, "commit {id} signed: {signed}");
        }
    };

    let model = subject_model(shape);
    let registry = shape.label();
    let mut rows = Vec::new();
    eprintln!(
        "{registry} signed vs unsigned omgreg register {model}: {} runs",
        plan.runs
    );
    let (subject, base) = measure_pair(
        plan.warmup,
        plan.runs,
        &|| env.omgreg(&dir, &["register", &model]),
        &|| env.omgreg(&dir, &["register", &model, "--no-sign"]),
        &|| {},
    );
    check_alternation(2 * (plan.warmup + plan.runs));
    rows.push(Row {
        group: Group::Signing,
        bench: format!("`omgreg register {model}` (signed, SSH key)"),
        registry: registry.clone(),
        subject,
        baseline_name: format!("`omgreg register {model} --no-sign`"),
        baseline: base,
        target: Target::None,
    });

    eprintln!("{registry} git commit -S vs unsigned: {} runs", plan.runs);
    let (subject, base) = measure_pair(
        plan.warmup,
        plan.runs,
        &|| {
            env.git(
                &dir,
                &["commit", "-q", "--allow-empty", "-S", "-m", "signed"],
            )
        },
        &|| {
            env.git(
                &dir,
                &[
                    "commit",
                    "-q",
                    "--allow-empty",
                    "--no-gpg-sign",
                    "-m",
                    "unsigned",
                ],
            )
        },
        &|| {},
    );
    check_alternation(2 * (plan.warmup + plan.runs));
    rows.push(Row {
        group: Group::Signing,
        bench: "`git commit --allow-empty -S` (reference)".to_owned(),
        registry,
        subject,
        baseline_name: "`git commit --allow-empty --no-gpg-sign`".to_owned(),
        baseline: base,
        target: Target::None,
    });
    rows
}

/// `omgreg register big --artifact FILE` against `cp FILE` on the same file system.
fn bench_big_artifact(env: &Env, plan: &Plan) -> Row {
    let shape = Shape {
        models: 10,
        versions: 10,
    };
    let dir = env.root.join("big-registry");
    generate_verified(env, &dir, shape);
    let source = env.root.join("artifact.bin");
    let start = Instant::now();
    write_random_file(&source, plan.big_bytes);
    warm_page_cache(&source);
    eprintln!(
        "wrote a {} artifact in {:.2} s",
        size_label(plan.big_bytes),
        start.elapsed().as_secs_f64()
    );
    let copy = env.root.join("artifact-copy.bin");
    let lfs = dir.join(".git").join("lfs");
    let source_arg = source.to_str().expect("a UTF-8 temp path");
    let copy_arg = copy.to_str().expect("a UTF-8 temp path");

    // Before each timed run: no copy, no LFS object, nothing left to write back.
    let clean = || {
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_dir_all(&lfs);
        timed(Command::new("sync"));
    };
    eprintln!(
        "register big --artifact ({}) vs cp: {} runs",
        size_label(plan.big_bytes),
        plan.big_runs
    );
    let (subject, base) = measure_pair(
        1,
        plan.big_runs,
        &|| env.omgreg(&dir, &["register", "big", "--artifact", source_arg]),
        &|| {
            let mut cp = env.command("cp", &dir);
            cp.args([source_arg, copy_arg]);
            cp
        },
        &clean,
    );
    clean();
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(&dir, &["list", "big", "--json"])))
            .expect("JSON");
    let versions = listed["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1 + plan.big_runs);
    assert_eq!(versions[0]["artifacts"][0]["size"], plan.big_bytes);
    Row {
        group: Group::Artifact,
        bench: format!(
            "`omgreg register big --artifact` ({})",
            size_label(plan.big_bytes)
        ),
        registry: shape.label(),
        subject,
        baseline_name: "`cp` of the same file".to_owned(),
        baseline: base,
        target: Target::Ratio(1.2),
    }
}

fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Incompressible bytes from xorshift64*, so nothing can shortcut the copy.
fn write_random_file(path: &Path, bytes: u64) {
    let mut file = File::create(path).expect("artifact file");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buffer = vec![0u8; 8 << 20];
    let mut left = bytes;
    while left > 0 {
        for chunk in buffer.chunks_exact_mut(8) {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            chunk.copy_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        let n = left.min(buffer.len() as u64) as usize;
        file.write_all(&buffer[..n]).expect("writing the artifact");
        left -= n as u64;
    }
    file.sync_all().expect("syncing the artifact");
}

fn warm_page_cache(path: &Path) {
    let mut file = File::open(path).expect("artifact file");
    let mut buffer = vec![0u8; 8 << 20];
    while file.read(&mut buffer).expect("reading the artifact") > 0 {}
}

/// The 1-minute load average: the machine was not idle when it is near the core count.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The commit the binary was built from, and whether `src/` or the Cargo files differ
/// from it (changes to `benches/` and `docs/` do not change what is measured).
fn measured_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]);
    let changed = git(&[
        "status",
        "--porcelain",
        "--",
        "src",
        "Cargo.toml",
        "Cargo.lock",
    ]);
    if changed.is_empty() {
        format!("{commit} (src/ and Cargo files as committed)")
    } else {
        format!("{commit} **with uncommitted changes to src/ or Cargo files**")
    }
}

fn print_report(env: &Env, plan: &Plan, rows: &[Row], load_before: &str) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let git = stdout_of(env.git(&env.root, &["--version"]));

    println!("## omgreg registry benchmarks\n");
    println!(
        "Machine: {cores} cores, {cpu}, Linux {kernel}; {}; omgreg {}; \
         1-minute load average {load_before} before, {} after.",
        git.trim(),
        measured_commit(),
        load_average()
    );
    println!(
        "Medians of whole-process wall-clock times, after {} warm-up runs (1 for `check` and \
         the large artifact); each row's baseline is measured interleaved with it, in the \
         same run.",
        plan.warmup
    );
    for group in Group::ALL {
        let rows: Vec<&Row> = rows.iter().filter(|row| row.group == group).collect();
        if rows.is_empty() {
            continue;
        }
        println!("\n### {}\n", group.title());
        println!(
            "| Benchmark | Registry | Runs | Median ms | Min–max ms | Baseline | \
             Baseline median ms | Ratio | Target | Met |"
        );
        println!("|---|---|---:|---:|---:|---|---:|---:|---|---|");
        for row in rows {
            let target = match row.target {
                Target::Millis(ms) => format!("≤ {ms} ms"),
                Target::Ratio(r) => format!("≤ {r}× baseline"),
                Target::None => "—".to_owned(),
            };
            let met = match row.target {
                Target::None => "—",
                _ if row.met() => "yes",
                _ => "**no**",
            };
            println!(
                "| {} | {} | {} | {} | {}–{} | {} | {} | {:.2}× | {} | {} |",
                row.bench,
                row.registry,
                row.subject.runs,
                ms(row.subject.median),
                ms(row.subject.min),
                ms(row.subject.max),
                row.baseline_name,
                ms(row.baseline.median),
                row.ratio(),
                target,
                met
            );
            debug_assert_eq!(row.subject.runs, row.baseline.runs);
        }
    }
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
