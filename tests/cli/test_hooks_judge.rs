//! The server hook judges what `check --range` judges (issue 12, findings 4 and 12,
//! against a bare server with `hooks install --server`): a hand-written rollback
//! trailer cannot carry a gate-failing version into Production, and an allowed signer
//! who is not an administrator cannot loosen the rules in one push to use them in the
//! next.

use crate::common::TestEnv;
use crate::common::lifecycle::act;
use crate::common::refusal::{assert_mentions, commit_by_hand, commit_claimed_rollback};
use crate::common::signing::{pub_path, ssh_signing};
use crate::test_hooks::{bare_clone, clone, push, push_refused, served};
use crate::test_rules_guard::{POLICY, guarded};

#[test]
fn the_server_refuses_a_rollback_trailer_for_a_version_that_never_held_the_stage() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    assert!(
        output.status.success(),
        "{}",
        crate::common::stderr_of(&output)
    );

    // churn 1.1.0 fails Production's gate and never held it; the trailer says
    // "rollback".
    commit_claimed_rollback(
        &env,
        &work,
        "churn",
        ("Production: 2.0.0", "Production: 1.1.0"),
        "Omgreg-Stage: Production",
    );
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &printed,
        &[
            "remote: error[metric-gate]:",
            "churn@1.1.0",
            "omgreg: push refused",
        ],
    );
}

#[test]
fn the_server_refuses_rules_loosened_by_a_signer_who_is_not_an_administrator() {
    let env = TestEnv::new();
    let (reg, _ada, bob) = guarded(&env, POLICY);
    let server = bare_clone(&env, &reg, "server");
    env.omgreg(&server)
        .args(["hooks", "install", "--server"])
        .assert()
        .success();
    let work = clone(&env, &server, "work");
    ssh_signing(&env, &work, &pub_path(&bob), None);

    // Push 1: bob (an allowed signer, not Production's) drops Production's signers.
    let config = std::fs::read_to_string(work.join("omgreg.toml")).expect("config");
    let loosened = config.replace("signers = [\"ada@example.com\"]\n", "");
    assert_ne!(loosened, config);
    commit_by_hand(&env, &work, "omgreg.toml", &loosened);
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &printed,
        &[
            "remote: error[signer]:",
            "changes the registry's rules",
            "omgreg: push refused",
        ],
    );

    // Push 1 and 2 together (the promotion the loosened rules would allow): refused too.
    act(
        &env,
        &work,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &printed,
        &[
            "changes the registry's rules",
            "which only `ada@example.com` may sign",
        ],
    );
}
