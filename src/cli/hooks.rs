//! `omgreg hooks install`: `check` as Git hooks, on laptops and on the server.

use crate::ops;
use crate::store::Store;

use super::{CommandError, Ctx};

/// Install Git hooks that run `omgreg check`.
///
/// In a working repository: `pre-commit` (checks the staged registry) and `pre-push`
/// (checks each pushed range; Git LFS's own pre-push still runs after it). With
/// `--server`, in a bare repository: `pre-receive`, which refuses pushes that break
/// the policy and tells the pusher why; refused pushes change no ref.
#[derive(Debug, clap::Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    command: HooksCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HooksCommand {
    /// Write the hooks into the repository's hooks folder.
    Install {
        /// Install the server-side `pre-receive` hook (bare repositories).
        #[arg(long)]
        server: bool,
        /// With `--server`: a folder (from the repository root, `.` for the root)
        /// holding a registry to judge; repeat for several. Default: the registries
        /// HEAD holds, or the root of an empty server.
        #[arg(long, value_name = "FOLDER", requires = "server")]
        folder: Vec<String>,
        /// Replace hooks omgreg did not write.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(ctx: &Ctx, args: HooksArgs) -> Result<(), CommandError> {
    let HooksCommand::Install {
        server,
        folder,
        force,
    } = args.command;
    // A server is often empty until its first push: no registry to find yet.
    let store = match ctx.open_store() {
        Ok(store) => store,
        Err(_) if server => Store::open_bare(&ctx.registry_dir)?,
        Err(err) => return Err(err.into()),
    };
    ops::hooks::install(&store, server, &folder, force, &ctx.output)?;
    Ok(())
}
