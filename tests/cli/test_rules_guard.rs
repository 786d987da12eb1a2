//! The rules guard themselves (issue 12, finding 12): with signing required and
//! Production signed only by ada, bob (an allowed signer) may not loosen the rules in
//! one commit and use them in the next. Changes to `omgreg.toml`,
//! `.omgreg/allowed_signers` and `templates/` need an administrator's signature
//! (`[signing] admins`, or the stage signers when none are named); rules without any
//! signer are reported as unprotected on every run.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};
use crate::common::refusal::commit_by_hand;
use crate::common::signing::*;
use crate::test_check::{check_json, has_finding, rules};

/// A registry signed with ssh keys, ada and bob allowed, Production signed only by
/// ada; returns it and the keys (ada, bob).
pub(crate) fn guarded(env: &TestEnv, policy: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ada = ssh_key(env, "ada");
    let bob = ssh_key(env, "bob");
    let reg = ssh_registry(env, "reg", &pub_path(&ada), None);
    commit_by_hand(
        env,
        &reg,
        ".omgreg/allowed_signers",
        &allowed_signers_text(&[("ada@example.com", &ada), ("bob@example.com", &bob)]),
    );
    configure(env, &reg, policy);
    act(env, &reg, &["register", "churn"]);
    (reg, ada, bob)
}

fn sign_as(env: &TestEnv, reg: &Path, key: &Path) {
    env.git(reg, &["config", "user.signingkey", &pub_path(key)]);
}

pub(crate) const POLICY: &str =
    "[signing]\nrequire = true\n\n[policy.Production]\nsigners = [\"ada@example.com\"]\n";

#[test]
fn an_allowed_signer_who_is_not_an_administrator_cannot_loosen_the_rules() {
    let env = TestEnv::new();
    let (reg, _ada, bob) = guarded(&env, POLICY);
    let base = head(&env, &reg);
    sign_as(&env, &reg, &bob);
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    let loosened = config.replace("signers = [\"ada@example.com\"]\n", "");
    assert_ne!(loosened, config);
    commit_by_hand(&env, &reg, "omgreg.toml", &loosened);
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    let found = report["findings"].as_array().expect("findings");
    assert!(
        found.iter().any(|f| f["rule"] == "signer"
            && f["message"].as_str().is_some_and(
                |m| m.contains("changes the registry's rules") && m.contains("omgreg.toml")
            )),
        "{report:#}"
    );
    assert!(
        rules(&report).iter().all(|rule| rule == "signer"),
        "{report:#}"
    );
}

#[test]
fn allowed_signers_and_templates_are_rules_too_and_admins_may_change_them() {
    let env = TestEnv::new();
    let policy = format!("{POLICY}\n");
    let (reg, ada, bob) = guarded(
        &env,
        &policy.replace(
            "require = true\n",
            "require = true\nadmins = [\"ada@example.com\"]\n",
        ),
    );
    let base = head(&env, &reg);
    sign_as(&env, &reg, &bob);
    let template = std::fs::read_to_string(reg.join("templates/kserve.yaml.j2")).expect("template");
    commit_by_hand(
        &env,
        &reg,
        "templates/kserve.yaml.j2",
        &format!("{template}# bob\n"),
    );
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert_eq!(rules(&report), ["signer"], "{report:#}");

    // The same change signed by the administrator passes.
    env.git(&reg, &["reset", "-q", "--hard", &base]);
    sign_as(&env, &reg, &ada);
    commit_by_hand(
        &env,
        &reg,
        "templates/kserve.yaml.j2",
        &format!("{template}# ada\n"),
    );
    let signers = std::fs::read_to_string(reg.join(".omgreg/allowed_signers")).expect("signers");
    commit_by_hand(
        &env,
        &reg,
        ".omgreg/allowed_signers",
        &signers.replace("bob@example.com", "bob@example.org"),
    );
    check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 0);
}

#[test]
fn rules_without_any_signer_are_reported_as_unprotected() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let base = head(&env, &reg);
    act(&env, &reg, &["register", "churn"]);
    let output = env
        .omgreg(&reg)
        .args(["check", "--range", &format!("{base}..HEAD")])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = crate::common::stderr_of(&output);
    assert!(
        stderr.contains("warning: the registry's rules are unprotected"),
        "{stderr}"
    );
}

/// Finding 5: a signer who may not move Production points the production endpoint
/// at an alias they control. Re-pointing is a change of `omgreg.toml`: the rules'.
#[test]
fn an_endpoint_cannot_be_pointed_at_an_alias_by_a_non_administrator() {
    let env = TestEnv::new();
    let endpoint =
        "\n[[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\nstage = \"Production\"\n";
    let (reg, _ada, bob) = guarded(&env, &format!("{POLICY}{endpoint}"));
    let base = head(&env, &reg);
    sign_as(&env, &reg, &bob);
    act(&env, &reg, &["alias", "set", "churn@1.0.0", "mine"]);
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    let repointed = config.replace(
        "model = \"churn\"\nstage = \"Production\"",
        "model = \"churn\"\nalias = \"mine\"",
    );
    assert_ne!(repointed, config);
    commit_by_hand(&env, &reg, "omgreg.toml", &repointed);
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        has_finding(&report, "signer", "changes the registry's rules"),
        "{report:#}"
    );
}

/// Emptying Production (its endpoint is removed) needs Production's signers like
/// filling it: `archive --force` of its holder by bob is refused, and the same by hand
/// is a `signer` finding.
#[test]
fn emptying_a_stage_needs_the_stage_signers() {
    let env = TestEnv::new();
    let (reg, ada, bob) = guarded(&env, POLICY);
    sign_as(&env, &reg, &ada);
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let base = head(&env, &reg);
    sign_as(&env, &reg, &bob);
    let stderr = crate::common::refusal::refused(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--force", "--reason", "gone"],
        1,
    );
    crate::common::refusal::assert_mentions(
        &stderr,
        &[
            "omgreg::policy::signer_not_allowed",
            "`Production`",
            "ada@example.com",
        ],
    );
    let stages = std::fs::read_to_string(reg.join("models/churn/stages.yaml")).expect("stages");
    let emptied: String = stages
        .lines()
        .filter(|line| !line.contains("Production"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(emptied, stages);
    commit_by_hand(&env, &reg, "models/churn/stages.yaml", &emptied);
    let report = check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 3);
    assert!(
        has_finding(&report, "signer", "out of `Production`"),
        "{report:#}"
    );
    // ada may.
    env.git(&reg, &["reset", "-q", "--hard", &base]);
    sign_as(&env, &reg, &ada);
    act(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--force", "--reason", "gone"],
    );
    check_json(&env, &reg, &["--range", &format!("{base}..HEAD")], 0);
}
