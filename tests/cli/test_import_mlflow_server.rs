//! `omgreg import mlflow` from a tracking server (REST API 2.0): `mlflow server` on a
//! free localhost port over SQLite, its artifacts proxied (`mlflow-artifacts:`), filled
//! through the server by the fixture builder; compared as the local stores are in
//! `test_import_mlflow.rs`. With the server stopped, the import fails clearly and
//! writes nothing.

use serde_json::json;

use crate::common::TestEnv;
use crate::common::mlflow::{MlflowServer, fixture, read_json};
use crate::test_import_mlflow::expect::{assert_imported, assert_report_notes};
use crate::test_import_mlflow::{import, report_subjects};

/// Everything comes over REST, the artifacts through the server's proxy; a second
/// import adds nothing; a new version and a moved alias add exactly two commits.
#[test]
fn import_mlflow_over_rest_matches_mlflow_client() {
    let env = TestEnv::new();
    let dir = env.path();
    let Some(server) = MlflowServer::start(dir) else {
        return;
    };
    let Some(()) = fixture(dir, &["build", &server.url, "-", "expected.json"]) else {
        return;
    };
    let expected = read_json(&dir.join("expected.json"));
    let reg = env.init_registry("reg");
    let init = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
    let report = import(&env, &reg, &server.url, &[]);
    assert_eq!(report["location"], server.url.as_str());
    report_subjects(&env, &reg, &report, &init, "HEAD");
    assert_report_notes(&expected, &report);
    assert_imported(&env, &reg, "HEAD", &expected);
    // The files came through the proxy: the store's artifact root is the server's.
    for run in expected["runs"].as_object().expect("runs").values() {
        let uri = run["artifact_uri"].as_str().expect("artifact uri");
        assert!(uri.starts_with("mlflow-artifacts:"), "{uri}");
    }

    let tip = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(
        import(&env, &reg, &server.url, &[])["commits"],
        json!([]),
        "nothing new"
    );
    fixture(dir, &["change", &server.url, "changed.json"]).expect("MLflow ran before");
    let report = import(&env, &reg, &server.url, &[]);
    let subjects = report_subjects(&env, &reg, &report, &tip, "HEAD");
    assert_eq!(subjects.len(), 2, "{subjects:#?}");
    assert_eq!(subjects[0], "import mlflow churn/6: register churn@6.0.0");
    assert!(
        subjects[1].starts_with("import mlflow churn:stages: "),
        "{}",
        subjects[1]
    );
    assert_imported(&env, &reg, "HEAD", &read_json(&dir.join("changed.json")));

    // The server stopped: a clear error, and nothing written in a new registry.
    let url = server.url.clone();
    drop(server);
    let fresh = env.init_registry("fresh");
    let before = env.state(&fresh);
    let output = env
        .omgreg(&fresh)
        .args(["import", "mlflow", "--tracking-uri", &url])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("omgreg::import::mlflow_unreachable"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&url),
        "the message names the server: {stderr}"
    );
    assert!(output.stdout.is_empty());
    assert!(env.state(&fresh) == before, "nothing written");
    assert_eq!(
        env.git(&fresh, &["rev-list", "--count", "HEAD"]).trim(),
        "1"
    );
}

/// A server that records the `Authorization` header of each request and refuses it.
fn recording_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
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
            let text = String::from_utf8_lossy(&request).into_owned();
            let header = text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("authorization: ")
                        .or(l.strip_prefix("Authorization: "))
                })
                .unwrap_or("(none)")
                .to_owned();
            record.lock().expect("lock").push(header);
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n\
                  {\"error_code\": \"UNAUTHENTICATED\", \"message\": \"no\"}",
            );
        }
    });
    (port, seen)
}

/// Credentials come from MLflow's own variables: a token as a bearer, else a user and
/// password as basic auth; a refusal writes nothing.
#[test]
fn import_mlflow_sends_the_credentials_mlflow_reads_from_the_environment() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let head = env.git(&reg, &["rev-parse", "HEAD"]);
    for (vars, wanted) in [
        (vec![("MLFLOW_TRACKING_TOKEN", "t0k")], "Bearer t0k"),
        (
            vec![
                ("MLFLOW_TRACKING_USERNAME", "ada"),
                ("MLFLOW_TRACKING_PASSWORD", "s3cret"),
            ],
            "Basic YWRhOnMzY3JldA==",
        ),
    ] {
        let (port, seen) = recording_server();
        let mut command = env.omgreg(&reg);
        command.args([
            "import",
            "mlflow",
            "--tracking-uri",
            &format!("http://127.0.0.1:{port}"),
        ]);
        for (key, value) in &vars {
            command.env(key, value);
        }
        let output = command.output().expect("omgreg runs");
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("omgreg::import::mlflow_http"), "{stderr}");
        assert!(
            !stderr.contains("s3cret") && !stderr.contains("t0k"),
            "{stderr}"
        );
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.first().map(String::as_str), Some(wanted), "{seen:?}");
        assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]), head);
    }
}
