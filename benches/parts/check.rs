//! `omgreg check`: on the registries of `shapes` (the whole registry, and the last
//! commit as a pull request or push is checked), and how it grows when one file's
//! size doubles.

use std::path::Path;

use crate::generate::{Shape, thousands};
use crate::harness::{Env, Group, Pair, Row, Stats, Target, measure_pair, ms, stdout_of, timed};
use crate::plan::Plan;

use super::shapes::generate_verified;

/// `check` of the whole registry, and `check --range HEAD~1..HEAD` of the last commit
/// (a `register`: what one action adds to a pull request or a push).
pub fn bench_check(env: &Env, plan: &Plan, dir: &Path, shape: Shape) -> Vec<Row> {
    let baseline = || env.git(dir, &["rev-parse", "HEAD"]);
    let last = stdout_of(env.git(dir, &["log", "-1", "--format=%s"]));
    assert!(
        last.starts_with("register "),
        "the last commit is `{}`",
        last.trim()
    );
    let mut rows = Vec::new();
    let checks: [(&str, Vec<&str>, Target); 2] = [
        ("omgreg check", vec!["check"], Target::None),
        (
            "omgreg check --range HEAD~1..HEAD",
            vec!["check", "--range", "HEAD~1..HEAD"],
            Target::Millis(50.0),
        ),
    ];
    // `check` takes seconds at 1,000 models: fewer runs, one warm-up.
    let runs = plan.slow_runs();
    for (name, args, target) in checks {
        eprintln!("{} {name}: {runs} runs", shape.label());
        let measured = measure_pair(1, runs, &|| env.omgreg(dir, &args), &baseline, &|| {});
        let bench = format!("`{name}`");
        let base = "`git rev-parse HEAD`";
        rows.push(Row::new(
            Group::Check,
            bench,
            shape.label(),
            measured,
            base,
            target,
        ));
    }
    rows
}

/// The kinds of file in the size series: `extra:` (a key the schema does not know,
/// so the whole value is parsed and then reported) holding either flow sequences
/// nested as deep as omgreg allows, or one flat flow sequence.
const KINDS: [(&str, &str); 2] = [
    (
        "nested",
        "flow sequences nested 64 deep (`[[[…]]]`), repeated",
    ),
    ("flat", "one flat flow sequence (`[0, 1, 2, …]`)"),
];

/// How many times the smallest size the series goes up to (1, 2, 4, 8).
const STEPS: [usize; 4] = [1, 2, 4, 8];

/// `omgreg check` of a 10 × 10 registry whose `models/m1/model.yaml` has S, 2S, 4S and
/// 8S bytes, against `check` of the same registry with the file as generated; the
/// ratio between consecutive sizes is ~2 when `check` is linear in the file's size
/// (issue 12 found it quadratic: a 120 KB file of brackets took 30 s).
pub fn bench_growth(env: &Env, plan: &Plan) -> (Vec<Row>, String) {
    let shape = Shape {
        models: 10,
        versions: 10,
    };
    let base = env.root.join("growth-base");
    generate_verified(env, &base, shape);
    let baseline = || env.omgreg(&base, &["check"]);
    let runs = plan.slow_runs();
    let mut rows = Vec::new();
    let mut medians: Vec<(&str, usize, Stats, Stats)> = Vec::new();
    for (kind, what) in KINDS {
        for step in STEPS {
            let bytes = plan.growth_kib * 1024 * step;
            let dir = env.root.join(format!("growth-{kind}-{step}"));
            let path = base.to_str().expect("a UTF-8 temp path");
            timed(env.git(
                &env.root,
                &["clone", "-q", path, dir.to_str().expect("UTF-8")],
            ));
            let text = model_yaml(kind, bytes);
            std::fs::write(dir.join("models/m1/model.yaml"), &text).expect("model.yaml");
            timed(env.git(&dir, &["commit", "-q", "-a", "-m", "a large model.yaml"]));
            let subject = || env.omgreg(&dir, &["check"]);
            // The file must be parsed whole and reported, not refused by a limit.
            let out = crate::harness::timed_exit(subject(), 3).1;
            let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
            assert!(
                said.contains("unknown key `extra`") && !said.contains("at most"),
                "`omgreg check` of a {kind} model.yaml of {bytes} bytes said:\n{said}"
            );
            let size = text.len();
            eprintln!("check growth: {kind} model.yaml of {size} bytes: {runs} runs");
            let measured = Pair {
                subject_exit: 3,
                ..Pair::new(1, runs, &subject, &baseline)
            }
            .measure();
            let bench = format!(
                "`omgreg check`, `model.yaml` of {} KiB: {what}",
                size / 1024
            );
            let base_name = "`omgreg check` of the same registry as generated";
            rows.push(Row::new(
                Group::CheckGrowth,
                bench,
                shape.label(),
                measured,
                base_name,
                Target::None,
            ));
            medians.push((kind, size, measured.0, measured.1));
        }
    }
    (rows, growth_table(&medians))
}

/// `model.yaml` of model `m1` with an `extra:` value of the given kind, `bytes` long
/// give or take one item.
fn model_yaml(kind: &str, bytes: usize) -> String {
    let mut text = String::from("model: m1\nextra: [");
    // The outer `[` counts: 63 more make the 64 levels omgreg allows.
    let unit = format!("{}{}", "[".repeat(63), "]".repeat(63));
    let mut i = 0usize;
    while text.len() < bytes {
        if i > 0 {
            text.push_str(", ");
        }
        match kind {
            "nested" => text.push_str(&unit),
            _ => text.push_str(&i.to_string()),
        }
        i += 1;
    }
    text.push_str("]\n");
    text
}

/// Each size's median beside the previous size's: the ratio of the medians, and the
/// ratio of what the file adds (the median minus the baseline, `check` of the
/// registry without the large file).
fn growth_table(medians: &[(&str, usize, Stats, Stats)]) -> String {
    let mut out = String::from(
        "| File | Bytes | `check` median ms | Baseline median ms | Added by the file, ms | \
         × previous size: median | × previous size: added |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut previous: Option<(&str, f64, f64)> = None;
    for &(kind, bytes, subject, base) in medians {
        let added = subject.median - base.median;
        let (times, added_times) = match previous {
            Some((k, p, pa)) if k == kind => (
                format!("{:.2}×", subject.median / p),
                format!("{:.2}×", added / pa),
            ),
            _ => ("—".to_owned(), "—".to_owned()),
        };
        out.push_str(&format!(
            "| {kind} | {} | {} | {} | {} | {times} | {added_times} |\n",
            thousands(bytes),
            ms(subject.median),
            ms(base.median),
            ms(added)
        ));
        previous = Some((kind, subject.median, added));
    }
    out
}
