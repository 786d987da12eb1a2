//! What a bench run measures: the registries, the number of runs, the parts, from the
//! `OMGREG_BENCH_*` environment variables.

use crate::generate::{History, MIN_COMMITS, Shape};

/// What to run.
pub struct Plan {
    pub shapes: Vec<Shape>,
    pub runs: usize,
    pub warmup: usize,
    pub history: History,
    pub big_bytes: u64,
    pub big_runs: usize,
    /// The smallest file of the `check` size series, in KiB (then 2, 4 and 8 times it).
    pub growth_kib: usize,
    pub parts: Vec<String>,
}

impl Plan {
    pub fn from_env() -> Self {
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
                .filter(|&n| n >= MIN_COMMITS)
                .unwrap_or_else(|| {
                    panic!("OMGREG_BENCH_HISTORY: a number of commits, at least {MIN_COMMITS}")
                });
        }
        if let Ok(parts) = std::env::var("OMGREG_BENCH_PARTS") {
            plan.parts = parts.split(',').map(|p| p.trim().to_owned()).collect();
            for part in &plan.parts {
                assert!(
                    PARTS.contains(&part.as_str()),
                    "OMGREG_BENCH_PARTS: `{part}` is not one of {PARTS:?}"
                );
            }
        }
        plan
    }

    pub fn runs(&self, part: &str) -> bool {
        self.parts.iter().any(|p| p == part)
    }

    /// Runs of the figures that take up to seconds each (`check`, the first runs
    /// of `history` and `rollback` that build the event index).
    pub fn slow_runs(&self) -> usize {
        self.runs.min(10)
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
                growth_kib: 16,
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
                growth_kib: 64,
                parts,
            }
        }
    }
}

/// The parts of the bench. `check` runs on the registries of `shapes` (after them, when
/// `shapes` runs too) and on small registries of its own for the size series.
pub const PARTS: [&str; 5] = ["shapes", "check", "history", "signing", "artifact"];

pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}
