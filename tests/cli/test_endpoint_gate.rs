//! Endpoints that follow an alias, gated by a stage (`[[endpoint]] gate`), give the
//! alias that stage's rights (issue 12, finding 5 and item 3): moving the alias needs
//! the stage's signers and a version passing its metric gates — through `alias set`,
//! `alias rm`, `rollback --alias`, or a hand edit judged by `check`. Aliases no gated
//! endpoint follows stay free.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};
use crate::common::refusal::{assert_mentions, commit_by_hand, commit_claimed_rollback, refused};
use crate::common::signing::*;
use crate::test_check::{check_json, has_finding, rules};

const POLICY: &str = "[signing]\nrequire = true\n\n[policy.Production]\n\
     signers = [\"ada@example.com\"]\nrequire = { accuracy = \">= 0.9\" }\n\n\
     [[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\nalias = \"champion\"\n\
     gate = \"Production\"\n";

/// ada and bob allowed to sign, Production (and so `champion`) signed only by ada;
/// churn 1.0.0 (accuracy 0.95), 1.1.0 (0.5) and 1.2.0 (0.97). Returns (reg, ada, bob).
fn gated(env: &TestEnv) -> (PathBuf, PathBuf, PathBuf) {
    let ada = ssh_key(env, "ada");
    let bob = ssh_key(env, "bob");
    let reg = ssh_registry(env, "reg", &pub_path(&ada), None);
    commit_by_hand(
        env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("ada@example.com", &ada), ("bob@example.com", &bob)]),
    );
    for accuracy in ["0.95", "0.5", "0.97"] {
        act(
            env,
            &reg,
            &[
                "register",
                "churn",
                "--metric",
                &format!("accuracy={accuracy}"),
            ],
        );
    }
    act(env, &reg, &["alias", "set", "churn@1.0.0", "canary"]);
    configure(env, &reg, POLICY);
    act(env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    (reg, ada, bob)
}

fn sign_as(env: &TestEnv, reg: &Path, key: &Path) {
    env.git(reg, &["config", "user.signingkey", &pub_path(key)]);
}

/// `stages.yaml` of churn with `champion` pointing at `version`, committed by hand.
fn move_champion_by_hand(env: &TestEnv, reg: &Path, version: &str) {
    let path = reg.join("models/churn/stages.yaml");
    let stages = std::fs::read_to_string(&path).expect("stages");
    let moved = stages.replace("champion: 1.0.0", &format!("champion: {version}"));
    assert_ne!(moved, stages, "{stages}");
    commit_by_hand(env, reg, "models/churn/stages.yaml", &moved);
}

#[test]
fn only_the_stage_signers_move_a_gated_alias() {
    let env = TestEnv::new();
    let (reg, _ada, bob) = gated(&env);
    sign_as(&env, &reg, &bob);
    for args in [
        &["alias", "set", "churn@1.2.0", "champion"][..],
        &["alias", "rm", "churn", "champion"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::policy::signer_not_allowed",
                "alias `champion`",
                "gated by `Production`",
                "ada@example.com",
            ],
        );
    }
    // An alias no gated endpoint follows is bob's to move.
    act(&env, &reg, &["alias", "set", "churn@1.2.0", "canary"]);
}

#[test]
fn a_gated_alias_takes_only_versions_that_pass_the_stage_gates() {
    let env = TestEnv::new();
    let (reg, _ada, _bob) = gated(&env);
    let base = head(&env, &reg);
    let stderr = refused(&env, &reg, &["alias", "set", "churn@1.1.0", "champion"], 1);
    assert_mentions(
        &stderr,
        &["omgreg::policy::alias_gate", "churn@1.1.0", "accuracy"],
    );
    act(&env, &reg, &["alias", "set", "churn@1.2.0", "champion"]);
    check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 0);
    // Rolling the alias back (to a version it held) needs no gate, only the signer.
    act(&env, &reg, &["rollback", "churn", "--alias", "champion"]);
    check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 0);
}

#[test]
fn check_judges_hand_moves_of_a_gated_alias() {
    let env = TestEnv::new();
    let (reg, ada, bob) = gated(&env);
    let base = head(&env, &reg);

    // bob points the production endpoint's alias at a good version: not his to sign.
    sign_as(&env, &reg, &bob);
    move_champion_by_hand(&env, &reg, "1.2.0");
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        has_finding(
            &report,
            "signer",
            "with alias `champion`, gated by `Production`"
        ),
        "{report:#}"
    );

    // ada (who may) points it at a version failing Production's gates.
    env.git(&reg, &["reset", "-q", "--hard", &base]);
    sign_as(&env, &reg, &ada);
    move_champion_by_hand(&env, &reg, "1.1.0");
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert_eq!(judged(&report), ["metric-gate"], "{report:#}");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["message"]
                .as_str()
                .is_some_and(|m| m.contains("became alias `champion`"))),
        "{report:#}"
    );

    // A hand-written rollback trailer proves nothing: 1.1.0 never held `champion`.
    env.git(&reg, &["reset", "-q", "--hard", &base]);
    commit_claimed_rollback(
        &env,
        &reg,
        "churn",
        ("champion: 1.0.0", "champion: 1.1.0"),
        "Omgreg-Alias: champion",
    );
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert_eq!(judged(&report), ["metric-gate"], "{report:#}");
}

/// The rules of `report`'s findings, without `generated` (a hand edit leaves the
/// model card and endpoint manifest to `omgreg render`).
fn judged(report: &serde_json::Value) -> Vec<String> {
    rules(report)
        .into_iter()
        .filter(|rule| rule != "generated")
        .collect()
}

#[test]
fn a_gate_is_for_alias_endpoints_and_names_a_stage() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    act(&env, &reg, &["register", "churn"]);
    for (endpoint, needle) in [
        (
            "[[endpoint]]\nname = \"e\"\nmodel = \"churn\"\nstage = \"Production\"\ngate = \"Production\"\n",
            "`gate` is for endpoints that follow an alias",
        ),
        (
            "[[endpoint]]\nname = \"e\"\nmodel = \"churn\"\nalias = \"champion\"\ngate = \"Prod\"\n",
            "`gate` names `Prod`, which is not a stage",
        ),
    ] {
        let base = head(&env, &reg);
        let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
        commit_by_hand(&env, &reg, "omgreg.toml", &format!("{config}\n{endpoint}"));
        let output = env
            .omgreg(&reg)
            .args(["list"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = crate::common::stderr_of(&output);
        assert_mentions(&stderr, &["omgreg::config::invalid_endpoint", needle]);
        env.git(&reg, &["reset", "-q", "--hard", &base]);
    }
}
