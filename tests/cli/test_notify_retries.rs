//! Webhook delivery when the receiver fails: bounded retries with doubling backoff
//! and the same delivery id; an action never fails because of a notification; the
//! cursor `refs/omgreg/notified/<name>` stays behind undelivered events until
//! `omgreg notify` delivers them; `events = [...]` filters; `--target` picks one.

use std::time::Duration;

use crate::common::TestEnv;
use crate::common::lifecycle::{act, churn_registry, configure};
use crate::common::refusal::*;
use crate::common::signing::head;
use crate::test_notify::{Listener, act_stderr, cursor, webhook};
#[test]
fn failed_attempts_are_retried_with_doubling_backoff() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    configure(&env, &reg, &webhook("hook", &listener, ""));

    listener.fail_next(2);
    let stderr = act_stderr(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    let first = head(&env, &reg);
    listener.fail_next(2);
    act_stderr(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);

    let requests = listener.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200, 500, 500, 200], "{requests:#?}");
    for request in &requests {
        assert_eq!(
            request.header("X-Omgreg-Delivery"),
            request.json()["id"].as_str(),
            "every delivery carries its id"
        );
        assert_eq!(request.header("X-Omgreg-Signature"), None, "no secret_env");
    }
    for attempts in requests.chunks(3) {
        // The same event, with the same delivery id, every time.
        assert!(attempts.iter().all(|r| r.body == attempts[0].body));
        assert!(
            attempts
                .iter()
                .all(|r| r.header("X-Omgreg-Delivery") == attempts[0].header("X-Omgreg-Delivery"))
        );
        // Backoff: 200 ms, then 400 ms (sleeps are lower bounds).
        assert!(attempts[1].at - attempts[0].at >= Duration::from_millis(190));
        assert!(attempts[2].at - attempts[1].at >= Duration::from_millis(390));
    }
    let delivered = listener.delivered();
    assert_eq!(delivered[0]["event"], "promoted");
    assert_eq!(delivered[0]["commit"], first.as_str());
    assert_eq!(delivered[1]["event"], "alias_set");
    assert_eq!(delivered[1]["alias"], "champion");
    assert_eq!(cursor(&env, &reg, "hook"), Some(head(&env, &reg)));
}

#[test]
fn an_unreachable_target_never_fails_the_action_and_notify_delivers_later() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    let listener = Listener::start();
    configure(&env, &reg, &webhook("hook", &listener, "retries = 1\n"));

    // Delivered: the cursor exists and sits on HEAD.
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );
    let delivered_up_to = head(&env, &reg);
    assert_eq!(cursor(&env, &reg, "hook"), Some(delivered_up_to.clone()));

    listener.always_fail(true);
    let stderr = act_stderr(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    assert_mentions(
        &stderr,
        &["warning", "notify `hook`", "HTTP 500", "omgreg notify"],
    );
    let production = head(&env, &reg);
    act_stderr(&env, &reg, &["alias", "set", "churn@2.0.0", "canary"]);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    assert_eq!(
        cursor(&env, &reg, "hook"),
        Some(delivered_up_to.clone()),
        "the cursor did not move past undelivered events"
    );
    // Two attempts per action (retries = 1), each stopping at the first event.
    assert_eq!(listener.requests().len(), 1 + 2 + 2);

    // `omgreg notify` against the still failing target: exit 1, nothing moves.
    let output = env
        .omgreg(&reg)
        .arg("notify")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&crate::common::stderr_of(&output)),
        &["omgreg::notify::failed", "1 notification target(s)"],
    );
    assert_eq!(cursor(&env, &reg, "hook"), Some(delivered_up_to));

    listener.always_fail(false);
    let before = listener.delivered().len();
    let output = env
        .omgreg(&reg)
        .arg("notify")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&crate::common::stderr_of(&output)),
        &["Notified `hook` of 2 event(s)"],
    );
    let delivered = listener.delivered()[before..].to_vec();
    assert_eq!(delivered.len(), 2, "{delivered:#?}");
    assert_eq!(delivered[0]["event"], "promoted");
    assert_eq!(delivered[0]["stage"], "Production");
    assert_eq!(delivered[0]["commit"], production.as_str());
    assert_eq!(delivered[1]["event"], "alias_set");
    assert_eq!(delivered[1]["version"], "2.0.0");
    assert_eq!(cursor(&env, &reg, "hook"), Some(head(&env, &reg)));

    // Nothing pending any more.
    let count = listener.requests().len();
    env.omgreg(&reg).arg("notify").assert().success();
    assert_eq!(listener.requests().len(), count);
}

#[test]
fn a_new_target_that_fails_keeps_its_pending_events() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    let listener = Listener::start();
    configure(&env, &reg, &webhook("hook", &listener, "retries = 0\n"));

    listener.always_fail(true);
    let stderr = act_stderr(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );
    assert_mentions(
        &stderr,
        &["warning", "`omgreg notify` will deliver the rest"],
    );
    act_stderr(&env, &reg, &["alias", "set", "churn@2.0.0", "canary"]);

    listener.always_fail(false);
    env.omgreg(&reg).arg("notify").assert().success();
    let events: Vec<String> = listener
        .delivered()
        .iter()
        .map(|e| e["event"].as_str().expect("event").to_owned())
        .collect();
    assert_eq!(events, ["promoted", "alias_set"], "at least once");
    assert_eq!(cursor(&env, &reg, "hook"), Some(head(&env, &reg)));
}

#[test]
fn the_event_filter_is_honoured_and_the_cursor_moves_past_filtered_commits() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    let all = Listener::start();
    configure(
        &env,
        &reg,
        &format!(
            "{}\n{}",
            webhook("promotions", &listener, "events = [\"promoted\"]\n"),
            webhook("everything", &all, "")
        ),
    );

    let (artifact, _) = env.make_file("out/2/model.pt", 2000);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "2.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    act(&env, &reg, &["alias", "set", "churn@2.0.0", "champion"]);
    assert!(listener.requests().is_empty(), "{:#?}", listener.requests());
    assert_eq!(cursor(&env, &reg, "promotions"), Some(head(&env, &reg)));

    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    act(&env, &reg, &["archive", "churn@1.0.0", "--reason", "old"]);
    let delivered = listener.delivered();
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(delivered[0]["event"], "promoted");
    assert_eq!(delivered[0]["version"], "2.0.0");
    assert_eq!(cursor(&env, &reg, "promotions"), Some(head(&env, &reg)));

    let events: Vec<String> = all
        .delivered()
        .iter()
        .map(|e| e["event"].as_str().expect("event").to_owned())
        .collect();
    assert_eq!(events, ["registered", "alias_set", "promoted", "archived"]);
    assert_eq!(cursor(&env, &reg, "everything"), Some(head(&env, &reg)));
}

#[test]
fn notify_target_delivers_to_that_target_only() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let one = Listener::start();
    let two = Listener::start();
    configure(
        &env,
        &reg,
        &format!(
            "{}\n{}",
            webhook("one", &one, "retries = 0\n"),
            webhook("two", &two, "retries = 0\n")
        ),
    );
    one.always_fail(true);
    two.always_fail(true);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );
    one.always_fail(false);
    two.always_fail(false);

    env.omgreg(&reg)
        .args(["notify", "--target", "two"])
        .assert()
        .success();
    assert_eq!(two.delivered().len(), 1);
    assert!(one.delivered().is_empty());
    assert_eq!(cursor(&env, &reg, "two"), Some(head(&env, &reg)));
    // A new target's cursor starts before the latest commit and stays there until
    // that commit's events are delivered.
    let before_head = env.git(&reg, &["rev-parse", "HEAD~1"]).trim().to_owned();
    assert_eq!(cursor(&env, &reg, "one"), Some(before_head));
}

#[test]
fn a_receiver_that_never_answers_times_out() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    // Connections are queued by the kernel but never accepted nor answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}/hook", silent.local_addr().expect("address"));
    configure(
        &env,
        &reg,
        &format!("[[notify]]\nname = \"silent\"\nurl = \"{url}\"\ntimeout_secs = 1\nretries = 0\n"),
    );
    let started = std::time::Instant::now();
    let stderr = act_stderr(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Staging"],
    );
    let elapsed = started.elapsed();
    assert_mentions(&stderr, &["warning", "notify `silent`"]);
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(20),
        "one attempt of about timeout_secs: {elapsed:?}"
    );
    let before_head = env.git(&reg, &["rev-parse", "HEAD~1"]).trim().to_owned();
    assert_eq!(cursor(&env, &reg, "silent"), Some(before_head));
    drop(silent);
}
