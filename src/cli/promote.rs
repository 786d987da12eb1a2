//! `omgreg promote`: move versions to a stage.

use crate::ops::promote::{PromoteOptions, PromoteTargets, promote};
use crate::registry::{ModelRef, RefTarget};

use super::action::report;
use super::{ArgError, CommandError, Ctx};

/// Promote versions to a stage.
///
/// Moves each `MODEL@VERSION` to `--stage` (by default: the next rung of the ladder).
/// A version holds one stage at a time; the version an exclusive stage held goes back
/// to `None` (or is archived, per `on_replace` in `omgreg.toml`). Several models move
/// in one atomic commit: `omgreg promote a@1.2.0 b@3.0.0 --stage Production`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg promote churn@1.1.0                       # up one rung: None -> Staging\n  omgreg promote churn@staging --stage Production\n  omgreg promote churn@1.1.0 --stage Production --branch --push   # for a pull request"
)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

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

    /// Commit on a new branch (for a pull request) instead of the registry branch,
    /// which stays where it is, as does the working tree. Default name:
    /// `omgreg/promote-<model>-<version>-<stage>`.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    branch: Option<String>,

    /// Push the new branch (with `--branch`), LFS objects first.
    #[arg(long, requires = "branch")]
    push: bool,

    /// The remote to push to.
    #[arg(
        long,
        value_name = "REMOTE",
        default_value = "origin",
        requires = "push"
    )]
    remote: String,

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
    let targets = PromoteTargets {
        targets,
        stage: args.stage,
        message: args.message,
    };
    let on_branch = args.branch.is_some();
    let options = PromoteOptions {
        sign_mode: ctx.sign_mode,
        dry_run: args.dry_run,
        branch: args.branch,
        push: args.push.then_some(args.remote),
        progress: &ctx.output,
    };
    let done = promote(&store, targets, &options, &mut |committed| {
        report(ctx, &store, committed, on_branch)
    })?;
    match done.branch {
        Some(branch) if !args.dry_run && !ctx.output.json => {
            Ok(ctx.output.data(&format!("{branch}\n"))?)
        }
        _ => Ok(()),
    }
}
