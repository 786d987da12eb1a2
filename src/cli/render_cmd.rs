//! `omgreg render`: bring generated files up to date after hand edits.

use crate::ops::rerender::rerender;
use crate::registry::ModelName;

use super::action::report;
use super::{CommandError, Ctx};

/// Re-render model cards and endpoint manifests, as one commit.
///
/// Every action keeps them current; after a hand edit (a stage changed in a web
/// editor, a new `[[endpoint]]`, an edited template) `check` reports them as stale,
/// and this commits what omgreg would render. Without MODEL, every model.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// Only this model (its card and the endpoints that follow it).
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: RenderArgs) -> Result<(), CommandError> {
    let only = args
        .model
        .as_deref()
        .map(str::parse::<ModelName>)
        .transpose()?;
    let store = ctx.open_store()?;
    match rerender(&store, ctx.sign_mode, args.dry_run, only.as_ref())? {
        Some(committed) => report(ctx, &store, &committed, false),
        None => {
            ctx.output
                .status("Model cards and endpoints are up to date");
            Ok(())
        }
    }
}
