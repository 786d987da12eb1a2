//! Read commands and `register` on registries of a shape (models x versions).

use std::path::Path;
use std::time::Instant;

use crate::generate::{self, Shape};
use crate::harness::{Env, Group, Pair, Row, Target, measure_pair, stdout_of, timed};
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

/// The read commands, `register`, and `list` in the three states a user meets: cold
/// (no row cache: the first read after a clone), warm (after that first read) and
/// after an action (whose writer keeps the cache warm).
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
            "`omgreg list` (warm: the first `list` after a clone built the row cache)".to_owned(),
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
    let rev_parse = "`git rev-parse HEAD`";
    let registry = shape.label();
    let mut rows = Vec::new();
    for (name, args, before_each) in &reads {
        eprintln!("{registry} {name}: {} runs", plan.runs);
        let measured = measure_pair(
            plan.warmup,
            plan.runs,
            &|| env.omgreg(dir, args),
            &baseline,
            before_each,
        );
        let target = Target::Millis(20.0);
        rows.push(Row::new(
            Group::ReadRegister,
            name,
            &registry,
            measured,
            rev_parse,
            target,
        ));
    }
    // The cold runs really were cold: `list` writes the cache where it was deleted.
    assert!(
        cache.is_file(),
        "`omgreg list` wrote no {}",
        cache.display()
    );

    eprintln!("{registry} omgreg register {model}: {} runs", plan.runs);
    let measured = measure_pair(
        plan.warmup,
        plan.runs,
        &|| env.omgreg(dir, &["register", &model]),
        &baseline,
        &|| {},
    );
    let name = format!("`omgreg register {model}` (no artifact)");
    rows.push(Row::new(
        Group::ReadRegister,
        name,
        &registry,
        measured,
        rev_parse,
        Target::Millis(15.0),
    ));

    // `list` right after an action: an untimed `register` before each run, whose
    // writer must leave the row cache naming the new tip (else the figure would be a
    // cold one).
    let name = format!(
        "`omgreg list` (after an action: an untimed `omgreg register {model}` before each run)"
    );
    eprintln!("{registry} {name}: {} runs", plan.runs);
    let act = || {
        timed(env.omgreg(dir, &["register", &model]));
        let head = stdout_of(env.git(dir, &["rev-parse", "HEAD"]));
        assert_eq!(
            cache_tip(&cache).as_deref(),
            Some(head.trim()),
            "the row cache after `register`"
        );
    };
    let measured = Pair {
        before_subject: &act,
        ..Pair::new(
            plan.warmup,
            plan.runs,
            &|| env.omgreg(dir, &["list"]),
            &baseline,
        )
    }
    .measure();
    rows.push(Row::new(
        Group::ReadRegister,
        name,
        &registry,
        measured,
        rev_parse,
        Target::Millis(20.0),
    ));

    // Every register run (timed or not) registered one more version, bumped from the
    // greatest.
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(dir, &["list", &model, "--json"])))
            .expect("JSON");
    let count = listed["versions"].as_array().map_or(0, Vec::len);
    assert_eq!(count, shape.versions + 2 * (plan.warmup + plan.runs));
    rows
}

/// The commit the row cache at `path` was last brought up to: its last `tip` line
/// (`<checksum> {"tip":"<commit>"}`, src/store/list_cache.rs).
fn cache_tip(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().rev().find_map(|line| {
        let (_, json) = line.split_once(' ')?;
        let doc: serde_json::Value = serde_json::from_str(json).ok()?;
        doc["tip"].as_str().map(str::to_owned)
    })
}
