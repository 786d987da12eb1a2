//! Bad registry and repository states: hand-committed malformed files, uncommitted
//! edits and links in the way, detached HEAD, unknown references. Each is refused
//! with a diagnostic naming the file (and line) or the reference, and changes nothing.

use std::os::unix::fs::symlink;

use crate::common::refusal::*;

#[test]
fn malformed_committed_version_file_is_named_with_its_line() {
    let (env, reg) = registry();
    commit_by_hand(
        &env,
        &reg,
        "models/m/versions/1.0.0.yaml",
        "model: m\nversion: [1.0.0\n",
    );
    for args in [&["list", "m"][..], &["list"], &["show", "m@1.0.0"]] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::schema::invalid_document",
                "`models/m/versions/1.0.0.yaml` line 2",
            ],
        );
    }
    // A syntax error (not only a type error) points at its line too.
    commit_by_hand(
        &env,
        &reg,
        "models/m/versions/1.0.0.yaml",
        "model: m\nversion: 1.0.0\n  bad: : x\n",
    );
    let stderr = refused(&env, &reg, &["list", "m"], 1);
    assert_mentions(&stderr, &["`models/m/versions/1.0.0.yaml` line 3"]);
}

#[test]
fn version_file_disagreeing_with_its_name_is_named_with_its_line() {
    // Otherwise `m@2.0.0` would silently resolve to a file describing 1.0.0.
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m", "--version", "1.0.0"]);
    let content = std::fs::read_to_string(reg.join("models/m/versions/1.0.0.yaml")).unwrap();
    commit_by_hand(&env, &reg, "models/m/versions/2.0.0.yaml", &content);
    for args in [&["list", "m"][..], &["show", "m@2.0.0"]] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "`models/m/versions/2.0.0.yaml` line 2",
                "`version` is `1.0.0`",
                "`2.0.0`",
            ],
        );
    }
    // A file name that is not the canonical form of its version is refused too.
    env.git(&reg, &["rm", "-q", "models/m/versions/2.0.0.yaml"]);
    commit_by_hand(&env, &reg, "models/m/versions/v1.0.0.yaml", &content);
    let stderr = refused(&env, &reg, &["list", "m"], 1);
    assert_mentions(
        &stderr,
        &["`models/m/versions/v1.0.0.yaml`", "`1.0.0.yaml`"],
    );
}

#[test]
fn malformed_stages_yaml_is_named_with_its_line() {
    // `stages.yaml` is what a promotion pull request edits by hand.
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m", "--version", "1.0.0"]);
    let cases = [
        (
            "stages:\n  Prod: 1.0.0\n",
            "line 2",
            "`Prod` is not a configured stage",
        ),
        ("aliases:\n  production: 1.0.0\n", "line 2", "`production`"),
        (
            "aliases:\n  2.0.0: 1.0.0\n",
            "line 2",
            "invalid alias `2.0.0`",
        ),
        (
            "stages:\n  Staging: 1.0.0\n  Production: 1.0.0\n",
            "line 3",
            "`1.0.0` holds both",
        ),
    ];
    for (content, line, detail) in cases {
        commit_by_hand(&env, &reg, "models/m/stages.yaml", content);
        for args in [&["list"][..], &["list", "m"]] {
            let stderr = refused(&env, &reg, args, 1);
            let location = format!("`models/m/stages.yaml` {line}");
            assert_mentions(
                &stderr,
                &["omgreg::schema::invalid_document", &location, detail],
            );
        }
    }
    // A stage pointing at a version that does not exist never resolves.
    commit_by_hand(
        &env,
        &reg,
        "models/m/stages.yaml",
        "stages:\n  Production: 9.9.9\n",
    );
    for command in ["show", "resolve"] {
        let stderr = refused(&env, &reg, &[command, "m@Production"], 1);
        assert_mentions(&stderr, &["`m@9.9.9`"]);
    }
}

#[test]
fn uncommitted_file_in_the_way_refuses_register() {
    // The refusal must leave the user's untracked or staged file alone.
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    std::fs::create_dir_all(reg.join("models/n")).unwrap();
    std::fs::write(
        reg.join("models/n/model.yaml"),
        "model: n\ndescription: mine\n",
    )
    .unwrap();
    let stderr = refused(&env, &reg, &["register", "n"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::store::dirty_paths",
            "uncommitted changes",
            "`models/n/model.yaml`",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(reg.join("models/n/model.yaml")).unwrap(),
        "model: n\ndescription: mine\n"
    );

    // A staged file where the next version of `m` would go.
    std::fs::write(reg.join("models/m/versions/1.1.0.yaml"), "mine\n").unwrap();
    env.git(&reg, &["add", "models/m/versions/1.1.0.yaml"]);
    let stderr = refused(&env, &reg, &["register", "m"], 1);
    assert_mentions(
        &stderr,
        &["uncommitted changes", "`models/m/versions/1.1.0.yaml`"],
    );

    // An untracked symlink where a folder would be written is in the way too, and
    // named as what it is.
    symlink("/etc/hostname", reg.join("models/k")).unwrap();
    let stderr = refused(&env, &reg, &["register", "k"], 1);
    assert_mentions(
        &stderr,
        &["omgreg::store::symlink_in_working_tree", "`models/k`"],
    );
}

#[test]
fn detached_head_refuses_register() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    env.git(&reg, &["checkout", "-q", "--detach"]);
    let stderr = refused(&env, &reg, &["register", "m"], 1);
    assert_mentions(&stderr, &["omgreg::store::detached_head", "detached"]);
}

#[test]
fn dirty_paths_are_refused_before_artifacts_are_stored() {
    // `register` checks the request against HEAD before hashing (existing version,
    // unknown parent), but the working-tree check only runs inside the transaction,
    // after every artifact was hashed and copied into `.git/lfs/objects`.
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    std::fs::create_dir_all(reg.join("models/n")).unwrap();
    std::fs::write(reg.join("models/n/model.yaml"), "model: n\n").unwrap();
    let stderr = register_refused(&env, &reg, &["n"]);
    assert_mentions(&stderr, &["uncommitted changes"]);
}

#[test]
fn detached_head_is_refused_before_artifacts_are_stored() {
    // As above: the branch is only looked up inside the transaction, after hashing.
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    env.git(&reg, &["checkout", "-q", "--detach"]);
    let stderr = register_refused(&env, &reg, &["m"]);
    assert_mentions(&stderr, &["detached"]);
}

#[test]
fn register_does_not_write_through_a_symlinked_folder() {
    // DESIGN: "no symlinks followed out". An untracked `models/n` symlink to a folder
    // outside the repository makes `register n` write its YAML files there.
    let (env, reg) = registry();
    let outside = env.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir_all(reg.join("models")).unwrap();
    symlink(&outside, reg.join("models/n")).unwrap();
    let stderr = refused(&env, &reg, &["register", "n"], 1);
    assert_mentions(&stderr, &["`models/n"]);
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn show_of_unknown_references_is_refused() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    let cases = [
        (
            "m@nosuchalias",
            &["omgreg::reference::unresolved", "`nosuchalias`"][..],
        ),
        ("m@9.9.9", &["omgreg::version::not_found", "`m@9.9.9`"]),
        (
            "nosuchmodel@1.0.0",
            &["omgreg::model::not_found", "`nosuchmodel`"],
        ),
        ("m@Production", &["no version holds stage `Production`"]),
        ("../x@1.0.0", &["omgreg::name::invalid_model"]),
    ];
    for (reference, needles) in cases {
        let stderr = refused(&env, &reg, &["show", reference], 1);
        assert_mentions(&stderr, needles);
        let stderr = refused(&env, &reg, &["resolve", reference], 1);
        assert_mentions(&stderr, needles);
    }
}

#[test]
fn list_with_unknown_stage_names_the_known_stages() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    for args in [
        &["list", "--stage", "Prod"][..],
        &["list", "m", "--stage", "Prod"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::stage::unknown",
                "`Prod`",
                "`Staging`",
                "`Production`",
            ],
        );
    }
}

#[test]
fn list_at_unknown_revision_is_refused() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m"]);
    for args in [
        &["list", "--rev", "nosuchrev"][..],
        &["list", "m", "--rev", "nosuchrev"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(&stderr, &["omgreg::store::rev_not_found", "`nosuchrev`"]);
    }
}

/// A held `.git/index.lock` (a git command running, or one that crashed) is refused
/// before the branch moves. omgreg used to move the branch and then fail to write
/// the index, leaving the new version staged as deleted for the next `git commit`
/// (issue 10, finding 2). The refusal leaves the lock to its owner.
#[test]
fn held_index_lock_is_refused_before_the_branch_moves() {
    let (env, reg) = registry();
    register_ok(&env, &reg, &["m", "--version", "1.0.0"]);
    let lock = reg.join(".git/index.lock");
    std::fs::write(&lock, b"held by git").unwrap();
    for args in [
        &["register", "m", "--version", "1.1.0"][..],
        &["promote", "m@1.0.0", "--stage", "Staging"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::store::index_locked",
                "index.lock",
                "second",
                " ago",
                "rm ",
            ],
        );
        assert_eq!(std::fs::read(&lock).unwrap(), b"held by git");
    }
    std::fs::remove_file(&lock).unwrap();
    register_ok(&env, &reg, &["m", "--version", "1.1.0"]);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.git(&reg, &["diff", "--cached", "--quiet", "HEAD"]);
    env.git(&reg, &["update-index", "--refresh"]);
}
