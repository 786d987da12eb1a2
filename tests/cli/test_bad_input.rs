//! Bad input on the command line: hostile names, malformed files and flags. Each is
//! refused with exit 1 (2 for usage errors), a diagnostic that names the offending
//! input, and a repository left exactly as it was: HEAD, refs, index, working tree and
//! the Git LFS object store.

use std::os::unix::fs::symlink;

use crate::common::refusal::*;
use crate::common::{TestEnv, stderr_of};

#[test]
fn hostile_model_names_are_refused_before_anything_is_touched() {
    // Model names become paths; none of these may reach the file system.
    let (env, reg) = registry();
    let long = "a".repeat(300);
    let cases = [
        ("../x", "`../x`"),
        ("a/b", "`/` is not allowed"),
        ("a..b", "contains `..`"),
        (".hidden", "`.hidden`"),
        ("", "it is empty"),
        (long.as_str(), "longer than 100 characters"),
        ("UPPER", "`UPPER`"),
    ];
    for (name, detail) in cases {
        let stderr = register_refused(&env, &reg, &[name]);
        assert_mentions(&stderr, &["omgreg::name::invalid_model", detail]);
    }
    let stderr = refused(&env, &reg, &["register", "--model", "../x"], 1);
    assert_mentions(&stderr, &["omgreg::name::invalid_model", "`../x`"]);
    assert!(!reg.join("x").exists() && !env.path().join("x").exists());
    env.assert_fsck_clean(&reg);
}

#[test]
fn malformed_versions_are_refused() {
    let (env, reg) = registry();
    for version in ["1.2", "latest", "01.0.0", "1.0.0-../x", "1.0.0+build.2"] {
        let stderr = register_refused(&env, &reg, &["m", "--version", version]);
        assert_mentions(
            &stderr,
            &[
                "omgreg::name::invalid_version",
                &format!("invalid version `{version}`"),
            ],
        );
    }
}

#[test]
fn registering_an_existing_version_again_is_refused_and_keeps_the_first() {
    // Registered versions are immutable: the second registration must not replace the
    // first one's metadata or artifacts, nor store the new artifact.
    let (env, reg) = registry();
    register_ok(
        &env,
        &reg,
        &["m", "--version", "1.0.0", "--artifact", "../w.bin"],
    );
    let first = env.git(&reg, &["rev-parse", "HEAD"]);
    env.make_file("other/w.bin", 1000);
    let stderr = refused(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--version",
            "1.0.0",
            "--metric",
            "acc=0.5",
            "--artifact",
            "../other/w.bin",
        ],
        1,
    );
    assert_mentions(
        &stderr,
        &["omgreg::version::exists", "`m@1.0.0`", "already registered"],
    );
    assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]), first);
    assert_eq!(lfs_objects(&reg).len(), 1);
    env.assert_fsck_clean(&reg);
}

#[test]
fn missing_artifact_path_is_refused() {
    let (env, reg) = registry();
    let stderr = refused(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--artifact",
            "../w.bin",
            "--artifact",
            "../no/such/model.pt",
        ],
        1,
    );
    assert_mentions(
        &stderr,
        &[
            "omgreg::artifact::not_found",
            "no/such/model.pt",
            "does not exist",
        ],
    );
}

#[test]
fn artifact_that_is_a_symlink_out_of_the_tree_is_refused() {
    // Following the link would store whatever it points at (here a file outside the
    // training output, or a system file) under the model's name.
    let (env, reg) = registry();
    env.make_file("secret.txt", 100);
    std::fs::create_dir_all(env.path().join("out")).unwrap();
    symlink("../secret.txt", env.path().join("out/model.pt")).unwrap();
    symlink("/etc/hostname", env.path().join("out/host.pt")).unwrap();
    symlink("/nonexistent/file", env.path().join("out/dangling.pt")).unwrap();
    for link in ["model.pt", "host.pt", "dangling.pt"] {
        let artifact = format!("../out/{link}");
        let stderr = refused(&env, &reg, &["register", "m", "--artifact", &artifact], 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::artifact::symlink",
                &format!("out/{link}`"),
                "symbolic link",
            ],
        );
    }
}

#[test]
fn folder_artifact_holding_a_symlink_is_refused() {
    // The regular file sorts before the links, so a store-as-you-walk implementation
    // would already have written it; nothing may be stored.
    let (env, reg) = registry();
    env.make_file("secret/key", 100);
    env.make_file("bundle/a.bin", 1000);
    symlink("../secret/key", env.path().join("bundle/b-file")).unwrap();
    let stderr = refused(&env, &reg, &["register", "m", "--artifact", "../bundle"], 1);
    assert_mentions(&stderr, &["omgreg::artifact::symlink", "bundle/b-file`"]);

    std::fs::remove_file(env.path().join("bundle/b-file")).unwrap();
    symlink("../secret", env.path().join("bundle/c-dir")).unwrap();
    let stderr = refused(&env, &reg, &["register", "m", "--artifact", "../bundle"], 1);
    assert_mentions(&stderr, &["omgreg::artifact::symlink", "bundle/c-dir`"]);
}

#[test]
fn malformed_metrics_files_are_refused_naming_file_and_line() {
    let (env, reg) = registry();
    std::fs::write(
        env.path().join("metrics.json"),
        "{\"acc\": 0.9,\n\"loss\": }\n",
    )
    .unwrap();
    let stderr = register_refused(&env, &reg, &["m", "--metrics-file", "../metrics.json"]);
    assert_mentions(
        &stderr,
        &[
            "omgreg::schema::invalid_document",
            "`../metrics.json` line 2",
        ],
    );

    std::fs::write(env.path().join("metrics.yaml"), "acc: 0.9\nloss: high\n").unwrap();
    let stderr = register_refused(&env, &reg, &["m", "--metrics-file", "../metrics.yaml"]);
    assert_mentions(
        &stderr,
        &[
            "`../metrics.yaml` line 2",
            "metric `loss` is not a finite number",
        ],
    );

    let stderr = refused(
        &env,
        &reg,
        &["register", "m", "--metrics-file", "../no-such.json"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::args::unreadable_file", "no-such.json"]);
}

#[test]
fn non_numeric_metric_flag_is_refused() {
    let (env, reg) = registry();
    for value in ["high", "NaN", "inf"] {
        let metric = format!("acc={value}");
        let stderr = register_refused(&env, &reg, &["m", "--metric", &metric]);
        assert_mentions(
            &stderr,
            &[
                "omgreg::args::non_numeric_metric",
                &format!("metric `acc` has the non-numeric value `{value}`"),
            ],
        );
    }
}

#[test]
fn key_value_flags_without_equals_are_refused() {
    let (env, reg) = registry();
    for flag in ["--param", "--metric", "--tag", "--env"] {
        let stderr = register_refused(&env, &reg, &["m", flag, "lr"]);
        assert_mentions(
            &stderr,
            &["omgreg::args::not_key_value", &format!("`{flag} lr`")],
        );
    }
}

#[test]
fn linked_artifacts_need_one_valid_digest_each() {
    let (env, reg) = registry();
    let digest = "ab".repeat(32);
    let stderr = refused(
        &env,
        &reg,
        &["register", "m", "--uri", "s3://bucket/model.pt"],
        1,
    );
    assert_mentions(&stderr, &["omgreg::args::uri_without_sha256", "`--sha256`"]);
    let stderr = refused(&env, &reg, &["register", "m", "--sha256", &digest], 1);
    assert_mentions(&stderr, &["omgreg::args::uri_without_sha256"]);
    let stderr = refused(
        &env,
        &reg,
        &[
            "register",
            "m",
            "--uri",
            "s3://bucket/model.pt",
            "--sha256",
            "xyz",
        ],
        1,
    );
    assert_mentions(&stderr, &["omgreg::name::invalid_digest", "`xyz`"]);
    // The URI's last segment becomes a path in the registry.
    for (uri, detail) in [("s3://bucket/x/..", "`..`"), ("s3://bucket/.git", "`.git`")] {
        let stderr = refused(
            &env,
            &reg,
            &["register", "m", "--uri", uri, "--sha256", &digest],
            1,
        );
        assert_mentions(&stderr, &["omgreg::artifact::invalid_path", detail]);
    }
}

#[test]
fn unknown_parent_is_refused() {
    let (env, reg) = registry();
    let stderr = register_refused(&env, &reg, &["m", "--parent", "nosuch@1.0.0"]);
    assert_mentions(&stderr, &["omgreg::model::not_found", "`nosuch`"]);
    register_ok(&env, &reg, &["base"]);
    let stderr = register_refused(&env, &reg, &["m", "--parent", "base@9.9.9"]);
    assert_mentions(&stderr, &["omgreg::version::not_found", "`base@9.9.9`"]);
}

#[test]
fn commands_outside_a_registry_are_refused() {
    let env = TestEnv::new();
    let plain = env.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    for args in [&["register", "m"][..], &["list"]] {
        let output = env.omgreg(&plain).args(args).assert().code(1);
        let stderr = flatten(&stderr_of(output.get_output()));
        assert_mentions(
            &stderr,
            &[
                "omgreg::store::not_a_repository",
                "not inside a Git repository",
            ],
        );
        assert_eq!(std::fs::read_dir(&plain).unwrap().count(), 0, "{args:?}");
    }

    let repo = env.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    env.git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README.md"), "not a registry\n").unwrap();
    env.git(&repo, &["add", "README.md"]);
    env.git(&repo, &["commit", "-q", "-m", "readme"]);
    for args in [&["register", "m"][..], &["list"]] {
        let stderr = refused(&env, &repo, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::store::not_a_registry",
                "no registry found",
                "omgreg.toml",
            ],
        );
    }
    // An `omgreg.toml` in the working tree that was never committed is not a registry.
    std::fs::write(repo.join("omgreg.toml"), "schema = 1\nname = \"x\"\n").unwrap();
    let stderr = refused(&env, &repo, &["list"], 1);
    assert_mentions(&stderr, &["omgreg::store::not_a_registry"]);
}

#[test]
fn usage_errors_exit_with_2() {
    let (env, reg) = registry();
    let cases = [
        &["register", "m", "--bump", "huge"][..],
        &["register", "m", "--version", "1.0.0", "--bump", "major"],
        &["register", "m", "--no-such-flag"],
        &["register", "m", "--artifact"],
        &["no-such-command"],
    ];
    for args in cases {
        let stderr = refused(&env, &reg, args, 2);
        assert_mentions(&stderr, &["error:"]);
    }
}
