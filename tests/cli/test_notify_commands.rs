//! Notifications, continued: `command` targets run only from the user's own
//! configuration (`$XDG_CONFIG_HOME/omgreg/config.toml`, else
//! `$HOME/.config/omgreg/config.toml`), never from a registry, not even one brought in
//! by `pull`; `omgreg events --range A..B --json`; and cursors across a `pull` that
//! replays local actions.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, churn_registry, configure};
use crate::common::signing::head;
use crate::test_notify::{Listener, cursor, events_of, webhook};

/// A registry target that only has a `command` (which must never run), and one with
/// both a `url` and a `command` (only the webhook counts). Returns the two files the
/// commands would create.
fn hostile_registry_targets(env: &TestEnv, reg: &Path, listener: &Listener) -> [PathBuf; 2] {
    let evil = env.path().join("evil-ran");
    let mixed = env.path().join("mixed-ran");
    configure(
        env,
        reg,
        &format!(
            "[[notify]]\nname = \"evil\"\ncommand = \"touch '{}'\"\n\n{}command = \"touch '{}'\"\n",
            evil.display(),
            webhook("mixed", listener, ""),
            mixed.display()
        ),
    );
    [evil, mixed]
}

#[track_caller]
fn assert_nothing_ran(files: &[PathBuf]) {
    for file in files {
        assert!(!file.exists(), "a registry command ran: {}", file.display());
    }
}

#[test]
fn a_registry_command_target_never_runs_not_even_after_a_pull() {
    let env = TestEnv::new();
    let listener = Listener::start();
    let (a, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    let ran = hostile_registry_targets(&env, &a, &listener);
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", env.path().join("remote.git").display());
    env.git(&a, &["remote", "add", "origin", &url]);
    env.omgreg(&a).arg("push").assert().success();
    env.git(env.path(), &["clone", "-q", &url, "b"]);
    let b = env.path().join("b");

    // A's action: its webhook is delivered, its command is not run.
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    assert_eq!(listener.delivered().len(), 1);
    assert_nothing_ran(&ran);

    // B pulls the hostile configuration (fast-forward), then acts and notifies.
    env.omgreg(&b).arg("pull").assert().success();
    assert_nothing_ran(&ran);
    act(&env, &b, &["promote", "churn@2.0.0", "--stage", "Staging"]);
    act(&env, &b, &["alias", "set", "churn@2.0.0", "canary"]);
    env.omgreg(&b).arg("notify").assert().success();
    env.omgreg(&b)
        .args(["notify", "--target", "evil"])
        .assert()
        .success();
    assert_nothing_ran(&ran);
    assert_eq!(cursor(&env, &b, "evil"), None, "not a target at all");

    // A replaying pull in A runs nothing either.
    act(&env, &a, &["alias", "set", "churn@1.0.0", "champion"]);
    env.omgreg(&b).arg("push").assert().success();
    env.omgreg(&a).arg("pull").assert().success();
    act(&env, &a, &["archive", "churn@2.0.0", "--force"]);
    assert_nothing_ran(&ran);
    let events: Vec<String> = listener
        .delivered()
        .iter()
        .map(|e| e["event"].as_str().expect("event").to_owned())
        .collect();
    assert!(events.contains(&"alias_set".to_owned()), "{events:?}");
}

/// Writes a user configuration with one command target `local` that saves its stdin
/// to `out`.
fn user_command(config_dir: &Path, out: &Path) {
    std::fs::create_dir_all(config_dir.join("omgreg")).expect("mkdir");
    std::fs::write(
        config_dir.join("omgreg/config.toml"),
        format!(
            "[[notify]]\nname = \"local\"\ncommand = \"cat >> '{}'\"\n",
            out.display()
        ),
    )
    .expect("write config");
}

#[test]
fn a_user_command_target_receives_the_event_on_stdin() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let xdg = env.path().join("xdg");
    let out = env.path().join("events.jsonl");
    user_command(&xdg, &out);
    env.set_env("XDG_CONFIG_HOME", &xdg.display().to_string());

    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let received = std::fs::read_to_string(&out).expect("the command ran");
    let event: serde_json::Value = serde_json::from_str(received.trim()).expect("JSON");
    assert_eq!(event["event"], "promoted");
    assert_eq!(event["model"], "churn");
    assert_eq!(event["version"], "1.0.0");
    assert_eq!(event["stage"], "Production");
    assert_eq!(events_of(&env, &reg, "HEAD"), [received.trim()]);
    assert_eq!(cursor(&env, &reg, "local"), Some(head(&env, &reg)));
}

#[test]
fn without_xdg_config_home_the_user_config_is_read_from_home() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let out = env.path().join("events.jsonl");
    user_command(&env.path().join("home/.config"), &out);

    act(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    let received = std::fs::read_to_string(&out).expect("the command ran");
    let event: serde_json::Value = serde_json::from_str(received.trim()).expect("JSON");
    assert_eq!(event["event"], "alias_set");
    assert_eq!(event["alias"], "champion");
}

#[test]
fn events_prints_a_range_as_json_lines_oldest_first() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    let base = head(&env, &reg);
    for args in [
        &["promote", "churn@1.0.0", "--stage", "Production"][..],
        &["alias", "set", "churn@2.0.0", "champion"],
        &["promote", "churn@2.0.0", "--stage", "Production"],
        &["rollback", "churn"],
        &["alias", "rm", "churn", "champion"],
    ] {
        act(&env, &reg, args);
    }
    let output = env
        .omgreg(&reg)
        .args(["events", "--range", &format!("{base}..HEAD"), "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(output)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let commits: Vec<String> = env
        .git(&reg, &["rev-list", "--reverse", &format!("{base}..HEAD")])
        .lines()
        .map(str::to_owned)
        .collect();
    let expected = [
        ("promoted", "1.0.0", Some("Production"), None, None),
        ("alias_set", "2.0.0", None, Some("champion"), None),
        ("promoted", "2.0.0", Some("Production"), None, Some("1.0.0")),
        (
            "rolled_back",
            "1.0.0",
            Some("Production"),
            None,
            Some("2.0.0"),
        ),
        (
            "alias_removed",
            "2.0.0",
            None,
            Some("champion"),
            Some("2.0.0"),
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for ((line, commit), (event, version, stage, alias, previous)) in
        lines.iter().zip(&commits).zip(expected)
    {
        assert_eq!(line["kind"], "event");
        assert_eq!(line["registry"], "reg");
        assert_eq!(line["event"], event, "{line:#}");
        assert_eq!(line["model"], "churn");
        assert_eq!(line["version"], version, "{line:#}");
        assert_eq!(line["stage"].as_str(), stage, "{line:#}");
        assert_eq!(line["alias"].as_str(), alias, "{line:#}");
        assert_eq!(line["previous"].as_str(), previous, "{line:#}");
        assert_eq!(&line["commit"], commit.as_str());
        assert_eq!(line["id"], format!("{commit}-0"));
        assert_eq!(line["author"], crate::common::AUTHOR);
    }

    // Without `--range`: HEAD's events only; one revision is that commit.
    let head_only = env.json(&reg, &["events"]);
    assert_eq!(head_only["event"], "alias_removed");
    let one = env.json(&reg, &["events", "--range", &commits[0]]);
    assert_eq!(one["event"], "promoted");
    assert_eq!(one["version"], "1.0.0");
    // Without `--json`: one line per event too.
    let text = env
        .omgreg(&reg)
        .args(["events", "--range", &format!("{base}..HEAD")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&text).lines().count(), 5);
}

#[test]
fn a_replaying_pull_does_not_resend_history_already_delivered() {
    let env = TestEnv::new();
    let listener = Listener::start();
    let (a, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(&env, &a, &webhook("hook", &listener, ""));
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", env.path().join("remote.git").display());
    env.git(&a, &["remote", "add", "origin", &url]);
    env.omgreg(&a).arg("push").assert().success();
    env.git(env.path(), &["clone", "-q", &url, "b"]);
    let b = env.path().join("b");

    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    env.omgreg(&a).arg("push").assert().success();
    act(&env, &b, &["promote", "churn@2.0.0", "--stage", "Staging"]);
    env.omgreg(&b).arg("pull").assert().success();
    let before = listener.requests().len();
    act(&env, &b, &["alias", "set", "churn@2.0.0", "canary"]);

    let sent: Vec<String> = listener.requests()[before..]
        .iter()
        .map(|r| {
            let e = r.json();
            format!("{} {}", e["event"], e["version"]).replace('"', "")
        })
        .collect();
    assert!(
        !sent.contains(&"registered 1.0.0".to_owned()),
        "events before the merge base of the old cursor and HEAD (here: before the target \
         existed) are sent again: {sent:?}"
    );
    assert_eq!(cursor(&env, &b, "hook"), Some(head(&env, &b)));
}
