//! `history` and `rollback` on a registry with a long promotion history: the first
//! read (the event index built from nothing, as after a clone), warm reads, and
//! rollbacks whose target is near, half the history back and near the root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::generate::{self, HistoryFacts, thousands};
use crate::harness::{Env, Group, Pair, Row, Target, stdout_of, timed};
use crate::plan::Plan;

/// What runs, untimed, before each run of a figure's command and of its baseline.
#[derive(Clone, Copy, PartialEq)]
enum Before {
    Nothing,
    /// The event index is deleted: the command builds it (the first read after a
    /// clone or after history was rewritten).
    DeleteIndex,
    /// The branch is reset to the generated tip and the event index put back as it
    /// was there (a reset alone rewrites history under the index, and the next read
    /// would rebuild it).
    ResetBranch,
}

/// One command measured against a baseline.
struct Figure<'a> {
    name: String,
    args: Vec<&'a str>,
    baseline: &'a dyn Fn() -> Command,
    baseline_name: String,
    target: Target,
    before: Before,
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
    let index = dir.join(".git").join("omgreg").join("history");
    let saved_index = env.root.join("history-index-at-tip");
    let graph = dir.join(".git").join("objects").join("info");
    assert!(
        !graph.join("commit-graph").exists() && !graph.join("commit-graphs").exists(),
        "a fresh fast-import writes no commit-graph"
    );
    let reset = || {
        timed(env.git(&dir, &["reset", "-q", "--hard", &head]));
        if saved_index.is_dir() {
            let _ = std::fs::remove_dir_all(&index);
            copy_dir(&saved_index, &index);
        }
    };
    verify(env, &dir, &model, &facts, &reset);

    let registry = history.label();
    let rev_parse = || env.git(&dir, &["rev-parse", "HEAD"]);
    let git_log = || env.git(&dir, &["log", "--oneline", "--", &stages]);
    let rev_parse_name = "`git rev-parse HEAD`".to_owned();
    let git_log_name = format!("`git log --oneline -- {stages}`");
    let [half, root] = [&facts.aliases[0], &facts.aliases[1]];
    let (half_arg, root_arg) = (half.alias, root.alias);
    let rollback_name = |slot: &str, depth: usize| {
        format!(
            "`omgreg rollback {model}{slot} --dry-run` (target {} commits back)",
            thousands(depth)
        )
    };
    let first_runs = [
        Figure {
            name: format!(
                "`omgreg history {model}` (first run: event index deleted before each run)"
            ),
            args: vec!["history", &model],
            baseline: &git_log,
            baseline_name: format!("{git_log_name}, no commit-graph"),
            target: Target::Ratio(1.0),
            before: Before::DeleteIndex,
        },
        Figure {
            name: format!(
                "`omgreg rollback {model} --alias {root_arg} --dry-run` (first run: event index \
                 deleted before each run; target {} commits back)",
                thousands(root.depth)
            ),
            args: vec!["rollback", &model, "--alias", root_arg, "--dry-run"],
            baseline: &git_log,
            baseline_name: format!("{git_log_name}, no commit-graph"),
            target: Target::None,
            before: Before::DeleteIndex,
        },
    ];
    let warm = [
        Figure {
            name: format!("`omgreg history {model}` (warm: event index in place)"),
            args: vec!["history", &model],
            baseline: &rev_parse,
            baseline_name: rev_parse_name.clone(),
            target: Target::Millis(20.0),
            before: Before::Nothing,
        },
        Figure {
            name: "`omgreg history -n 20` (warm)".to_owned(),
            args: vec!["history", "-n", "20"],
            baseline: &git_log,
            baseline_name: git_log_name.clone(),
            target: Target::Ratio(1.0),
            before: Before::Nothing,
        },
        Figure {
            name: rollback_name("", facts.target_depth),
            args: vec!["rollback", &model, "--dry-run"],
            baseline: &rev_parse,
            baseline_name: rev_parse_name.clone(),
            target: Target::Millis(20.0),
            before: Before::Nothing,
        },
        Figure {
            name: rollback_name(&format!(" --alias {half_arg}"), half.depth),
            args: vec!["rollback", &model, "--alias", half_arg, "--dry-run"],
            baseline: &rev_parse,
            baseline_name: rev_parse_name.clone(),
            target: Target::Millis(20.0),
            before: Before::Nothing,
        },
        Figure {
            name: rollback_name(&format!(" --alias {root_arg}"), root.depth),
            args: vec!["rollback", &model, "--alias", root_arg, "--dry-run"],
            baseline: &rev_parse,
            baseline_name: rev_parse_name.clone(),
            target: Target::Millis(20.0),
            before: Before::Nothing,
        },
        Figure {
            name: format!(
                "`omgreg rollback {model}` (commits; branch and event index reset between runs)"
            ),
            args: vec!["rollback", &model],
            baseline: &rev_parse,
            baseline_name: rev_parse_name.clone(),
            target: Target::None,
            before: Before::ResetBranch,
        },
    ];
    let graph_runs = [Figure {
        name: format!("`omgreg history {model}` (first run: event index deleted before each run)"),
        args: vec!["history", &model],
        baseline: &git_log,
        baseline_name: format!(
            "{git_log_name}, after `git commit-graph write --reachable --changed-paths`"
        ),
        target: Target::None,
        before: Before::DeleteIndex,
    }];

    let measure = |figure: &Figure, rows: &mut Vec<Row>| {
        let (warmup, runs) = match figure.before {
            Before::DeleteIndex => (1, plan.slow_runs()),
            _ => (plan.warmup, plan.runs),
        };
        eprintln!("{registry} {}: {runs} runs", figure.name);
        let delete_index = || {
            let _ = std::fs::remove_dir_all(&index);
        };
        let before: &dyn Fn() = match figure.before {
            Before::Nothing => &|| {},
            Before::DeleteIndex => &delete_index,
            Before::ResetBranch => &reset,
        };
        let measured = Pair {
            before_baseline: before,
            before_subject: before,
            ..Pair::new(
                warmup,
                runs,
                &|| env.omgreg(&dir, &figure.args),
                figure.baseline,
            )
        }
        .measure();
        match figure.before {
            // The index was built again by the last run.
            Before::DeleteIndex => assert!(index.join("tip").is_file(), "no event index"),
            Before::ResetBranch => reset(),
            Before::Nothing => {}
        }
        rows.push(Row::new(
            Group::History,
            figure.name.clone(),
            &registry,
            measured,
            figure.baseline_name.clone(),
            figure.target,
        ));
    };
    let mut rows = Vec::new();
    for figure in &first_runs {
        measure(figure, &mut rows);
    }
    // Warm: the index as the last first run left it, brought up to the tip; kept
    // aside for the real rollback's resets.
    timed(env.omgreg(&dir, &["history", &model]));
    copy_dir(&index, &saved_index);
    for figure in &warm {
        measure(figure, &mut rows);
    }
    let tip = std::fs::read_to_string(index.join("tip")).expect("the index's tip");
    assert!(tip.contains(&head), "the event index does not name the tip");

    timed(env.git(
        &dir,
        &["commit-graph", "write", "--reachable", "--changed-paths"],
    ));
    assert!(graph.join("commit-graph").is_file() || graph.join("commit-graphs").is_dir());
    for figure in &graph_runs {
        measure(figure, &mut rows);
    }
    rows
}

/// What the figures rest on: the rollback targets, the promotions `history` finds, the
/// same events with the index as without it.
fn verify(env: &Env, dir: &Path, model: &str, facts: &HistoryFacts, reset: &dyn Fn()) {
    let json = |mut command: Command, plain: bool| -> serde_json::Value {
        if plain {
            command.env("OMGREG_NO_EVENT_INDEX", "1");
        }
        serde_json::from_str(&stdout_of(command)).expect("JSON")
    };
    let dry = json(
        env.omgreg(dir, &["rollback", model, "--dry-run", "--json"]),
        false,
    );
    let expected = format!("roll back {model} Production to {}", facts.rollback_target);
    assert_eq!(dry["subject"], expected.as_str(), "{dry}");
    for alias in &facts.aliases {
        let args = [
            "rollback",
            model,
            "--alias",
            alias.alias,
            "--dry-run",
            "--json",
        ];
        let dry = json(env.omgreg(dir, &args), false);
        let expected = format!("roll back {model} {} to {}", alias.alias, alias.target);
        assert_eq!(dry["subject"], expected.as_str(), "{dry}");
    }
    timed(env.omgreg(dir, &["rollback", model]));
    let subject = stdout_of(env.git(dir, &["log", "-1", "--format=%s"]));
    assert_eq!(subject.trim(), expected);
    reset();
    let events = json(env.omgreg(dir, &["history", model, "--json"]), false);
    let walked = json(env.omgreg(dir, &["history", model, "--json"]), true);
    assert_eq!(
        events, walked,
        "`history {model}` with and without the event index"
    );
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
    let last = json(env.omgreg(dir, &["history", "-n", "20", "--json"]), false);
    assert_eq!(last["events"].as_array().map_or(0, Vec::len), 20);
    let stages = format!("models/{model}/stages.yaml");
    let logged = stdout_of(env.git(dir, &["log", "--oneline", "--", &stages]));
    assert_eq!(
        logged.lines().count(),
        facts.promotions + facts.alias_moves + 1
    );
    eprintln!(
        "verified: {model} was promoted {} times, last {} and {} commits from the tip; \
         rollback lands on {} (now {}); its aliases roll back {} and {} commits",
        facts.promotions,
        facts.target_depth,
        facts.current_depth,
        facts.rollback_target,
        facts.current,
        facts.aliases[0].depth,
        facts.aliases[1].depth,
    );
}

/// Copies the folder `from` (files and folders only) to `to`, which must not exist.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a copy of the event index");
    for entry in std::fs::read_dir(from).expect("reading the event index") {
        let entry = entry.expect("reading the event index");
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copying the event index");
        }
    }
}
