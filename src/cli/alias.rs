//! `omgreg alias set|rm`: free-form pointers like `@champion`.

use crate::ops::lifecycle::{LifecycleRequest, lifecycle};

use super::action::report;
use super::{CommandError, Ctx};

/// Set or remove an alias.
///
/// Aliases (`champion`, `canary`) point at one version each, beside the stages, and
/// resolve as `MODEL@ALIAS`; `omgreg rollback MODEL --alias NAME` rolls them back.
#[derive(Debug, clap::Args)]
pub struct AliasArgs {
    #[command(subcommand)]
    command: AliasCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AliasCommand {
    /// Point `NAME` at `MODEL@VERSION`.
    Set {
        /// The version: `MODEL@VERSION` (or a stage, alias or `latest`).
        #[arg(value_name = "MODEL@REF")]
        target: String,
        /// The alias, e.g. `champion`.
        #[arg(value_name = "NAME")]
        alias: String,
        /// Extra text for the commit message.
        #[arg(short = 'm', long = "message", value_name = "MSG")]
        message: Option<String>,
        /// Print the change that would be committed, and write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        sign: super::SignArgs,
    },
    /// Remove alias `NAME` of `MODEL`.
    Rm {
        /// The model.
        #[arg(value_name = "MODEL")]
        model: String,
        /// The alias to remove.
        #[arg(value_name = "NAME")]
        alias: String,
        /// Extra text for the commit message.
        #[arg(short = 'm', long = "message", value_name = "MSG")]
        message: Option<String>,
        /// Print the change that would be committed, and write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        sign: super::SignArgs,
    },
}

impl AliasArgs {
    /// The `--sign` / `--no-sign` given after `alias set|rm`.
    pub(crate) fn sign(&self) -> super::SignArgs {
        match &self.command {
            AliasCommand::Set { sign, .. } | AliasCommand::Rm { sign, .. } => *sign,
        }
    }
}

pub fn run(ctx: &Ctx, args: AliasArgs) -> Result<(), CommandError> {
    let (request, dry_run) = match args.command {
        AliasCommand::Set {
            target,
            alias,
            message,
            dry_run,
            ..
        } => {
            let target = target.parse()?;
            let request = LifecycleRequest::SetAlias {
                target,
                alias,
                message,
            };
            (request, dry_run)
        }
        AliasCommand::Rm {
            model,
            alias,
            message,
            dry_run,
            ..
        } => {
            let model = model.parse()?;
            let request = LifecycleRequest::RemoveAlias {
                model,
                alias,
                message,
            };
            (request, dry_run)
        }
    };
    let store = ctx.open_store()?;
    let committed = lifecycle(&store, ctx.sign_mode, dry_run, request)?;
    report(ctx, &store, &committed, false)
}
