//! Notification never holds an action (issue 12, finding 11): a receiver that accepts
//! the connection and never answers, with a committed `timeout_secs` of a day and the
//! most retries, costs an action at most its 2 s delivery budget; the event stays
//! pending for `omgreg notify`.

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::TestEnv;
use crate::common::lifecycle::{churn_registry, configure};
use crate::common::refusal::commit_by_hand;
use crate::common::signing::head;
use crate::test_notify::{Listener, cursor};

/// Accepts connections and never reads or answers them.
struct Silent {
    url: String,
    held: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Silent {
    fn start() -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        socket.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/hook", socket.local_addr().expect("address"));
        let held = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (held_by_thread, stop_thread) = (held.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop_thread.load(Ordering::SeqCst) {
                match socket.accept() {
                    Ok((stream, _)) => held_by_thread.lock().expect("lock").push(stream),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { url, held, stop }
    }

    fn connections(&self) -> usize {
        self.held.lock().expect("lock").len()
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_receiver_that_never_answers_does_not_hold_the_action() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let silent = Silent::start();
    configure(
        &env,
        &reg,
        &format!(
            "[[notify]]\nname = \"hook\"\nurl = \"{}\"\ntimeout_secs = 86400\nretries = 10\n",
            silent.url
        ),
    );
    let delivered_before = cursor(&env, &reg, "hook");
    // The timeout only catches a hang (before the budget, this waited a day per
    // attempt); the budget itself is 2 s.
    let output = env
        .omgreg(&reg)
        .args(["promote", "churn@1.0.0", "--stage", "Staging"])
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = crate::common::stderr_of(&output);
    assert!(stderr.contains("omgreg notify"), "{stderr}");
    assert!(silent.connections() >= 1, "the receiver was tried");
    // Not delivered: the cursor is not on the promotion.
    let promoted = head(&env, &reg);
    assert_ne!(cursor(&env, &reg, "hook"), Some(promoted.clone()));
    assert_ne!(delivered_before, Some(promoted.clone()));

    // A receiver that answers gets the pending event from `omgreg notify`.
    let listener = Listener::start();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("omgreg.toml");
    let config = config.replace(&silent.url, &listener.url);
    commit_by_hand(&env, &reg, "omgreg.toml", &config);
    env.omgreg(&reg).args(["notify"]).assert().success();
    let events: Vec<String> = listener
        .delivered()
        .iter()
        .map(|body| body["event"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(events.iter().any(|e| e == "promoted"), "{events:?}");
}
