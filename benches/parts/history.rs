//! `rollback` and `history` on a registry with a long promotion history.

use std::process::Command;
use std::time::Instant;

use crate::generate;
use crate::harness::{Env, Group, Row, Target, measure_pair, stdout_of, timed};
use crate::plan::Plan;

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
pub fn bench_history(env: &Env, plan: &Plan) -> Vec<Row> {
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
