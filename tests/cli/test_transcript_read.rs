//! Transcript snapshots of the human output of the read commands and of the files
//! omgreg generates, on a small registry built through the real binary.

use std::path::Path;

use crate::common::TestEnv;
use crate::common::refusal::commit_by_hand;
use crate::common::transcript::*;
use crate::snapshot;

#[test]
fn building_the_sample_registry() {
    let env = transcript_env();
    let (_, writes) = sample_registry(&env);
    snapshot!(&env, "build", &writes);
}

#[test]
fn list_models_and_versions() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    snapshot!(&env, "list", &transcript_exit(&env, &reg, &["list"], 0));
    snapshot!(
        &env,
        "list_model",
        &session(
            &env,
            &reg,
            &[
                &["list", "churn"],
                &["list", "churn", "--all"],
                &["list", "fraud", "--all"],
                &["list", "churn", "--metrics", "accuracy"],
                &["list", "--stage", "Production"],
            ],
        ),
    );
}

#[test]
fn show_resolve_history() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    snapshot!(
        &env,
        "show",
        &session(
            &env,
            &reg,
            &[
                &["show", "churn@1.0.0"],
                &["show", "churn@champion"],
                &["show", "churn@Staging"],
                &["show", "fraud@0.1.0"],
            ],
        ),
    );
    snapshot!(
        &env,
        "resolve",
        &session(
            &env,
            &reg,
            &[
                &["resolve", "churn@production"],
                &["resolve", "churn@1.0.0", "--path"],
                &["resolve", "churn@2.0.0", "--uri"],
            ],
        ),
    );
    snapshot!(
        &env,
        "history",
        &session(
            &env,
            &reg,
            &[
                &["history"],
                &["history", "churn", "--stage", "Production"],
                &["history", "churn", "-n", "2"],
            ],
        ),
    );
}

#[test]
fn lineage_and_diff() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    snapshot!(
        &env,
        "lineage",
        &session(
            &env,
            &reg,
            &[&["lineage", "churn@2.0.0"], &["lineage", "churn@1.0.0"]],
        ),
    );
    snapshot!(
        &env,
        "diff",
        &session(
            &env,
            &reg,
            &[
                &["diff", "churn@1.0.0", "churn@2.0.0"],
                &["diff", "churn@1.0.0", "churn@1.1.0", "--all"],
            ],
        ),
    );
}

#[test]
fn generated_model_card() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    for model in ["churn", "fraud"] {
        let card = std::fs::read_to_string(reg.join(format!("models/{model}/README.md")))
            .expect("model card");
        snapshot!(&env, &format!("model_card_{model}"), &card);
    }
}

#[test]
fn check_clean() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    snapshot!(
        &env,
        "check_clean",
        &session(
            &env,
            &reg,
            &[
                &["check"],
                &["check", "--artifacts"],
                &["check", "--range", "HEAD~3..HEAD"]
            ],
        ),
    );
}

/// Hand edits that break the rules: a card edited by hand, an unknown key, a stage
/// holding an unregistered version, a registered version's metric changed.
fn break_rules(env: &TestEnv, reg: &Path) {
    let card = reg.join("models/churn/README.md");
    let mut text = std::fs::read_to_string(&card).expect("card");
    text.push_str("\nedited by hand\n");
    std::fs::write(&card, text).expect("card");
    let version = reg.join("models/churn/versions/1.1.0.yaml");
    let text = std::fs::read_to_string(&version).expect("version file");
    std::fs::write(&version, text.replace("0.93", "0.99") + "colour: blue\n")
        .expect("version file");
    commit_by_hand(
        env,
        reg,
        "models/fraud/stages.yaml",
        "stages:\n  Production: 0.9.0\n",
    );
    env.git(reg, &["commit", "-qam", "more hand edits"]);
    commit_by_hand(
        env,
        reg,
        "models/churn/stages.yaml",
        "stages:\n  Staging: 2.0.0\n  Production: 1.1.0\n",
    );
}

#[test]
fn check_with_violations() {
    let env = transcript_env();
    let (reg, _) = sample_registry(&env);
    break_rules(&env, &reg);
    let text = [
        transcript_exit(&env, &reg, &["check"], 3),
        transcript_exit(&env, &reg, &["check", "--range", "HEAD~3..HEAD"], 3),
        transcript_exit(
            &env,
            &reg,
            &["check", "--range", "HEAD~3..HEAD", "--format", "github"],
            3,
        ),
    ]
    .join("\n");
    snapshot!(&env, "check_violations", &text);
}
