//! Diagnostic transcripts, continued: reading an MLflow store (`omgreg debug
//! mlflow-dump` until `omgreg import mlflow` exists; both share the reader). Built
//! without MLflow: stores made by hand, and a fake server on a local port.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::common::TestEnv;
use crate::common::mlflow::free_port;
use crate::common::transcript::*;
use crate::snapshot;
use crate::test_transcript_diagnostics::{diag, snapshot_name};

fn dump(uri: &str) -> [&str; 4] {
    ["debug", "mlflow-dump", "--tracking-uri", uri]
}

/// Like `diag`, with the varying port of a local server written as `PORT`.
fn diag_port(env: &TestEnv, code: &str, uri: &str, port: u16) {
    let text = transcript_exit(env, env.path(), &dump(uri), 1);
    assert!(text.contains(code), "expected {code}:\n{text}");
    let text = text.replace(&format!(":{port}"), ":PORT");
    snapshot!(env, snapshot_name(code), text);
}

/// A server on a free local port answering every request with `response`, for as
/// long as the test runs.
fn fake_server(response: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

#[test]
fn mlflow_stores_that_cannot_be_read() {
    let env = transcript_env();
    let dir = env.path();
    let d = |code: &str, uri: &str| diag(&env, dir, code, &dump(uri), 1);
    d(
        "omgreg::import::mlflow_uri",
        "postgresql://ada:s3cret@db.example.com/mlflow",
    );
    let missing = dir.join("mlflow.db");
    d(
        "omgreg::import::mlflow_missing_store",
        &format!("sqlite:///{}", missing.display()),
    );
    std::fs::create_dir(dir.join("empty")).expect("folder");
    d(
        "omgreg::import::mlflow_not_a_file_store",
        &format!("file://{}/empty", dir.display()),
    );

    let model = dir.join("mlruns/models/churn");
    std::fs::create_dir_all(&model).expect("folders");
    std::fs::write(model.join("meta.yaml"), "name: [churn\n").expect("meta");
    d(
        "omgreg::import::mlflow_corrupt_file_store",
        &format!("file://{}/mlruns", dir.display()),
    );

    let sqlite = |name: &str, sql: &str| {
        let path = dir.join(name);
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute_batch(sql).expect("tables");
        format!("sqlite:///{}", path.display())
    };
    d(
        "omgreg::import::mlflow_not_a_database",
        &sqlite("notes.db", "CREATE TABLE notes (body TEXT);"),
    );
    let old = sqlite(
        "old.db",
        "CREATE TABLE alembic_version (version_num TEXT);
         INSERT INTO alembic_version VALUES ('451aebb31d03');",
    );
    d("omgreg::import::mlflow_unsupported_schema", &old);
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).expect("file");
    d(
        "omgreg::import::mlflow_corrupt_database",
        &format!("sqlite:///{}", garbage.display()),
    );
}

#[test]
fn mlflow_servers_that_cannot_be_read() {
    let env = transcript_env();
    let closed = free_port();
    let uri = |port: u16| format!("http://127.0.0.1:{port}");
    diag_port(
        &env,
        "omgreg::import::mlflow_unreachable",
        &uri(closed),
        closed,
    );
    let denied = fake_server(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n\
         {\"error_code\": \"PERMISSION_DENIED\", \"message\": \"Permission denied for the registry\"}",
    );
    diag_port(&env, "omgreg::import::mlflow_http", &uri(denied), denied);
    let not_mlflow = fake_server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>hello</html>",
    );
    diag_port(
        &env,
        "omgreg::import::mlflow_bad_response",
        &uri(not_mlflow),
        not_mlflow,
    );
}

/// An MLflow file store made by hand: `churn` with version 1 in Production.
fn file_store(dir: &std::path::Path) -> String {
    let model = dir.join("mlruns/models/churn");
    std::fs::create_dir_all(model.join("version-1")).expect("folders");
    std::fs::write(
        model.join("meta.yaml"),
        "name: churn\ncreation_timestamp: 1700000000000\n",
    )
    .expect("meta");
    std::fs::write(
        model.join("version-1/meta.yaml"),
        "version: 1\ncreation_timestamp: 1700000000000\ncurrent_stage: Production\n\
         source: s3://bucket/churn/1\nstatus: READY\n",
    )
    .expect("meta");
    format!("file://{}/mlruns", dir.display())
}

#[test]
fn imports_that_are_refused() {
    let env = transcript_env();
    let reg = env.init_registry("reg");
    let uri = file_store(env.path());
    let import = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["import", "mlflow", "--tracking-uri", &uri]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let d = |code: &str, args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        diag(&env, &reg, code, &args, 1)
    };
    d(
        "omgreg::import::unmappable",
        &import(&["--stage-map", "Production=Prod"]),
    );
    d(
        "omgreg::import::no_such_model",
        &import(&["--model", "Churn"]),
    );
    // A version registered in omgreg first: the import may not overwrite it.
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0"])
        .assert()
        .success();
    d("omgreg::import::conflict", &import(&[]));
}

#[test]
fn an_unverified_version_cannot_enter_a_stage_that_requires_verified_artifacts() {
    let env = transcript_env();
    let reg = env.init_registry("reg");
    let uri = file_store(env.path());
    env.omgreg(&reg)
        .args(["import", "mlflow", "--tracking-uri", &uri])
        .assert()
        .success();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    std::fs::write(
        reg.join("omgreg.toml"),
        format!("{config}\n[policy.Staging]\nrequire_verified_artifacts = true\n"),
    )
    .expect("config");
    env.git(&reg, &["commit", "-qam", "verified artifacts for Staging"]);
    diag(
        &env,
        &reg,
        "omgreg::promote::unverified_artifacts",
        &["promote", "churn@1.0.0", "--stage", "Staging"],
        1,
    );
}

/// A Git repository whose annotated tags are GTO's, made with git alone: `tags` are
/// (name, commit number) on a line of commits.
fn gto_repo(
    env: &TestEnv,
    name: &str,
    commits: usize,
    tags: &[(&str, usize)],
) -> std::path::PathBuf {
    let repo = env.path().join(name);
    env.git(env.path(), &["init", "-q", repo.to_str().expect("path")]);
    let mut ids = Vec::new();
    for n in 0..commits {
        std::fs::write(repo.join("file.txt"), format!("{n}\n")).expect("file");
        env.git(&repo, &["add", "file.txt"]);
        env.git(&repo, &["commit", "-q", "-m", &format!("commit {n}")]);
        ids.push(env.git(&repo, &["rev-parse", "HEAD"]).trim().to_owned());
    }
    for (tag, at) in tags {
        env.git(&repo, &["tag", "-a", tag, "-m", tag, &ids[*at]]);
    }
    repo
}

#[test]
fn gto_registries_that_cannot_be_imported() {
    let env = transcript_env();
    let reg = env.init_registry("reg");
    let import = |location: &str| vec!["import".to_owned(), "gto".to_owned(), location.to_owned()];
    let d = |code: &str, args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        diag(&env, &reg, code, &args, 1)
    };
    std::fs::create_dir(env.path().join("plain")).expect("folder");
    d(
        "omgreg::import::gto_not_a_repository",
        import(&env.path().join("plain").display().to_string()),
    );
    d(
        "omgreg::import::gto_clone_failed",
        import("file:///nonexistent/nowhere.git"),
    );
    let dev = gto_repo(&env, "dev", 1, &[("churn@v1.0.0", 0), ("churn#dev#1", 0)]);
    d(
        "omgreg::import::gto_unmapped_stage",
        import(&dev.display().to_string()),
    );
    let loose = gto_repo(
        &env,
        "loose",
        2,
        &[("churn@v1.0.0", 0), ("churn#staging#1", 1)],
    );
    d(
        "omgreg::import::gto_unregistered_version",
        import(&loose.display().to_string()),
    );
    let twice = gto_repo(
        &env,
        "twice",
        1,
        &[
            ("churn@v1.0.0", 0),
            ("churn@v1.1.0", 0),
            ("churn#staging#1", 0),
        ],
    );
    d(
        "omgreg::import::gto_ambiguous_version",
        import(&twice.display().to_string()),
    );
    let clash = gto_repo(&env, "clash", 1, &[("a=b@v1.0.0", 0), ("a/b@v1.0.0", 0)]);
    d(
        "omgreg::import::gto_unmappable_name",
        import(&clash.display().to_string()),
    );
}
