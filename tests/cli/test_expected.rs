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
