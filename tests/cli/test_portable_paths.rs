//! A registry must check out on Linux, macOS and Windows (issue 10, item 3): no path
//! part over 255 bytes, no Windows device name, none of `<>:"|?*\` or control
//! characters, no trailing dot or space, no two paths equal once case and Unicode
//! normalization are folded. `register` refuses such a path before anything is
//! stored (repository and LFS store untouched); `check` reports one that a hand-made
//! commit brought in, and the server hook refuses its push.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_check::{check_json, check_text, findings_of};

/// The refusal helpers' registry with `churn@1.0.0` registered (artifact `w.bin`).
fn with_churn() -> (TestEnv, PathBuf) {
    let (env, reg) = registry();
    register_ok(
        &env,
        &reg,
        &["churn", "--version", "1.0.0", "--artifact", "../w.bin"],
    );
    (env, reg)
}

#[track_caller]
fn assert_status_clean(env: &TestEnv, reg: &Path) {
    let status = env.git(reg, &["status", "--porcelain"]);
    assert!(status.is_empty(), "git status:\n{status}");
}

/// `omgreg ARGS`, which must be refused with `code`, leave HEAD, index, working tree
/// and LFS store as they were, and mention `needles`.
#[track_caller]
fn register_refused_with(env: &TestEnv, reg: &Path, args: &[&str], needles: &[&str]) {
    let mut full = vec!["register"];
    full.extend_from_slice(args);
    let stderr = refused(env, reg, &full, 1);
    assert_mentions(&stderr, needles);
    assert_status_clean(env, reg);
}

/// Artifact files beside the registry, named as given, inside `folder`.
fn files_in(env: &TestEnv, folder: &str, names: &[&str]) -> String {
    for name in names {
        env.make_file(&format!("{folder}/{name}"), 64);
    }
    format!("../{folder}")
}

/// Adds an empty file at `path` with plain git, in the index only (the file system
/// may not even hold such a name), and commits it.
fn commit_path_by_hand(env: &TestEnv, reg: &Path, path: &str) {
    std::fs::write(env.path().join("blob"), b"x\n").expect("blob");
    let blob = env.git(reg, &["hash-object", "-w", "../blob"]);
    let info = format!("100644,{},{path}", blob.trim());
    env.git(reg, &["update-index", "--add", "--cacheinfo", &info]);
    env.git(reg, &["commit", "-q", "-m", "hand-made"]);
}

/// `omgreg check` exits 3 and names `path` in a `portable-path` finding, in JSON (the
/// exact path) and for humans (control characters escaped).
#[track_caller]
fn check_reports(env: &TestEnv, reg: &Path, path: &str, detail: &str) {
    let doc = check_json(env, reg, &[], 3);
    let found = findings_of(&doc, "portable-path");
    let finding = found
        .iter()
        .find(|f| f["file"] == path)
        .unwrap_or_else(|| panic!("no portable-path finding for {path:?}: {doc:#}"));
    let message = finding["message"].as_str().expect("a message");
    assert!(message.contains(detail), "{message}");
    let shown: String = path
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let text = check_text(env, reg, &[], 3);
    assert_mentions(
        &text,
        &["error[portable-path]: ", &format!("  --> {shown}\n")],
    );
}

const ART: &str = "models/churn/artifacts/1.0.0";

// ---- register: one test per rule ------------------------------------------------

/// Finding 6: a 300-character pre-release was committed although its file name cannot
/// be checked out ("File name too long"), and every clone failed.
#[test]
fn register_refuses_a_part_over_255_bytes_and_clones_keep_working() {
    let (env, reg) = with_churn();
    let version = format!("1.0.0-{}", "a".repeat(300));
    register_refused_with(
        &env,
        &reg,
        &["churn", "--version", &version, "--artifact", "../w.bin"],
        &[
            "omgreg::path::not_portable",
            "bytes long (at most 255)",
            "help: path parts must be at most 255 bytes",
        ],
    );
    env.git(env.path(), &["clone", "-q", "reg", "copy"]);
    let copy = env.path().join("copy");
    assert_status_clean(&env, &copy);
    env.omgreg(&copy)
        .args(["show", "churn@1.0.0"])
        .assert()
        .success();
    env.assert_fsck_clean(&reg);
}

#[test]
fn register_refuses_windows_device_names() {
    let (env, reg) = with_churn();
    let folder = files_in(&env, "dev", &["nul.txt"]);
    register_refused_with(
        &env,
        &reg,
        &["churn", "--artifact", &folder, "--artifact", "../w.bin"],
        &[
            "omgreg::path::not_portable",
            "`models/churn/artifacts/1.1.0/dev/nul.txt` cannot be checked out on every system",
            "device name reserved by Windows",
        ],
    );
    env.make_file("CON", 64);
    register_refused_with(
        &env,
        &reg,
        &["churn", "--artifact", "../CON"],
        &["omgreg::path::not_portable", "/CON`", "reserved by Windows"],
    );
    // Model names become folders: `con` passes the name rules but not Windows.
    register_refused_with(
        &env,
        &reg,
        &["con", "--artifact", "../w.bin"],
        &["`models/con` cannot be checked out", "reserved by Windows"],
    );
}

#[test]
fn register_refuses_forbidden_and_control_characters() {
    let (env, reg) = with_churn();
    for (name, detail) in [
        ("a:b.bin", "contains `:`"),
        ("what?.bin", "contains `?`"),
        ("x|y.bin", "contains `|`"),
        ("tab\there.bin", "control character `\\u{9}`"),
        ("line\nbreak.bin", "control character `\\u{a}`"),
    ] {
        env.make_file(name, 64);
        register_refused_with(
            &env,
            &reg,
            &[
                "churn",
                "--artifact",
                &format!("../{name}"),
                "--artifact",
                "../w.bin",
            ],
            &["omgreg::path::not_portable", detail],
        );
    }
    // A backslash was already refused as an unsafe artifact path.
    env.make_file("back\\slash.bin", 64);
    register_refused_with(
        &env,
        &reg,
        &["churn", "--artifact", "../back\\slash.bin"],
        &["omgreg::artifact::invalid_path", "backslash"],
    );
}

#[test]
fn register_refuses_a_trailing_dot_or_space() {
    let (env, reg) = with_churn();
    for name in ["model.", "model "] {
        env.make_file(name, 64);
        register_refused_with(
            &env,
            &reg,
            &[
                "churn",
                "--artifact",
                &format!("../{name}"),
                "--artifact",
                "../w.bin",
            ],
            &["omgreg::path::not_portable", "ends in a dot or a space"],
        );
    }
    register_refused_with(
        &env,
        &reg,
        &["churn.", "--artifact", "../w.bin"],
        &["`models/churn.` cannot be checked out", "ends in a dot"],
    );
}

#[test]
fn register_refuses_paths_equal_but_for_case() {
    let (env, reg) = with_churn();
    let folder = files_in(&env, "case", &["Model.pt", "model.pt"]);
    register_refused_with(
        &env,
        &reg,
        &["churn", "--artifact", &folder],
        &[
            "omgreg::path::collision",
            "case/model.pt` and `",
            "case/Model.pt` are the same path on case-insensitive file systems",
            "help: rename the file",
        ],
    );
    // Against the tree: SemVer tells `RC` from `rc`, macOS and Windows do not.
    register_ok(
        &env,
        &reg,
        &["churn", "--version", "1.1.0-RC.1", "--artifact", "../w.bin"],
    );
    register_refused_with(
        &env,
        &reg,
        &["churn", "--version", "1.1.0-rc.1", "--artifact", "../w.bin"],
        &[
            "omgreg::path::collision",
            "`models/churn/artifacts/1.1.0-rc.1` and `models/churn/artifacts/1.1.0-",
            "RC.1` are the same path",
        ],
    );
}

#[test]
fn register_refuses_paths_equal_but_for_unicode_normalization() {
    let (env, reg) = with_churn();
    let folder = files_in(&env, "norm", &["caf\u{e9}.txt", "cafe\u{301}.txt"]);
    register_refused_with(
        &env,
        &reg,
        &["churn", "--artifact", &folder, "--artifact", "../w.bin"],
        &["omgreg::path::collision", "norm/caf"],
    );
}

// ---- check: one test per rule, on hand-made commits -----------------------------

#[test]
fn check_reports_a_part_over_255_bytes() {
    let (env, reg) = with_churn();
    let path = format!("{ART}/{}", "x".repeat(300));
    commit_path_by_hand(&env, &reg, &path);
    check_reports(&env, &reg, &path, "300 bytes long (at most 255)");
}

#[test]
fn check_reports_windows_device_names() {
    let (env, reg) = with_churn();
    for name in ["nul.txt", "COM7"] {
        let path = format!("{ART}/{name}");
        commit_path_by_hand(&env, &reg, &path);
        check_reports(&env, &reg, &path, "device name reserved by Windows");
    }
}

#[test]
fn check_reports_forbidden_and_control_characters() {
    let (env, reg) = with_churn();
    for (name, detail) in [
        ("a:b", "contains `:`"),
        ("a\\b", "contains `\\`"),
        ("star*", "contains `*`"),
        ("bell\u{7}", "control character `\\u{7}`"),
    ] {
        let path = format!("{ART}/{name}");
        commit_path_by_hand(&env, &reg, &path);
        check_reports(&env, &reg, &path, detail);
    }
}

#[test]
fn check_reports_a_trailing_dot_or_space() {
    let (env, reg) = with_churn();
    for name in ["x.", "x "] {
        let path = format!("{ART}/{name}");
        commit_path_by_hand(&env, &reg, &path);
        check_reports(&env, &reg, &path, "ends in a dot or a space");
    }
}

#[test]
fn check_reports_paths_equal_but_for_case() {
    let (env, reg) = with_churn();
    let path = format!("{ART}/W.bin");
    commit_path_by_hand(&env, &reg, &path);
    check_reports(
        &env,
        &reg,
        &format!("{ART}/w.bin"),
        "W.bin` are the same path",
    );
}

#[test]
fn check_reports_paths_equal_but_for_unicode_normalization() {
    let (env, reg) = with_churn();
    let composed = format!("{ART}/caf\u{e9}");
    commit_path_by_hand(&env, &reg, &composed);
    commit_path_by_hand(&env, &reg, &format!("{ART}/cafe\u{301}"));
    // Git sorts the decomposed name (`e`, U+0301) first: the composed one is named.
    check_reports(&env, &reg, &composed, "are the same path");
}

#[test]
fn the_server_hook_refuses_a_push_of_an_unportable_path() {
    let (env, reg) = with_churn();
    let server = env.path().join("server.git");
    let server_arg = server.to_str().expect("UTF-8");
    let reg_arg = reg.to_str().expect("UTF-8");
    env.git(env.path(), &["clone", "-q", "--bare", reg_arg, server_arg]);
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    env.git(env.path(), &["clone", "-q", server_arg, "work"]);
    let work = env.path().join("work");
    let before = env.git(&server, &["rev-parse", "HEAD"]);
    commit_path_by_hand(&env, &work, &format!("{ART}/aux.bin"));
    let output = env.git_output(&work, &["push", "origin", "HEAD"]);
    assert!(!output.status.success(), "the push was accepted");
    let stderr = crate::common::stderr_of(&output);
    assert_mentions(
        &stderr,
        &["remote: error[portable-path]", &format!("{ART}/aux.bin")],
    );
    assert_eq!(env.git(&server, &["rev-parse", "HEAD"]), before);
}

/// Other actions create paths too: an endpoint named `con` (valid as a model name)
/// would be rendered to `deploy/con.yaml` by the first promotion.
#[test]
fn a_promotion_refuses_to_create_an_unportable_endpoint_manifest() {
    let (env, reg) = with_churn();
    crate::common::lifecycle::configure(
        &env,
        &reg,
        "[[endpoint]]\nname = \"con\"\nmodel = \"churn\"\nstage = \"Production\"\n",
    );
    let stderr = refused(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
        1,
    );
    assert_mentions(
        &stderr,
        &[
            "omgreg::path::not_portable",
            "`deploy/con.yaml`",
            "reserved by Windows",
        ],
    );
    assert_status_clean(&env, &reg);
}
