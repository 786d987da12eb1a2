//! Rules `transition` and `metric-gate`: a version entering a stage comes from an
//! allowed stage and passes the stage's metric gates, both as configured in the
//! base (a change cannot loosen the policy it is judged by).

use crate::registry::{
    Assignments, RegistryConfig, Snapshot, VersionStage, describe_gate_failures, failed_gates,
    load_assignments, load_version, stages_file,
};

use super::references::line_of;
use super::{Finding, Rule};

/// Judges every version that entered a stage between `base` and `head` (one commit
/// and its parent, or a staged tree and HEAD); `rolled_back` lists the (model,
/// stage) pairs a rollback moved, per the commit's trailers. Gates read the version's
/// record as `registered` holds it (the range's BASE), and `head`'s only for a version
/// registered since: a metric inflated for the moment of a promotion counts for nothing.
pub fn check_transitions(
    base: &dyn Snapshot,
    head: &dyn Snapshot,
    registered: &dyn Snapshot,
    policy: &RegistryConfig,
    head_config: &RegistryConfig,
    rolled_back: &[(String, String)],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let models = crate::registry::model_names(head);
    for model in models {
        // Stage pointers live in one file: unchanged file, no move to judge.
        let stages_path = stages_file(&model);
        if head
            .content_id(&stages_path)
            .is_some_and(|id| base.content_id(&stages_path) == Some(id))
        {
            continue;
        }
        let Ok(after) = load_assignments(head, head_config, &model) else {
            continue;
        };
        let before =
            load_assignments(base, policy, &model).unwrap_or_else(|_| Assignments::default());
        let stages_file = stages_file(&model);
        for (stage, held) in &after.stages {
            // A rollback returns a version to a stage it held: not a promotion, so
            // neither `from` nor the gates apply (as for `omgreg rollback` itself).
            let returned = rolled_back
                .iter()
                .any(|(m, s)| m == model.as_str() && s.eq_ignore_ascii_case(stage));
            if returned {
                continue;
            }
            for version in held.iter().filter(|v| !before.holders(stage).contains(v)) {
                let line = line_of(head, &stages_file, &version.to_string());
                let source = VersionStage::held(before.stage_of(version));
                let definition = policy
                    .ladder
                    .find(stage)
                    .or_else(|| head_config.ladder.find(stage));
                if let Some(allowed) = definition.and_then(|def| def.from.as_ref())
                    && !allowed.contains(&source)
                {
                    findings.push(
                        Finding::new(
                            Rule::Transition,
                            format!(
                                "`{model}@{version}` entered `{stage}` from `{source}`; `{stage}` accepts versions from {}",
                                allowed.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .at(&stages_file, line),
                    );
                }
                let Some(gates) = policy.metric_gates.get(stage) else {
                    continue;
                };
                let entering = match load_version(registered, &model, version) {
                    Ok(Some(record)) => Some(record),
                    _ => load_version(head, &model, version).ok().flatten(),
                };
                let Some(entering) = entering else {
                    continue;
                };
                let failed = failed_gates(gates, &entering.doc.metrics);
                if !failed.is_empty() {
                    findings.push(
                        Finding::new(
                            Rule::MetricGate,
                            format!(
                                "`{model}@{version}` entered `{stage}` without passing its metric gates: {}",
                                describe_gate_failures(&failed)
                            ),
                        )
                        .at(&stages_file, line),
                    );
                }
            }
        }
    }
    findings
}
