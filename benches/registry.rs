//! Whole-process benchmarks of `omgreg` on generated registries.
//!
//! Run with `cargo bench --bench registry` (release build). Prints a Markdown table to
//! stdout and progress to stderr. Every figure is a median of whole-process wall-clock
//! times (spawn to exit), reported with a baseline measured in the same run, runs of
//! the command and of its baseline interleaved:
//!
//! - read commands and `register` without artifacts against `git rev-parse HEAD` in the
//!   same repository (the cost of starting a process that opens the repository);
//! - `register --artifact <1 GiB file>` against `cp` of the same file on the same file
//!   system, page cache warm, the copy and the LFS objects deleted before each run.
//!
//! Environment:
//! - `OMGREG_BENCH_QUICK=1`: small registries, 5 runs, a 64 MiB artifact (seconds).
//! - `OMGREG_BENCH_RUNS=N`: runs per read/register figure (default 30).
//! - `OMGREG_BENCH_SHAPES=1000x10,100x100`: the registries (models x versions).
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

use generate::Shape;

/// What to run.
struct Plan {
    shapes: Vec<Shape>,
    runs: usize,
    warmup: usize,
    big_bytes: u64,
    big_runs: usize,
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
        plan
    }

    fn defaults() -> Self {
        let quick = is_set("OMGREG_BENCH_QUICK");
        let runs = std::env::var("OMGREG_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0);
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
                big_bytes: 64 << 20,
                big_runs: 2,
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
                big_bytes: 1 << 30,
                big_runs: 5,
            }
        }
    }
}

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
}

struct Row {
    bench: String,
    registry: String,
    subject: Stats,
    baseline_name: &'static str,
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
    for &shape in &plan.shapes {
        let dir = env
            .root
            .join(format!("r{}x{}", shape.models, shape.versions));
        generate_verified(&env, &dir, shape);
        rows.extend(bench_shape(&env, &plan, &dir, shape));
    }
    rows.push(bench_big_artifact(&env, &plan));

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
    eprintln!("verified: `omgreg list` reads all models; `git fsck` is clean");
}

/// The model the single-model figures use.
fn subject_model(shape: Shape) -> String {
    generate::model(42.min(shape.models - 1))
}

fn bench_shape(env: &Env, plan: &Plan, dir: &Path, shape: Shape) -> Vec<Row> {
    let model = subject_model(shape);
    let latest = format!("{model}@latest");
    let reads: [(String, Vec<&str>); 3] = [
        ("omgreg list".to_owned(), vec!["list"]),
        (format!("omgreg list {model}"), vec!["list", &model]),
        (format!("omgreg show {latest}"), vec!["show", &latest]),
    ];
    let baseline = || env.git(dir, &["rev-parse", "HEAD"]);
    let mut rows = Vec::new();
    for (name, args) in &reads {
        eprintln!("{} {name}: {} runs", shape.label(), plan.runs);
        let (subject, base) = measure_pair(
            plan.warmup,
            plan.runs,
            &|| env.omgreg(dir, args),
            &baseline,
            &|| {},
        );
        rows.push(Row {
            bench: format!("`{name}`"),
            registry: shape.label(),
            subject,
            baseline_name: "`git rev-parse HEAD`",
            baseline: base,
            target: Target::Millis(20.0),
        });
    }

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
        bench: format!("`omgreg register {model}` (no artifact)"),
        registry: shape.label(),
        subject,
        baseline_name: "`git rev-parse HEAD`",
        baseline: base,
        target: Target::Millis(15.0),
    });
    // Every run registered one more version, bumped from the greatest.
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(dir, &["list", &model, "--json"])))
            .expect("JSON");
    let count = listed["versions"].as_array().map_or(0, Vec::len);
    assert_eq!(count, shape.versions + plan.warmup + plan.runs);
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
        bench: format!(
            "`omgreg register big --artifact` ({})",
            size_label(plan.big_bytes)
        ),
        registry: shape.label(),
        subject,
        baseline_name: "`cp` of the same file",
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
    let commit = Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "describe",
            "--always",
            "--dirty",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();

    println!("## omgreg registry benchmarks\n");
    println!(
        "Machine: {cores} cores, {cpu}, Linux {kernel}; {}; omgreg {commit}; \
         1-minute load average {load_before} before, {} after.",
        git.trim(),
        load_average()
    );
    println!(
        "Medians of {} runs (read/register) and {} runs (large artifact), after warm-up \
         runs; each row's baseline is measured interleaved with it.\n",
        plan.runs, plan.big_runs
    );
    println!(
        "| Benchmark | Registry (models × versions) | Median ms | Min–max ms | Baseline | \
         Baseline median ms | Ratio | Target | Met |"
    );
    println!("|---|---|---:|---:|---|---:|---:|---|---|");
    for row in rows {
        let target = match row.target {
            Target::Millis(ms) => format!("≤ {ms} ms"),
            Target::Ratio(r) => format!("≤ {r}× baseline"),
        };
        println!(
            "| {} | {} | {} | {}–{} | {} | {} | {:.2}× | {} | {} |",
            row.bench,
            row.registry,
            ms(row.subject.median),
            ms(row.subject.min),
            ms(row.subject.max),
            row.baseline_name,
            ms(row.baseline.median),
            row.ratio(),
            target,
            if row.met() { "yes" } else { "**no**" }
        );
        debug_assert_eq!(row.subject.runs, row.baseline.runs);
    }
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
