//! Exact values (issue 10, item 4): a version bump never wraps, an empty artifact is
//! stored as git-lfs stores it, integers and dates are never silently changed, and
//! input files are regular files of bounded size. Each refusal leaves the
//! repository as it was.

use std::path::Path;
use std::time::Duration;

use crate::common::TestEnv;
use crate::common::refusal::{assert_mentions, flatten, register_refused, registry};

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn ok(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let output = env
        .omgreg(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `git lfs fsck` and `git fsck` pass, and the working tree is clean.
fn assert_git_accepts(env: &TestEnv, reg: &Path) {
    let fsck = env.git_output(reg, &["lfs", "fsck"]);
    assert!(
        fsck.status.success(),
        "git lfs fsck: {}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    env.assert_fsck_clean(reg);
    assert_eq!(env.git(reg, &["status", "--porcelain"]), "");
}

// Finding 7: `18446744073709551615.0.0` then `--bump major` registered `0.0.0`
// (release build) or panicked with exit 255 (debug build).
#[test]
fn bump_past_the_largest_number_is_refused() {
    let (env, reg) = registry();
    let max = u64::MAX;
    for (version, level) in [
        (format!("{max}.0.0"), "major"),
        (format!("1.{max}.0"), "minor"),
        (format!("1.1.{max}"), "patch"),
    ] {
        let model = format!("m-{level}");
        ok(&env, &reg, &["register", &model, "--version", &version]);
        let stderr = register_refused(&env, &reg, &[&model, "--bump", level]);
        assert_mentions(
            &stderr,
            &["omgreg::version::bump_overflow", &version, "--version"],
        );
    }
    // Another field still bumps.
    let out = ok(&env, &reg, &["register", "m-major", "--bump", "minor"]);
    assert_eq!(out.trim(), format!("m-major@{max}.1.0"));
}

// Finding 8: a 0-byte artifact was written as an LFS pointer, which `git lfs fsck`
// calls `nonCanonicalPointer`, while `check --artifacts` passed.
#[test]
fn empty_artifacts_are_empty_files_in_the_tree() {
    let (env, reg) = registry();
    std::fs::write(env.path().join("empty.bin"), b"").expect("empty file");
    std::fs::create_dir_all(env.path().join("dir")).expect("mkdir");
    std::fs::write(env.path().join("dir/empty"), b"").expect("empty file");
    env.make_file("dir/full.bin", 100);
    let args = [
        "register",
        "m",
        "--version",
        "1.0.0",
        "--artifact",
        "../empty.bin",
        "--artifact",
        "../dir",
    ];
    ok(&env, &reg, &args);
    assert_git_accepts(&env, &reg);
    let tree = env.git(&reg, &["ls-tree", "-r", "HEAD", "models/m/artifacts/1.0.0"]);
    let empty_blob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
    for path in ["empty.bin", "dir/empty"] {
        assert!(
            tree.contains(&format!("{empty_blob}\tmodels/m/artifacts/1.0.0/{path}")),
            "{tree}"
        );
    }
    let version = env.json(&reg, &["show", "m@1.0.0"]);
    let artifacts = version["artifacts"].as_array().expect("artifacts");
    let empty = artifacts
        .iter()
        .find(|a| a["path"] == "empty.bin")
        .expect("empty.bin");
    assert_eq!(
        (empty["sha256"].as_str(), empty["size"].as_u64()),
        (Some(EMPTY_SHA256), Some(0))
    );
    ok(&env, &reg, &["check", "--artifacts"]);
    ok(&env, &reg, &["checkout", "m@1.0.0", "--dest", "../out"]);
    for path in ["out/empty.bin", "out/dir/empty"] {
        assert_eq!(std::fs::read(env.path().join(path)).expect(path), b"");
    }
    assert_eq!(
        std::fs::read(env.path().join("out/dir/full.bin"))
            .expect("full")
            .len(),
        100
    );
}

// Finding 8, in a clone that fetched no LFS object: git-lfs never stores the empty
// object, so everything that asks "is the artifact here?" must answer yes.
#[test]
fn empty_artifacts_need_no_lfs_object() {
    let (env, reg) = registry();
    std::fs::write(env.path().join("empty.bin"), b"").expect("empty file");
    for version in ["1.0.0", "1.1.0"] {
        ok(
            &env,
            &reg,
            &[
                "register",
                "m",
                "--version",
                version,
                "--artifact",
                "../empty.bin",
            ],
        );
        ok(
            &env,
            &reg,
            &["promote", &format!("m@{version}"), "--stage", "Production"],
        );
    }
    env.git(env.path(), &["clone", "-q", "reg", "clone"]);
    let clone = env.path().join("clone");
    assert!(
        !clone.join(".git/lfs/objects").exists(),
        "the clone has no LFS objects"
    );
    ok(&env, &clone, &["check", "--artifacts"]);
    let path = ok(&env, &clone, &["resolve", "m@1.0.0", "--path"]);
    assert_eq!(std::fs::read(path.trim()).expect("the object file"), b"");
    let uri = ok(&env, &clone, &["resolve", "m@1.0.0", "--uri"]);
    assert!(uri.starts_with("file://"), "{uri}");
    ok(&env, &clone, &["checkout", "m@1.0.0", "--dest", "../out"]);
    assert_eq!(
        std::fs::read(env.path().join("out/empty.bin")).expect("empty"),
        b""
    );
    // Rollback skips versions whose artifacts are missing: this one is not.
    ok(&env, &clone, &["rollback", "m"]);
    let production = env.json(&clone, &["resolve", "m@Production"]);
    assert_eq!(production["version"], "1.0.0");
}

// Finding 10: `--param seed=12345678901234567890` was written as a float
// (`1.2345678901234567e19`); from a params file too.
#[test]
fn integer_params_are_kept_exactly() {
    let (env, reg) = registry();
    let long = "123456789012345678901234567890";
    std::fs::write(
        env.path().join("p.json"),
        format!(
            r#"{{"j_u64": 12345678901234567890, "j_long": {long}, "j_neg": -9223372036854775809}}"#
        ),
    )
    .expect("json");
    std::fs::write(
        env.path().join("p.yaml"),
        format!("y_u64: 18446744073709551615\ny_long: {long}\nnested:\n  y_i64: -5\n"),
    )
    .expect("yaml");
    ok(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--version",
            "1.0.0",
            "--params-file",
            "../p.json",
            "--param",
            "seed=12345678901234567890",
            "--param",
            &format!("long={long}"),
            "--param",
            "lr=0.001",
        ],
    );
    ok(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--version",
            "1.1.0",
            "--params-file",
            "../p.yaml",
        ],
    );
    let first = env.git(&reg, &["show", "HEAD~1:models/m/versions/1.0.0.yaml"]);
    for line in [
        "seed: 12345678901234567890\n",
        &format!("long: '{long}'\n"),
        "j_u64: 12345678901234567890\n",
        &format!("j_long: '{long}'\n"),
        "j_neg: '-9223372036854775809'\n",
        "lr: 0.001\n",
    ] {
        assert!(first.contains(line), "{line:?} in:\n{first}");
    }
    let second = env.git(&reg, &["show", "HEAD:models/m/versions/1.1.0.yaml"]);
    for line in [
        "y_u64: 18446744073709551615\n",
        &format!("y_long: '{long}'\n"),
        "nested.y_i64: -5\n",
    ] {
        assert!(second.contains(line), "{line:?} in:\n{second}");
    }
    // Read back through omgreg, the integers are still integers.
    let shown = env.json(&reg, &["show", "m@1.0.0"]);
    assert_eq!(
        shown["params"]["seed"].as_u64(),
        Some(12_345_678_901_234_567_890)
    );
    assert_eq!(shown["params"]["long"], long);
    ok(&env, &reg, &["check"]);
}

// Finding 10: `GIT_AUTHOR_DATE=@253402300800` (year 10000) was recorded as
// 1970-01-01; a date before 1970 cannot be stored by Git at all.
#[test]
fn dates_git_cannot_store_are_refused() {
    let (env, reg) = registry();
    for (var, date) in [
        ("GIT_AUTHOR_DATE", "@253402300800"),
        ("GIT_COMMITTER_DATE", "@253402300800 +0000"),
        ("GIT_AUTHOR_DATE", "@-1"),
        ("GIT_COMMITTER_DATE", "1969-12-31T23:59:59Z"),
    ] {
        env.set_env(var, date);
        let stderr = register_refused(&env, &reg, &["m", "--version", "1.0.0"]);
        assert_mentions(&stderr, &["omgreg::store::date_out_of_range", var]);
        env.set_env(var, crate::common::DATE);
    }
    // The last storable second is accepted and written as such.
    env.set_env("GIT_AUTHOR_DATE", "@253402300799");
    ok(&env, &reg, &["register", "m", "--version", "1.0.0"]);
    let shown = env.json(&reg, &["show", "m@1.0.0"]);
    assert_eq!(shown["created"], "9999-12-31T23:59:59Z");
}

/// `omgreg register m ARGS` in `reg`, which must be refused with exit 1 within a few
/// seconds (the old code read `/dev/zero` and FIFOs forever) and change nothing.
fn refused_quickly(env: &TestEnv, reg: &Path, args: &[&str]) -> String {
    let before = env.state(reg);
    let output = env
        .omgreg(reg)
        .args(["register", "m"])
        .args(args)
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(
        env.state(reg),
        before,
        "omgreg register {args:?} changed the repository"
    );
    flatten(&String::from_utf8_lossy(&output.stderr))
}

// Finding 11: `--metrics-file /dev/zero` or a FIFO read forever.
#[test]
fn input_files_must_be_regular_files() {
    let (env, reg) = registry();
    let fifo = env.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let fifo = fifo.to_str().expect("UTF-8 path");
    for flag in ["--metrics-file", "--params-file", "--env-file"] {
        for (path, kind) in [
            ("/dev/zero", "a character device"),
            (fifo, "a FIFO"),
            ("..", "a folder"),
        ] {
            let stderr = refused_quickly(&env, &reg, &[flag, path]);
            assert_mentions(&stderr, &["omgreg::args::not_a_regular_file", flag, kind]);
        }
    }
}

// Finding 11: a 47 MB metrics file took 27 s and 890 MB; files are now bounded
// (16 MiB unless `OMGREG_MAX_INPUT_BYTES` says otherwise).
#[test]
fn input_files_are_bounded() {
    let (env, reg) = registry();
    let mut big = b"{\"acc\": 0.5}".to_vec();
    big.resize(16 * 1024 * 1024 + 1, b' ');
    std::fs::write(env.path().join("big.json"), &big).expect("big");
    for flag in ["--metrics-file", "--params-file", "--env-file"] {
        let stderr = refused_quickly(&env, &reg, &[flag, "../big.json"]);
        assert_mentions(
            &stderr,
            &[
                "omgreg::args::input_too_large",
                "16777216 bytes",
                "OMGREG_MAX_INPUT_BYTES",
            ],
        );
    }
    std::fs::write(env.path().join("m.json"), b"{\"acc\": 0.5}").expect("small");
    env.set_env("OMGREG_MAX_INPUT_BYTES", "11");
    let stderr = refused_quickly(&env, &reg, &["--metrics-file", "../m.json"]);
    assert_mentions(&stderr, &["omgreg::args::input_too_large", "11 bytes"]);
    env.set_env("OMGREG_MAX_INPUT_BYTES", "16M");
    let stderr = refused_quickly(&env, &reg, &["--metrics-file", "../m.json"]);
    assert_mentions(&stderr, &["omgreg::args::invalid_input_limit", "16M"]);
    env.set_env("OMGREG_MAX_INPUT_BYTES", "12");
    ok(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--metrics-file",
            "../m.json",
            "--env-file",
            "../m.json",
        ],
    );
    env.set_env("OMGREG_MAX_INPUT_BYTES", "20000000");
    ok(
        &env,
        &reg,
        &["register", "m", "--metrics-file", "../big.json"],
    );
}
