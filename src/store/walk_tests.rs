//! Unit tests of the raw first-parent walk.

use super::*;

#[test]
fn raw_lookups_agree_with_libgit2() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let blob = repo.blob(b"x").unwrap();
    let mut update = git2::build::TreeUpdateBuilder::new();
    for path in ["a/b/c.txt", "a/bb", "a/b.txt", "z"] {
        update.upsert(path, blob, git2::FileMode::Blob);
    }
    let empty = repo.treebuilder(None).unwrap().write().unwrap();
    let tree = update
        .create_updated(&repo, &repo.find_tree(empty).unwrap())
        .unwrap();
    let sig = git2::Signature::now("T", "t@example.com").unwrap();
    let tree_obj = repo.find_tree(tree).unwrap();
    let first = repo.commit(None, &sig, &sig, "1", &tree_obj, &[]).unwrap();
    let parent = repo.find_commit(first).unwrap();
    let second = repo
        .commit(None, &sig, &sig, "2", &tree_obj, &[&parent])
        .unwrap();
    let odb = repo.odb().unwrap();
    for path in [
        "a/b/c.txt",
        "a/bb",
        "a/b.txt",
        "z",
        "a/b",
        "a/c",
        "q",
        "z/y",
    ] {
        let expected = tree_obj
            .get_path(std::path::Path::new(path))
            .ok()
            .map(|e| e.id());
        assert_eq!(id_at(&odb, tree, path).unwrap(), expected, "{path}");
    }
    let changes: Vec<PathChange> = PathChanges::new(repo.odb().unwrap(), second, "a/bb".into())
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        changes,
        [PathChange {
            commit: first,
            old: None,
            new: Some(blob)
        }]
    );
}
