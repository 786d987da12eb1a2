//! `omgreg register`: one commit, native LFS objects, all metadata recorded.

use crate::common::TestEnv;

#[test]
fn register_with_a_5mb_artifact_is_one_commit_that_git_and_lfs_accept() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, sha256) = env.make_file("out/model.pt", 5 * 1024 * 1024);
    let before = env.commit_count(&reg);
    env.omgreg(&reg)
        .args([
            "register",
            "churn",
            "--version",
            "1.0.0",
            "--metric",
            "accuracy=0.93",
            "--artifact",
        ])
        .arg(&artifact)
        .assert()
        .success()
        .stdout("churn@1.0.0\n");
    assert_eq!(env.commit_count(&reg), before + 1);
    let message = env.git(&reg, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with("register churn@1.0.0\n"), "{message}");
    for trailer in [
        "Omgreg-Action: register",
        "Omgreg-Model: churn",
        "Omgreg-Version: 1.0.0",
    ] {
        assert!(message.contains(trailer), "{message}");
    }
    let changed = env.git(&reg, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        changed,
        "models/churn/README.md\nmodels/churn/artifacts/1.0.0/model.pt\nmodels/churn/model.yaml\nmodels/churn/stages.yaml\n\
         models/churn/versions/1.0.0.yaml\n"
    );
    let yaml = env.git(&reg, &["show", "HEAD:models/churn/versions/1.0.0.yaml"]);
    assert!(yaml.contains(&format!("sha256: {sha256}")), "{yaml}");
    assert!(yaml.contains("size: 5242880"), "{yaml}");
    assert_eq!(
        env.git(&reg, &["lfs", "ls-files", "--long"]).trim(),
        format!("{sha256} - models/churn/artifacts/1.0.0/model.pt")
    );
    assert!(env.git(&reg, &["lfs", "fsck"]).contains("Git LFS fsck OK"));
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    let object = reg.join(format!(
        ".git/lfs/objects/{}/{}/{sha256}",
        &sha256[..2],
        &sha256[2..4]
    ));
    assert_eq!(
        std::fs::read(object).unwrap(),
        std::fs::read(&artifact).unwrap()
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn register_records_metadata_from_flags_and_files() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["register", "base", "--version", "0.1.0"])
        .assert()
        .success();
    let (_, tokenizer_sha) = env.make_file("out/bundle/tokenizer/vocab.txt", 300);
    env.make_file("out/bundle/weights.bin", 2000);
    std::fs::write(
        env.path().join("metrics.json"),
        r#"{"accuracy": 0.91, "val": {"loss": 0.2}}"#,
    )
    .unwrap();
    std::fs::write(
        env.path().join("params.yaml"),
        "lr: 0.001\noptimizer:\n  name: adam\n",
    )
    .unwrap();
    std::fs::write(env.path().join("requirements.txt"), "torch==2.5\n").unwrap();
    env.omgreg(&reg)
        .args([
            "register",
            "--model",
            "churn",
            "--artifact",
            "../out/bundle",
            "--metrics-file",
            "../metrics.json",
        ])
        .args([
            "--metric",
            "f1=0.8",
            "--params-file",
            "../params.yaml",
            "--param",
            "epochs=10",
            "--tag",
            "team=growth",
        ])
        .args([
            "--data-version",
            "2026-05",
            "--code-commit",
            "auto",
            "--env",
            "CUDA=12.4",
        ])
        .args([
            "--env-file",
            "../requirements.txt",
            "--parent",
            "base@latest",
            "--description",
            "first",
        ])
        .args([
            "--uri",
            "s3://bucket/extra/onnx.bin",
            "--sha256",
            &"ab".repeat(32),
            "-m",
            "trained on May data",
        ])
        .assert()
        .success()
        .stdout("churn@1.0.0\n");
    let shown = env.json(&reg, &["show", "churn@1.0.0"]);
    assert_eq!(shown["kind"], "version");
    assert_eq!(shown["schema_version"], 1);
    assert_eq!(shown["metrics"]["accuracy"], 0.91);
    assert_eq!(shown["metrics"]["val.loss"], 0.2);
    assert_eq!(shown["metrics"]["f1"], 0.8);
    assert_eq!(shown["params"]["lr"], 0.001);
    assert_eq!(shown["params"]["optimizer.name"], "adam");
    assert_eq!(shown["params"]["epochs"], 10);
    assert_eq!(shown["tags"]["team"], "growth");
    assert_eq!(shown["data"]["version"], "2026-05");
    assert_eq!(
        shown["code"]["commit"],
        env.git(&reg, &["rev-parse", "HEAD~1"]).trim()
    );
    assert_eq!(shown["environment"]["vars"]["CUDA"], "12.4");
    assert_eq!(shown["environment"]["file"]["path"], "requirements.txt");
    assert_eq!(shown["parent"], "base@0.1.0");
    assert_eq!(shown["description"], "first");
    assert_eq!(shown["created"], "2026-01-02T03:04:05Z");
    assert_eq!(shown["created_by"], "Ada Lovelace <ada@example.com>");
    let artifacts = shown["artifacts"].as_array().unwrap();
    let paths: Vec<&str> = artifacts
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "bundle/tokenizer/vocab.txt",
            "bundle/weights.bin",
            "onnx.bin"
        ]
    );
    assert_eq!(artifacts[0]["sha256"], tokenizer_sha);
    assert_eq!(artifacts[2]["storage"], "uri");
    assert_eq!(artifacts[2]["uri"], "s3://bucket/extra/onnx.bin");
    assert!(
        env.git(&reg, &["log", "-1", "--format=%B"])
            .contains("trained on May data")
    );
    let lfs = env.git(&reg, &["lfs", "ls-files", "--name-only"]);
    assert_eq!(
        lfs,
        "models/churn/artifacts/1.0.0/bundle/tokenizer/vocab.txt\nmodels/churn/artifacts/1.0.0/bundle/weights.bin\n"
    );
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
}

#[test]
fn versions_bump_from_the_greatest() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let register = |extra: &[&str]| {
        let output = env
            .omgreg(&reg)
            .args(["register", "m"])
            .args(extra)
            .assert()
            .success();
        String::from_utf8(output.get_output().stdout.clone()).unwrap()
    };
    assert_eq!(register(&[]), "m@1.0.0\n");
    assert_eq!(register(&[]), "m@1.1.0\n");
    assert_eq!(register(&["--bump", "patch"]), "m@1.1.1\n");
    assert_eq!(register(&["--bump", "major"]), "m@2.0.0\n");
    assert_eq!(register(&["--version", "3.0.0-rc.1"]), "m@3.0.0-rc.1\n");
    assert_eq!(register(&["--bump", "patch"]), "m@3.0.0\n");
    let listed = env.json(&reg, &["list", "m"]);
    let versions: Vec<&str> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["1.0.0", "1.1.0", "1.1.1", "2.0.0", "3.0.0-rc.1", "3.0.0"]
    );
}

#[test]
fn dry_run_prints_the_change_and_writes_nothing() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("w.bin", 100);
    let before = env.state(&reg);
    let output = env
        .omgreg(&reg)
        .args(["register", "m", "--dry-run", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let stdout = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("would commit `register m@1.0.0`"),
        "{stdout}"
    );
    assert!(stdout.contains("models/m/versions/1.0.0.yaml"), "{stdout}");
    assert_eq!(env.state(&reg), before);
    assert!(!reg.join(".git/lfs/objects").exists());
}

#[test]
fn version_files_are_deterministic() {
    // Two registries built the same way are byte-identical (same dates, same input).
    let env = TestEnv::new();
    let (artifact, _) = env.make_file("w.bin", 1000);
    let mut heads = Vec::new();
    for name in ["a", "b"] {
        let reg = env.init_registry(name);
        env.omgreg(&reg)
            .args([
                "--quiet",
                "register",
                "m",
                "--metric",
                "z=1",
                "--metric",
                "a=2",
                "--tag",
                "y=1",
                "--tag",
                "b=2",
                "--artifact",
            ])
            .arg(&artifact)
            .assert()
            .success();
        heads.push(env.git(&reg, &["rev-parse", "HEAD^{tree}"]));
    }
    // The trees differ only by the registry name in omgreg.toml, so compare the model folder.
    let tree = |name: &str| env.git(&env.path().join(name), &["rev-parse", "HEAD:models"]);
    assert_eq!(tree("a"), tree("b"));
}
