//! Judging the commits of a range: signatures and who moved which stage, against
//! the trust and policy of the range's base. Shared by `verify` and `check`.

use crate::registry::{EventKind, RegistryConfig, Slot, Snapshot, load_config};
use crate::sign::{SigStatus, Trust, Verification, verify_commit};
use crate::store::{CommitId, Store};

use super::CommandError;
use super::signing::ALLOWED_SIGNERS;

/// The commits of a range and what they are judged against.
pub struct RangeAudit {
    /// The trusted base (`None` when the range starts at a root commit).
    pub base: Option<CommitId>,
    /// The commits to judge, oldest first.
    pub commits: Vec<CommitId>,
    pub trust: Trust,
    /// The registry configuration of the base: its signing and signer policy.
    pub policy: Option<RegistryConfig>,
}

/// The verdict on one commit.
pub struct CommitAudit {
    pub commit: CommitId,
    pub subject: String,
    pub verification: Verification,
    /// Why the signature is not good, if it is not.
    pub signature_problem: Option<String>,
    /// Stage moves this commit's signer was not allowed to make.
    pub signer_problems: Vec<String>,
}

impl RangeAudit {
    /// `BASE..HEAD` (the commits of HEAD not in BASE) or one revision (judged against
    /// its first parent).
    pub fn new(store: &Store, range: &str) -> Result<Self, CommandError> {
        let (base, commits) = commits_in(store, range)?;
        let base_snapshot = base.and_then(|base| store.snapshot(Some(&base.to_string())).ok());
        let allowed = base_snapshot
            .as_ref()
            .and_then(|s| s.read_text(ALLOWED_SIGNERS).ok().flatten());
        let policy = base_snapshot.as_ref().and_then(|s| load_config(s).ok());
        let trust = Trust::new(&store.git_config()?, allowed);
        Ok(Self {
            base,
            commits,
            trust,
            policy,
        })
    }

    /// Whether the base's policy wants commits signed (`[signing] require` or signer
    /// policies).
    pub fn signing_required(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| p.signing_required || !p.stage_signers.is_empty())
    }

    pub fn audit(&self, store: &Store, commit: CommitId) -> Result<CommitAudit, CommandError> {
        let verification = verify_commit(store, commit, &self.trust);
        let signature_problem = match &verification.status {
            SigStatus::Good => None,
            SigStatus::Unverifiable(reason) => {
                Some(format!("signature could not be checked: {reason}"))
            }
            SigStatus::Unsigned => Some("the commit is not signed".to_owned()),
            SigStatus::Unknown => Some("signed by a key that is not an allowed signer".to_owned()),
            SigStatus::Untrusted(why) => {
                Some(format!("signed by a key that is not trusted: {why}"))
            }
            SigStatus::Bad => {
                Some("the signature does not match the commit (altered after signing?)".to_owned())
            }
        };
        let mut signer_problems = Vec::new();
        if let Some(policy) = self.policy.as_ref().filter(|p| !p.stage_signers.is_empty()) {
            // A merge is judged by the moves its sides do not explain, not by its
            // difference from its first parent (see `policy::merges`).
            for entry in super::slot_moves::slot_moves(store, commit, policy)? {
                // A stage moves by promotion or rollback; an alias that an endpoint
                // gated by a stage follows needs that stage's signers for any move.
                // Emptying a stage (an endpoint following it is removed) needs the
                // same rights as filling it.
                let leaving = entry.event.kind == EventKind::Unassigned;
                let (stage, alias) = match (&entry.event.slot, &entry.event.kind) {
                    (
                        Some(Slot::Stage(stage)),
                        EventKind::Promoted | EventKind::RolledBack | EventKind::Unassigned,
                    ) => (stage.as_str(), None),
                    (
                        Some(Slot::Alias(alias)),
                        EventKind::AliasSet | EventKind::AliasRemoved | EventKind::RolledBack,
                    ) => {
                        let gate = entry
                            .model
                            .parse()
                            .ok()
                            .and_then(|model| policy.alias_gate(&model, alias));
                        let Some(stage) = gate else {
                            continue;
                        };
                        (stage, Some(alias))
                    }
                    _ => continue,
                };
                let Some((name, allowed)) = policy
                    .stage_signers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(stage))
                else {
                    continue;
                };
                let permitted = verification.signed_by_one_of(allowed);
                if !permitted {
                    let what = match alias {
                        None if leaving => format!("out of `{name}`,"),
                        None => format!("into `{name}`,"),
                        Some(alias) => format!("with alias `{alias}`, gated by `{name}`,"),
                    };
                    let what = if entry.by_merge {
                        format!("{what} by the merge itself (no commit it brings did),")
                    } else {
                        what
                    };
                    signer_problems.push(format!(
                        "moves `{}@{}` {what} which only {} may sign",
                        entry.model,
                        entry.event.version,
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        Ok(CommitAudit {
            commit,
            subject: store.commit_summary(commit)?,
            verification,
            signature_problem,
            signer_problems,
        })
    }
}

/// The trusted base and the commits to check, oldest first.
pub fn commits_in(
    store: &Store,
    range: &str,
) -> Result<(Option<CommitId>, Vec<CommitId>), CommandError> {
    let resolve = |rev: &str| store.resolve(if rev.is_empty() { "HEAD" } else { rev });
    match range.split_once("..") {
        Some((base, head)) => {
            let (base, head) = (resolve(base)?, resolve(head)?);
            Ok((Some(base), store.commits_between(base, head)?))
        }
        None => {
            let commit = resolve(range)?;
            Ok((store.parent_of(commit)?, vec![commit]))
        }
    }
}
