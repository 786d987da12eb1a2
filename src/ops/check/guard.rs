//! The rules guard themselves (issue 12, finding 12): a commit that changes
//! `omgreg.toml`, `.omgreg/allowed_signers` or `templates/` must be signed by one of
//! the administrators BASE's policy names (`[signing] admins`; when it names none, the
//! signers of its stages). Otherwise loosening the rules in one push and exploiting
//! them in the next would need no more rights than any push. When BASE names no
//! signers at all, the rules are unprotected, and every run says so.

use crate::policy::{Finding, Rule};
use crate::registry::{CONFIG_FILE, Snapshot};
use crate::sign::verify_commit;
use crate::store::Store;

use super::super::CommandError;
use super::super::audit::RangeAudit;
use super::super::signing::ALLOWED_SIGNERS;

/// The files and folders whose change is a change of the rules.
const RULES: [&str; 4] = [
    CONFIG_FILE,
    ALLOWED_SIGNERS,
    crate::registry::ARTIFACT_KEYS_DIR,
    "templates",
];

/// The administrators `policy` names: `[signing] admins`, else the signers of its
/// stages.
pub(super) fn administrators(policy: &crate::registry::RegistryConfig) -> Vec<String> {
    if policy.admins.is_empty() {
        let mut signers: Vec<String> = policy.stage_signers.values().flatten().cloned().collect();
        signers.sort();
        signers.dedup();
        signers
    } else {
        policy.admins.clone()
    }
}

/// Whether `commit` is an import signed by one of BASE's administrators: its stage
/// moves were decided in the source, where omgreg's `from` rules and metric gates did
/// not run, so only an administrator may vouch for them (the trailer alone waives
/// nothing). `false` when BASE has no policy or no administrator.
pub(super) fn vouched_import(
    store: &Store,
    audit: &RangeAudit,
    commit: crate::store::CommitId,
) -> Result<bool, CommandError> {
    let Some(policy) = &audit.policy else {
        return Ok(false);
    };
    let admins = administrators(policy);
    if admins.is_empty() || !store.claims_import(commit)? {
        return Ok(false);
    }
    Ok(verify_commit(store, commit, &audit.trust).signed_by_one_of(&admins))
}

/// Findings for rule changes not signed by an administrator; a notice when the
/// rules have no administrator.
pub(super) fn check_rule_changes(
    store: &Store,
    audit: &RangeAudit,
    findings: &mut Vec<Finding>,
    notices: &mut Vec<String>,
) -> Result<(), CommandError> {
    // No registry at BASE: a new registry, whose first rules nobody guards yet.
    let Some(policy) = &audit.policy else {
        return Ok(());
    };
    let admins = administrators(policy);
    if admins.is_empty() {
        notices.push(
            "the registry's rules are unprotected: BASE's `omgreg.toml` names no `[signing] admins` \
             and no stage `signers`, so any push may change `omgreg.toml`, \
             `.omgreg/allowed_signers` and `templates/`"
                .to_owned(),
        );
        return Ok(());
    }
    for commit in &audit.commits {
        // A merge's changes are judged in the commits it brings.
        let [parent] = store.parents(*commit)?[..] else {
            continue;
        };
        let (before, after) = (store.snapshot_at(parent)?, store.snapshot_at(*commit)?);
        let changed: Vec<&str> = RULES
            .into_iter()
            .filter(|path| before.content_id(path) != after.content_id(path))
            .collect();
        if changed.is_empty() {
            continue;
        }
        let verification = verify_commit(store, *commit, &audit.trust);
        if !verification.signed_by_one_of(&admins) {
            findings.push(
                Finding::new(
                    Rule::Signer,
                    format!(
                        "changes the registry's rules ({}), which only its administrators may sign: {}",
                        changed
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        admins
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .in_commit(commit.to_string()),
            );
        }
    }
    Ok(())
}
