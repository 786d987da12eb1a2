//! Imports under policy (issue 13, item 4), against a bare server with the
//! pre-receive hook: an import brings stage assignments decided in the source, where
//! omgreg's gates never ran. Production's gate (accuracy >= 0.9) fails for MLflow's
//! churn 4 (0.74); its signer is ada, the administrator. Bob's import is refused; ada's
//! passes, every commit verified by `git verify-commit`; a hand-made commit that only
//! claims to be an import waives nothing; an unverified version cannot enter a stage
//! that requires verified artifacts.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::configure;
use crate::common::mlflow::fixture;
use crate::common::refusal::{assert_mentions, commit_by_hand};
use crate::common::signing::*;
use crate::test_check::{check_json, has_finding};
use crate::test_hooks::{bare_clone, clone, push, push_refused};

const POLICY: &str = "[signing]\nrequire = true\nadmins = [\"ada@example.com\"]\n\n\
    [policy.Production]\nsigners = [\"ada@example.com\"]\nrequire = { accuracy = \">= 0.9\" }\n\
    require_verified_artifacts = true\n";

/// A signed registry (ada and bob allowed, ada the administrator) on a bare server
/// with the hook, a working clone signing as `who`, and an MLflow SQLite store.
struct Setup {
    server: PathBuf,
    work: PathBuf,
    mlflow: String,
    ada: PathBuf,
    bob: PathBuf,
}

fn setup(env: &TestEnv) -> Option<Setup> {
    let store = env.path().join("mlflow");
    std::fs::create_dir_all(&store).expect("mlflow dir");
    let db = format!("sqlite:///{}", store.join("mlflow.db").display());
    let art = store.join("art").display().to_string();
    fixture(&store, &["build", &db, &art, "expected.json"])?;
    let ada = ssh_key(env, "ada");
    let bob = ssh_key(env, "bob");
    let reg = ssh_registry(env, "reg", &pub_path(&ada), None);
    commit_by_hand(
        env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("ada@example.com", &ada), ("bob@example.com", &bob)]),
    );
    configure(env, &reg, POLICY);
    let server = bare_clone(env, &reg, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let work = clone(env, &server, "work");
    Some(Setup {
        server,
        work,
        mlflow: db,
        ada,
        bob,
    })
}

fn sign_as(env: &TestEnv, work: &Path, key: &Path, email: &str) {
    let allowed = work.join(".omgreg/allowed_signers");
    ssh_signing(env, work, &pub_path(key), Some(&allowed));
    env.git(work, &["config", "user.email", email]);
}

fn import(env: &TestEnv, work: &Path, uri: &str) {
    env.omgreg(work)
        .args(["import", "mlflow", "--tracking-uri", uri])
        .assert()
        .success();
}

#[test]
fn an_import_by_a_signer_who_is_not_an_administrator_is_refused_by_the_server() {
    let env = TestEnv::new();
    let Some(s) = setup(&env) else { return };
    sign_as(&env, &s.work, &s.bob, "bob@example.com");
    let base = head(&env, &s.work);
    import(&env, &s.work, &s.mlflow);
    // The import itself is signed, commit by commit, as every action is.
    let commits = env.git(&s.work, &["rev-list", &format!("{base}..HEAD")]);
    for commit in commits.lines() {
        let verified = env.git_output(&s.work, &["verify-commit", commit]);
        assert!(verified.status.success(), "{commit} is not verified");
    }
    let printed = push_refused(&env, &s.work, &s.server, "HEAD");
    assert_mentions(
        &printed,
        &["churn@4.0.0", "Production", "omgreg: push refused"],
    );
    assert!(
        printed.contains("error[metric-gate]") && printed.contains("error[signer]"),
        "{printed}"
    );
}

#[test]
fn an_import_signed_by_the_administrator_is_accepted_and_a_claimed_one_waives_nothing() {
    let env = TestEnv::new();
    let Some(s) = setup(&env) else { return };
    sign_as(&env, &s.work, &s.ada, "ada@example.com");
    import(&env, &s.work, &s.mlflow);
    let output = push(&env, &s.work, "HEAD");
    assert!(
        output.status.success(),
        "{}",
        crate::common::stderr_of(&output)
    );
    let stages = std::fs::read_to_string(s.work.join("models/churn/stages.yaml")).expect("stages");
    assert!(stages.contains("Production: 4.0.0"), "{stages}");

    // Bob writes a commit that says it is an import and moves Production to churn 5
    // (accuracy below the gate): the trailer alone waives nothing.
    sign_as(&env, &s.work, &s.bob, "bob@example.com");
    let base = head(&env, &s.work);
    std::fs::write(
        s.work.join("models/churn/stages.yaml"),
        stages.replace("Production: 4.0.0", "Production: 5.0.0"),
    )
    .expect("stages");
    env.git(&s.work, &["add", "models/churn/stages.yaml"]);
    env.git(
        &s.work,
        &[
            "commit",
            "-q",
            "-m",
            "import mlflow churn:stages: 5.0.0 to Production\n\nOmgreg-Action: import\nOmgreg-Model: churn\nOmgreg-Source: mlflow churn:stages\n",
        ],
    );
    let report = check_json(&env, &s.work, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        has_finding(&report, "metric-gate", "churn@5.0.0"),
        "{report:#}"
    );
    assert!(has_finding(&report, "signer", ""), "{report:#}");
    let printed = push_refused(&env, &s.work, &s.server, "HEAD");
    assert_mentions(&printed, &["error[metric-gate]", "churn@5.0.0"]);
}

#[test]
fn an_unverified_version_cannot_enter_a_stage_that_requires_verified_artifacts() {
    let env = TestEnv::new();
    let Some(s) = setup(&env) else { return };
    sign_as(&env, &s.work, &s.ada, "ada@example.com");
    import(&env, &s.work, &s.mlflow);
    let before = head(&env, &s.work);
    let refused = env
        .omgreg(&s.work)
        .args(["promote", "remote-model@1.0.0", "--stage", "Production"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("omgreg::promote::unverified_artifacts"),
        "{stderr}"
    );
    assert_eq!(head(&env, &s.work), before);
    // Staging does not require it.
    env.omgreg(&s.work)
        .args(["promote", "remote-model@1.0.0", "--stage", "Staging"])
        .assert()
        .success();
    // A hand edit into Production, even by the administrator, is a finding.
    let stages = "stages:\n  Production: 1.0.0\n";
    commit_by_hand(&env, &s.work, "models/remote-model/stages.yaml", stages);
    let report = check_json(&env, &s.work, &[], 3);
    assert!(
        has_finding(&report, "verified-artifacts", "remote-model@1.0.0"),
        "{report:#}"
    );
    // `check` names the unverified versions it does not refuse.
    let shown = env
        .omgreg(&s.work)
        .args(["check", "--rev", "HEAD~1"])
        .output()
        .expect("check");
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(
        stderr.contains("never read (`verified: false`): remote-model@1.0.0"),
        "{stderr}"
    );
}
