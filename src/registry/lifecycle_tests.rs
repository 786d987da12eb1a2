//! Unit tests of the lifecycle actions on in-memory registries.

use super::*;
use crate::registry::{MemorySnapshot, load_version};

const CONFIG: &str = "[stages]\nladder = [\"Staging\", \"Production\"]\n";

fn registry(versions: &[&str]) -> MemorySnapshot {
    let mut snap = MemorySnapshot::default().with("omgreg.toml", CONFIG);
    for v in versions {
        let doc =
            format!("model: m\nversion: {v}\ncreated: 2026-01-01T00:00:00Z\nstatus: active\n");
        snap = snap.with(&version_path("m", v), &doc);
    }
    snap.with(&stages_path("m"), "stages: {}\naliases: {}\n")
}

fn version_path(model: &str, version: &str) -> String {
    version_file(&model.parse().unwrap(), &version.parse().unwrap())
}

fn stages_path(model: &str) -> String {
    stages_file(&model.parse().unwrap())
}

fn apply(snap: &mut MemorySnapshot, change: &Change) {
    for (path, file) in &change.files {
        if let FileChange::Write(bytes) = file {
            snap.files.insert(path.clone(), bytes.clone());
        }
    }
}

fn actor() -> Actor {
    Actor {
        at: "2026-02-02T00:00:00Z".into(),
        by: "A <a@example.com>".into(),
    }
}

fn promote_to(
    snap: &mut MemorySnapshot,
    target: &str,
    stage: Option<&str>,
) -> Result<Event, RegistryError> {
    let request = PromoteRequest {
        targets: vec![target.parse()?],
        stage: stage.map(str::to_owned),
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    let change = promote(snap, &request)?;
    apply(snap, &change);
    Ok(change.event)
}

fn stages_of(snap: &MemorySnapshot) -> String {
    String::from_utf8(snap.files[&stages_path("m")].clone()).unwrap()
}

#[test]
fn promotion_climbs_the_ladder_and_moves_the_version() {
    let mut snap = registry(&["1.0.0", "2.0.0"]);
    promote_to(&mut snap, "m@1.0.0", None).unwrap();
    assert_eq!(stages_of(&snap), "stages:\n  Staging: 1.0.0\naliases: {}\n");
    promote_to(&mut snap, "m@1.0.0", None).unwrap();
    assert_eq!(
        stages_of(&snap),
        "stages:\n  Production: 1.0.0\naliases: {}\n"
    );
    let err = promote_to(&mut snap, "m@1.0.0", None).unwrap_err();
    assert!(matches!(err, RegistryError::TopOfLadder { .. }));
    let event = promote_to(&mut snap, "m@2.0.0", Some("production")).unwrap();
    match event {
        Event::Promoted { moves } => assert_eq!(moves[0].replaced, Some("1.0.0".parse().unwrap())),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        stages_of(&snap),
        "stages:\n  Production: 2.0.0\naliases: {}\n"
    );
}

#[test]
fn refused_promotions() {
    let mut snap = registry(&["1.0.0"]);
    promote_to(&mut snap, "m@1.0.0", Some("Production")).unwrap();
    assert!(matches!(
        promote_to(&mut snap, "m@1.0.0", Some("PRODUCTION")),
        Err(RegistryError::AlreadyInStage { .. })
    ));
    assert!(matches!(
        promote_to(&mut snap, "m@1.0.0", Some("Prod")),
        Err(RegistryError::UnknownStage { .. })
    ));
    assert!(matches!(
        promote_to(&mut snap, "m@9.0.0", None),
        Err(RegistryError::VersionNotFound { .. })
    ));
}

#[test]
fn allowed_sources_and_archive_on_replace_follow_the_config() {
    let config = "[stages.options.Production]\nfrom = [\"Staging\"]\non_replace = \"archive\"\n";
    let mut snap = registry(&["1.0.0", "2.0.0"]).with("omgreg.toml", config);
    let err = promote_to(&mut snap, "m@1.0.0", Some("Production")).unwrap_err();
    assert!(
        matches!(err, RegistryError::TransitionNotAllowed { ref from, .. } if *from == VersionStage::Unassigned.to_string()),
        "{err:?}"
    );
    promote_to(&mut snap, "m@1.0.0", None).unwrap();
    promote_to(&mut snap, "m@1.0.0", None).unwrap();
    promote_to(&mut snap, "m@2.0.0", Some("Staging")).unwrap();
    promote_to(&mut snap, "m@2.0.0", Some("Production")).unwrap();
    let old = load_version(&snap, &"m".parse().unwrap(), &"1.0.0".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(old.status, Status::Archived);
    assert_eq!(
        old.doc.archived.unwrap().reason,
        "replaced by 2.0.0 in Production"
    );
}

#[test]
fn several_models_move_in_one_change() {
    let mut snap = registry(&["1.0.0"]);
    let doc = "model: n\nversion: 3.0.0\ncreated: 2026-01-01T00:00:00Z\nstatus: active\n";
    snap = snap.with(&version_path("n", "3.0.0"), doc);
    let request = PromoteRequest {
        targets: vec!["m@1.0.0".parse().unwrap(), "n@3.0.0".parse().unwrap()],
        stage: Some("Production".into()),
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    let change = promote(&snap, &request).unwrap();
    let paths: Vec<_> = change.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, [stages_path("m"), stages_path("n")]);
    let twice = PromoteRequest {
        targets: vec!["m@1.0.0".parse().unwrap(); 2],
        ..request
    };
    assert!(matches!(
        promote(&snap, &twice),
        Err(RegistryError::DuplicateModel { .. })
    ));
}

#[test]
fn archive_refuses_a_staged_version_unless_forced() {
    let mut snap = registry(&["1.0.0"]);
    promote_to(&mut snap, "m@1.0.0", Some("Production")).unwrap();
    let mut request = ArchiveRequest {
        target: "m@1.0.0".parse().unwrap(),
        reason: "bad".into(),
        force: false,
        actor: actor(),
        message: None,
        signer_principals: None,
    };
    assert!(matches!(
        archive(&snap, &request),
        Err(RegistryError::HoldsSlots { .. })
    ));
    request.force = true;
    let change = archive(&snap, &request).unwrap();
    apply(&mut snap, &change);
    assert_eq!(stages_of(&snap), "stages: {}\naliases: {}\n");
    assert!(matches!(
        promote_to(&mut snap, "m@1.0.0", None),
        Err(RegistryError::VersionArchived { .. })
    ));
    let change = unarchive(&snap, &"m@1.0.0".parse().unwrap(), None).unwrap();
    apply(&mut snap, &change);
    assert!(matches!(
        unarchive(&snap, &"m@1.0.0".parse().unwrap(), None),
        Err(RegistryError::NotArchived { .. })
    ));
    promote_to(&mut snap, "m@1.0.0", None).unwrap();
}

#[test]
fn aliases_are_set_moved_and_removed() {
    let mut snap = registry(&["1.0.0", "2.0.0"]);
    let change = set_alias(&snap, &"m@1.0.0".parse().unwrap(), "champion", None, None).unwrap();
    apply(&mut snap, &change);
    assert!(matches!(
        set_alias(&snap, &"m@1.0.0".parse().unwrap(), "champion", None, None),
        Err(RegistryError::AliasUnchanged { .. })
    ));
    assert!(matches!(
        set_alias(&snap, &"m@1.0.0".parse().unwrap(), "staging", None, None),
        Err(RegistryError::InvalidAlias { .. })
    ));
    let change = set_alias(&snap, &"m@2.0.0".parse().unwrap(), "champion", None, None).unwrap();
    assert!(matches!(
        change.event,
        Event::AliasSet {
            previous: Some(_),
            ..
        }
    ));
    apply(&mut snap, &change);
    assert_eq!(
        stages_of(&snap),
        "stages: {}\naliases:\n  champion: 2.0.0\n"
    );
    let model: ModelName = "m".parse().unwrap();
    let change = remove_alias(&snap, &model, "champion", None, None).unwrap();
    apply(&mut snap, &change);
    assert!(matches!(
        remove_alias(&snap, &model, "champion", None, None),
        Err(RegistryError::AliasNotFound { .. })
    ));
}

#[test]
fn metric_gates_guard_the_stage() {
    let config = "[policy.Production]\nrequire = { acc = \">= 0.9\" }\n";
    let mut snap = registry(&["1.0.0"]).with("omgreg.toml", config);
    let err = promote_to(&mut snap, "m@1.0.0", Some("Production")).unwrap_err();
    assert!(
        matches!(err, RegistryError::GateFailed { ref failures, .. } if failures.contains("`acc` missing")),
        "{err:?}"
    );
    let doc = "model: m\nversion: 2.0.0\ncreated: 2026-01-01T00:00:00Z\nstatus: active\nmetrics:\n  acc: 0.95\n";
    snap = snap.with(&version_path("m", "2.0.0"), doc);
    promote_to(&mut snap, "m@2.0.0", Some("Production")).unwrap();
    promote_to(&mut snap, "m@1.0.0", Some("Staging")).unwrap();
}
