//! Unit tests of imported events as changes, on in-memory registries.

use std::collections::BTreeMap;

use super::*;
use crate::import::plan::{ImportedVersion, PlannedEvent};
use crate::registry::{
    MemorySnapshot, RegisterRequest, VersionSpec, load_assignments, load_config, load_version,
    stages_file,
};
use crate::schema::{ImportedDoc, VersionDoc};

const CONFIG: &str = "[stages]\nladder = [\"Staging\", \"Production\"]\n";
const STAMP: (&str, &str) = ("2026-01-02T00:00:00Z", "Ada <ada@example.com>");

fn model() -> ModelName {
    "churn".parse().unwrap()
}

fn churn_version() -> ImportedVersion {
    ImportedVersion {
        model: "churn".into(),
        ..ImportedVersion::default()
    }
}

fn event(id: &str, action: ImportAction) -> PlannedEvent {
    PlannedEvent {
        id: id.to_owned(),
        author: None,
        action,
    }
}

fn request(version: &str, id: &str) -> RegisterRequest {
    RegisterRequest {
        model: model(),
        version: VersionSpec::Exact(version.parse().unwrap()),
        artifacts: vec![],
        parent: None,
        details: VersionDoc {
            imported: Some(ImportedDoc {
                from: "gto".into(),
                id: id.into(),
                version: format!("v{version}"),
                ..ImportedDoc::default()
            }),
            ..VersionDoc::default()
        },
        created: STAMP.0.into(),
        created_by: STAMP.1.into(),
        message: None,
    }
}

fn commit(snap: &mut MemorySnapshot, change: &Change) {
    for (path, file) in &change.files {
        match file {
            FileChange::Write(bytes) => {
                snap.files.insert(path.clone(), bytes.clone());
            }
            FileChange::Remove => {
                snap.files.remove(path);
            }
            FileChange::LfsPointer { .. } => {}
        }
    }
}

/// Applies `event` (with `request` for a registration) and commits its change.
fn run(
    snap: &mut MemorySnapshot,
    event: &PlannedEvent,
    request: Option<&RegisterRequest>,
) -> Option<Change> {
    let change = apply(snap, SourceKind::Gto, event, request, STAMP).unwrap();
    if let Some(change) = &change {
        commit(snap, change);
    }
    change
}

fn registered(versions: &[&str]) -> MemorySnapshot {
    let mut snap = MemorySnapshot::default().with("omgreg.toml", CONFIG);
    for v in versions {
        let id = format!("churn@v{v}");
        let register = event(&id, ImportAction::Register(Box::new(churn_version())));
        run(&mut snap, &register, Some(&request(v, &id))).expect("registered");
    }
    snap
}

fn stage_of(snap: &MemorySnapshot, version: &str) -> Option<String> {
    let config = load_config(snap).unwrap();
    let assignments = load_assignments(snap, &config, &model()).unwrap();
    assignments
        .stage_of(&version.parse().unwrap())
        .map(str::to_owned)
}

fn assign(version: &str, stage: Option<&str>) -> ImportAction {
    ImportAction::Assign {
        model: "churn".into(),
        version: version.into(),
        stage: stage.map(str::to_owned),
    }
}

#[test]
fn a_registration_is_an_import_event_and_a_second_one_is_nothing() {
    let mut snap = registered(&["1.0.0"]);
    let again = event(
        "churn@v1.0.0",
        ImportAction::Register(Box::new(churn_version())),
    );
    assert!(run(&mut snap, &again, Some(&request("1.0.0", "churn@v1.0.0"))).is_none());
    // The same number from another source id is refused: versions are immutable.
    let other = event(
        "churn@v1.0.0#2",
        ImportAction::Register(Box::new(churn_version())),
    );
    let err = apply(
        &snap,
        SourceKind::Gto,
        &other,
        Some(&request("1.0.0", "churn@v1.0.0#2")),
        STAMP,
    )
    .unwrap_err();
    assert!(matches!(err, RegistryError::ImportConflict { .. }), "{err}");
}

#[test]
fn a_version_holds_one_stage_and_the_newest_assignment_wins() {
    let mut snap = registered(&["1.0.0", "1.1.0"]);
    let change = run(
        &mut snap,
        &event("churn#staging#1", assign("1.0.0", Some("staging"))),
        None,
    )
    .expect("a move");
    assert_eq!(
        change.event.subject(),
        "import gto churn#staging#1: 1.0.0 to Staging"
    );
    let trailers = change.event.trailers();
    assert!(trailers.contains(&("Omgreg-Source", "gto churn#staging#1".to_owned())));
    assert!(trailers.contains(&("Omgreg-Action", "import".to_owned())));
    run(
        &mut snap,
        &event("churn#prod#2", assign("1.0.0", Some("Production"))),
        None,
    );
    assert_eq!(stage_of(&snap, "1.0.0").as_deref(), Some("Production"));
    // Production is exclusive: 1.1.0 replaces 1.0.0, which goes back to None.
    run(
        &mut snap,
        &event("churn#prod#3", assign("1.1.0", Some("production"))),
        None,
    );
    assert_eq!(stage_of(&snap, "1.1.0").as_deref(), Some("Production"));
    assert_eq!(stage_of(&snap, "1.0.0"), None);
    // Assigning it again, or unassigning a version that holds nothing, is nothing.
    assert!(
        run(
            &mut snap,
            &event("x", assign("1.1.0", Some("Production"))),
            None
        )
        .is_none()
    );
    assert!(run(&mut snap, &event("y", assign("1.0.0", None)), None).is_none());
    run(
        &mut snap,
        &event("churn#prod!#4", assign("1.1.0", None)),
        None,
    )
    .expect("leaves");
    assert_eq!(stage_of(&snap, "1.1.0"), None);
}

#[test]
fn unknown_stages_and_versions_are_refused() {
    let snap = registered(&["1.0.0"]);
    for action in [
        assign("1.0.0", Some("dev")),
        assign("2.0.0", Some("Staging")),
    ] {
        let err = apply(&snap, SourceKind::Gto, &event("t", action), None, STAMP).unwrap_err();
        assert!(matches!(err, RegistryError::ImportConflict { .. }), "{err}");
    }
}

#[test]
fn an_archive_clears_the_slots_and_stamps_the_author() {
    let mut snap = registered(&["1.0.0"]);
    run(
        &mut snap,
        &event("s", assign("1.0.0", Some("Staging"))),
        None,
    );
    let alias = ImportAction::Alias {
        model: "churn".into(),
        alias: "champion".into(),
        version: Some("1.0.0".into()),
    };
    run(&mut snap, &event("a", alias), None).expect("alias");
    let archive = ImportAction::Archive {
        model: "churn".into(),
        version: "1.0.0".into(),
        reason: "deregistered in GTO".into(),
    };
    let change =
        run(&mut snap, &event("churn@v1.0.0!#3", archive.clone()), None).expect("archived");
    let crate::registry::Event::Imported { slots, .. } = &change.event else {
        panic!("{:?}", change.event)
    };
    assert_eq!(slots.len(), 2, "{slots:?}");
    let version = load_version(&snap, &model(), &"1.0.0".parse().unwrap())
        .unwrap()
        .unwrap();
    let archived = version.doc.archived.expect("archived block");
    assert_eq!((archived.at.as_str(), archived.by.as_str()), STAMP);
    assert_eq!(stage_of(&snap, "1.0.0"), None);
    assert!(run(&mut snap, &event("again", archive), None).is_none());
}

#[test]
fn a_state_brings_stages_and_aliases_together_and_only_when_they_differ() {
    let mut snap = registered(&["1.0.0", "2.0.0", "3.0.0"]);
    let state = |production: Option<&str>, champion: Option<&str>| ImportAction::State {
        model: "churn".into(),
        stages: BTreeMap::from([
            ("Production".to_owned(), production.map(str::to_owned)),
            ("Staging".to_owned(), Some("3.0.0".to_owned())),
        ]),
        aliases: BTreeMap::from([("champion".to_owned(), champion.map(str::to_owned))]),
        archive: vec!["1.0.0".into()],
    };
    let change = run(
        &mut snap,
        &event("churn:stages", state(Some("2.0.0"), Some("2.0.0"))),
        None,
    )
    .expect("state");
    assert!(
        change.event.subject().contains("archive 1.0.0"),
        "{}",
        change.event.subject()
    );
    assert_eq!(stage_of(&snap, "2.0.0").as_deref(), Some("Production"));
    assert_eq!(stage_of(&snap, "3.0.0").as_deref(), Some("Staging"));
    let stages = String::from_utf8(snap.files[&stages_file(&model())].clone()).unwrap();
    assert!(stages.contains("champion: 2.0.0"), "{stages}");
    assert!(
        run(
            &mut snap,
            &event("churn:stages", state(Some("2.0.0"), Some("2.0.0"))),
            None
        )
        .is_none()
    );
    // A moved alias and an emptied stage: one change.
    let change = run(
        &mut snap,
        &event("churn:stages", state(None, Some("3.0.0"))),
        None,
    )
    .expect("moved");
    assert_eq!(change.files.len(), 1, "{:?}", change.files);
    assert_eq!(stage_of(&snap, "2.0.0"), None);
}

#[test]
fn model_metadata_changes_only_when_it_differs() {
    let mut snap = registered(&["1.0.0"]);
    let meta = |description: &str| ImportAction::ModelMeta {
        model: "churn".into(),
        description: Some(description.into()),
        tags: BTreeMap::from([("team".to_owned(), "growth".to_owned())]),
    };
    run(&mut snap, &event("churn:model", meta("Churn")), None).expect("meta");
    assert!(run(&mut snap, &event("churn:model", meta("Churn")), None).is_none());
    run(&mut snap, &event("churn:model", meta("Churn v2")), None).expect("changed");
}
