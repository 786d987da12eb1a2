//! A registry server over HTTP for the transport tests: `tests/fixtures/http_remote.py`
//! run with the tools environment's Python (Git smart HTTP through `git http-backend`,
//! Git LFS through giftless, HTTP Basic in front of both) on a free localhost port,
//! stopped (its whole process group) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TestEnv;
use super::tools::tool;

/// The one account the server knows.
pub const USER: &str = "alice";
pub const PASSWORD: &str = "s3cret-7f1d";

/// The organisation part of every repository path (`/team/NAME.git`): giftless serves
/// LFS at `<org>/<repo>.git/info/lfs`, the path git-lfs derives from the remote URL.
const ORG: &str = "team";

pub struct HttpRemote {
    child: Child,
    port: u16,
    /// `GIT_PROJECT_ROOT` of `git http-backend`.
    repos: PathBuf,
    /// giftless's local storage: `<org>/<repo>/<oid>`.
    lfs: PathBuf,
    log: PathBuf,
}

impl HttpRemote {
    /// Starts the server in `<env>/server` with the env's hermetic Git settings and
    /// waits until it listens; `None` (test skipped) without the tools environment.
    #[track_caller]
    pub fn start(env: &TestEnv) -> Option<Self> {
        use std::os::unix::process::CommandExt;
        let python = tool("python")?;
        let dir = env.path().join("server");
        let repos = dir.join("repos");
        let lfs = dir.join("lfs");
        std::fs::create_dir_all(repos.join(ORG)).expect("mkdir repos");
        std::fs::create_dir_all(&lfs).expect("mkdir lfs");
        let ready = dir.join("port");
        let log = dir.join("server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/http_remote.py");
        let child = env
            .hermetic_std(python.to_str().expect("UTF-8 path"), &dir)
            .arg(script)
            .args([&repos, &lfs])
            .args([USER, PASSWORD])
            .arg(&ready)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            // Its own process group: `git http-backend` and hooks stop with it.
            .process_group(0)
            .spawn()
            .expect("the server starts");
        let mut server = Self {
            child,
            port: 0,
            repos,
            lfs,
            log,
        };
        server.port = server.wait_ready(&ready);
        Some(server)
    }

    fn wait_ready(&mut self, ready: &Path) -> u16 {
        let started = Instant::now();
        loop {
            if let Ok(port) = std::fs::read_to_string(ready) {
                return port.trim().parse().expect("a port number");
            }
            let exited = self.child.try_wait().expect("wait").is_some();
            assert!(!exited, "the HTTP server exited:\n{}", self.log());
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the HTTP server did not start in 120 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server printed (giftless, waitress, `git http-backend`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A new empty bare repository `NAME.git` on the server; returns its folder.
    pub fn create(&self, env: &TestEnv, name: &str) -> PathBuf {
        let bare = self.repos.join(ORG).join(format!("{name}.git"));
        env.git(
            &self.repos,
            &["init", "-q", "--bare", bare.to_str().expect("UTF-8 path")],
        );
        bare
    }

    /// `http://[USER:PASSWORD@]127.0.0.1:PORT/team/NAME.git`.
    pub fn url(&self, name: &str, credentials: Option<(&str, &str)>) -> String {
        let user = credentials.map_or_else(String::new, |(u, p)| format!("{u}:{p}@"));
        format!("http://{user}127.0.0.1:{}/{ORG}/{name}.git", self.port)
    }

    /// Every object giftless stored, as `<org>/<repo>/<oid>`, sorted.
    pub fn lfs_objects(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![self.lfs.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(&self.lfs).expect("below");
                    found.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        found.sort();
        found
    }

    /// The stored object `oid` of repository `NAME`.
    pub fn lfs_object(&self, name: &str, oid: &str) -> PathBuf {
        self.lfs.join(ORG).join(name).join(oid)
    }
}

/// Git configuration for every later command of `env`: a credential helper that
/// answers with `user` and `password`, as a team's helper or CI secret would (the
/// environment has no global configuration to hold it).
pub fn use_credential_helper(env: &TestEnv, user: &str, password: &str) {
    let helper = format!(
        "!f() {{ cat >/dev/null; test \"$1\" = get && printf 'username={user}\\npassword={password}\\n'; }}; f"
    );
    env.set_env("GIT_CONFIG_COUNT", "1");
    env.set_env("GIT_CONFIG_KEY_0", "credential.helper");
    env.set_env("GIT_CONFIG_VALUE_0", &helper);
}

impl Drop for HttpRemote {
    fn drop(&mut self) {
        // The process group this test started (its id is the server's pid).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (usually nothing: then kill says so, quietly).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}
