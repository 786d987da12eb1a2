//! `omgreg verify`: signatures and signer policy over a range of commits.

use crate::ops;
use crate::render;

use super::{CommandError, Ctx};

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
    /// Instead: check the artifact signature of the version RANGE names (`MODEL@REF`)
    /// against the trusted keys, and its bytes in the local LFS store.
    #[arg(long)]
    artifacts: bool,
}

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    if args.artifacts {
        let verdict = ops::artifact_sig::verify_artifacts(&store, &args.range.parse()?)?;
        return Ok(render::artifacts_verdict(&ctx.output, &verdict)?);
    }
    let verdicts = ops::verify::verify(&store, &args.range)?;
    render::verify(&ctx.output, &verdicts)?;
    if verdicts.iter().any(|v| !v.problems.is_empty()) {
        return Err(CommandError::Violations);
    }
    Ok(())
}
