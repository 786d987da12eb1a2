//! Unit tests of replaying actions: events mapped to actions, and actions re-run on a
//! state the other side moved.

use super::*;
use crate::registry::{
    Actor, ArchiveRequest, Change, FileChange, MemorySnapshot, ModelEvent, PromoteRequest,
    ReplayInputs, archive, promote, replay, reproduces, stages_file, version_file,
};

const CONFIG: &str = "[stages]\nladder = [\"Staging\", \"Production\"]\n";

fn registry(versions: &[&str]) -> MemorySnapshot {
    let mut snap = MemorySnapshot::default().with("omgreg.toml", CONFIG);
    for v in versions {
        let doc =
            format!("model: m\nversion: {v}\ncreated: 2026-01-01T00:00:00Z\nstatus: active\n");
        snap = snap.with(&version_file(&model(), &v.parse().unwrap()), &doc);
    }
    snap.with(&stages_file(&model()), "stages: {}\naliases: {}\n")
}

fn model() -> ModelName {
    "m".parse().unwrap()
}

fn event(
    kind: EventKind,
    version: &str,
    slot: Option<Slot>,
    previous: Option<&str>,
) -> (ModelName, ModelEvent) {
    (
        model(),
        ModelEvent {
            kind,
            version: version.into(),
            slot,
            previous: previous.map(str::to_owned),
        },
    )
}

fn applied(snap: &MemorySnapshot, change: &Change) -> MemorySnapshot {
    let mut after = MemorySnapshot {
        files: snap.files.clone(),
    };
    for (path, file) in &change.files {
        if let FileChange::Write(bytes) = file {
            after.files.insert(path.clone(), bytes.clone());
        }
    }
    after
}

fn files_of(change: &Change) -> Vec<(String, Option<Vec<u8>>)> {
    change
        .files
        .iter()
        .map(|(path, file)| match file {
            FileChange::Write(bytes) => (path.clone(), Some(bytes.clone())),
            _ => (path.clone(), None),
        })
        .collect()
}

fn actor() -> Actor {
    Actor {
        at: "2026-02-02T00:00:00Z".into(),
        by: "A <a@example.com>".into(),
    }
}

#[test]
fn trailers_and_events_that_agree_are_one_action() {
    let production = || Some(Slot::Stage("Production".into()));
    let promoted = event(EventKind::Promoted, "2.0.0", production(), Some("1.0.0"));
    let archived_replaced = event(EventKind::Archived, "1.0.0", None, None);
    assert!(matches!(
        action_of(Some("promote"), &[archived_replaced.clone(), promoted.clone()]),
        Some(ReplayAction::Promote { moves }) if moves.len() == 1
    ));
    let unassigned = event(EventKind::Unassigned, "1.0.0", production(), Some("1.0.0"));
    assert_eq!(
        action_of(
            Some("archive"),
            &[archived_replaced.clone(), unassigned.clone()]
        ),
        Some(ReplayAction::Archive {
            model: model(),
            version: "1.0.0".parse().unwrap(),
            force: true
        })
    );
    // No trailer, a trailer the events do not bear out, or events of two actions:
    // a hand edit.
    assert_eq!(action_of(None, std::slice::from_ref(&promoted)), None);
    assert_eq!(
        action_of(Some("archive"), std::slice::from_ref(&promoted)),
        None
    );
    assert_eq!(action_of(Some("promote"), &[promoted, unassigned]), None);
    let registered = event(EventKind::Registered, "3.0.0", None, None);
    let edited = event(EventKind::Edited, "1.0.0", None, None);
    assert_eq!(action_of(Some("register"), &[registered, edited]), None);
}

/// Finding 9 in the domain: archiving a version the other side promoted meanwhile.
#[test]
fn archiving_a_version_that_now_holds_a_stage_is_refused() {
    let before = registry(&["1.0.0"]);
    let request = ArchiveRequest {
        target: "m@1.0.0".parse().unwrap(),
        reason: "old".into(),
        force: false,
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    let local = archive(&before, &request).unwrap();
    let after = applied(&before, &local);
    let files = files_of(&local);
    let inputs = ReplayInputs {
        before: &before,
        after: &after,
        files: &files,
        signer_principals: None,
        actor: &actor(),
    };
    let action = action_of(
        Some("archive"),
        &[event(EventKind::Archived, "1.0.0", None, None)],
    )
    .unwrap();
    assert!(reproduces(&action, &inputs, &[]));

    let promotion = PromoteRequest {
        targets: vec!["m@1.0.0".parse().unwrap()],
        stage: Some("Production".into()),
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    let remote = applied(&before, &promote(&before, &promotion).unwrap());
    let refusal = replay(&action, &remote, &inputs).unwrap_err();
    assert!(
        refusal
            .describe("origin")
            .contains("holds stage `Production`"),
        "{refusal}"
    );
    // On an untouched remote the replay writes what the local archive wrote.
    let same = replay(&action, &before, &inputs).unwrap();
    assert_eq!(same.files, local.files);
}

/// A promotion into a stage the other side filled meanwhile is a slot conflict.
#[test]
fn a_promotion_into_a_stage_the_remote_filled_is_a_slot_conflict() {
    let before = registry(&["1.0.0", "2.0.0"]);
    let promote_request = |version: &str| PromoteRequest {
        targets: vec![format!("m@{version}").parse().unwrap()],
        stage: Some("Production".into()),
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    let local = promote(&before, &promote_request("1.0.0")).unwrap();
    let after = applied(&before, &local);
    let remote = applied(
        &before,
        &promote(&before, &promote_request("2.0.0")).unwrap(),
    );
    let files = files_of(&local);
    let inputs = ReplayInputs {
        before: &before,
        after: &after,
        files: &files,
        signer_principals: None,
        actor: &actor(),
    };
    let action = ReplayAction::Promote {
        moves: vec![ReplayMove {
            model: model(),
            version: "1.0.0".parse().unwrap(),
            stage: "Production".into(),
        }],
    };
    let refusal = replay(&action, &remote, &inputs).unwrap_err();
    assert_eq!(
        refusal.describe("origin"),
        "stage `Production` in `models/m/stages.yaml`: here nothing -> 1.0.0, on `origin` it now holds 2.0.0"
    );
}
