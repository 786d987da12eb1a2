//! `omgreg check` on the registries of `shapes`, after their `register` runs.

use std::path::Path;

use crate::generate::Shape;
use crate::harness::{Env, Group, Row, Target, measure_pair};
use crate::plan::Plan;

/// `check` of the whole registry, and of the last commit (a `register`) as a pull
/// request or push would be checked.
pub fn bench_check(env: &Env, plan: &Plan, dir: &Path, shape: Shape) -> Vec<Row> {
    let baseline = || env.git(dir, &["rev-parse", "HEAD"]);
    let mut rows = Vec::new();
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
