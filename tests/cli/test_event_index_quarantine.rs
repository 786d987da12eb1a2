//! The event index inside a server hook: while git holds pushed objects in
//! quarantine (`GIT_QUARANTINE_PATH`), a read answers right and writes nothing.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::test_event_index::{
    MODELS, assert_index_agrees, busy_registry, head, index_dir, index_tip, walked,
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
