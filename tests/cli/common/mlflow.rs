//! Real MLflow for the import tests: the fixture builder
//! (`tests/fixtures/mlflow_fixture.py`) run with the tools environment's Python, and
//! `mlflow server` on a free localhost port, stopped (its whole process group) when
//! dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tools::tool;

/// The environment every MLflow process of the tests gets: no telemetry, no
/// progress bars, and the file store MLflow 3 refuses by default allowed.
fn mlflow_env(command: &mut Command) -> &mut Command {
    command
        .env("MLFLOW_DISABLE_TELEMETRY", "true")
        .env("DO_NOT_TRACK", "true")
        .env("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        .env("MLFLOW_ALLOW_FILE_STORE", "true")
        // The server's job runner (a dozen huey consumers) is not needed here.
        .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_REGISTRY_URI")
}

/// Runs the fixture builder with `args`; `None` (test skipped) without Python.
#[track_caller]
pub fn fixture(dir: &Path, args: &[&str]) -> Option<()> {
    let python = tool("python")?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mlflow_fixture.py");
    let output = mlflow_env(&mut Command::new(python))
        .arg(script)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "mlflow_fixture.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(())
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("JSON file");
    serde_json::from_str(&text).expect("valid JSON")
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// `mlflow server` over an SQLite store, serving artifacts from a folder.
pub struct MlflowServer {
    child: Child,
    pub url: String,
}

impl MlflowServer {
    /// Starts it and waits for `/health` to answer; `None` without MLflow.
    #[track_caller]
    pub fn start(dir: &Path) -> Option<Self> {
        use std::os::unix::process::CommandExt;
        let mlflow = tool("mlflow")?;
        let port = free_port();
        let log = std::fs::File::create(dir.join("server.log")).expect("log file");
        let child = mlflow_env(&mut Command::new(mlflow))
            .args([
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--workers",
                "1",
            ])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.join("server.db").display()))
            .arg("--artifacts-destination")
            .arg(dir.join("server-artifacts"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            // Its own process group: the server starts workers, stopped with it.
            .process_group(0)
            .spawn()
            .expect("mlflow server starts");
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_healthy(dir, port);
        Some(server)
    }

    fn wait_healthy(&mut self, dir: &Path, port: u16) {
        let started = Instant::now();
        loop {
            if health(port) {
                return;
            }
            let exited = self.child.try_wait().expect("wait").is_some();
            let log = || std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            assert!(!exited, "mlflow server exited:\n{}", log());
            assert!(
                started.elapsed() < Duration::from_secs(180),
                "mlflow server did not answer /health in 180 s:\n{}",
                log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Whether `GET /health` on the port answers `OK`.
fn health(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}

impl Drop for MlflowServer {
    fn drop(&mut self) {
        // The process group this test started (its id is the server's pid).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}
