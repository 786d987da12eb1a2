//! `omgreg check --range BASE..HEAD`: what the commits of a range did, judged by the
//! policy of BASE — registered versions are immutable, stages are entered only from
//! allowed stages and through their metric gates, and, when BASE requires it, every
//! commit is signed by an allowed signer (and stage moves by a listed one).
//!
//! Policy violations are made the way a person would make them: by hand, with plain
//! git, since omgreg itself refuses them ([`hand_stage`]).

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};
use crate::common::refusal::*;
use crate::common::signing::{head, public_key, ssh_key};
use crate::test_check::*;

/// Starts the part of `omgreg.toml` that [`hand_stage`] leaves out.
pub(crate) const POLICY_MARK: &str = "# --- policy under test ---\n";

/// Production only from Staging, and only with accuracy >= 0.91 (churn 2.0.0 passes,
/// 1.1.0 does not).
pub(crate) const POLICY: &str = "[stages.options.Production]\nfrom = [\"Staging\"]\n\n\
     [policy.Production]\nrequire = { accuracy = \">= 0.91\" }\n";

/// Appends `policy` after [`POLICY_MARK`] to `omgreg.toml`, committed by hand.
pub(crate) fn add_policy(env: &TestEnv, reg: &Path, policy: &str) {
    configure(env, reg, &format!("{POLICY_MARK}{policy}"));
}

/// Stages the change `omgreg ARGS` makes to `models/`, as if written by hand: the
/// action runs unsigned on a scratch branch whose `omgreg.toml` has no policy (so
/// nothing refuses it), and its `models/` folder is checked out here.
pub(crate) fn hand_stage(env: &TestEnv, reg: &Path, args: &[&str]) {
    let branch = env
        .git(reg, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("omgreg.toml");
    let loose = config.split(POLICY_MARK).next().expect("some text");
    env.git(reg, &["checkout", "-q", "-b", "scratch"]);
    commit_by_hand(env, reg, "omgreg.toml", loose);
    env.omgreg(reg)
        .arg("--no-sign")
        .args(args)
        .assert()
        .success();
    env.git(reg, &["checkout", "-q", &branch]);
    env.git(reg, &["checkout", "scratch", "--", "models"]);
    env.git(reg, &["branch", "-q", "-D", "scratch"]);
}

/// [`hand_stage`], committed unsigned.
pub(crate) fn hand_apply(env: &TestEnv, reg: &Path, args: &[&str]) {
    hand_stage(env, reg, args);
    env.git(reg, &["commit", "-q", "-m", "hand edit"]);
}

/// The example registry with [`POLICY`] and churn 1.1.0 in Staging; returns it and
/// `BASE..HEAD` from here.
fn gated_registry(env: &TestEnv) -> (PathBuf, String) {
    let reg = example_registry(env);
    add_policy(env, &reg, POLICY);
    act(env, &reg, &["promote", "churn@1.1.0", "--stage", "Staging"]);
    let range = format!("{}..HEAD", head(env, &reg));
    (reg, range)
}

const V200: &str = "models/churn/versions/2.0.0.yaml";
const STAGES: &str = "models/churn/stages.yaml";

fn stages_line(reg: &Path, needle: &str) -> usize {
    line_of(&std::fs::read_to_string(reg.join(STAGES)).unwrap(), needle)
}

#[test]
fn a_changed_metric_of_a_registered_version_is_immutable() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let range = format!("{}..HEAD", head(&env, &reg));
    let text = edit(&env, &reg, V200, "accuracy: 0.915", "accuracy: 0.99");
    let line = line_of(&text, "metrics:");

    let found = assert_violation(
        &env,
        &reg,
        &["--range", &range],
        "immutable",
        V200,
        Some(line),
    );
    assert_mentions(
        found["message"].as_str().unwrap(),
        &["`metrics`", "churn@2.0.0"],
    );
    // Immutability is about what commits did: a check of one state cannot see it.
    let doc = check_json(&env, &reg, &[], 3);
    assert!(findings_of(&doc, "immutable").is_empty(), "{doc:#}");
}

#[test]
fn description_status_and_archive_note_may_change() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let range = format!("{}..HEAD", head(&env, &reg));
    edit(
        &env,
        &reg,
        V200,
        "description: transformer encoder",
        "description: a transformer encoder, trained on October's data",
    );
    act(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--reason", "superseded"],
    );
    act(&env, &reg, &["unarchive", "churn@1.0.0"]);
    act(&env, &reg, &["archive", "churn@1.1.0"]);
    check_json(&env, &reg, &["--range", &range], 0);
}

#[test]
fn a_deleted_version_file_is_immutable() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let range = format!("{}..HEAD", head(&env, &reg));
    env.git(&reg, &["rm", "-q", V200]);
    env.git(&reg, &["commit", "-q", "-m", "drop 2.0.0"]);

    let found = assert_violation(&env, &reg, &["--range", &range], "immutable", V200, None);
    assert_mentions(
        found["message"].as_str().unwrap(),
        &["churn@2.0.0", "deleted"],
    );
}

#[test]
fn entering_production_from_a_stage_it_does_not_accept_is_a_transition_error() {
    let env = TestEnv::new();
    let (reg, range) = gated_registry(&env);
    hand_apply(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let line = stages_line(&reg, "Production: 2.0.0");

    let found = assert_violation(
        &env,
        &reg,
        &["--range", &range],
        "transition",
        STAGES,
        Some(line),
    );
    assert_mentions(
        found["message"].as_str().unwrap(),
        &["churn@2.0.0", "`None`", "`Staging`"],
    );
    // 2.0.0 passes the gate, the card and stages are what omgreg would write.
    assert_eq!(
        rules(&check_json(&env, &reg, &["--range", &range], 3)),
        ["transition"]
    );
    // Transitions are about what commits did.
    check_json(&env, &reg, &[], 0);
}

#[test]
fn entering_production_without_passing_the_metric_gate_is_flagged() {
    let env = TestEnv::new();
    let (reg, range) = gated_registry(&env);
    hand_apply(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    let line = stages_line(&reg, "Production: 1.1.0");

    let found = assert_violation(
        &env,
        &reg,
        &["--range", &range],
        "metric-gate",
        STAGES,
        Some(line),
    );
    assert_mentions(
        found["message"].as_str().unwrap(),
        &["churn@1.1.0", "accuracy", "0.902", ">= 0.91"],
    );
    assert_eq!(
        rules(&check_json(&env, &reg, &["--range", &range], 3)),
        ["metric-gate"]
    );
}

#[test]
fn the_policy_is_read_from_the_base_not_from_the_range_under_review() {
    let env = TestEnv::new();
    let (reg, range) = gated_registry(&env);
    edit(&env, &reg, "omgreg.toml", "\">= 0.91\"", "\">= 0.5\"");
    let loosened = format!("{}..HEAD", head(&env, &reg));
    // omgreg itself follows the loosened policy of the branch ...
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );

    // ... but the range is judged by its base.
    let found = assert_violation(
        &env,
        &reg,
        &["--range", &range],
        "metric-gate",
        STAGES,
        Some(stages_line(&reg, "Production: 1.1.0")),
    );
    assert_mentions(found["message"].as_str().unwrap(), &[">= 0.91"]);
    // Once the loosened policy is the base, the promotion is fine.
    check_json(&env, &reg, &["--range", &loosened], 0);

    // The same for `from`: allowing None in the range does not let 2.0.0 skip Staging.
    let range = format!("{}..HEAD", head(&env, &reg));
    edit(
        &env,
        &reg,
        "omgreg.toml",
        "from = [\"Staging\"]",
        "from = [\"Staging\", \"None\"]",
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let doc = check_json(&env, &reg, &["--range", &range], 3);
    assert_eq!(rules(&doc), ["transition"], "{doc:#}");
}

/// Commits `path` (with `content`) signed with the ssh `key`, or unsigned.
fn commit_signed(env: &TestEnv, reg: &Path, path: &str, content: &str, key: Option<&Path>) {
    let file = reg.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, content).unwrap();
    env.git(reg, &["add", path]);
    commit_staged(env, reg, &format!("write {path}"), key);
}

/// `git commit` of the index, signed with the ssh `key` when given.
fn commit_staged(env: &TestEnv, reg: &Path, message: &str, key: Option<&Path>) {
    match key {
        Some(key) => {
            let key = format!("user.signingkey={}", key.display());
            env.git(
                reg,
                &[
                    "-c",
                    "gpg.format=ssh",
                    "-c",
                    &key,
                    "commit",
                    "-q",
                    "-S",
                    "-m",
                    message,
                ],
            );
        }
        None => {
            env.git(reg, &["commit", "-q", "-m", message]);
        }
    }
}

/// The example registry with `.omgreg/allowed_signers` listing `signers` and
/// `policy` added, all committed unsigned; returns it and `BASE..HEAD` from here.
fn signed_registry(env: &TestEnv, signers: &[(&str, &Path)], policy: &str) -> (PathBuf, String) {
    let reg = example_registry(env);
    let allowed: String = signers
        .iter()
        .map(|(who, key)| format!("{who} {}\n", public_key(key)))
        .collect();
    commit_by_hand(env, &reg, ".omgreg/allowed_signers", &allowed);
    add_policy(env, &reg, policy);
    // The commit that turns the policy on is judged by the policy before it.
    check_json(env, &reg, &["--range", "HEAD~1..HEAD"], 0);
    let range = format!("{}..HEAD", head(env, &reg));
    (reg, range)
}

#[test]
fn with_signing_required_by_the_base_unsigned_and_unknown_commits_are_flagged() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let mallory = ssh_key(&env, "mallory");
    let (reg, range) = signed_registry(
        &env,
        &[("alice@example.com", &alice)],
        "[signing]\nrequire = true\n",
    );

    commit_signed(&env, &reg, "docs/a.md", "a\n", Some(&alice));
    commit_signed(&env, &reg, "docs/b.md", "b\n", None);
    let unsigned = head(&env, &reg);
    // Adding mallory to the signers in the range does not trust mallory in it.
    let signers = std::fs::read_to_string(reg.join(".omgreg/allowed_signers")).unwrap();
    let signers = format!("{signers}mallory@example.com {}\n", public_key(&mallory));
    commit_signed(
        &env,
        &reg,
        ".omgreg/allowed_signers",
        &signers,
        Some(&alice),
    );
    commit_signed(&env, &reg, "docs/c.md", "c\n", Some(&mallory));
    let by_mallory = head(&env, &reg);

    let text = check_text(&env, &reg, &["--range", &range], 3);
    assert_reported(&text, "signature", &format!("commit {}", &unsigned[..12]));
    assert_reported(&text, "signature", &format!("commit {}", &by_mallory[..12]));
    let doc = check_json(&env, &reg, &["--range", &range], 3);
    assert_eq!(rules(&doc), ["signature", "signature"], "{doc:#}");
    let found = findings_of(&doc, "signature");
    assert_eq!(found[0]["commit"], unsigned.as_str());
    assert_eq!(found[0]["file"], serde_json::Value::Null);
    assert_eq!(found[0]["line"], serde_json::Value::Null);
    assert_mentions(found[0]["message"].as_str().unwrap(), &["not signed"]);
    assert_eq!(found[1]["commit"], by_mallory.as_str());
    assert_mentions(
        found[1]["message"].as_str().unwrap(),
        &["not an allowed signer"],
    );

    let github = check_text(&env, &reg, &["--range", &range, "--format", "github"], 3);
    assert!(
        github.lines().any(|l| l
            .starts_with("::error title=omgreg signature::the commit is not signed")
            && l.ends_with(&format!("(commit {})", &unsigned[..12]))),
        "{github}"
    );
    // alice's own commit is fine.
    check_json(&env, &reg, &["--range", &format!("{range}~3")], 0);
}

#[test]
fn a_stage_move_by_a_signer_the_base_does_not_list_is_a_signer_error() {
    let env = TestEnv::new();
    let alice = ssh_key(&env, "alice");
    let bob = ssh_key(&env, "bob");
    let (reg, range) = signed_registry(
        &env,
        &[("alice@example.com", &alice), ("bob@example.com", &bob)],
        "[policy.Production]\nsigners = [\"alice@example.com\"]\n",
    );

    hand_stage(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    commit_staged(&env, &reg, "bob moves Production", Some(&bob));
    let by_bob = head(&env, &reg);
    let text = check_text(&env, &reg, &["--range", &range], 3);
    assert_reported(&text, "signer", &format!("commit {}", &by_bob[..12]));
    let doc = check_json(&env, &reg, &["--range", &range], 3);
    assert_eq!(rules(&doc), ["signer"], "bob's signature is good: {doc:#}");
    let found = finding(&doc, "signer");
    assert_eq!(found["commit"], by_bob.as_str());
    assert_mentions(
        found["message"].as_str().unwrap(),
        &["churn@2.0.0", "Production", "alice@example.com"],
    );

    // The same move signed by alice passes.
    env.git(&reg, &["reset", "-q", "--hard", "HEAD~1"]);
    hand_stage(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    commit_staged(&env, &reg, "alice moves Production", Some(&alice));
    check_json(&env, &reg, &["--range", &range], 0);
}

#[test]
fn two_allowed_promotions_in_one_range_are_not_a_transition_error() {
    let env = TestEnv::new();
    let (reg, range) = gated_registry(&env);
    // None -> Staging -> Production, each step accepted by omgreg itself.
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Staging"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    check_json(&env, &reg, &["--range", "HEAD~1..HEAD"], 0);
    check_json(&env, &reg, &["--range", "HEAD~2..HEAD~1"], 0);
    check_json(&env, &reg, &["--range", &range], 0);
}

#[test]
fn a_rollback_is_not_judged_as_a_promotion() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    add_policy(
        &env,
        &reg,
        "[stages.options.Production]\nfrom = [\"Staging\"]\n",
    );
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Staging"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Staging"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    // `from` is "checked by promote only, not by rollback" (docs/format.md):
    // 1.1.0 goes back to Production from None.
    act(&env, &reg, &["rollback", "churn"]);
    check_json(&env, &reg, &["--range", "HEAD~1..HEAD"], 0);
}
