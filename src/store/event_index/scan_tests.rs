//! Unit tests of the change-point scan: the one-pass diff of raw listings agrees with
//! a diff of libgit2's parsed trees on random folders, and a walk finds what changed
//! in each commit.

use std::collections::BTreeMap;

use git2::{FileMode, Repository};
use proptest::prelude::*;

use super::*;

/// Names that sort differently as files and as folders (`a.b` < `a/` < `a0`), kinds
/// that change, and names that are not models.
fn names() -> impl Strategy<Value = BTreeMap<String, (u8, bool)>> {
    let name = prop::sample::select(vec![
        "a",
        "a.b",
        "a-b",
        "a0",
        "ab",
        "b",
        "m1",
        "m10",
        "m2",
        "README.md",
        "Bad Name",
        "z",
    ]);
    proptest::collection::btree_map(name.prop_map(str::to_owned), (0u8..3, any::<bool>()), 0..10)
}

fn tree(repo: &Repository, entries: &BTreeMap<String, (u8, bool)>) -> Oid {
    let mut builder = repo.treebuilder(None).unwrap();
    for (name, (content, folder)) in entries {
        let blob = repo.blob(&[*content]).unwrap();
        if *folder {
            let mut inner = repo.treebuilder(None).unwrap();
            inner.insert("f", blob, FileMode::Blob.into()).unwrap();
            let id = inner.write().unwrap();
            builder.insert(name, id, FileMode::Tree.into()).unwrap();
        } else {
            builder.insert(name, blob, FileMode::Blob.into()).unwrap();
        }
    }
    builder.write().unwrap()
}

/// What the walk's diff of parsed trees says changed: folders on either side.
fn expected(repo: &Repository, old: Oid, new: Oid) -> Vec<(String, Option<Oid>, Option<Oid>)> {
    let listing = |id| -> BTreeMap<String, (Oid, bool)> {
        let tree = repo.find_tree(id).unwrap();
        tree.iter()
            .map(|e| {
                let folder = e.kind() == Some(git2::ObjectType::Tree);
                (e.name().unwrap().to_owned(), (e.id(), folder))
            })
            .collect()
    };
    let (old, new) = (listing(old), listing(new));
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (a, b) = (old.get(name), new.get(name));
            let folder = a.is_some_and(|e| e.1) || b.is_some_and(|e| e.1);
            (a.map(|e| e.0) != b.map(|e| e.0) && folder)
                .then(|| (name.clone(), a.map(|e| e.0), b.map(|e| e.0)))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn raw_diffs_agree_with_parsed_trees(old in names(), new in names()) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let (a, b) = (tree(&repo, &old), tree(&repo, &new));
        let odb = repo.odb().unwrap();
        let (raw_a, raw_b) = (odb.read(a).unwrap(), odb.read(b).unwrap());
        prop_assert_eq!(diff(raw_a.data(), raw_b.data()), expected(&repo, a, b));
        // The out-of-order fallback gives the same answer.
        let mut slow = unordered(raw_a.data(), raw_b.data());
        slow.retain(|(_, x, y)| x.is_some_and(|(_, t)| t) || y.is_some_and(|(_, t)| t));
        let slow: Vec<_> = slow
            .into_iter()
            .map(|(n, x, y)| (String::from_utf8(n.to_vec()).unwrap(), x.map(|e| e.0), y.map(|e| e.0)))
            .collect();
        prop_assert_eq!(slow, expected(&repo, a, b));
    }
}

#[test]
fn a_walk_finds_each_commits_changed_models_and_stops_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let sig = git2::Signature::now("T", "t@example.com").unwrap();
    let states: [&[(&str, u8)]; 4] = [
        &[("m1", 1)],
        &[("m1", 1), ("m2", 1), ("Bad Name", 1)],
        &[("m1", 2), ("m2", 1)],
        &[("m2", 1)],
    ];
    let mut commits = Vec::new();
    for state in states {
        let models: BTreeMap<String, (u8, bool)> = state
            .iter()
            .map(|(n, c)| ((*n).to_owned(), (*c, true)))
            .collect();
        let models = tree(&repo, &models);
        let mut root = repo.treebuilder(None).unwrap();
        root.insert("models", models, FileMode::Tree.into())
            .unwrap();
        let root = repo.find_tree(root.write().unwrap()).unwrap();
        let parents: Vec<git2::Commit<'_>> = commits
            .last()
            .map(|c| repo.find_commit(*c).unwrap())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        commits.push(repo.commit(None, &sig, &sig, "c", &root, &parents).unwrap());
    }
    let odb = repo.odb().unwrap();
    let found = scan(&odb, commits[3], None, "models", None)
        .unwrap()
        .unwrap();
    let seen: Vec<(u64, &str)> = found
        .found
        .iter()
        .map(|f| (f.depth, f.model.as_str()))
        .collect();
    assert_eq!(seen, [(0, "m1"), (1, "m1"), (2, "m2"), (3, "m1")]);
    assert!(found.reached_root && found.unnamed);
    assert_eq!(found.commits, 4);
    // Stopped at the second commit (with its `models` tree known).
    let models = |c: Oid| id_at(&odb, repo.find_commit(c).unwrap().tree_id(), "models").unwrap();
    let stop = Some((commits[1], models(commits[1])));
    let found = scan(&odb, commits[3], stop, "models", None)
        .unwrap()
        .unwrap();
    // `Bad Name` left in the third commit.
    assert_eq!(
        (found.commits, found.reached_root, found.unnamed),
        (2, false, true)
    );
    assert_eq!(found.found.len(), 2);
    assert!(
        scan(&odb, commits[3], None, "models", Some(2))
            .unwrap()
            .is_none()
    );
    let changed = changed_models(&odb, Some(commits[0]), commits[2], "models").unwrap();
    assert_eq!(
        changed.iter().map(ModelName::as_str).collect::<Vec<_>>(),
        ["m1", "m2"]
    );
}
