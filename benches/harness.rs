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
pub fn timed(command: Command) -> (Duration, Output) {
    timed_exit(command, 0)
}

/// Runs `command`, which must exit with `code` (a `check` that reports findings exits
/// with 3); returns its wall-clock time and output.
pub fn timed_exit(mut command: Command, code: i32) -> (Duration, Output) {
    let start = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let elapsed = start.elapsed();
    assert!(
        output.status.code() == Some(code),
        "{command:?} did not exit with {code} ({}):\n{}{}",
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
    CheckGrowth,
    History,
    Signing,
    Artifact,
}

impl Group {
    const ALL: [Group; 6] = [
        Group::ReadRegister,
        Group::Check,
        Group::CheckGrowth,
        Group::History,
        Group::Signing,
        Group::Artifact,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::ReadRegister => "Read commands and register",
            Group::Check => "omgreg check",
            Group::CheckGrowth => "How omgreg check grows with a file's size",
            Group::History => "History and rollback on a long history",
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
    /// The 1-minute load average when the figure was taken: near or above the number
    /// of cores, other processes had part of the machine.
    pub load: String,
}

impl Row {
    /// A row for `measured` (subject, baseline), taken just now.
    pub fn new(
        group: Group,
        bench: impl Into<String>,
        registry: impl Into<String>,
        measured: (Stats, Stats),
        baseline_name: impl Into<String>,
        target: Target,
    ) -> Self {
        Self {
            group,
            bench: bench.into(),
            registry: registry.into(),
            subject: measured.0,
            baseline_name: baseline_name.into(),
            baseline: measured.1,
            target,
            load: load_average(),
        }
    }

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

/// Runs `subject` and `baseline` alternately: `warmup` untimed rounds, then `runs`;
/// `before_each` (untimed) before every run of either.
pub fn measure_pair(
    warmup: usize,
    runs: usize,
    subject: &dyn Fn() -> Command,
    baseline: &dyn Fn() -> Command,
    before_each: &dyn Fn(),
) -> (Stats, Stats) {
    Pair {
        before_baseline: before_each,
        before_subject: before_each,
        ..Pair::new(warmup, runs, subject, baseline)
    }
    .measure()
}

/// Two commands measured alternately, with what runs (untimed) before each.
pub struct Pair<'a> {
    pub warmup: usize,
    pub runs: usize,
    pub subject: &'a dyn Fn() -> Command,
    pub baseline: &'a dyn Fn() -> Command,
    pub before_baseline: &'a dyn Fn(),
    pub before_subject: &'a dyn Fn(),
    /// The exit code the subject must give (3 for a `check` that finds problems).
    pub subject_exit: i32,
}

impl<'a> Pair<'a> {
    pub fn new(
        warmup: usize,
        runs: usize,
        subject: &'a dyn Fn() -> Command,
        baseline: &'a dyn Fn() -> Command,
    ) -> Self {
        Self {
            warmup,
            runs,
            subject,
            baseline,
            before_baseline: &|| {},
            before_subject: &|| {},
            subject_exit: 0,
        }
    }

    /// `warmup` untimed rounds, then `runs` timed ones; the medians of the subject
    /// and of the baseline.
    pub fn measure(&self) -> (Stats, Stats) {
        let (mut s, mut b) = (Vec::new(), Vec::new());
        for round in 0..self.warmup + self.runs {
            (self.before_baseline)();
            let (base_time, _) = timed((self.baseline)());
            (self.before_subject)();
            let (subject_time, _) = timed_exit((self.subject)(), self.subject_exit);
            if round >= self.warmup {
                b.push(base_time);
                s.push(subject_time);
            }
        }
        (Stats::of(&s), Stats::of(&b))
    }
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

/// What the parts measured: rows, and Markdown printed after a group's table.
#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<(Group, String)>,
}

pub fn print_report(env: &Env, plan: &Plan, report: &Report, load_before: &str) {
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
        "Medians of whole-process wall-clock times, after {} warm-up runs (1 for `check`, the \
         first runs of `history` and `rollback` and the large artifact); each row's baseline \
         is measured interleaved with it, in the same run. Load: the 1-minute load average \
         when the row was taken.",
        plan.warmup
    );
    for group in Group::ALL {
        let rows: Vec<&Row> = report
            .rows
            .iter()
            .filter(|row| row.group == group)
            .collect();
        if rows.is_empty() {
            continue;
        }
        println!("\n### {}\n", group.title());
        println!(
            "| Benchmark | Registry | Runs | Median ms | Min–max ms | Baseline | \
             Baseline median ms | Ratio | Target | Met | Load |"
        );
        println!("|---|---|---:|---:|---:|---|---:|---:|---|---|---:|");
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
                "| {} | {} | {} | {} | {}–{} | {} | {} | {:.2}× | {} | {} | {} |",
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
                met,
                row.load
            );
            debug_assert_eq!(row.subject.runs, row.baseline.runs);
        }
        for (_, note) in report.notes.iter().filter(|(g, _)| *g == group) {
            println!("\n{note}");
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
