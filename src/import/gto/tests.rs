//! The reader and mapper on repositories written with the `git` program as GTO
//! writes them (annotated tags with a tagger and a date); the same repositories
//! through the real `gto` are in `tests/cli/test_import_gto.rs`.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use super::*;
use crate::import::plan::{Fetch, ImportAction};

fn git(dir: &Path, args: &[&str], who: (&str, i64)) {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", who.0)
        .env(
            "GIT_AUTHOR_EMAIL",
            format!("{}@example.com", who.0.to_lowercase()),
        )
        .env("GIT_COMMITTER_NAME", who.0)
        .env(
            "GIT_COMMITTER_EMAIL",
            format!("{}@example.com", who.0.to_lowercase()),
        )
        .env("GIT_AUTHOR_DATE", format!("@{} +0100", who.1))
        .env("GIT_COMMITTER_DATE", format!("@{} +0100", who.1))
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A repository with `files` committed at time 1000; returns it and the commit.
fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q", "-b", "main"], ("Init", 1000));
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    git(dir.path(), &["add", "-A"], ("Init", 1000));
    git(
        dir.path(),
        &["commit", "-q", "-m", "init", "--allow-empty"],
        ("Init", 1000),
    );
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir.path())
        .output()
        .expect("rev-parse");
    (dir, String::from_utf8_lossy(&head.stdout).trim().to_owned())
}

fn tag(dir: &Path, name: &str, who: &str, time: i64) {
    git(dir, &["tag", "-a", name, "-m", name, "HEAD"], (who, time));
}

fn open_repo(dir: &Path) -> SourceRepo {
    open(&dir.to_string_lossy(), &dir.join("scratch")).expect("opens")
}

fn stages() -> Vec<String> {
    vec!["Staging".to_owned(), "Production".to_owned()]
}

fn summary(plan: &ImportPlan) -> Vec<String> {
    plan.events
        .iter()
        .map(|e| {
            let who = e.author.as_ref().map(|a| format!("{}@{}", a.name, a.time));
            let what = match &e.action {
                ImportAction::Register(v) => format!("register {} {}", v.model, v.version),
                ImportAction::Assign {
                    model,
                    version,
                    stage,
                } => {
                    format!("assign {model} {version} {stage:?}")
                }
                ImportAction::Archive { model, version, .. } => {
                    format!("archive {model} {version}")
                }
                other => format!("{other:?}"),
            };
            format!("{} | {what} | {}", e.id, who.unwrap_or_default())
        })
        .collect()
}

const DVC_YAML: &str = "artifacts:\n  churn:\n    path: out/churn.pkl\n    type: model\n    desc: Churn classifier\n    labels: [tabular, xgb]\n    meta:\n      framework: xgboost\n  remote:\n    path: data/big.bin\n";

#[test]
fn tags_become_events_in_time_order_with_the_taggers() {
    let (dir, commit) = repo_with(&[
        ("dvc.yaml", DVC_YAML),
        ("out/churn.pkl", "weights"),
        ("nlp/dvc.yaml", "artifacts:\n  sent:\n    path: model\n"),
        ("nlp/model/a.txt", "a"),
        ("nlp/model/sub/b.txt", "b"),
    ]);
    let d = dir.path();
    tag(d, "churn@v1.0.0", "Alice", 2000);
    tag(d, "churn#staging#1", "Bob", 2100);
    tag(d, "nlp=sent@v0.1.0", "Bob", 2050);
    tag(d, "churn#production#2", "Alice", 2200);
    tag(d, "remote@v2.0.0", "Alice", 2300);
    let plan = plan(&open_repo(d), &stages(), &GtoOptions::default()).expect("plan");
    assert_eq!(
        summary(&plan),
        [
            "churn@v1.0.0 | register churn 1.0.0 | Alice@2000",
            "nlp=sent@v0.1.0 | register nlp-sent 0.1.0 | Bob@2050",
            "churn#staging#1 | assign churn 1.0.0 Some(\"Staging\") | Bob@2100",
            "churn#production#2 | assign churn 1.0.0 Some(\"Production\") | Alice@2200",
            "remote@v2.0.0 | register remote 2.0.0 | Alice@2300",
        ]
    );
    let ImportAction::Register(churn) = &plan.events[0].action else {
        panic!("a registration")
    };
    assert_eq!(churn.description, "Churn classifier");
    assert_eq!(churn.tags["type"], "model");
    assert_eq!(churn.tags["labels"], "tabular,xgb");
    assert_eq!(churn.tags["meta.framework"], "xgboost");
    assert_eq!(churn.imported.version, "v1.0.0");
    assert_eq!(churn.imported.commit.as_deref(), Some(commit.as_str()));
    assert_eq!(churn.imported.id, "churn@v1.0.0");
    let key = format!("{commit}:out/churn.pkl");
    assert_eq!(churn.artifacts[0].path, "churn.pkl");
    assert_eq!(churn.artifacts[0].fetch, Fetch::Read { key: key.clone() });
    let repo = open_repo(d);
    let mut bytes = String::new();
    opener(&repo)
        .open(&key)
        .expect("readable")
        .read_to_string(&mut bytes)
        .expect("read");
    assert_eq!(bytes, "weights");
    let ImportAction::Register(sent) = &plan.events[1].action else {
        panic!("a registration")
    };
    let paths: Vec<&str> = sent.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["model/a.txt", "model/sub/b.txt"]);
    let ImportAction::Register(remote) = &plan.events[4].action else {
        panic!("a registration")
    };
    assert!(
        matches!(&remote.artifacts[0].fetch, Fetch::Unreadable { uri, .. } if *uri == format!("gto:{commit}:data/big.bin")),
        "{remote:?}"
    );
    assert!(plan.has_transition_history);
}

/// GTO breaks ties of one second by priority (deprecation, registration,
/// deregistration, assignment, unassignment), then by its nested sorts: artifacts in
/// the order its passes met them, versions newest object first, stages in the order
/// they were first assigned. The expected order is what `gto history --ascending`
/// (GTO 1.10.1) printed for these very tags.
#[test]
fn events_of_one_second_come_in_gtos_order() {
    let (dir, _) = repo_with(&[]);
    let d = dir.path();
    tag(d, "m@v1.0.0", "Alice", 5000);
    tag(d, "m#staging#3", "Bob", 5000);
    git(
        d,
        &["commit", "-q", "--allow-empty", "-m", "next"],
        ("Alice", 4000),
    );
    for name in [
        "m@v1.1.0",
        "m#staging!#4",
        "m#prod#5",
        "a@v1.0.0",
        "a#prod#1",
        "a#staging#2",
        "m@deprecated#6",
        "a@deprecated#3",
    ] {
        tag(d, name, "Bob", 5000);
    }
    let (events, skipped) = events::history(&raw_tags(d));
    assert!(skipped.ambiguous.is_empty());
    let order: Vec<&str> = events.iter().map(|e| e.tag.as_str()).collect();
    assert_eq!(
        order,
        [
            "a@deprecated#3",
            "m@deprecated#6",
            "a@v1.0.0",
            "m@v1.1.0",
            "m@v1.0.0",
            "a#prod#1",
            "a#staging#2",
            "m#prod#5",
            "m#staging#3",
            "m#staging!#4",
        ]
    );
}

fn raw_tags(d: &Path) -> Vec<events::RawTag> {
    open_repo(d)
        .tags()
        .expect("tags")
        .into_iter()
        .map(|t| events::RawTag {
            name: t.name,
            commit: t.commit,
            annotated: t.annotated,
            tagger: t.tagger.map(|g| Author {
                name: g.name,
                email: g.email,
                time: g.time,
                offset_minutes: g.offset_minutes,
            }),
            message: t.message,
        })
        .collect()
}

#[test]
fn one_stage_per_version_and_unassignments_of_what_is_not_held_are_notes() {
    let (dir, _) = repo_with(&[]);
    let d = dir.path();
    tag(d, "m@v1.0.0", "Alice", 1000);
    tag(d, "m#dev#1", "Alice", 1001);
    tag(d, "m#prod#2", "Alice", 1002);
    // Still holds dev in GTO, not in omgreg: a note.
    tag(d, "m#dev!#3", "Bob", 1003);
    tag(d, "m@deprecated#4", "Bob", 1004);
    let mut options = GtoOptions::default();
    options.stage_map.insert("dev".into(), "staging".into());
    options.stage_map.insert("prod".into(), "Production".into());
    let plan = plan(&open_repo(d), &stages(), &options).expect("plan");
    assert_eq!(
        summary(&plan),
        [
            "m@v1.0.0 | register m 1.0.0 | Alice@1000",
            "m#dev#1 | assign m 1.0.0 Some(\"Staging\") | Alice@1001",
            "m#prod#2 | assign m 1.0.0 Some(\"Production\") | Alice@1002",
            "m@deprecated#4:1.0.0 | archive m 1.0.0 | Bob@1004",
        ]
    );
    assert!(
        plan.notes.iter().any(|n| n.contains("`m#dev!#3`")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn unmapped_stages_and_unregistered_commits_are_refused_naming_the_tags() {
    let (dir, _) = repo_with(&[]);
    let d = dir.path();
    tag(d, "m@v1.0.0", "Alice", 1000);
    tag(d, "m#dev#1", "Alice", 1001);
    let err = plan(&open_repo(d), &stages(), &GtoOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GtoError::UnmappedStage { .. }), "{err:?}");
    assert!(
        text.contains("`dev`") && text.contains("`m#dev#1`"),
        "{text}"
    );

    let (dir, _) = repo_with(&[("x", "1")]);
    tag(dir.path(), "m#staging#1", "Alice", 1001);
    let err = plan(&open_repo(dir.path()), &stages(), &GtoOptions::default()).unwrap_err();
    assert!(
        matches!(&err, GtoError::UnregisteredVersion { tags } if tags == &["m#staging#1"]),
        "{err:?}"
    );
}

#[test]
fn a_folder_that_is_no_repository_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = open(&dir.path().to_string_lossy(), &dir.path().join("s")).err();
    assert!(
        matches!(err, Some(GtoError::NotARepository { .. })),
        "{err:?}"
    );
    let url = format!("file://{}/nothing-here", dir.path().display());
    let err = open(&url, &dir.path().join("s")).err();
    assert!(matches!(err, Some(GtoError::CloneFailed { .. })), "{err:?}");
}

#[test]
fn a_url_is_mirrored_and_read_like_a_path() {
    let (dir, _) = repo_with(&[]);
    tag(dir.path(), "m@v1.0.0", "Alice", 1000);
    let scratch = tempfile::tempdir().expect("scratch");
    let url = format!("file://{}", dir.path().display());
    let repo = open(&url, scratch.path()).expect("mirrored");
    let plan = plan(&repo, &stages(), &GtoOptions::default()).expect("plan");
    assert_eq!(summary(&plan), ["m@v1.0.0 | register m 1.0.0 | Alice@1000"]);
}

#[test]
fn the_older_artifacts_yaml_is_read_too() {
    let (dir, commit) = repo_with(&[
        (
            "artifacts.yaml",
            "m:\n  type: model\n  path: m.bin\n  description: Old style\n  labels: [a]\n",
        ),
        ("m.bin.dvc", "outs: []\n"),
    ]);
    tag(dir.path(), "m@v1.0.0", "Alice", 1000);
    let plan = plan(&open_repo(dir.path()), &stages(), &GtoOptions::default()).expect("plan");
    let ImportAction::Register(v) = &plan.events[0].action else {
        panic!("a registration")
    };
    assert_eq!(v.description, "Old style");
    assert_eq!(v.tags["type"], "model");
    let Fetch::Unreadable { uri, reason } = &v.artifacts[0].fetch else {
        panic!("unreadable: {v:?}")
    };
    assert_eq!(*uri, format!("gto:{commit}:m.bin"));
    assert!(reason.contains("DVC"), "{reason}");
}

/// GTO ties an assignment to the version registered at its commit even when the
/// registration came later; omgreg replays in time order and cannot promote what is
/// not registered yet, so the tag is a note, not a silent drop.
#[test]
fn an_assignment_before_its_registration_is_a_note() {
    let (dir, _) = repo_with(&[]);
    tag(dir.path(), "m#staging#1", "Alice", 1000);
    tag(dir.path(), "m@v1.0.0", "Bob", 2000);
    let plan = plan(&open_repo(dir.path()), &stages(), &GtoOptions::default()).expect("plan");
    assert_eq!(summary(&plan), ["m@v1.0.0 | register m 1.0.0 | Bob@2000"]);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("`m#staging#1`") && n.contains("before")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn names_that_collide_once_mapped_are_refused_naming_both() {
    let (dir, _) = repo_with(&[]);
    tag(dir.path(), "a=b@v1.0.0", "Alice", 1000);
    git(
        dir.path(),
        &["commit", "-q", "--allow-empty", "-m", "n"],
        ("Alice", 1500),
    );
    tag(dir.path(), "a/b@v1.0.0", "Alice", 2000);
    let err = plan(&open_repo(dir.path()), &stages(), &GtoOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GtoError::UnmappableName { .. }), "{err:?}");
    assert!(text.contains("`a/b`") && text.contains("`a:b`"), "{text}");
}
