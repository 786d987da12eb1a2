//! The event index against the walk over random histories: omgreg actions, hand
//! edits of `stages.yaml` and version files (some broken), junk in `models/`,
//! merges of side branches (`--no-ff` and fast-forward) and rewrites (`reset
//! --hard`, then new actions). After every step, `history`, `history MODEL`,
//! `lineage` and `rollback --dry-run` answer the same from the index as by walking.
//!
//! Each case runs a few hundred commands, so there are few cases; `PROPTEST_CASES`
//! asks for more.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::TestEnv;
use crate::test_event_index::{assert_index_agrees, hand_commit, index_tip};

const MODELS: [&str; 2] = ["m0", "m1"];

#[derive(Debug, Clone)]
enum Step {
    Register(usize),
    /// Model, pick of a version, to Production (else Staging).
    Promote(usize, usize, bool),
    Archive(usize, usize),
    Rollback(usize),
    Alias(usize, usize),
    /// A hand edit of `stages.yaml`: Production (in any case) and an alias.
    HandStages(usize, usize, bool),
    /// Both models' `stages.yaml` edited by hand in one commit.
    HandBoth(usize),
    /// A `stages.yaml` that does not parse, committed by hand.
    BrokenStages(usize),
    /// A registered version's description changed by hand.
    HandVersion(usize, usize),
    /// A folder that is not a model, or a file, in `models/`.
    Junk(bool),
    /// Work on a side branch merged back: fast-forward, or `--no-ff` after work on
    /// the other model on the main branch.
    Merge(usize, bool),
    /// `reset --hard` this many commits back (bounded by the history).
    Reset(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let model = 0..MODELS.len();
    let pick = 0usize..8;
    prop_oneof![
        3 => model.clone().prop_map(Step::Register),
        3 => (model.clone(), pick.clone(), any::<bool>()).prop_map(|(m, v, p)| Step::Promote(m, v, p)),
        1 => (model.clone(), pick.clone()).prop_map(|(m, v)| Step::Archive(m, v)),
        2 => model.clone().prop_map(Step::Rollback),
        1 => (model.clone(), pick.clone()).prop_map(|(m, v)| Step::Alias(m, v)),
        2 => (model.clone(), pick.clone(), any::<bool>()).prop_map(|(m, v, c)| Step::HandStages(m, v, c)),
        1 => pick.clone().prop_map(Step::HandBoth),
        1 => model.clone().prop_map(Step::BrokenStages),
        1 => (model.clone(), pick).prop_map(|(m, v)| Step::HandVersion(m, v)),
        1 => any::<bool>().prop_map(Step::Junk),
        2 => (model, any::<bool>()).prop_map(|(m, ff)| Step::Merge(m, ff)),
        1 => (1usize..4).prop_map(Step::Reset),
    ]
}

/// The registered versions of `model` in the working tree, in name order.
fn versions(reg: &Path, model: &str) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(reg.join("models").join(model).join("versions"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(str::to_owned)
        })
        .collect();
    found.sort();
    found
}

fn pick(reg: &Path, model: &str, pick: usize) -> Option<String> {
    let found = versions(reg, model);
    (!found.is_empty()).then(|| found[pick % found.len()].clone())
}

/// `omgreg args`, whatever it answers (a refusal is part of a random history).
fn try_omgreg(env: &TestEnv, reg: &Path, args: &[&str]) {
    env.omgreg_std(reg).args(args).output().unwrap();
}

fn apply(env: &TestEnv, reg: &Path, step: &Step, count: &mut usize) {
    match *step {
        Step::Register(m) => try_omgreg(env, reg, &["register", MODELS[m]]),
        Step::Promote(m, v, production) => {
            if let Some(version) = pick(reg, MODELS[m], v) {
                let stage = if production { "Production" } else { "Staging" };
                let target = format!("{}@{version}", MODELS[m]);
                try_omgreg(env, reg, &["promote", &target, "--stage", stage]);
            }
        }
        Step::Archive(m, v) => {
            if let Some(version) = pick(reg, MODELS[m], v) {
                let target = format!("{}@{version}", MODELS[m]);
                try_omgreg(env, reg, &["archive", &target, "--force"]);
            }
        }
        Step::Rollback(m) => try_omgreg(env, reg, &["rollback", MODELS[m]]),
        Step::Alias(m, v) => {
            if let Some(version) = pick(reg, MODELS[m], v) {
                let target = format!("{}@{version}", MODELS[m]);
                try_omgreg(env, reg, &["alias", "set", &target, "champion"]);
            }
        }
        Step::HandStages(m, v, lower) => {
            if let Some(version) = pick(reg, MODELS[m], v) {
                let stage = if lower { "production" } else { "Production" };
                let text =
                    format!("stages:\n  {stage}: {version}\naliases:\n  champion: {version}\n");
                write_and_commit(env, reg, MODELS[m], "stages.yaml", &text);
            }
        }
        Step::HandBoth(v) => {
            for model in MODELS {
                if let Some(version) = pick(reg, model, v) {
                    let path = reg.join("models").join(model).join("stages.yaml");
                    std::fs::write(path, format!("stages:\n  Staging: {version}\n")).unwrap();
                }
            }
            hand_commit(env, reg, "both models by hand");
        }
        Step::BrokenStages(m) => {
            write_and_commit(env, reg, MODELS[m], "stages.yaml", "stages: [Production\n");
        }
        Step::HandVersion(m, v) => {
            if let Some(version) = pick(reg, MODELS[m], v) {
                let path = reg
                    .join("models")
                    .join(MODELS[m])
                    .join("versions")
                    .join(format!("{version}.yaml"));
                let text = std::fs::read_to_string(&path).unwrap();
                let edited = text.replacen("description:", "description: edited by hand", 1);
                let file = format!("versions/{version}.yaml");
                write_and_commit(env, reg, MODELS[m], &file, &edited);
            }
        }
        Step::Junk(folder) => {
            *count += 1;
            let path = if folder {
                reg.join(format!("models/Not A Model/{count}.txt"))
            } else {
                reg.join("models/NOTES.md")
            };
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{count}\n")).unwrap();
            hand_commit(env, reg, "junk in models/");
        }
        Step::Merge(m, ff) => merge(env, reg, m, ff, count),
        Step::Reset(back) => {
            // `HEAD~N` follows first parents: after a `--no-ff` merge there are fewer
            // of those than commits (counting all of them made `HEAD~N` unknown).
            let first_parents: usize = env
                .git(reg, &["rev-list", "--first-parent", "--count", "HEAD"])
                .trim()
                .parse()
                .expect("a count");
            let back = back.min(first_parents.saturating_sub(1));
            if back > 0 {
                env.git(reg, &["reset", "-q", "--hard", &format!("HEAD~{back}")]);
            }
        }
    }
}

fn write_and_commit(env: &TestEnv, reg: &Path, model: &str, file: &str, text: &str) {
    let path = reg.join("models").join(model).join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    hand_commit(env, reg, &format!("edit {model}/{file} by hand"));
}

/// A side branch registering and promoting a version of `MODELS[m]`, merged back.
fn merge(env: &TestEnv, reg: &Path, m: usize, ff: bool, count: &mut usize) {
    *count += 1;
    let side = format!("side{count}");
    env.git(reg, &["checkout", "-q", "-b", &side]);
    try_omgreg(env, reg, &["register", MODELS[m]]);
    if let Some(version) = versions(reg, MODELS[m]).last() {
        let target = format!("{}@{version}", MODELS[m]);
        try_omgreg(env, reg, &["promote", &target, "--stage", "Production"]);
    }
    env.git(reg, &["checkout", "-q", "master"]);
    if ff {
        env.git(reg, &["merge", "-q", "--ff-only", &side]);
        return;
    }
    try_omgreg(env, reg, &["register", MODELS[1 - m]]);
    let merged = env.git_output(
        reg,
        &["merge", "-q", "--no-ff", "-m", "merge a side branch", &side],
    );
    if !merged.status.success() {
        env.git(reg, &["merge", "--abort"]);
    }
}

#[test]
fn the_index_answers_what_the_walk_answers_over_random_histories() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(6);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let steps = proptest::collection::vec(step(), 4..12);
    runner
        .run(&steps, |steps| {
            let env = TestEnv::new();
            let reg = env.init_registry("reg");
            let mut count = 0;
            for (at, step) in steps.iter().enumerate() {
                apply(&env, &reg, step, &mut count);
                assert_index_agrees(&env, &reg, &MODELS, &format!("after step {at} {step:?}"));
                let head = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
                prop_assert_eq!(index_tip(&reg.join(".git")), Some(head), "index at the tip");
            }
            Ok(())
        })
        .unwrap();
}
