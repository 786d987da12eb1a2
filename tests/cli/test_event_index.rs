//! The event index (`.git/omgreg/history/`) answers exactly what the walk of the
//! commit graph answers, whatever happened to its files; and `doctor` names a
//! damaged one. Shared helpers for the other `test_event_index_*` files: random
//! histories (`_props`), where the index lives (`_repos`), its upkeep by writers
//! (`_upkeep`).

use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};

use crate::common::TestEnv;
use crate::common::lifecycle::act;

/// Forces reads to walk the commits instead of reading the index.
const NO_INDEX: &str = "OMGREG_NO_EVENT_INDEX";

/// What a command answered: exit code, stdout, stderr.
pub(crate) type Answer = (Option<i32>, String, String);

fn answer(output: &Output) -> Answer {
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `omgreg args` in `dir` by walking the commits.
pub(crate) fn walked(env: &TestEnv, dir: &Path, args: &[&str]) -> Answer {
    answer(
        &env.omgreg_std(dir)
            .env(NO_INDEX, "1")
            .args(args)
            .output()
            .unwrap(),
    )
}

/// `omgreg args` in `dir` as users run it (from the index where it can answer).
pub(crate) fn indexed(env: &TestEnv, dir: &Path, args: &[&str]) -> Answer {
    answer(&env.omgreg_std(dir).args(args).output().unwrap())
}

/// The reads the index serves, for `models`: the whole log, each model's log and
/// lineage of its first version, and each rollback's target (a dry run).
pub(crate) fn reads(models: &[&str]) -> Vec<Vec<String>> {
    let mut reads = vec![vec!["history".to_owned(), "--json".to_owned()]];
    for model in models {
        let args: [&[&str]; 4] = [
            &["history", model, "--json"],
            &["lineage", &format!("{model}@1.0.0"), "--json"],
            &["rollback", model, "--dry-run"],
            &["rollback", model, "--alias", "champion", "--dry-run"],
        ];
        reads.extend(
            args.iter()
                .map(|a| a.iter().map(|s| (*s).to_owned()).collect()),
        );
    }
    reads
}

/// The walk's answers to [`reads`].
pub(crate) fn walk_answers(env: &TestEnv, dir: &Path, models: &[&str]) -> Vec<Answer> {
    reads(models)
        .iter()
        .map(|args| {
            walked(
                env,
                dir,
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// Every read of [`reads`] answers the same from the index as by walking.
pub(crate) fn assert_index_agrees(env: &TestEnv, dir: &Path, models: &[&str], context: &str) {
    let expected = walk_answers(env, dir, models);
    assert_answers(env, dir, models, &expected, context);
}

/// Every read of [`reads`] answers `expected`, from the index.
fn assert_answers(env: &TestEnv, dir: &Path, models: &[&str], expected: &[Answer], context: &str) {
    for (args, expected) in reads(models).iter().zip(expected) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = indexed(env, dir, &args);
        assert_eq!(
            &got,
            expected,
            "{context}: `omgreg {}` from the index differs from the walk",
            args.join(" ")
        );
    }
}

/// The index folder of the repository whose common Git folder is `common`.
pub(crate) fn index_dir(common: &Path) -> PathBuf {
    common.join("omgreg/history")
}

/// The JSON of each line `<checksum> <json>` of `path` (lines that do not read are
/// left out).
pub(crate) fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .filter_map(|(_, json)| serde_json::from_str(json).ok())
        .collect()
}

/// The commit the event index names as its tip (the last line of its tip log).
pub(crate) fn index_tip(common: &Path) -> Option<String> {
    let lines = json_lines(&index_dir(common).join("tip"));
    Some(lines.last()?["commit"].as_str()?.to_owned())
}

/// The commit the list cache names as its tip (its last `tip` line).
pub(crate) fn list_cache_tip(common: &Path) -> Option<String> {
    json_lines(&common.join("omgreg/list-cache.json"))
        .iter()
        .rev()
        .find_map(|line| line["tip"].as_str().map(str::to_owned))
}

/// `<checksum> <json>\n`, the index's line format.
fn line(json: &str) -> String {
    let sum = hex::encode(Sha256::digest(json.as_bytes()));
    format!("{} {json}\n", &sum[..16])
}

pub(crate) fn head(env: &TestEnv, dir: &Path) -> String {
    env.git(dir, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// Commits by hand (a web editor), with everything in the working tree.
pub(crate) fn hand_commit(env: &TestEnv, reg: &Path, message: &str) {
    env.git(reg, &["add", "-A"]);
    env.git(reg, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// churn with three versions, promotions, an alias, a rollback and hand edits (one
/// of them a broken `stages.yaml`), and a second model.
pub(crate) fn busy_registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    for args in [
        &["register", "churn", "--version", "1.0.0"][..],
        &[
            "register",
            "churn",
            "--version",
            "1.1.0",
            "--parent",
            "churn@1.0.0",
        ],
        &["register", "fraud", "--version", "1.0.0"],
        &["promote", "churn@1.0.0", "--stage", "Production"],
        &["promote", "churn@1.1.0", "--stage", "Production"],
        &["alias", "set", "churn@1.1.0", "champion"],
        &["rollback", "churn"],
        &["promote", "fraud@1.0.0", "--stage", "Staging"],
    ] {
        act(env, &reg, args);
    }
    std::fs::write(reg.join("models/churn/stages.yaml"), "stages: [broken\n").unwrap();
    hand_commit(env, &reg, "broken by hand");
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  production: 1.1.0\naliases:\n  champion: 1.0.0\n",
    )
    .unwrap();
    hand_commit(env, &reg, "mended by hand");
    act(env, &reg, &["promote", "churn@1.0.0", "--stage", "Staging"]);
    reg
}

pub(crate) const MODELS: [&str; 2] = ["churn", "fraud"];

#[test]
fn damaged_missing_or_stale_index_files_change_no_answer() {
    let env = TestEnv::new();
    let reg = busy_registry(&env);
    let git = reg.join(".git");
    let expected = walk_answers(&env, &reg, &MODELS);
    assert_answers(&env, &reg, &MODELS, &expected, "first read");
    let churn = index_dir(&git).join("models/churn");
    let tip = index_dir(&git).join("tip");
    assert!(
        churn.exists() && tip.exists(),
        "the first read wrote the index"
    );

    type Damage = fn(&Path, &Path);
    let damages: [(&str, Damage); 7] = [
        ("deleted", |_, git| {
            std::fs::remove_dir_all(index_dir(git)).unwrap();
        }),
        ("a model file cut mid-line", |churn, _| {
            let bytes = std::fs::read(churn).unwrap();
            std::fs::write(churn, &bytes[..bytes.len() / 2]).unwrap();
        }),
        ("a model file's last line dropped", |churn, _| {
            let text = std::fs::read_to_string(churn).unwrap();
            let kept = text.trim_end().rsplit_once('\n').unwrap().0;
            std::fs::write(churn, format!("{kept}\n")).unwrap();
        }),
        ("a bit flipped in a model file", |churn, _| {
            let mut bytes = std::fs::read(churn).unwrap();
            let at = bytes.len() / 3;
            bytes[at] ^= 0x04;
            std::fs::write(churn, bytes).unwrap();
        }),
        ("a bit flipped in the tip log", |_, git| {
            let tip = index_dir(git).join("tip");
            let mut bytes = std::fs::read(&tip).unwrap();
            let at = bytes.len() - 5;
            bytes[at] ^= 0x01;
            std::fs::write(tip, bytes).unwrap();
        }),
        ("a tip naming a commit not in the history", |_, git| {
            // Everything else as it was: the files are whole, only the commit is foreign.
            let lines = json_lines(&index_dir(git).join("tip"));
            let mut models = serde_json::Map::new();
            for line in &lines {
                models.extend(line["models"].as_object().unwrap().clone());
            }
            let last = lines.last().unwrap();
            let json = serde_json::json!({
                "t": "base", "format": 1, "branch": "refs/heads/master",
                "commit": "1234567890".repeat(4), "tree": null, "seq": last["seq"],
                "unnamed": false, "models": models,
            });
            std::fs::write(index_dir(git).join("tip"), line(&json.to_string())).unwrap();
        }),
        ("the tip log cut to its first line", |_, git| {
            let tip = index_dir(git).join("tip");
            let text = std::fs::read_to_string(&tip).unwrap();
            let first = text.lines().next().unwrap();
            std::fs::write(tip, format!("{first}\n")).unwrap();
        }),
    ];
    for (what, damage) in damages {
        damage(&churn, &git);
        assert_answers(&env, &reg, &MODELS, &expected, what);
        assert_eq!(index_tip(&git), Some(head(&env, &reg)), "{what}: rebuilt");
    }

    // Damage met half-way where nothing may be written (a server hook's
    // quarantine): the walk takes over from there, and the index stays as it was.
    let mut bytes = std::fs::read(&churn).unwrap();
    let at = bytes.len() / 4;
    bytes[at] ^= 0x04;
    std::fs::write(&churn, &bytes).unwrap();
    env.set_env("GIT_QUARANTINE_PATH", git.join("objects").to_str().unwrap());
    assert_answers(&env, &reg, &MODELS, &expected, "damaged, read-only");
    assert_eq!(
        std::fs::read(&churn).unwrap(),
        bytes,
        "read-only: not rebuilt"
    );
}

/// Flips a bit in the change point line of `commit` in the model file `path`.
fn damage_change_point(path: &Path, commit: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.contains(r#""t":"change""#) && line.contains(commit) {
            break;
        }
        at += line.len();
    }
    assert!(at < text.len(), "no change point of {commit}");
    let mut bytes = text.into_bytes();
    bytes[at + 30] ^= 0x04;
    std::fs::write(path, bytes).unwrap();
}

/// Guards the resumption of a rollback's read: a damaged line met after the
/// rollback commit was read must not make it read twice (popping the stack twice
/// would give no target instead of 1.0.0).
#[test]
fn damage_met_half_way_by_a_rollback_resumes_where_it_was() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    for version in ["1.0.0", "2.0.0", "3.0.0"] {
        act(&env, &reg, &["register", "churn", "--version", version]);
        let target = format!("churn@{version}");
        act(&env, &reg, &["promote", &target, "--stage", "Production"]);
    }
    act(&env, &reg, &["rollback", "churn"]);
    let promoted = env.git(
        &reg,
        &[
            "log",
            "--format=%H",
            "-1",
            "--grep=churn@3.0.0 to Production",
        ],
    );
    let model = index_dir(&reg.join(".git")).join("models/churn");
    let rollback = ["rollback", "churn", "--dry-run"];
    let expected = walked(&env, &reg, &rollback);
    assert!(expected.1.contains("to 1.0.0"), "{expected:?}");
    let pristine = std::fs::read(&model).unwrap();
    for quarantine in [false, true] {
        std::fs::write(&model, &pristine).unwrap();
        damage_change_point(&model, promoted.trim());
        if quarantine {
            // Nothing may be written: the walk goes on from there.
            env.set_env(
                "GIT_QUARANTINE_PATH",
                reg.join(".git/objects").to_str().unwrap(),
            );
        }
        assert_eq!(
            indexed(&env, &reg, &rollback),
            expected,
            "quarantine: {quarantine}"
        );
    }
}

/// Readers at once, on an index that must first be built: one builds it, the
/// others wait for it or walk; all answer the same.
#[test]
fn concurrent_readers_all_answer_what_the_walk_answers() {
    let env = TestEnv::new();
    let reg = busy_registry(&env);
    let args = ["history", "--json"];
    let expected = walked(&env, &reg, &args);
    std::fs::remove_dir_all(index_dir(&reg.join(".git"))).unwrap();
    let readers: Vec<_> = (0..6)
        .map(|_| {
            env.omgreg_std(&reg)
                .args(args)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for reader in readers {
        let output = reader.wait_with_output().unwrap();
        assert_eq!(answer(&output).1, expected.1);
    }
    assert_eq!(index_tip(&reg.join(".git")), Some(head(&env, &reg)));
}

#[test]
fn doctor_names_a_damaged_or_stale_index_and_removing_it_changes_no_answer() {
    let env = TestEnv::new();
    let reg = busy_registry(&env);
    let git = reg.join(".git");
    let expected = walk_answers(&env, &reg, &MODELS);
    assert_answers(&env, &reg, &MODELS, &expected, "first read");
    env.omgreg(&reg).arg("doctor").assert().success();

    let churn = index_dir(&git).join("models/churn");
    let mut bytes = std::fs::read(&churn).unwrap();
    bytes[20] ^= 0x02;
    std::fs::write(&churn, bytes).unwrap();
    let report = env
        .omgreg(&reg)
        .args(["doctor", "--dry-run", "--json"])
        .assert()
        .code(3);
    let report: serde_json::Value = serde_json::from_slice(&report.get_output().stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["leftover"], "event_index", "{report}");
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("models/churn"),
        "{report}"
    );
    let repaired = env.omgreg(&reg).arg("doctor").assert().success();
    let text = String::from_utf8_lossy(&repaired.get_output().stdout).into_owned();
    assert!(text.starts_with("removed   event index"), "{text}");
    assert!(!index_dir(&git).join("tip").exists());
    assert_answers(&env, &reg, &MODELS, &expected, "after doctor");
    env.omgreg(&reg).arg("doctor").assert().success();

    // History rewritten under the index: stale, named, and rebuilt all the same.
    act(&env, &reg, &["register", "fraud", "--version", "2.0.0"]);
    env.git(&reg, &["reset", "-q", "--hard", "HEAD~1"]);
    let report = env
        .omgreg(&reg)
        .args(["doctor", "--dry-run", "--json"])
        .assert()
        .code(3);
    let report: serde_json::Value = serde_json::from_slice(&report.get_output().stdout).unwrap();
    assert!(
        report["findings"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("not in the history"),
        "{report}"
    );
    assert_answers(&env, &reg, &MODELS, &expected, "after a rewrite");
    env.omgreg(&reg).arg("doctor").assert().success();
}
