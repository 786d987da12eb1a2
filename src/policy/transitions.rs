//! Rules `transition` and `metric-gate`: a version entering a stage comes from an
//! allowed stage and passes the stage's metric gates, both as configured in the
//! base (a change cannot loosen the policy it is judged by).

use crate::registry::{
    Assignments, ModelName, RegistryConfig, Snapshot, VersionId, VersionStage,
    describe_gate_failures, failed_gates, load_assignments, load_version, stages_file,
};

use super::references::line_of;
use super::{Finding, Rule};

/// How a finding of these rules names the stage move it judges, at the start of its
/// message (the merge judge keeps a merge's findings by it).
pub fn entered(model: &str, version: &str, stage: &str) -> String {
    format!("`{model}@{version}` entered `{stage}`")
}

/// How a finding of these rules names the alias move it judges (see [`entered`]).
pub fn became_alias(model: &str, version: &str, alias: &str) -> String {
    format!("`{model}@{version}` became alias `{alias}`")
}

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
                                "{} from `{source}`; `{stage}` accepts versions from {}",
                                entered(model.as_str(), &version.to_string(), stage),
                                allowed
                                    .iter()
                                    .map(|s| format!("`{s}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .at(&stages_file, line),
                    );
                }
                if let Some(failures) =
                    gate_failures(policy, stage, (registered, head), &model, version)
                {
                    findings.push(
                        Finding::new(
                            Rule::MetricGate,
                            format!(
                                "{} without passing its metric gates: {failures}",
                                entered(model.as_str(), &version.to_string(), stage),
                            ),
                        )
                        .at(&stages_file, line),
                    );
                }
            }
        }
        check_alias_gates(
            (&before, &after),
            (registered, head),
            policy,
            &model,
            rolled_back,
            &mut findings,
        );
    }
    findings
}

/// An alias that an endpoint gated by a stage follows is entered like that stage: the
/// version it points at passes the stage's metric gates (not its `from` rule), unless
/// the move is a proven rollback.
fn check_alias_gates(
    (before, after): (&Assignments, &Assignments),
    (registered, head): (&dyn Snapshot, &dyn Snapshot),
    policy: &RegistryConfig,
    model: &ModelName,
    rolled_back: &[(String, String)],
    findings: &mut Vec<Finding>,
) {
    let stages_file = stages_file(model);
    for (alias, version) in &after.aliases {
        let returned = rolled_back
            .iter()
            .any(|(m, s)| m == model.as_str() && s.eq_ignore_ascii_case(alias));
        if before.aliases.get(alias) == Some(version) || returned {
            continue;
        }
        let Some(stage) = policy.alias_gate(model, alias) else {
            continue;
        };
        if let Some(failures) = gate_failures(policy, stage, (registered, head), model, version) {
            let line = line_of(head, &stages_file, &version.to_string());
            findings.push(
                Finding::new(
                    Rule::MetricGate,
                    format!(
                        "{}, which an endpoint gated by `{stage}` follows, without passing `{stage}`'s metric gates: {failures}",
                        became_alias(model.as_str(), &version.to_string(), alias),
                    ),
                )
                .at(&stages_file, line),
            );
        }
    }
}

/// The metric gates of `stage` that `version` fails, described; `None` when it passes
/// or the stage has none. The record is read as registered (BASE), else as `head` has
/// it (a version registered within the range).
fn gate_failures(
    policy: &RegistryConfig,
    stage: &str,
    (registered, head): (&dyn Snapshot, &dyn Snapshot),
    model: &ModelName,
    version: &VersionId,
) -> Option<String> {
    let gates = policy.metric_gates.get(stage)?;
    let entering = match load_version(registered, model, version) {
        Ok(Some(record)) => record,
        _ => load_version(head, model, version).ok().flatten()?,
    };
    let failed = failed_gates(gates, &entering.doc.metrics);
    (!failed.is_empty()).then(|| describe_gate_failures(&failed))
}
