//! The MLflow reader's failures, one diagnostic per class: a store it cannot read
//! says which and why, exits 1, prints no data and changes no byte of the store.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::mlflow::{fixture, free_port};

/// Runs `debug mlflow-dump` on `uri`, which must fail with `code`; returns stderr.
#[track_caller]
fn fails_with(env: &TestEnv, uri: &str, code: &str) -> String {
    let output = env
        .omgreg(env.path())
        .args(["debug", "mlflow-dump", "--tracking-uri", uri])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.contains(code), "{uri}: expected {code}:\n{stderr}");
    assert!(output.stdout.is_empty(), "{uri}: no data on a failure");
    stderr
}

fn sqlite_uri(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

#[test]
fn mlflow_reader_refuses_what_is_not_a_store_it_reads() {
    let env = TestEnv::new();
    let dir = env.path();
    let stderr = fails_with(
        &env,
        "postgresql://ada:s3cret@db/mlflow",
        "omgreg::import::mlflow_uri",
    );
    assert!(
        !stderr.contains("s3cret"),
        "the password stays out of messages:\n{stderr}"
    );
    assert!(stderr.contains("--backend-store-uri"), "{stderr}");
    fails_with(&env, "mlruns", "omgreg::import::mlflow_uri");

    // Server down: nothing listens on the port.
    let down = format!("http://127.0.0.1:{}", free_port());
    let stderr = fails_with(&env, &down, "omgreg::import::mlflow_unreachable");
    assert!(stderr.contains(&down), "{stderr}");

    // Missing stores are not created (MLflow would create both).
    let missing = dir.join("nowhere");
    fails_with(
        &env,
        &format!("file://{}", missing.display()),
        "omgreg::import::mlflow_missing_store",
    );
    fails_with(
        &env,
        &sqlite_uri(&missing.join("mlflow.db")),
        "omgreg::import::mlflow_missing_store",
    );
    assert!(!missing.exists());

    let empty = dir.join("empty");
    std::fs::create_dir(&empty).expect("folder");
    fails_with(
        &env,
        &format!("file://{}", empty.display()),
        "omgreg::import::mlflow_not_a_file_store",
    );

    // A SQLite database that is not MLflow's.
    let other = dir.join("other.db");
    let conn = rusqlite::Connection::open(&other).expect("sqlite");
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
        .expect("table");
    drop(conn);
    let stderr = fails_with(
        &env,
        &sqlite_uri(&other),
        "omgreg::import::mlflow_not_a_database",
    );
    assert!(stderr.contains("alembic_version"), "{stderr}");

    // Not a database at all.
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 64 * 1024]).expect("file");
    fails_with(
        &env,
        &sqlite_uri(&garbage),
        "omgreg::import::mlflow_corrupt_database",
    );
}

#[test]
fn mlflow_reader_reports_damaged_and_unknown_mlflow_databases() {
    let env = TestEnv::new();
    let dir = env.path();
    let real = dir.join("mlflow.db");
    // MLflow creates its schema on first use.
    let Some(()) = fixture(dir, &["dump", &sqlite_uri(&real), "empty.json"]) else {
        return;
    };
    let pristine = std::fs::read(&real).expect("database");
    assert!(
        pristine.len() > 8 * 4096,
        "MLflow's schema spans many pages"
    );

    // Every page but the schema page overwritten: the tables cannot be read.
    let damaged = dir.join("damaged.db");
    let mut bytes = pristine.clone();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    for byte in &mut bytes[page..] {
        *byte = 0xa5;
    }
    std::fs::write(&damaged, &bytes).expect("damaged copy");
    let stderr = fails_with(
        &env,
        &sqlite_uri(&damaged),
        "omgreg::import::mlflow_corrupt_database",
    );
    assert!(stderr.contains("damaged.db"), "{stderr}");
    assert_eq!(
        std::fs::read(&damaged).expect("file"),
        bytes,
        "read-only: not a byte changed"
    );

    // A schema revision omgreg does not know, without a column the reader needs.
    let unknown = dir.join("unknown.db");
    std::fs::write(&unknown, &pristine).expect("copy");
    let conn = rusqlite::Connection::open(&unknown).expect("sqlite");
    conn.execute_batch(
        "UPDATE alembic_version SET version_num = '0123456789ab';
         ALTER TABLE model_versions DROP COLUMN status_message;",
    )
    .expect("changed schema");
    drop(conn);
    let stderr = fails_with(
        &env,
        &sqlite_uri(&unknown),
        "omgreg::import::mlflow_unsupported_schema",
    );
    assert!(
        stderr.contains("0123456789ab") && stderr.contains("status_message"),
        "{stderr}"
    );

    // The untouched database reads (empty), and stays untouched.
    env.omgreg(dir)
        .args(["debug", "mlflow-dump", "--tracking-uri", &sqlite_uri(&real)])
        .assert()
        .success();
    assert_eq!(std::fs::read(&real).expect("file"), pristine, "read-only");
}
