//! A committed YAML file cannot make `check` (and so CI and the server hook) slow
//! (issue 12, finding 7): flow collections nested deeper than 64 levels are refused
//! before the parser sees them, whose cost grows with the square of the depth.

use crate::common::TestEnv;
use crate::common::refusal::commit_by_hand;

#[test]
fn deeply_nested_brackets_are_a_finding_not_a_hang() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0"])
        .assert()
        .success();
    let original = std::fs::read_to_string(reg.join("models/churn/model.yaml")).expect("model");
    // 120 KB of brackets: 30 s of `check` before the limit.
    let depth = 60_000;
    let hostile = format!(
        "model: churn\nextra: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    commit_by_hand(&env, &reg, "models/churn/model.yaml", &hostile);
    let output = env
        .omgreg(&reg)
        .arg("check")
        // Only catches a hang; the check itself takes milliseconds.
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(3)
        .get_output()
        .clone();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        crate::common::stderr_of(&output)
    );
    assert!(text.contains("nested more than 64 levels"), "{text}");
    assert!(text.contains("models/churn/model.yaml"), "{text}");

    // The original file back: nothing else was wrong.
    commit_by_hand(&env, &reg, "models/churn/model.yaml", &original);
    env.omgreg(&reg).arg("check").assert().success();
}
