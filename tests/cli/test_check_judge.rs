//! The judge of each step (issue 12, finding 2): a registered version's record is
//! judged as registered. Inflating a metric for one commit, promoting on it, then
//! restoring it leaves BASE and HEAD's record equal, but the promotion is judged on
//! the record at BASE and each commit's edit of a registered version is a finding.

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::signing::head;
use crate::test_check::*;
use crate::test_check_range::{POLICY, add_policy};

const V110: &str = "models/churn/versions/1.1.0.yaml";

#[test]
fn a_metric_inflated_for_the_promotion_and_restored_fails_the_gate() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    add_policy(&env, &reg, POLICY);
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Staging"],
    );
    let range = format!("{}..HEAD", head(&env, &reg));

    // 1.1.0 has accuracy 0.902; Production needs >= 0.91.
    edit(&env, &reg, V110, "accuracy: 0.902", "accuracy: 0.95");
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    edit(&env, &reg, V110, "accuracy: 0.95", "accuracy: 0.902");
    act(&env, &reg, &["render"]);
    assert_eq!(
        env.git(
            &reg,
            &["diff", &range.replace("..HEAD", ""), "HEAD", "--", V110]
        ),
        "",
        "the record is back as registered"
    );

    let report = check_json(&env, &reg, &["--range", &range], 3);
    let rules = rules(&report);
    assert!(rules.contains(&"metric-gate".to_owned()), "{report:#}");
    assert!(rules.contains(&"immutable".to_owned()), "{report:#}");
    let gate = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "metric-gate")
        .expect("a metric-gate finding");
    let message = gate["message"].as_str().expect("message");
    assert!(
        message.contains("0.902"),
        "judged on the registered record: {message}"
    );
}
