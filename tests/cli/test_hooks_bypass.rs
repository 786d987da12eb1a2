//! The server hook cannot be stepped around (issue 12, findings 1 and 6): a push that
//! removes `omgreg.toml` is judged (and refused), so the next push cannot bring back a
//! loosened policy unjudged; the registry branch cannot be deleted or rewound.

use crate::common::lifecycle::act;
use crate::common::refusal::*;
use crate::common::{TestEnv, stderr_of};
use crate::test_hooks::{push, push_refused, served};

#[test]
fn removing_the_policy_in_one_push_is_refused() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    env.git(&work, &["rm", "-q", "omgreg.toml"]);
    env.git(&work, &["commit", "-qm", "drop the policy for a moment"]);
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(
        &printed,
        &[
            "remote: error[registry]:",
            "removes the registry",
            "omgreg: push refused",
        ],
    );
}

#[test]
fn removing_then_restoring_a_loosened_policy_in_one_push_is_refused() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    let policy = std::fs::read_to_string(work.join("omgreg.toml")).expect("policy");
    env.git(&work, &["rm", "-q", "omgreg.toml"]);
    env.git(&work, &["commit", "-qm", "drop the policy"]);
    std::fs::write(
        work.join("omgreg.toml"),
        policy.replace("\">= 0.91\"", "\">= 0.5\""),
    )
    .expect("write");
    env.git(&work, &["add", "omgreg.toml"]);
    env.git(&work, &["commit", "-qm", "a looser policy"]);
    act(
        &env,
        &work,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    let printed = push_refused(&env, &work, &server, "HEAD");
    assert_mentions(&printed, &["error[registry]:", "error[metric-gate]:"]);
}

#[test]
fn the_registry_branch_cannot_be_deleted_or_rewound() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    let branch = env
        .git(&work, &["symbolic-ref", "--short", "HEAD"])
        .trim()
        .to_owned();
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));

    // A push that deletes the branch.
    let printed = push_refused(&env, &work, &server, &format!(":refs/heads/{branch}"));
    assert_mentions(&printed, &["refusing to delete", "holds the registry"]);

    // A force-push that drops the promotion from the audit log.
    env.git(&work, &["reset", "-q", "--hard", "HEAD~1"]);
    env.git(&work, &["commit", "-q", "--allow-empty", "-m", "rewrite"]);
    let printed = push_refused(&env, &work, &server, &format!("+HEAD:refs/heads/{branch}"));
    assert_mentions(&printed, &["non-fast-forward", "registry history"]);
}

/// `MODEL@VERSION` tags are accepted only on the commit that registered the version
/// (issue 12, item 4): a tag is what deployments pin.
#[test]
fn a_version_tag_must_name_the_registering_commit() {
    let env = TestEnv::new();
    let (server, work) = served(&env);
    act(
        &env,
        &work,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    let output = push(&env, &work, "HEAD");
    assert!(output.status.success(), "{}", stderr_of(&output));

    env.git(&work, &["tag", "churn@2.0.0", "HEAD"]);
    let printed = push_refused(&env, &work, &server, "refs/tags/churn@2.0.0");
    assert_mentions(
        &printed,
        &["must name the commit that registered churn@2.0.0"],
    );

    let registering = env.git(
        &work,
        &[
            "log",
            "--format=%H",
            "-1",
            "--diff-filter=A",
            "--",
            "models/churn/versions/2.0.0.yaml",
        ],
    );
    env.git(&work, &["tag", "-f", "churn@2.0.0", registering.trim()]);
    let output = push(&env, &work, "refs/tags/churn@2.0.0");
    assert!(output.status.success(), "{}", stderr_of(&output));
}
