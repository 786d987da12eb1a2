//! Read commands and `register` on registries of a shape (models x versions).

use std::path::Path;
use std::time::Instant;

use crate::generate::{self, Shape};
use crate::harness::{Env, Group, Row, Target, measure_pair, stdout_of, timed};
use crate::plan::Plan;

/// Generates a registry and checks that `omgreg list` reads it back whole.
pub fn generate_verified(env: &Env, dir: &Path, shape: Shape) {
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
pub fn subject_model(shape: Shape) -> String {
    generate::model(42.min(shape.models - 1))
}

pub fn bench_shape(env: &Env, plan: &Plan, dir: &Path, shape: Shape) -> Vec<Row> {
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

    rows
}
