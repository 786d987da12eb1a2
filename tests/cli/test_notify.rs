//! Notifications: `[[notify]]` webhooks in `omgreg.toml`, delivered to a loopback HTTP
//! listener written here (std only, 127.0.0.1, bounded in time). Each action notifies
//! right after its commit; the body is the event as JSON, signed with HMAC-SHA256
//! (recomputed here by hand from `sha2`), in omgreg's or MLflow's header format;
//! failures are retried with backoff, never undo the action, and stay pending behind
//! the cursor `refs/omgreg/notified/<name>` until `omgreg notify` delivers them.
//!
//! Retries, failures and filters are in `test_notify_retries.rs`; command targets and
//! `omgreg events` in `test_notify_commands.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, churn_registry, configure};
use crate::common::refusal::*;
use crate::common::signing::head;

pub(crate) const SECRET: &str = "s3cr3t-for-tests";

/// One request the listener received, and the status it answered.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

/// A loopback HTTP server on 127.0.0.1 that records every request and answers 200,
/// or 500 while told to fail. Stops (and joins its thread) when dropped, and on its
/// own after two minutes at the latest.
pub(crate) struct Listener {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    fail_next: Arc<AtomicUsize>,
    always_fail: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    pub fn start() -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        socket.set_nonblocking(true).expect("nonblocking");
        let url = format!(
            "http://{}/hook",
            socket.local_addr().expect("bound address")
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let always_fail = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, fail_next, always_fail, stop) = (
                requests.clone(),
                fail_next.clone(),
                always_fail.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match socket.accept() {
                        Ok((stream, _)) => {
                            let fail = always_fail.load(Ordering::SeqCst)
                                || fail_next
                                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                                        n.checked_sub(1)
                                    })
                                    .is_ok();
                            if let Some(request) = serve(stream, if fail { 500 } else { 200 }) {
                                requests.lock().expect("not poisoned").push(request);
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Self {
            url,
            requests,
            fail_next,
            always_fail,
            stop,
            thread: Some(thread),
        }
    }

    /// Answers the next `n` requests with HTTP 500.
    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// Answers every request with HTTP 500 (`true`) or 200 (`false`).
    pub fn always_fail(&self, fail: bool) {
        self.always_fail.store(fail, Ordering::SeqCst);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// The bodies of the requests answered 200, parsed.
    pub fn delivered(&self) -> Vec<serde_json::Value> {
        self.requests()
            .iter()
            .filter(|r| r.status == 200)
            .map(Request::json)
            .collect()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one HTTP/1.1 request (headers, then `Content-Length` bytes) and answers it
/// with `status`; `None` when the request is cut short or malformed.
fn serve(mut stream: TcpStream, status: u16) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if data.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > 1024 * 1024 {
        return None;
    }
    let mut body = data[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let reason = if status == 200 {
        "OK"
    } else {
        "Internal Server Error"
    };
    let _ = stream.write_all(
        format!("HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let _ = stream.flush();
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8(body).ok()?,
        status,
        at: Instant::now(),
    })
}

/// HMAC-SHA256 by its definition (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)).
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn the_test_hmac_and_base64_match_their_references() {
    // RFC 4231 test cases 2 and 6 (a key longer than the block).
    assert_eq!(
        hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(
        hex::encode(hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    // RFC 4648 section 10.
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), expected);
    }
}

/// A `[[notify]]` target named `name` pointing at `listener`, plus `extra` lines.
pub(crate) fn webhook(name: &str, listener: &Listener, extra: &str) -> String {
    format!(
        "[[notify]]\nname = \"{name}\"\nurl = \"{}\"\ntimeout_secs = 5\n{extra}",
        listener.url
    )
}

/// `refs/omgreg/notified/<name>`, if it exists.
pub(crate) fn cursor(env: &TestEnv, reg: &Path, name: &str) -> Option<String> {
    let output = env.git_output(
        reg,
        &[
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/omgreg/notified/{name}"),
        ],
    );
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `omgreg args` in `reg`: exactly one new commit, exit 0; returns stderr flattened.
pub(crate) fn act_stderr(env: &TestEnv, reg: &Path, args: &[&str]) -> String {
    let before = env.commit_count(reg);
    let output = env
        .omgreg(reg)
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(env.commit_count(reg), before + 1, "omgreg {args:?}");
    flatten(&crate::common::stderr_of(&output))
}

/// `omgreg events --json --range REV^..REV`, as text lines.
pub(crate) fn events_of(env: &TestEnv, reg: &Path, rev: &str) -> Vec<String> {
    let output = env
        .omgreg(reg)
        .args(["events", "--json", "--range", &format!("{rev}^..{rev}")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_promotion_is_delivered_as_signed_json() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    env.set_env("OMGREG_TEST_SECRET", SECRET);
    configure(
        &env,
        &reg,
        &webhook("hook", &listener, "secret_env = \"OMGREG_TEST_SECRET\"\n"),
    );

    let stderr = act_stderr(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    assert_mentions(&stderr, &["Notified `hook` of 1 event(s)"]);
    let commit = head(&env, &reg);
    let requests = listener.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hook");
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["kind"], "event");
    assert_eq!(body["event"], "promoted");
    assert_eq!(body["model"], "churn");
    assert_eq!(body["version"], "1.0.0");
    assert_eq!(body["stage"], "Production");
    assert_eq!(body["previous"], serde_json::Value::Null);
    assert_eq!(body["registry"], "reg");
    assert_eq!(body["commit"], commit.as_str());
    assert_eq!(body["id"], format!("{commit}-0"));
    assert_eq!(body["author"], crate::common::AUTHOR);
    assert_eq!(body["author_email"], crate::common::EMAIL);
    assert_eq!(body["time"], crate::common::DATE);
    assert_eq!(body["subject"], "promote churn@1.0.0 to Production");
    assert_eq!(request.header("X-Omgreg-Delivery"), body["id"].as_str());
    assert_eq!(
        request.header("X-Omgreg-Signature").map(str::to_owned),
        Some(format!(
            "sha256={}",
            hex::encode(hmac_sha256(SECRET.as_bytes(), request.body.as_bytes()))
        ))
    );
    assert_eq!(request.header("X-MLflow-Signature"), None);
    // The body is exactly what `omgreg events --json` prints for the commit.
    assert_eq!(events_of(&env, &reg, "HEAD"), [request.body.as_str()]);
    assert_eq!(cursor(&env, &reg, "hook"), Some(commit));
}

#[test]
fn the_mlflow_signature_signs_delivery_id_timestamp_and_body() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    env.set_env("OMGREG_TEST_SECRET", SECRET);
    configure(
        &env,
        &reg,
        &webhook(
            "mlflow-hook",
            &listener,
            "secret_env = \"OMGREG_TEST_SECRET\"\nsignature = \"mlflow\"\n",
        ),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );

    let requests = listener.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    // MLflow 3's envelope: no stages in MLflow's webhooks, so the stage is sent as
    // the version tag `omgreg.stage`; the omgreg event rides along.
    let body = request.json();
    assert_eq!(
        (&body["entity"], &body["action"]),
        (&"model_version_tag".into(), &"set".into())
    );
    assert_eq!(body["data"]["name"], "churn");
    assert_eq!(body["data"]["version"], "1.0.0");
    assert_eq!(body["data"]["key"], "omgreg.stage");
    assert_eq!(body["data"]["value"], "Staging");
    assert_eq!(body["data"]["omgreg"]["event"], "promoted");
    let id = request.header("X-MLflow-Delivery-Id").expect("delivery id");
    assert_eq!(Some(id), body["data"]["omgreg"]["id"].as_str());
    assert_eq!(request.header("X-Omgreg-Delivery"), Some(id));
    let timestamp = request.header("X-MLflow-Timestamp").expect("timestamp");
    let seconds: i64 = timestamp.parse().expect("unix seconds");
    assert!((seconds - now).abs() < 300, "{seconds} vs {now}");
    let signed = format!("{id}.{timestamp}.{}", request.body);
    assert_eq!(
        request.header("X-MLflow-Signature").map(str::to_owned),
        Some(format!(
            "v1,{}",
            base64(&hmac_sha256(SECRET.as_bytes(), signed.as_bytes()))
        ))
    );
    assert_eq!(request.header("X-Omgreg-Signature"), None);
    assert_eq!(cursor(&env, &reg, "mlflow-hook"), Some(head(&env, &reg)));
}
