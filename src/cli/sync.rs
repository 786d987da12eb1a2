//! `omgreg push` and `omgreg pull`.

use crate::ops;
use crate::store::Store;

use super::{CommandError, Ctx};

/// Push the registry branch and its artifacts.
///
/// Uploads the Git LFS objects the branch needs first (`git lfs push`), then the
/// branch (`git push`); credential helpers and ssh configuration apply. A remote that
/// has moved on refuses the push: exit 4, `omgreg pull` first.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The remote.
    #[arg(value_name = "REMOTE", default_value = "origin")]
    remote: String,
}

/// Bring in the remote's registry actions.
///
/// Fetches the registry branch; fast-forwards when the local branch has nothing of
/// its own; otherwise replays each local action on top of the remote's, as actions:
/// stage and alias changes merge slot by slot, new versions are added, model cards
/// and endpoints are re-rendered. The same stage or alias moved on both sides, or
/// the same version registered twice, stops with exit 4 and shows both sides; then
/// nothing local has changed.
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The remote.
    #[arg(value_name = "REMOTE", default_value = "origin")]
    remote: String,
}

pub fn push(ctx: &Ctx, args: PushArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let branch = ops::sync::push(&store, &args.remote)?;
    ctx.output
        .status(&format!("Pushed `{branch}` to `{}`", args.remote));
    Ok(())
}

pub fn pull(ctx: &Ctx, args: PullArgs) -> Result<(), CommandError> {
    // A clone made before the registry's first push has no commit yet: pull brings it.
    let store = ctx
        .open_store()
        .or_else(|err| Store::open_unborn(&ctx.registry_dir).map_err(|_| err))?;
    let outcome = ops::sync::pull(&store, &args.remote, ctx.sign_mode)?;
    ctx.output.status(&outcome);
    Ok(())
}
