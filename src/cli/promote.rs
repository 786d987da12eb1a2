//! `omgreg promote`: move versions to a stage.

use crate::registry::{self, ModelRef, PromoteRequest, RefTarget};
use crate::store::Identity;

use super::action::{actor, run_action};
use super::{ArgError, CommandError, Ctx, signing};

/// Promote versions to a stage.
///
/// Moves each `MODEL@VERSION` to `--stage` (by default: the next rung of the ladder).
/// A version holds one stage at a time; the version an exclusive stage held goes back
/// to `None` (or is archived, per `on_replace` in `omgreg.toml`). Several models move
/// in one atomic commit: `omgreg promote a@1.2.0 b@3.0.0 --stage Production`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The versions: `MODEL@VERSION` (or a stage, alias or `latest` to resolve first).
    #[arg(value_name = "MODEL@REF")]
    targets: Vec<String>,

    /// The model, as a flag (its latest version, unless `--version` is given).
    #[arg(long = "model", value_name = "MODEL", conflicts_with = "targets")]
    model: Option<String>,

    /// The version, as a flag (with `--model`).
    #[arg(long = "version", value_name = "VERSION", requires = "model")]
    exact_version: Option<String>,

    /// The stage to promote to (any case); default: the next rung.
    #[arg(long, visible_alias = "to", value_name = "STAGE")]
    stage: Option<String>,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: PromoteArgs) -> Result<(), CommandError> {
    let targets = match (&args.model, &args.exact_version) {
        (Some(model), Some(version)) => {
            vec![ModelRef {
                model: model.parse()?,
                target: RefTarget::Version(version.parse()?),
            }]
        }
        (Some(model), None) => vec![format!("{model}@latest").parse()?],
        _ => args
            .targets
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<ModelRef>, _>>()?,
    };
    if targets.is_empty() {
        return Err(ArgError::ModelMissing { command: "promote" }.into());
    }
    let store = ctx.open_store()?;
    let identity = Identity::from_git(store.repository())?;
    let signing = signing::prepare(ctx, &store, &identity)?;
    let signer_principals = signing::principals_for_policy(&store, &signing)?;
    let request = PromoteRequest {
        targets,
        stage: args.stage,
        actor: actor(&identity),
        message: args.message,
        signer_principals,
    };
    run_action(
        ctx,
        &store,
        &identity,
        &signing,
        args.dry_run,
        &mut |snapshot| registry::promote(snapshot, &request),
    )
}
