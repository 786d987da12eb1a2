//! Whole-process benchmarks of `omgreg` on generated registries.
//!
//! Run with `cargo bench --bench registry` (release build). Prints Markdown tables to
//! stdout and progress to stderr. Every figure is a median of whole-process wall-clock
//! times (spawn to exit), reported with a baseline measured in the same run, runs of
//! the command and of its baseline interleaved. The parts (`parts/`):
//!
//! - `shapes`: read commands and `register` without artifacts against `git rev-parse
//!   HEAD` in the same repository (the cost of starting a process that opens the
//!   repository); `list` cold (row cache deleted before each run), warm, and right
//!   after an action (an untimed `register` before each run);
//! - `check`: `check` and `check --range HEAD~1..HEAD` on the registries of `shapes`,
//!   and `check` of a `model.yaml` of S, 2S, 4S, 8S bytes against `check` without it;
//! - `history`: `history` and `rollback` on a registry with a long promotion history:
//!   the first run (event index deleted) against `git log -- models/m7/stages.yaml`
//!   without and with a commit-graph, warm runs against `git rev-parse HEAD`, rollback
//!   targets 80 commits, half the history and the whole history back;
//! - `signing`: signed `register` against `register --no-sign`, and `git commit -S`
//!   against an unsigned `git commit` for reference (a throwaway SSH key);
//! - `artifact`: `register --artifact <1 GiB file>` against `cp` of the same file on the
//!   same file system, page cache warm, the copy and the LFS objects deleted before
//!   each run.
//!
//! The harness (commands, timing, report) is in `harness.rs`, the environment knobs in
//! `plan.rs`, the registry generators in `generate.rs` and `generate/history.rs`.
//!
//! Environment:
//! - `OMGREG_BENCH_QUICK=1`: small registries, 5 runs, a 2,000-commit history, a 64 MiB
//!   artifact, a 16 KiB smallest file for `check` (seconds).
//! - `OMGREG_BENCH_RUNS=N`: runs per figure (default 30; `check` and the first runs of
//!   `history` and `rollback` at most 10, the large artifact 5).
//! - `OMGREG_BENCH_SHAPES=1000x10,100x100`: the registries (models x versions).
//! - `OMGREG_BENCH_HISTORY=20000`: promotion commits in the history registry (at least
//!   1,000; 100,000 is the size big teams reach).
//! - `OMGREG_BENCH_PARTS=shapes,check,history,signing,artifact`: which parts to run
//!   (default all; `check` runs on the registries of `shapes` only when `shapes` runs).
//! - `OMGREG_BENCH_KEEP=1`: keep the generated registries and print where they are.
//!
//! `cargo test --all-targets` builds this target and runs it without `--bench`; it then
//! does nothing.

mod generate;
mod harness;
mod plan;
mod parts {
    pub mod artifact;
    pub mod check;
    pub mod history;
    pub mod shapes;
    pub mod signing;
}

use std::path::PathBuf;
use std::time::Instant;

use harness::{Env, Group, Report, load_average, print_report};
use parts::{artifact, check, history, shapes, signing};
use plan::{Plan, is_set};

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

    let mut report = Report::default();
    let rows = &mut report.rows;
    if plan.runs("shapes") {
        for &shape in &plan.shapes {
            let dir = env
                .root
                .join(format!("r{}x{}", shape.models, shape.versions));
            shapes::generate_verified(&env, &dir, shape);
            rows.extend(shapes::bench_shape(&env, &plan, &dir, shape));
            if plan.runs("check") {
                rows.extend(check::bench_check(&env, &plan, &dir, shape));
            }
        }
    }
    if plan.runs("check") {
        let (growth, table) = check::bench_growth(&env, &plan);
        rows.extend(growth);
        report.notes.push((Group::CheckGrowth, table));
    }
    let rows = &mut report.rows;
    if plan.runs("history") {
        rows.extend(history::bench_history(&env, &plan));
    }
    if plan.runs("signing") {
        rows.extend(signing::bench_signing(&env, &plan));
    }
    if plan.runs("artifact") {
        rows.push(artifact::bench_big_artifact(&env, &plan));
    }

    print_report(&env, &plan, &report, &load_before);
    eprintln!("total bench time: {:.1} s", started.elapsed().as_secs_f64());
    if is_set("OMGREG_BENCH_KEEP") {
        let kept = temp.keep();
        eprintln!("kept the registries in {}", kept.display());
    }
}
