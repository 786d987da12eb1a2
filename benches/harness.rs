//! Hermetic commands, timing, medians and the Markdown report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::plan::Plan;

/// A temp folder with a HOME inside; builds hermetic commands.
pub struct Env {
    pub root: PathBuf,
    pub home: PathBuf,
    pub omgreg: PathBuf,
    pub path_var: std::ffi::OsString,
}

impl Env {
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
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

    pub fn omgreg(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = self.command(&self.omgreg, dir);
        command.args(args);
        command
    }

    pub fn git(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = self.command("git", dir);
        command.args(args);
        command
    }
}

/// Runs `command`, which must succeed; returns its wall-clock time and output.
pub fn timed(mut command: Command) -> (Duration, Output) {
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

pub fn stdout_of(command: Command) -> String {
    String::from_utf8_lossy(&timed(command).1.stdout).into_owned()
}

/// Median, minimum and maximum of some runs, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Stats {
    pub fn of(times: &[Duration]) -> Self {
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
pub enum Target {
    /// Median at most this many milliseconds.
    Millis(f64),
    /// Median at most this multiple of the baseline median.
    Ratio(f64),
    /// No target: the figure is reported for comparison.
    None,
}

/// Which table a row goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
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

    pub fn title(self) -> &'static str {
        match self {
            Group::ReadRegister => "Read commands and register",
            Group::Check => "omgreg check",
            Group::History => "Rollback and history on a long history",
            Group::Signing => "Signed and unsigned register",
            Group::Artifact => "Large artifact",
        }
    }
}

pub struct Row {
    pub group: Group,
    pub bench: String,
    pub registry: String,
    pub subject: Stats,
    pub baseline_name: String,
    pub baseline: Stats,
    pub target: Target,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        self.subject.median / self.baseline.median
    }

    pub fn met(&self) -> bool {
        match self.target {
            Target::Millis(ms) => self.subject.median <= ms,
            Target::Ratio(r) => self.ratio() <= r,
            Target::None => true,
        }
    }
}

/// Runs `subject` and `baseline` alternately: `warmup` untimed rounds, then `runs`.
pub fn measure_pair(
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

/// The 1-minute load average: the machine was not idle when it is near the core count.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The commit the binary was built from, and whether `src/` or the Cargo files differ
/// from it (changes to `benches/` and `docs/` do not change what is measured).
pub fn measured_commit() -> String {
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

pub fn print_report(env: &Env, plan: &Plan, rows: &[Row], load_before: &str) {
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

pub fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
