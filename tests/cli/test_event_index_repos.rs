//! Where the event index lives: the common Git folder (linked worktrees, bare
//! repositories), one per registry folder; and inside a server hook, while git
//! holds pushed objects in quarantine (`GIT_QUARANTINE_PATH`), a read answers right
//! and writes nothing.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::test_event_index::{
    MODELS, assert_index_agrees, busy_registry, hand_commit, head, index_dir, index_tip, indexed,
    json_lines, walked,
};

/// Every file below `dir` with its bytes, sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap();
            (entry.into_path(), bytes)
        })
        .collect();
    files.sort();
    files
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A pre-receive hook reading the log while git holds the pushed objects in
/// quarantine: right answers, and not one byte of the index written.
#[test]
fn a_server_hook_in_quarantine_reads_but_never_writes_the_index() {
    let env = TestEnv::new();
    let reg = busy_registry(&env);
    let server = env.path().join("server.git");
    env.git(
        env.path(),
        &["init", "-q", "--bare", server.to_str().unwrap()],
    );
    env.git(&reg, &["push", "-q", server.to_str().unwrap(), "master"]);
    let seen = env.path().join("seen");
    std::fs::create_dir_all(&seen).unwrap();
    let hook = server.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat >/dev/null\nprintf '%s' \"$GIT_QUARANTINE_PATH\" > '{seen}/quarantine'\n\
             '{omgreg}' history churn --json > '{seen}/history.json'\n",
            seen = seen.display(),
            omgreg = env!("CARGO_BIN_EXE_omgreg"),
        ),
    )
    .unwrap();
    make_executable(&hook);

    // No index yet: the hook's read writes none.
    act(
        &env,
        &reg,
        &["promote", "fraud@1.0.0", "--stage", "Production"],
    );
    let before = head(&env, &server);
    let expected = walked(&env, &server, &["history", "churn", "--json"]).1;
    env.git(&reg, &["push", "-q", server.to_str().unwrap(), "master"]);
    assert!(
        !std::fs::read_to_string(seen.join("quarantine"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        std::fs::read_to_string(seen.join("history.json")).unwrap(),
        expected
    );
    assert!(
        !index_dir(&server).join("tip").exists(),
        "nothing written in quarantine"
    );

    // An index built before the push is read in quarantine and left as it was.
    assert_index_agrees(&env, &server, &MODELS, "server");
    let index_before = files(&index_dir(&server));
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let expected = walked(&env, &server, &["history", "churn", "--json"]).1;
    env.git(&reg, &["push", "-q", server.to_str().unwrap(), "master"]);
    assert_eq!(
        std::fs::read_to_string(seen.join("history.json")).unwrap(),
        expected
    );
    assert_eq!(
        files(&index_dir(&server)),
        index_before,
        "nothing written in quarantine"
    );
    assert_ne!(head(&env, &server), before);
    // Out of quarantine, the next read brings it to the pushed tip.
    assert_index_agrees(&env, &server, &MODELS, "server after the push");
    assert_eq!(index_tip(&server), Some(head(&env, &server)));
}

#[test]
fn linked_worktrees_and_bare_repositories_keep_the_index_in_the_common_folder() {
    let env = TestEnv::new();
    let reg = busy_registry(&env);
    let git = reg.join(".git");
    // A linked worktree on the registry branch (the main one steps aside).
    env.git(&reg, &["checkout", "-q", "--detach"]);
    let linked = env.path().join("linked");
    env.git(
        &reg,
        &["worktree", "add", "-q", linked.to_str().unwrap(), "master"],
    );
    assert_index_agrees(&env, &linked, &MODELS, "linked worktree");
    assert_eq!(index_tip(&git), Some(head(&env, &linked)));
    assert!(!git.join("worktrees/linked/omgreg").exists());
    act(
        &env,
        &linked,
        &["promote", "fraud@1.0.0", "--stage", "Production"],
    );
    assert_eq!(
        index_tip(&git),
        Some(head(&env, &linked)),
        "an action extends it"
    );
    assert_index_agrees(
        &env,
        &linked,
        &MODELS,
        "after an action in the linked worktree",
    );

    // Another worktree on another branch walks, and leaves the index to `master`.
    let side = env.path().join("side");
    env.git(
        &reg,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            side.to_str().unwrap(),
            "master",
        ],
    );
    act(&env, &side, &["alias", "set", "churn@1.0.0", "canary"]);
    assert_index_agrees(&env, &side, &MODELS, "worktree of another branch");
    assert_eq!(
        index_tip(&git),
        Some(head(&env, &linked)),
        "still following master"
    );

    let bare = env.path().join("bare.git");
    env.git(
        env.path(),
        &[
            "clone",
            "-q",
            "--bare",
            "--branch",
            "master",
            reg.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    assert_index_agrees(&env, &bare, &MODELS, "bare repository");
    assert_eq!(index_tip(&bare), Some(head(&env, &bare)));
}

/// Two registries in one repository each have their own index, named after their
/// folder, and a commit outside them changes neither's answers.
#[test]
fn registries_in_sub_folders_keep_separate_indexes() {
    let env = TestEnv::new();
    let mono = env.path().join("mono");
    std::fs::create_dir_all(mono.join("src")).unwrap();
    std::fs::write(mono.join("src/main.py"), "print('hi')\n").unwrap();
    env.git(&mono, &["init", "-q", "-b", "master"]);
    hand_commit(&env, &mono, "code");
    for registry in ["ml/a", "ml/b"] {
        env.omgreg(&mono)
            .args(["init", registry])
            .assert()
            .success();
    }
    let (a, b) = (mono.join("ml/a"), mono.join("ml/b"));
    act(&env, &a, &["register", "churn", "--version", "1.0.0"]);
    act(&env, &b, &["register", "churn", "--version", "2.0.0"]);
    std::fs::write(mono.join("src/main.py"), "print('bye')\n").unwrap();
    hand_commit(&env, &mono, "code again");
    act(
        &env,
        &a,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    for reg in [&a, &b] {
        assert_index_agrees(&env, reg, &["churn"], &reg.display().to_string());
    }
    let git = mono.join(".git");
    for folder in ["ml%2Fa", "ml%2Fb"] {
        let tip = json_lines(&git.join("omgreg").join(folder).join("history/tip"));
        assert_eq!(tip.last().unwrap()["commit"], head(&env, &mono), "{folder}");
    }
    let a_events = indexed(&env, &a, &["history", "churn", "--json"]).1;
    assert!(
        a_events.contains("1.0.0") && !a_events.contains("2.0.0"),
        "{a_events}"
    );
}
