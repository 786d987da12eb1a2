//! Transaction tests on real repositories: compare-and-swap and the retry.

use std::cell::Cell;

use git2::{Repository, Signature};

use super::super::{Identity, Store, StoreError, TreeSnapshot};
use super::{TxOptions, Writer};
use crate::registry::{self, Change, Event, FileChange, RegistryError, Snapshot};

fn registry() -> (tempfile::TempDir, Store, Identity) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("user.name", "Test").unwrap();
    config.set_str("user.email", "test@example.com").unwrap();
    let store = Store::for_init(dir.path()).unwrap();
    let identity = store.identity().unwrap();
    let files = vec![("omgreg.toml".to_owned(), b"schema = 1\n".to_vec())];
    Writer::new(&store, identity.clone(), None)
        .transact(&TxOptions::default(), &mut |snap| {
            registry::init(snap, "t", &files)
        })
        .unwrap();
    (dir, store, identity)
}

/// Commits a file straight onto the branch, as a writer that ignores omgreg's lock.
fn foreign_commit(repo: &Repository, path: &str) {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let blob = repo.blob(b"x\n").unwrap();
    let mut update = git2::build::TreeUpdateBuilder::new();
    update.upsert(path, blob, git2::FileMode::Blob);
    let tree = repo
        .find_tree(update.create_updated(repo, &head.tree().unwrap()).unwrap())
        .unwrap();
    let sig = Signature::now("Other", "other@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "foreign", &tree, &[&head])
        .unwrap();
}

fn write_change(path: &str) -> Change {
    Change {
        files: vec![(path.to_owned(), FileChange::Write(b"mine\n".to_vec()))],
        event: Event::Initialized { name: "t".into() },
        message: None,
    }
}

#[test]
fn a_branch_moved_under_the_action_makes_it_run_again_on_the_new_tip() {
    let (_dir, store, identity) = registry();
    let runs = Cell::new(0);
    let committed = Writer::new(&store, identity.clone(), None)
        .transact(&TxOptions::default(), &mut |snap: &TreeSnapshot<'_>| {
            runs.set(runs.get() + 1);
            if runs.get() == 1 {
                foreign_commit(&store.repo, "other.txt");
            } else {
                // The re-run sees the other writer's file: preconditions are checked again.
                assert!(snap.exists("other.txt").unwrap());
            }
            Ok::<_, RegistryError>(write_change("mine.txt"))
        })
        .unwrap();
    assert_eq!(committed.attempts, 2);
    let repo = &store.repo;
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(Some(head.id().into()), committed.commit);
    assert_eq!(head.parent(0).unwrap().summary().unwrap(), Some("foreign"));
    let tree = head.tree().unwrap();
    assert!(
        tree.get_path("other.txt".as_ref()).is_ok() && tree.get_path("mine.txt".as_ref()).is_ok()
    );
}

#[test]
fn a_branch_that_never_stops_moving_gives_a_conflict_and_no_commit_of_ours() {
    let (_dir, store, identity) = registry();
    let runs = Cell::new(0);
    let result = Writer::new(&store, identity.clone(), None).transact(
        &TxOptions::default(),
        &mut |_: &TreeSnapshot<'_>| {
            runs.set(runs.get() + 1);
            foreign_commit(&store.repo, &format!("other{}.txt", runs.get()));
            Ok::<_, RegistryError>(write_change("mine.txt"))
        },
    );
    assert!(
        matches!(result, Err(StoreError::Conflict { attempts: 8, .. })),
        "{result:?}"
    );
    let head = &store.repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.summary().unwrap(), Some("foreign"));
    assert!(head.tree().unwrap().get_path("mine.txt".as_ref()).is_err());
}

#[test]
fn a_failing_action_writes_nothing() {
    let (_dir, store, identity) = registry();
    let before = &store.repo.head().unwrap().target();
    let result = Writer::new(&store, identity.clone(), None).transact(
        &TxOptions::default(),
        &mut |_: &TreeSnapshot<'_>| {
            Err(RegistryError::ModelNotFound {
                model: "m".into(),
                hint: String::new(),
            })
        },
    );
    assert!(matches!(
        result,
        Err(StoreError::Registry(RegistryError::ModelNotFound { .. }))
    ));
    assert_eq!(&store.repo.head().unwrap().target(), before);
}
