//! Every diagnostic code of docs/errors.md, rendered through the real binary and
//! snapshotted as a transcript (stderr is what a person reads). Store, hooks, sync
//! and notification codes are in `test_transcript_diagnostics_store`; the codes that
//! cannot be triggered through the binary are listed in [`UNTRIGGERABLE`].

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::configure;
use crate::common::refusal::commit_by_hand;
use crate::common::transcript::*;
use crate::snapshot;

/// Codes of docs/errors.md that no command line can raise, with the reason.
pub(crate) const UNTRIGGERABLE: &[(&str, &str)] = &[
    (
        "omgreg::store::conflict",
        "needs another writer to move the branch 8 times in a row (or during a pull): a race",
    ),
    (
        "omgreg::store::nothing_to_commit",
        "every command refuses a no-op with its own code first (docs/errors.md says so)",
    ),
    (
        "omgreg::store::git",
        "wraps an unexpected libgit2 failure; bad revisions, missing registries and unreadable \
         objects get their own codes first",
    ),
    (
        "omgreg::lfs::object_missing",
        "needs the LFS object removed between storing it and committing: a race",
    ),
    (
        "omgreg::checkout::unsafe_path",
        "a version file whose artifact path has `..` or is absolute is refused when it is \
         parsed (omgreg::schema::invalid_document); checkout judges the path again in case",
    ),
    (
        "omgreg::import::mlflow_artifact",
        "needs an artifact file that was listed to vanish (or become unreadable to root) \
         before it is read: a race",
    ),
];

/// The snapshot name of `code`: `omgreg::args::model_twice` -> `args__model_twice`.
pub(crate) fn snapshot_name(code: &str) -> String {
    code.trim_start_matches("omgreg::").replace("::", "__")
}

/// Runs `omgreg args` in `dir`, which must exit with `exit` and name `code` on
/// stderr, and snapshots the transcript under the code's name.
#[track_caller]
pub(crate) fn diag(env: &TestEnv, dir: &Path, code: &str, args: &[&str], exit: i32) {
    let text = transcript_exit(env, dir, args, exit);
    let stderr = text.split("----- stderr -----").nth(1).unwrap_or_default();
    assert!(stderr.contains(code), "expected {code} on stderr:\n{text}");
    snapshot!(env, snapshot_name(code), text);
}

/// A registry `reg`: `churn` 1.0.0 (stored artifact, Production), 1.1.0 (alias
/// `champion`), 1.2.0 (nothing); `w.bin` beside the registry.
pub(crate) fn base() -> (TestEnv, PathBuf) {
    let env = transcript_env();
    let reg = env.init_registry("reg");
    env.make_file("w.bin", 2048);
    let ok = |args: &[&str]| {
        env.omgreg(&reg).args(args).assert().success();
    };
    ok(&[
        "register",
        "churn",
        "--version",
        "1.0.0",
        "--artifact",
        "../w.bin",
    ]);
    ok(&[
        "register",
        "churn",
        "--version",
        "1.1.0",
        "--metric",
        "accuracy=0.8",
    ]);
    ok(&["register", "churn", "--version", "1.2.0"]);
    ok(&["promote", "churn@1.0.0", "--stage", "Production"]);
    ok(&["alias", "set", "churn@1.1.0", "champion"]);
    (env, reg)
}

const DIGEST: &str = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

#[test]
fn command_line_input() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    d(
        "omgreg::args::not_key_value",
        &["register", "churn", "--tag", "team"],
    );
    d(
        "omgreg::args::non_numeric_metric",
        &["register", "churn", "--metric", "acc=high"],
    );
    d(
        "omgreg::args::unreadable_file",
        &["register", "churn", "--metrics-file", "missing.json"],
    );
    d(
        "omgreg::args::uri_without_sha256",
        &["register", "churn", "--uri", "s3://bucket/m.pt"],
    );
    d(
        "omgreg::args::uri_without_name",
        &[
            "register",
            "churn",
            "--uri",
            "s3://bucket/",
            "--sha256",
            DIGEST,
        ],
    );
    d(
        "omgreg::args::model_twice",
        &["register", "churn", "--model", "fraud"],
    );
    d("omgreg::args::model_missing", &["register"]);
    d("omgreg::args::sign_not_applicable", &["--sign", "list"]);
    d(
        "omgreg::args::invalid_date",
        &["show", "churn@1.0.0", "--at", "yesterday"],
    );
    // The working folder (the env root) is in no Git repository.
    diag(
        &env,
        env.path(),
        "omgreg::args::code_commit_auto",
        &[
            "--registry",
            "reg",
            "register",
            "churn",
            "--code-commit",
            "auto",
        ],
        1,
    );
}

#[test]
fn names_and_references() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    d("omgreg::name::invalid_model", &["register", "Churn"]);
    d("omgreg::args::unknown_command", &["man", "promte"]);
    d(
        "omgreg::schema::cannot_write",
        &["schema", "--out", "omgreg.toml/schemas"],
    );
    d(
        "omgreg::register::invalid_primary",
        &[
            "register",
            "churn",
            "--uri",
            "s3://b/m.pt",
            "--sha256",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "--primary",
            "model.pt",
        ],
    );
    env.git(&reg, &["tag", "churn@9.0.0"]);
    d(
        "omgreg::register::tag_exists",
        &["register", "churn", "--version", "9.0.0", "--git-tag"],
    );
    d(
        "omgreg::name::invalid_version",
        &["register", "churn", "--version", "1.2"],
    );
    d(
        "omgreg::name::invalid_digest",
        &[
            "register",
            "churn",
            "--uri",
            "s3://b/m.pt",
            "--sha256",
            "xyz",
        ],
    );
    d("omgreg::reference::invalid", &["show", "churn@a/b"]);
    d("omgreg::reference::unresolved", &["show", "churn@Staging"]);
    d(
        "omgreg::stage::unknown",
        &["promote", "churn@1.2.0", "--stage", "Prod"],
    );
    d(
        "omgreg::alias::invalid",
        &["alias", "set", "churn@1.2.0", "Champion"],
    );
}

#[test]
fn registry_content() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    d("omgreg::model::not_found", &["list", "fraud"]);
    d("omgreg::version::not_found", &["show", "churn@9.9.9"]);
    d(
        "omgreg::version::exists",
        &["register", "churn", "--version", "1.0.0"],
    );
    diag(
        &env,
        env.path(),
        "omgreg::init::exists",
        &["init", "reg"],
        1,
    );
    commit_by_hand(
        &env,
        &reg,
        "models/churn/stages.yaml",
        "stages:\n  Production: 1.0.0\naliases:\n  Champion: 1.1.0\n",
    );
    d("omgreg::schema::invalid_document", &["list", "churn"]);
    d("omgreg::list::incomplete", &["list"]);
    commit_by_hand(
        &env,
        &reg,
        "models/churn/stages.yaml",
        "stages:\n  Production: 1.0.0\naliases:\n  champion: 1.1.0\n",
    );
    // A version file that is not UTF-8.
    let path = reg.join("models/churn/versions/1.2.0.yaml");
    std::fs::write(&path, b"model: churn\nversion: 1.2.0\n\xff\xfe\n").expect("write");
    env.git(&reg, &["commit", "-qam", "hand edit: not UTF-8"]);
    d("omgreg::store::read_failed", &["show", "churn@1.2.0"]);
}

/// A fresh `base()` registry with `toml` appended to `omgreg.toml`, then `args`.
fn with_config(code: &str, toml: &str, args: &[&str]) {
    let (env, reg) = base();
    configure(&env, &reg, toml);
    diag(&env, &reg, code, args, 1);
}

/// A fresh `base()` registry whose `omgreg.toml` has `from` replaced by `to`.
fn with_config_edit(code: &str, from: &str, to: &str, args: &[&str]) {
    let (env, reg) = base();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("omgreg.toml");
    assert!(config.contains(from), "{from:?} in omgreg.toml");
    commit_by_hand(&env, &reg, "omgreg.toml", &config.replacen(from, to, 1));
    diag(&env, &reg, code, args, 1);
}

#[test]
fn configuration() {
    with_config_edit(
        "omgreg::config::unsupported_schema",
        "schema = 1",
        "schema = 2",
        &["list"],
    );
    // An omgreg older than the registry's `min_version` refuses (issue 14, item 2).
    with_config_edit(
        "omgreg::config::upgrade_needed",
        "schema = 1",
        "schema = 1\nmin_version = \"99.0.0\"",
        &["promote", "churn@1.1.0"],
    );
    with_config_edit(
        "omgreg::config::invalid_min_version",
        "schema = 1",
        "schema = 1\nmin_version = \"next\"",
        &["list"],
    );
    with_config_edit(
        "omgreg::config::invalid_stages",
        "ladder = [\"Staging\", \"Production\"]",
        "ladder = [\"Staging\", \"Archived\"]",
        &["list"],
    );
    with_config(
        "omgreg::config::invalid_endpoint",
        "[[endpoint]]\nname = \"Churn-Prod\"\nmodel = \"churn\"\nstage = \"Production\"\n",
        &["list"],
    );
    with_config(
        "omgreg::endpoint::template",
        "[[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\nstage = \"Production\"\n\
         template = \"templates/missing.yaml.j2\"\n",
        &["promote", "churn@1.2.0", "--stage", "Production"],
    );
}

#[test]
fn lifecycle() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    env.omgreg(&reg)
        .args(["archive", "churn@1.2.0"])
        .assert()
        .success();
    d("omgreg::version::archived", &["archive", "churn@1.2.0"]);
    d(
        "omgreg::version::not_archived",
        &["unarchive", "churn@1.1.0"],
    );
    d("omgreg::version::holds_stage", &["archive", "churn@1.0.0"]);
    d("omgreg::demote::no_stage", &["demote", "churn@1.1.0"]);
    d(
        "omgreg::stage::already_there",
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    d("omgreg::stage::top_of_ladder", &["promote", "churn@1.0.0"]);
    d(
        "omgreg::promote::duplicate_model",
        &[
            "promote",
            "churn@1.1.0",
            "churn@1.0.0",
            "--stage",
            "Staging",
        ],
    );
    d(
        "omgreg::alias::not_found",
        &["alias", "rm", "churn", "canary"],
    );
    d(
        "omgreg::alias::unchanged",
        &["alias", "set", "churn@1.1.0", "champion"],
    );
    d(
        "omgreg::rollback::nothing",
        &["rollback", "churn", "--stage", "Production"],
    );
    d(
        "omgreg::rollback::never_held",
        &["rollback", "churn", "--to-version", "1.1.0"],
    );
}

#[test]
fn policy() {
    with_config(
        "omgreg::stage::transition_not_allowed",
        "[stages.options.Production]\nfrom = [\"Staging\"]\n",
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    with_config(
        "omgreg::policy::metric_gate",
        "[policy.Production]\nrequire = { accuracy = \">= 0.9\" }\n",
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    with_config(
        "omgreg::policy::alias_gate",
        "[policy.Production]\nrequire = { accuracy = \">= 0.9\" }\n\n[[endpoint]]\nname = \"churn-live\"\nmodel = \"churn\"\nalias = \"live\"\ngate = \"Production\"\n",
        &["alias", "set", "churn@1.1.0", "live"],
    );
    with_config(
        "omgreg::policy::signer_not_allowed",
        "[policy.Production]\nsigners = [\"ada@example.com\"]\n",
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    with_config(
        "omgreg::rollback::shared_stage",
        "[stages.options.Staging]\nshared = true\n",
        &["rollback", "churn", "--stage", "Staging"],
    );
    with_config(
        "omgreg::sign::required",
        "[signing]\nrequire = true\n",
        &["--no-sign", "promote", "churn@1.1.0", "--stage", "Staging"],
    );
}

#[test]
fn signing() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    let promote = ["--sign", "promote", "churn@1.1.0", "--stage", "Staging"];
    env.git(&reg, &["config", "gpg.format", "ssh"]);
    d("omgreg::sign::no_key", &promote);
    env.git(
        &reg,
        &["config", "user.signingkey", "/nonexistent/id_ed25519"],
    );
    // ssh-keygen may be missing on the machine: a program that cannot run has its
    // own message, so point at one that fails the same way everywhere.
    env.git(&reg, &["config", "gpg.ssh.program", "false"]);
    d("omgreg::sign::failed", &promote);
    env.git(&reg, &["config", "gpg.format", "pgp2"]);
    d("omgreg::sign::unknown_format", &promote);
}

#[test]
fn artifacts() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    let root = env.path();
    d(
        "omgreg::artifact::not_found",
        &["register", "churn", "--artifact", "../nope.bin"],
    );
    std::os::unix::fs::symlink(root.join("w.bin"), root.join("link.bin")).expect("link");
    d(
        "omgreg::artifact::symlink",
        &["register", "churn", "--artifact", "../link.bin"],
    );
    d(
        "omgreg::artifact::not_a_file",
        &["register", "churn", "--artifact", "/dev/null"],
    );
    let odd = root.join("odd");
    std::fs::create_dir_all(&odd).expect("mkdir");
    std::fs::write(
        odd.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"w\xff.bin")),
        b"x",
    )
    .expect("odd name");
    d(
        "omgreg::artifact::non_utf8_name",
        &["register", "churn", "--artifact", "../odd"],
    );
    std::fs::create_dir_all(root.join("empty")).expect("mkdir");
    d(
        "omgreg::artifact::empty_folder",
        &["register", "churn", "--artifact", "../empty"],
    );
    env.make_file("withgit/.git/config", 10);
    d(
        "omgreg::artifact::invalid_path",
        &["register", "churn", "--artifact", "../withgit"],
    );
    env.make_file("nul.txt", 10);
    d(
        "omgreg::path::not_portable",
        &["register", "churn", "--artifact", "../nul.txt"],
    );
    env.make_file("case/Model.pt", 10);
    env.make_file("case/model.pt", 10);
    d(
        "omgreg::path::collision",
        &["register", "churn", "--artifact", "../case"],
    );
    env.make_file("other/w.bin", 10);
    d(
        "omgreg::artifact::duplicate",
        &[
            "register",
            "churn",
            "--artifact",
            "../w.bin",
            "--artifact",
            "../other/w.bin",
        ],
    );
}

#[test]
fn local_lfs_objects() {
    let (env, reg) = base();
    let path = PathBuf::from(
        crate::common::lifecycle::run(&env, &reg, &["resolve", "churn@1.0.0", "--path"]).trim(),
    );
    let bytes = std::fs::read(&path).expect("the LFS object");
    let mut corrupt = bytes.clone();
    corrupt[0] ^= 0xff;
    std::fs::write(&path, &corrupt).expect("corrupt");
    // `checkout` names the artifact (`omgreg::checkout::object_corrupt`, in
    // test_transcript_diagnostics_oms); `push` refuses to upload the object.
    if crate::common::tools::program_on_path("git-lfs", "apt-get install git-lfs") {
        env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
        env.git(&reg, &["remote", "add", "origin", "../remote.git"]);
        diag(
            &env,
            &reg,
            "omgreg::lfs::object_corrupt",
            &["push", "origin"],
            3,
        );
    }
    std::fs::remove_file(&path).expect("remove");
    diag(
        &env,
        &reg,
        "omgreg::resolve::object_missing",
        &["resolve", "churn@1.0.0", "--path"],
        1,
    );
}

#[test]
fn checkout_destination() {
    let (env, reg) = base();
    let dest = env.path().join("out");
    std::fs::create_dir(&dest).expect("mkdir");
    let artifact = crate::common::lifecycle::run(&env, &reg, &["show", "churn@1.0.0", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&artifact).expect("json");
    let path = doc["artifacts"][0]["path"]
        .as_str()
        .expect("a stored artifact");
    std::os::unix::fs::symlink(env.path().join("w.bin"), dest.join(path)).expect("link");
    diag(
        &env,
        &reg,
        "omgreg::checkout::link_in_destination",
        &["checkout", "churn@1.0.0", "--dest", "../out"],
        1,
    );
}

#[test]
fn exact_values() {
    let (env, reg) = base();
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    crate::common::lifecycle::run(
        &env,
        &reg,
        &["register", "big", "--version", "18446744073709551615.0.0"],
    );
    d(
        "omgreg::version::bump_overflow",
        &["register", "big", "--bump", "major"],
    );
    d(
        "omgreg::args::not_a_regular_file",
        &["register", "churn", "--metrics-file", "/dev/zero"],
    );
    std::fs::write(reg.join("../m.json"), b"{\"accuracy\": 0.9}").expect("m.json");
    env.set_env("OMGREG_MAX_INPUT_BYTES", "10");
    d(
        "omgreg::args::input_too_large",
        &["register", "churn", "--metrics-file", "../m.json"],
    );
    env.set_env("OMGREG_MAX_INPUT_BYTES", "16M");
    d(
        "omgreg::args::invalid_input_limit",
        &["register", "churn", "--metrics-file", "../m.json"],
    );
    env.set_env("OMGREG_MAX_INPUT_BYTES", "16777216");
    env.set_env("GIT_AUTHOR_DATE", "@253402300800");
    d("omgreg::store::date_out_of_range", &["register", "churn"]);
}
