//! What users expected and did not find (issue 14, item 7), each the way they tried it.

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_check::example_registry;

/// A mistyped model, stage or alias name is met with the closest real one; `history
/// --stage prod` refuses an unknown stage instead of printing nothing.
#[test]
fn near_miss_names_get_a_did_you_mean() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    env.omgreg(&reg)
        .args(["alias", "set", "churn@1.1.0", "champion"])
        .assert()
        .success();
    for (args, needles) in [
        (
            &["list", "chrun"][..],
            &["omgreg::model::not_found", "(did you mean `churn`?)"][..],
        ),
        (
            &["promote", "churn@1.1.0", "--stage", "prodution"],
            &["omgreg::stage::unknown", "(did you mean `Production`?)"],
        ),
        (
            &["alias", "rm", "churn", "champoin"],
            &["omgreg::alias::not_found", "(did you mean `champion`?)"],
        ),
        (
            &["history", "--stage", "prod"],
            &["omgreg::stage::unknown", "(did you mean `Production`?)"],
        ),
        (
            &["rollback", "frawd"],
            &["omgreg::model::not_found", "(did you mean `fraud`?)"],
        ),
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(&stderr, needles);
    }
    // Nothing close: no guess.
    let stderr = refused(&env, &reg, &["list", "zebra"], 1);
    assert!(!stderr.contains("did you mean"), "{stderr}");
    // An alias that exists is a fine `--stage` filter.
    env.omgreg(&reg)
        .args(["history", "--stage", "champion"])
        .assert()
        .success();
}

/// Scripts read what an action did from `--json` at the top level (`jq -r .version`),
/// and `checkout --json` names the registry commit the version was read at.
#[test]
fn action_and_checkout_json_name_the_model_version_and_commit() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let json = |args: &[&str]| -> serde_json::Value {
        let output = env
            .omgreg(&reg)
            .arg("--json")
            .args(args)
            .assert()
            .success()
            .get_output()
            .clone();
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let doc = json(&["promote", "churn@2.0.0", "--stage", "Production"]);
    assert_eq!(doc["model"], "churn", "{doc:#}");
    assert_eq!(doc["version"], "2.0.0", "{doc:#}");
    assert_eq!(doc["stage"], "Production", "{doc:#}");
    assert_eq!(doc["alias"], serde_json::Value::Null, "{doc:#}");
    let doc = json(&["alias", "set", "churn@1.1.0", "canary"]);
    assert_eq!(
        (&doc["model"], &doc["version"], &doc["alias"]),
        (&"churn".into(), &"1.1.0".into(), &"canary".into()),
        "{doc:#}"
    );
    // Two models in one promotion: no single model or version.
    let doc = json(&[
        "promote",
        "churn@1.1.0",
        "fraud@0.1.0",
        "--stage",
        "Staging",
    ]);
    assert_eq!(doc["model"], serde_json::Value::Null, "{doc:#}");
    assert_eq!(doc["stage"], "Staging", "{doc:#}");

    let head = crate::common::signing::head(&env, &reg);
    let dest = env.path().join("co");
    let doc = json(&[
        "checkout",
        "churn@Production",
        "--dest",
        dest.to_str().unwrap(),
    ]);
    assert_eq!(doc["commit"], head.as_str(), "{doc:#}");
    assert_eq!(doc["version"], "2.0.0", "{doc:#}");
}

/// One model's broken file does not hide the others: `list` prints every model it can
/// read, then names the broken one (with its own diagnostic) and exits 1.
#[test]
fn list_shows_every_other_model_when_one_is_broken() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    crate::common::refusal::commit_by_hand(
        &env,
        &reg,
        "models/fraud/stages.yaml",
        "Production: [\n",
    );
    let output = env
        .omgreg(&reg)
        .arg("list")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("churn ")), "{stdout}");
    assert!(!stdout.contains("fraud"), "{stdout}");
    assert_mentions(
        &flatten(&crate::common::stderr_of(&output)),
        &[
            "omgreg::list::incomplete",
            "1 model(s) could not be read and are not listed: `fraud`",
            "models/fraud/stages.yaml",
        ],
    );
    // The same with `--json`: the readable models, then the error.
    let output = env
        .omgreg(&reg)
        .args(["list", "--json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["models"].as_array().map(Vec::len), Some(1), "{doc:#}");
}

/// `checkout` and `check --artifacts` hash big objects; on a terminal they show a
/// progress bar, as `register` does (run under `script`, which gives a terminal).
#[test]
fn checkout_and_check_artifacts_show_progress_on_a_terminal() {
    if !crate::common::tools::program_on_path("script", "apt-get install bsdutils") {
        return;
    }
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (big, _) = env.make_file("big.bin", 70 << 20);
    env.omgreg(&reg)
        .args(["register", "big", "--artifact"])
        .arg(&big)
        .assert()
        .success();
    let omgreg = env!("CARGO_BIN_EXE_omgreg");
    for (args, label) in [
        ("checkout big@latest --dest ../out", "verifying artifacts"),
        ("check --artifacts", "hashing artifacts"),
    ] {
        let mut command = env.hermetic_std("script", &reg);
        command.env_remove("OMGREG_NO_PROGRESS").args([
            "-qec",
            &format!("{omgreg} {args}"),
            "/dev/null",
        ]);
        let output = command.output().expect("script runs");
        let shown = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args}: {shown}");
        assert!(shown.contains(label), "{args}: no progress bar:\n{shown}");
        assert!(shown.contains("70.00 MiB"), "{args}: {shown}");
    }
    // Without a terminal (pipes), no bar.
    let output = env
        .omgreg(&reg)
        .env_remove("OMGREG_NO_PROGRESS")
        .args(["check", "--artifacts"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!crate::common::stderr_of(&output).contains("hashing artifacts"));
}

/// `checkout` without `--dest` inside the registry writes to the user's cache, not
/// into the registry's working tree (where the files would sit untracked, one `git
/// add -A` away from being committed); from elsewhere, into the working folder.
#[test]
fn checkout_without_dest_stays_out_of_the_registry() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("w.bin", 1000);
    env.omgreg(&reg)
        .args(["register", "churn", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let json = |dir: &std::path::Path, extra: &[&str]| -> serde_json::Value {
        let output = env
            .omgreg(dir)
            .args(["checkout", "churn@latest", "--json"])
            .args(extra)
            .assert()
            .success()
            .get_output()
            .clone();
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let doc = json(&reg, &[]);
    let cache = env.path().join("home/.cache/omgreg/checkouts/churn-1.0.0");
    assert_eq!(doc["dest"], cache.display().to_string(), "{doc:#}");
    assert!(cache.join("w.bin").is_file());
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");

    // From a training folder outside the registry: where the user is.
    let work = env.path().join("training");
    std::fs::create_dir_all(&work).expect("mkdir");
    let doc = json(&work, &["--registry", reg.to_str().unwrap()]);
    assert_eq!(
        doc["dest"],
        work.join("churn-1.0.0").display().to_string(),
        "{doc:#}"
    );
}

/// `--sign` / `--no-sign` belong to the commands that write commits: after such a
/// command they work, after a read command they are a usage error, and before a
/// read command they are refused with a code.
#[test]
fn sign_flags_are_kept_out_of_commands_that_write_no_commit() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["register", "churn", "--no-sign"])
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["promote", "churn@1.0.0", "--no-sign"])
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["--no-sign", "alias", "set", "churn@1.0.0", "champion"])
        .assert()
        .success();
    let head = env.git(&reg, &["rev-parse", "HEAD"]);
    env.omgreg(&reg).args(["list", "--sign"]).assert().code(2);
    let refused = env
        .omgreg(&reg)
        .args(["--sign", "history"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("omgreg::args::sign_not_applicable"),
        "{stderr}"
    );
    assert_eq!(env.git(&reg, &["rev-parse", "HEAD"]), head);
}
