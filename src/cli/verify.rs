//! `omgreg verify`: signatures and signer policy over a range of commits.

use crate::render::{self, CommitVerdict};

use super::{CommandError, Ctx};
use crate::ops::audit::RangeAudit;

/// Verify commit signatures and who moved which stage.
///
/// RANGE is `BASE..HEAD` (every commit in HEAD not in BASE) or one revision (default
/// `HEAD`, checked against its parent). SSH signatures are checked against
/// `.omgreg/allowed_signers` as committed in BASE (never as changed by the commits
/// under review) or `gpg.ssh.allowedSignersFile`; OpenPGP and X.509 against the
/// keyring. Promotions into a stage with `[policy.<Stage>] signers` (as configured
/// in BASE) must be signed by one of them. Exits 3 when anything is not right.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// `BASE..HEAD`, or one revision.
    #[arg(value_name = "RANGE", default_value = "HEAD")]
    range: String,
}

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let range = RangeAudit::new(&store, &args.range)?;
    let mut verdicts = Vec::new();
    for commit in &range.commits {
        let audit = range.audit(&store, *commit)?;
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
    render::verify(&ctx.output, &verdicts)?;
    if verdicts.iter().any(|v| !v.problems.is_empty()) {
        return Err(CommandError::Violations);
    }
    Ok(())
}
