//! `omgreg import mlflow` end to end against real MLflow (issue 13, "Acceptance"): the
//! fixture builder fills a SQLite store and a file store with `MlflowClient` and dumps
//! what `MlflowClient` answers; after the import, every model, version, stage, alias,
//! tag, description, param and metric that `omgreg list` / `show` answer is compared
//! with those answers through the mapping of `src/import/mlflow/map.rs`, and every
//! artifact's sha256 with that of MLflow's own download. Real git judges the result.
//! The server (REST) half is in `test_import_mlflow_server.rs`; the expected
//! values are derived in `test_import_mlflow/expect.rs`.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::TestEnv;
use crate::common::mlflow::{fixture, read_json};

pub(crate) mod expect;
// An import killed half-way: needs the failpoints (`--features failpoints`), as the
// crash suite does (`test_crash_guard.rs` keeps CI from skipping it).
#[cfg(feature = "failpoints")]
mod killed;

use expect::{assert_authors, assert_imported, assert_report_notes, location, mapped};

/// `omgreg import mlflow --tracking-uri URI EXTRA.. --json` in `reg`, which must
/// succeed; its report.
pub(crate) fn import(env: &TestEnv, reg: &Path, uri: &str, extra: &[&str]) -> Value {
    let mut args = vec!["import", "mlflow", "--tracking-uri", uri];
    args.extend_from_slice(extra);
    env.json(reg, &args)
}

/// The subjects of `report`'s commits, after checking they are the commits git shows
/// between `before` and the tip of `branch`, oldest first.
pub(crate) fn report_subjects(
    env: &TestEnv,
    reg: &Path,
    report: &Value,
    before: &str,
    branch: &str,
) -> Vec<String> {
    let commits = report["commits"].as_array().expect("commits");
    let listed: Vec<&str> = commits
        .iter()
        .map(|c| c["commit"].as_str().expect("a commit id"))
        .collect();
    let range = format!("{before}..{branch}");
    let git = env.git(reg, &["rev-list", "--reverse", &range]);
    assert_eq!(
        listed,
        git.lines().collect::<Vec<_>>(),
        "the report names the commits made"
    );
    commits
        .iter()
        .map(|c| c["subject"].as_str().expect("subject").to_owned())
        .collect()
}

/// A store the fixture built (`sqlite` or `file`) in `env`, its URI and MlflowClient's
/// answers; `None` (skipped) without MLflow.
pub(crate) fn build(env: &TestEnv, kind: &str) -> Option<(String, Value)> {
    let dir = env.path();
    let uri = match kind {
        "sqlite" => format!("sqlite:///{}", dir.join("mlflow.db").display()),
        _ => format!("file://{}", dir.join("mlruns").display()),
    };
    let art = dir.join("art").display().to_string();
    fixture(dir, &["build", &uri, &art, "expected.json"])?;
    Some((uri, read_json(&dir.join("expected.json"))))
}

fn head(env: &TestEnv, reg: &Path) -> String {
    env.git(reg, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// Everything of a SQLite store comes over; a second import adds nothing; after a new
/// version and a moved alias in MLflow, the next import adds exactly the version's
/// registration and the model's stages commit.
#[test]
fn import_mlflow_sqlite_matches_mlflow_client_then_brings_only_what_is_new() {
    let env = TestEnv::new();
    let Some((uri, expected)) = build(&env, "sqlite") else {
        return;
    };
    let reg = env.init_registry("reg");
    let init = head(&env, &reg);
    let report = import(&env, &reg, &uri, &[]);
    assert_eq!(
        (&report["source"], &report["dry_run"]),
        (&json!("mlflow"), &json!(false))
    );
    let subjects = report_subjects(&env, &reg, &report, &init, "HEAD");
    let live: usize = expected["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["versions"].as_array().expect("versions").len())
        .sum();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.contains(": register "))
            .count(),
        live,
        "{subjects:#?}"
    );
    assert_report_notes(&expected, &report);
    // The fixture's name with capitals and a space, as the documented rule maps it.
    assert_eq!(mapped("Fraud Detector"), "fraud-detector");
    assert_imported(&env, &reg, "HEAD", &expected);
    assert_authors(&env, &reg, "HEAD", &expected);
    env.omgreg(&reg).arg("check").assert().success();
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");

    let (count, tip) = (env.commit_count(&reg), head(&env, &reg));
    let again = import(&env, &reg, &uri, &[]);
    assert_eq!(again["commits"], json!([]), "nothing new");
    assert_eq!(
        (env.commit_count(&reg), head(&env, &reg)),
        (count, tip.clone())
    );

    // A new version `churn` 6 and the alias `champion` moved to it, by MlflowClient.
    fixture(env.path(), &["change", &uri, "changed.json"]).expect("MLflow ran before");
    let changed = read_json(&env.path().join("changed.json"));
    let report = import(&env, &reg, &uri, &[]);
    let subjects = report_subjects(&env, &reg, &report, &tip, "HEAD");
    assert_eq!(subjects.len(), 2, "{subjects:#?}");
    assert_eq!(subjects[0], "import mlflow churn/6: register churn@6.0.0");
    assert!(
        subjects[1].starts_with("import mlflow churn:stages: ")
            && subjects[1].contains("alias champion -> 6.0.0"),
        "{}",
        subjects[1]
    );
    let touched = env.git(&reg, &["diff", "--name-only", &tip, "HEAD"]);
    assert!(
        touched
            .lines()
            .all(|path| path.starts_with("models/churn/")),
        "{touched}"
    );
    assert_imported(&env, &reg, "HEAD", &changed);
    // The run behind the new version names its user: the version's author.
    assert_authors(&env, &reg, "HEAD", &changed);
    assert!(
        env.git(&reg, &["log", "-1", "--format=%ae", "HEAD~1"])
            .contains("grace@example.com")
    );
}

/// The file store (MLflow 3 allows it with MLFLOW_ALLOW_FILE_STORE) comes over the
/// same; a second import adds nothing.
#[test]
fn import_mlflow_file_store_matches_mlflow_client() {
    let env = TestEnv::new();
    let Some((uri, expected)) = build(&env, "file") else {
        return;
    };
    let reg = env.init_registry("reg");
    let report = import(&env, &reg, &uri, &[]);
    assert_report_notes(&expected, &report);
    assert_imported(&env, &reg, "HEAD", &expected);
    assert_authors(&env, &reg, "HEAD", &expected);
    let (count, tip) = (env.commit_count(&reg), head(&env, &reg));
    assert_eq!(import(&env, &reg, &uri, &[])["commits"], json!([]));
    assert_eq!((env.commit_count(&reg), head(&env, &reg)), (count, tip));
}

/// A store that cannot be read, or a model it does not have: a diagnostic with its
/// code, exit 1, no data, and the registry as it was (HEAD, refs, index, files).
#[test]
fn import_mlflow_from_a_store_it_cannot_read_writes_nothing() {
    let env = TestEnv::new();
    let dir = env.path();
    let db = dir.join("mlflow.db");
    let uri = format!("sqlite:///{}", db.display());
    // MLflow creates its schema on first use.
    let Some(()) = fixture(dir, &["dump", &uri, "empty.json"]) else {
        return;
    };
    let bytes = std::fs::read(&db).expect("database");
    let truncated = dir.join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("truncated copy");
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 64 * 1024]).expect("garbage");
    let reg = env.init_registry("reg");
    let (truncated, garbage) = (
        format!("sqlite:///{}", truncated.display()),
        format!("sqlite:///{}", garbage.display()),
    );
    let cases = [
        (
            vec!["--tracking-uri", "sqlite:///nonexistent.db"],
            "mlflow_missing_store",
        ),
        (vec!["--tracking-uri", "ftp://x"], "mlflow_uri"),
        (
            vec!["--tracking-uri", &truncated],
            "mlflow_corrupt_database",
        ),
        (vec!["--tracking-uri", &garbage], "mlflow_corrupt_database"),
        (
            vec!["--tracking-uri", &uri, "--model", "NoSuch"],
            "no_such_model",
        ),
    ];
    for (args, code) in cases {
        let before = env.state(&reg);
        let output = env
            .omgreg(&reg)
            .args(["import", "mlflow"])
            .args(&args)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("omgreg::import::{code}")),
            "{args:?}:\n{stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: no data");
        assert!(env.state(&reg) == before, "{args:?} changed the registry");
        assert_eq!(env.git(&reg, &["status", "--porcelain"]), "", "{args:?}");
    }
    assert!(!reg.join("nonexistent.db").exists(), "no store created");
}

/// The files below `.git/lfs/objects`.
fn lfs_objects(reg: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![reg.join(".git/lfs/objects")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path().display().to_string());
            }
        }
    }
    out
}

/// `--dry-run` lists the commits a real import then makes, and writes nothing: no
/// commit, no LFS object, no working-tree change.
#[test]
fn import_mlflow_dry_run_writes_nothing() {
    let env = TestEnv::new();
    let Some((uri, expected)) = build(&env, "sqlite") else {
        return;
    };
    let reg = env.init_registry("reg");
    let before = env.state(&reg);
    let dry = import(&env, &reg, &uri, &["--dry-run"]);
    assert!(
        env.state(&reg) == before,
        "the dry run changed the registry"
    );
    assert_eq!(
        lfs_objects(&reg),
        Vec::<String>::new(),
        "no LFS object stored"
    );
    assert_eq!(dry["dry_run"], true);
    assert_report_notes(&expected, &dry);
    let commits = dry["commits"].as_array().expect("commits");
    assert!(commits.iter().all(|c| c["commit"].is_null()), "{dry}");
    let planned: Vec<&str> = commits
        .iter()
        .map(|c| c["subject"].as_str().expect("subject"))
        .collect();
    let real = import(&env, &reg, &uri, &[]);
    let made = report_subjects(&env, &reg, &real, &before.head, "HEAD");
    assert_eq!(
        planned, made,
        "the dry run listed the commits the import made"
    );
    assert_imported(&env, &reg, "HEAD", &expected);
}

/// `--artifacts link` reads no file: every version is unverified, recorded by its
/// location, with no artifact and no LFS object. `--branch review` makes the commits on
/// a new branch `review` and leaves the registry branch and the working tree alone.
#[test]
fn import_mlflow_link_and_branch() {
    let env = TestEnv::new();
    let Some((uri, expected)) = build(&env, "sqlite") else {
        return;
    };
    let reg = env.init_registry("linked");
    let report = import(&env, &reg, &uri, &["--artifacts", "link"]);
    assert_eq!(lfs_objects(&reg), Vec::<String>::new(), "nothing copied");
    assert_eq!(env.git(&reg, &["lfs", "ls-files"]), "");
    for model in expected["models"].as_array().expect("models") {
        let name = mapped(model["name"].as_str().expect("name"));
        for version in model["versions"].as_array().expect("versions") {
            let reference = format!("{name}@{}.0.0", version["version"]);
            let shown = env.json(&reg, &["show", &reference]);
            assert_eq!(
                (&shown["verified"], &shown["artifacts"]),
                (&json!(false), &json!([])),
                "{reference}"
            );
            assert_eq!(
                shown["imported"]["unverified"][0]["uri"],
                location(&expected, version),
                "{reference}"
            );
            assert!(
                report["unverified"]
                    .as_array()
                    .expect("unverified")
                    .contains(&json!(reference))
            );
        }
    }
    env.assert_fsck_clean(&reg);

    let reg = env.init_registry("review");
    let before = env.state(&reg);
    let report = import(&env, &reg, &uri, &["--branch", "review"]);
    let after = env.state(&reg);
    assert_eq!(
        (&after.head, &after.index_sha256),
        (&before.head, &before.index_sha256),
        "the registry branch stays"
    );
    assert!(after.files == before.files, "the working tree stays");
    let review = env.git(&reg, &["rev-parse", "refs/heads/review"]);
    let added = format!("refs/heads/review {review}");
    assert!(after.refs.contains(&added), "{}", after.refs);
    assert_eq!(
        after.refs.replace(&added, ""),
        before.refs,
        "only `review` is new"
    );
    assert_eq!(report["branch"], "review");
    report_subjects(&env, &reg, &report, &before.head, "review");
    assert_imported(&env, &reg, "review", &expected);
    assert_authors(&env, &reg, "review", &expected);
}
