//! Rule `artifact-signature`: every version holding a stage whose policy (as the judge,
//! BASE, configures it) sets `require_artifact_signature` has an OMS bundle that a key
//! of the judge's `.omgreg/artifact_keys/` signed over the version's recorded digests.
//! Like the signers, the keys come from BASE: a push cannot bring its own.

use crate::policy::{self, Finding, Rule};
use crate::registry::{Snapshot, load_assignments, load_version, model_names, stages_file};

use super::super::artifact_sig::{judge_version, trusted_keys};

/// Findings for versions in signed stages of `head`, judged by the policy and keys of
/// `base` (the range's BASE, or HEAD for a staged tree), else of `head` itself.
pub(super) fn check_signed_stages<H: Snapshot, B: Snapshot>(
    head: &H,
    base: Option<&B>,
) -> Vec<Finding> {
    let judge: &dyn Snapshot = match base {
        Some(base) => base,
        None => head,
    };
    let Ok(head_config) = policy::usable_config(head) else {
        return Vec::new();
    };
    let policy = policy::usable_config(judge).unwrap_or_else(|_| head_config.clone());
    if policy.signed_stages.is_empty() {
        return Vec::new();
    }
    let trusted = trusted_keys(judge);
    let mut findings = Vec::new();
    for model in model_names(head) {
        let Ok(assignments) = load_assignments(head, &head_config, &model) else {
            continue;
        };
        for stage in &policy.signed_stages {
            for version in assignments.holders(stage) {
                // A missing or broken version file is the `reference` rule's finding.
                let Ok(Some(record)) = load_version(head, &model, version) else {
                    continue;
                };
                let why = match &trusted {
                    Ok(keys) => judge_version(head, &record, keys, None)
                        .err()
                        .map(|e| e.to_string()),
                    Err(err) => Some(err.to_string()),
                };
                if let Some(why) = why {
                    findings.push(
                        Finding::new(
                            Rule::ArtifactSignature,
                            format!(
                                "`{model}@{version}` holds `{stage}`, which requires signed artifacts: {why}"
                            ),
                        )
                        .at(
                            stages_file(&model),
                            policy::line_of(head, &stages_file(&model), &version.to_string()),
                        ),
                    );
                }
            }
        }
    }
    findings
}
