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
}

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let verdicts = ops::verify::verify(&store, &args.range)?;
    render::verify(&ctx.output, &verdicts)?;
    if verdicts.iter().any(|v| !v.problems.is_empty()) {
        return Err(CommandError::Violations);
    }
    Ok(())
}
