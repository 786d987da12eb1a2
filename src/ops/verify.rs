//! The work of `omgreg verify`: the verdict on each commit of a range, its signature
//! and the stage moves its signer was allowed to make, judged by the range's base.

use crate::render::CommitVerdict;
use crate::store::Store;

use super::CommandError;
use super::audit::RangeAudit;

/// One verdict per commit of `range` (`BASE..HEAD` or one revision), oldest first;
/// a verdict with problems is a violation.
pub fn verify(store: &Store, range: &str) -> Result<Vec<CommitVerdict>, CommandError> {
    let range = RangeAudit::new(store, range)?;
    let mut verdicts = Vec::new();
    for commit in &range.commits {
        let audit = range.audit(store, *commit)?;
        let mut problems: Vec<String> = audit.signature_problem.into_iter().collect();
        problems.extend(audit.signer_problems);
        verdicts.push(CommitVerdict {
            commit: audit.commit.to_string(),
            subject: audit.subject,
            status: audit.verification.status.as_str(),
            format: audit.verification.format.map(|f| f.as_str()),
            signer: audit.verification.signer,
            problems,
        });
    }
    Ok(verdicts)
}
