//! Signed artifacts under policy (issue 15): a stage with `require_artifact_signature`
//! refuses an unsigned version by `promote`, `rollback`, `check --range` and the
//! server's pre-receive hook; signatures travel through `pull`. Every action commit is
//! judged by `git verify-commit`.

use crate::common::lifecycle::{act, configure};
use crate::common::refusal::commit_by_hand;
use crate::common::tools::program_on_path;
use crate::common::{TestEnv, stderr_of};
use crate::test_oms::{fixture, s};

#[test]
fn a_stage_requiring_signed_artifacts_refuses_an_unsigned_version() {
    let Some(f) = fixture() else { return };
    configure(
        &f.env,
        &f.reg,
        "[policy.Production]\nrequire_artifact_signature = true\n",
    );
    f.register("1.0.0", &[]);
    f.register("2.0.0", &["--sign-artifacts", "--key", s(&f.key)]);
    let out = f.omgreg(&["promote", "churn@1.0.0", "--stage", "Production"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("omgreg::promote::unsigned_artifacts"),
        "{}",
        stderr_of(&out)
    );
    act(
        &f.env,
        &f.reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    f.assert_verify_commit();
    // By hand: `check --range` refuses it.
    let base = crate::common::signing::head(&f.env, &f.reg);
    commit_by_hand(
        &f.env,
        &f.reg,
        "models/churn/stages.yaml",
        "stages:\n  Production: 1.0.0\n",
    );
    let out = f.omgreg(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("artifact-signature"), "{stdout}");
}

/// A rollback is no way around the policy: `check` judges the state, so `rollback`
/// refuses to bring back a version whose signature was removed.
#[test]
fn a_rollback_into_a_signed_stage_needs_a_signed_version() {
    let Some(f) = fixture() else { return };
    configure(
        &f.env,
        &f.reg,
        "[policy.Production]\nrequire_artifact_signature = true\n",
    );
    for version in ["1.0.0", "2.0.0"] {
        f.register(version, &["--sign-artifacts", "--key", s(&f.key)]);
        act(
            &f.env,
            &f.reg,
            &[
                "promote",
                &format!("churn@{version}"),
                "--stage",
                "Production",
            ],
        );
    }
    f.env
        .git(&f.reg, &["rm", "-q", "models/churn/signatures/1.0.0.sig"]);
    f.env
        .git(&f.reg, &["commit", "-q", "-m", "drop a signature"]);
    let out = f.omgreg(&["rollback", "churn"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("omgreg::promote::unsigned_artifacts"),
        "{}",
        stderr_of(&out)
    );
    act(&f.env, &f.reg, &["sign", "churn@1.0.0", "--key", s(&f.key)]);
    act(&f.env, &f.reg, &["rollback", "churn"]);
    f.assert_verify_commit();
}

#[test]
fn the_server_hook_refuses_an_unsigned_version_in_a_signed_stage() {
    let Some(f) = fixture() else { return };
    configure(
        &f.env,
        &f.reg,
        "[policy.Production]\nrequire_artifact_signature = true\n",
    );
    f.register("1.0.0", &[]);
    let server = crate::test_hooks::bare_clone(&f.env, &f.reg, "server");
    f.env
        .omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let work = crate::test_hooks::clone(&f.env, &server, "work");
    commit_by_hand(
        &f.env,
        &work,
        "models/churn/stages.yaml",
        "stages:\n  Production: 1.0.0\n",
    );
    let printed = crate::test_hooks::push_refused(&f.env, &work, &server, "HEAD");
    assert!(printed.contains("artifact-signature"), "{printed}");
}

/// `pull` replays a registration that also signed, and a later signing, on top of a
/// remote that moved: the bundles arrive with the versions and still verify.
#[test]
fn signatures_survive_a_pull_over_a_moved_remote() {
    if !program_on_path("git-lfs", "apt-get install git-lfs") {
        return;
    }
    let env = TestEnv::new();
    let (a, url) = crate::test_sync::published(&env);
    let public =
        std::fs::read_to_string(crate::test_transcript_diagnostics_oms::fixture("pub.pem"));
    commit_by_hand(&env, &a, ".omgreg/artifact_keys/ci.pem", &public.unwrap());
    env.omgreg(&a).arg("push").assert().success();
    let b = crate::test_sync::clone(&env, &url, "b");
    crate::test_sync::register(&env, &b, "fraud", "1.0.0", 300);
    env.omgreg(&b).arg("push").assert().success();
    let key = crate::test_transcript_diagnostics_oms::fixture("key.pem");
    let (artifact, _) = env.make_file("out/churn/model.pt", 500);
    let register = [
        "register",
        "churn",
        "--version",
        "1.0.0",
        "--artifact",
        s(&artifact),
    ];
    act(
        &env,
        &a,
        &[&register[..], &["--sign-artifacts", "--key", s(&key)]].concat(),
    );
    crate::test_sync::register(&env, &a, "churn", "1.1.0", 400);
    act(&env, &a, &["sign", "churn@1.1.0", "--key", s(&key)]);
    env.omgreg(&a).arg("pull").assert().success();
    for version in ["churn@1.0.0", "churn@1.1.0"] {
        let out = env
            .omgreg(&a)
            .args(["verify", version, "--artifacts"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{version}: {}", stderr_of(&out));
    }
    env.omgreg(&a).arg("check").assert().success();
    let subjects = crate::test_sync::subjects(&env, &a);
    assert_eq!(
        subjects[0], "sign the artifacts of churn@1.1.0",
        "{subjects:?}"
    );
}
