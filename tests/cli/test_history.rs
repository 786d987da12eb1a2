//! `history`, `lineage`, `diff` and `--at`: the past read from the commit graph.

use std::path::PathBuf;

use crate::common::TestEnv;

/// churn 1.0.0 and 2.0.0 promoted in turn, each commit one day apart; then a hand
/// edit moving Production back to 1.0.0 with plain git.
fn registry_with_days(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    let day = |n: u32| format!("2026-03-{n:02}T12:00:00Z");
    let steps: [&[&str]; 4] = [
        &[
            "register",
            "churn",
            "--version",
            "1.0.0",
            "--metric",
            "acc=0.8",
            "--data-version",
            "d1",
        ],
        &[
            "register",
            "churn",
            "--version",
            "2.0.0",
            "--metric",
            "acc=0.9",
            "--parent",
            "churn@1.0.0",
        ],
        &["promote", "churn@1.0.0", "--stage", "Production"],
        &["promote", "churn@2.0.0", "--stage", "Production"],
    ];
    for (n, args) in steps.iter().enumerate() {
        env.omgreg(&reg)
            .args(*args)
            .env("GIT_AUTHOR_DATE", day(n as u32 + 1))
            .env("GIT_COMMITTER_DATE", day(n as u32 + 1))
            .assert()
            .success();
    }
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  Production: 1.0.0\naliases: {}\n",
    )
    .unwrap();
    let output = std::process::Command::new("git")
        .current_dir(&reg)
        .args([
            "-c",
            "user.name=Web Editor",
            "-c",
            "user.email=web@example.com",
            "commit",
            "-qam",
            "revert by hand",
        ])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", day(9))
        .env("GIT_COMMITTER_DATE", day(9))
        .env("HOME", env.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    reg
}

#[test]
fn history_derives_events_from_the_tree_including_hand_edits() {
    let env = TestEnv::new();
    let reg = registry_with_days(&env);
    let history = env.json(&reg, &["history", "churn"]);
    assert_eq!(history["kind"], "history");
    let events: Vec<(String, String, String, Option<String>)> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_owned(),
                e["version"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap_or("-").to_owned(),
                e["previous"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let expect = |event: &str, version: &str, action: &str, previous: Option<&str>| {
        (
            event.to_owned(),
            version.to_owned(),
            action.to_owned(),
            previous.map(str::to_owned),
        )
    };
    assert_eq!(
        events,
        [
            expect("promoted", "1.0.0", "-", Some("2.0.0")),
            expect("promoted", "2.0.0", "promote", Some("1.0.0")),
            expect("promoted", "1.0.0", "promote", None),
            expect("registered", "2.0.0", "register", None),
            expect("registered", "1.0.0", "register", None),
        ]
    );
    assert_eq!(history["events"][0]["author"], "Web Editor");
    assert_eq!(history["events"][0]["time"], "2026-03-09T12:00:00Z");

    // The hand edit counts as a promotion: rollback goes back to 2.0.0.
    env.omgreg(&reg)
        .args(["rollback", "churn"])
        .assert()
        .success();
    let resolved = env
        .omgreg(&reg)
        .args(["resolve", "churn@Production"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&resolved.get_output().stdout),
        "2.0.0\n"
    );
    let latest = env.json(&reg, &["history", "--stage", "production", "-n", "1"]);
    assert_eq!(latest["events"][0]["event"], "rolled_back");
    assert_eq!(latest["events"].as_array().unwrap().len(), 1);

    let human = env
        .omgreg(&reg)
        .args(["history", "churn", "-n", "2"])
        .assert()
        .success();
    let human = String::from_utf8(human.get_output().stdout.clone()).unwrap();
    assert!(human.starts_with("TIME  "), "{human}");
    assert!(
        human.contains("rolled_back  churn@2.0.0  Production  1.0.0"),
        "{human}"
    );
}

#[test]
fn at_a_date_reads_the_registry_as_it_was() {
    let env = TestEnv::new();
    let reg = registry_with_days(&env);
    let production = |at: &str| {
        let listed = env.json(&reg, &["list", "--at", at]);
        listed["models"][0]["stages"]["Production"].clone()
    };
    assert_eq!(
        production("2026-03-03T23:00:00Z"),
        serde_json::json!(["1.0.0"])
    );
    assert_eq!(production("2026-03-05"), serde_json::json!(["2.0.0"]));
    assert_eq!(production("2026-03-10"), serde_json::json!(["1.0.0"]));
    let shown = env.json(
        &reg,
        &[
            "show",
            "churn@production",
            "--at",
            "2026-03-04 13:00:00 +0000",
        ],
    );
    assert_eq!(shown["version"], "2.0.0");
    let early = env
        .omgreg(&reg)
        .args(["list", "--at", "2020-01-01"])
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&early.get_output().stderr).contains("nothing was committed"));
    let bad = env
        .omgreg(&reg)
        .args(["list", "--at", "someday"])
        .assert()
        .code(1);
    assert!(
        String::from_utf8_lossy(&bad.get_output().stderr).contains("omgreg::args::invalid_date")
    );
}

#[test]
fn lineage_and_diff_show_parents_children_and_changes() {
    let env = TestEnv::new();
    let reg = registry_with_days(&env);
    let lineage = env.json(&reg, &["lineage", "churn@2.0.0"]);
    assert_eq!(lineage["kind"], "lineage");
    assert_eq!(lineage["parents"][0]["reference"], "churn@1.0.0");
    assert_eq!(lineage["parents"][0]["data"]["version"], "d1");
    let events: Vec<&str> = lineage["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["promoted", "registered"]);
    let parent = env.json(&reg, &["lineage", "churn@1.0.0"]);
    assert_eq!(parent["children"][0]["version"], "2.0.0");

    let diff = env.json(&reg, &["diff", "churn@1.0.0", "churn@2.0.0"]);
    let fields: Vec<(&str, Option<&str>, Option<&str>)> = diff["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["key"].as_str().unwrap(), f["a"].as_str(), f["b"].as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("metrics.acc", Some("0.8"), Some("0.9")),
            ("data.version", Some("d1"), None),
            ("lineage.parent", None, Some("churn@1.0.0")),
        ]
    );
    let human = env
        .omgreg(&reg)
        .args(["diff", "churn@1.0.0", "2.0.0"])
        .assert()
        .success();
    let human = String::from_utf8(human.get_output().stdout.clone()).unwrap();
    assert!(
        human.starts_with(
            "FIELD           churn@1.0.0  churn@2.0.0\nmetrics.acc     0.8          0.9\n"
        ),
        "{human}"
    );
}

/// `events A..B` walks B's first-parent line like `history` and `notify` (docs/cli.md):
/// a promotion made on a branch and merged with `--no-ff` after an unrelated commit
/// comes once, from the merge, not again from the branch's own commit.
#[test]
fn events_of_a_merged_branch_come_once_from_the_merge() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("m.bin", 8);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let base = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
    let main = env
        .git(&reg, &["branch", "--show-current"])
        .trim()
        .to_owned();
    env.git(&reg, &["checkout", "-q", "-b", "pr"]);
    env.omgreg(&reg)
        .args(["promote", "churn@1.0.0", "--to", "Staging"])
        .assert()
        .success();
    let branch_commit = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
    env.git(&reg, &["checkout", "-q", &main]);
    std::fs::write(reg.join("notes.txt"), "unrelated\n").expect("write");
    env.git(&reg, &["add", "notes.txt"]);
    env.git(&reg, &["commit", "-qm", "unrelated"]);
    env.git(&reg, &["merge", "-q", "--no-ff", "pr", "-m", "merge pr"]);
    let merge = env.git(&reg, &["rev-parse", "HEAD"]).trim().to_owned();
    let output = env
        .omgreg(&reg)
        .args(["events", "--json", "--range", &format!("{base}..HEAD")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let events: Vec<serde_json::Value> = String::from_utf8(output)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "promoted");
    assert_eq!(events[0]["commit"], merge.as_str(), "{events:?}");
    assert_ne!(events[0]["commit"], branch_commit.as_str());
}
