//! `omgreg notify`: deliver pending registry events.

use crate::ops::notify;
use crate::store::Writer;

use super::{CommandError, Ctx};

/// Deliver registry events to the configured notification targets.
///
/// Targets are `[[notify]]` webhooks in `omgreg.toml` (POST, JSON, HMAC-SHA256
/// signed with the secret in `secret_env`) and, from your own
/// `~/.config/omgreg/config.toml` only, webhooks or shell commands — a cloned
/// registry can never make omgreg run a command. Each target gets the events of the
/// commits after its cursor (`refs/omgreg/notified/<name>`; a new target starts with
/// the latest commit), and the cursor moves only past what was delivered.
#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// Only this target.
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
}

pub fn run(ctx: &Ctx, args: NotifyArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let mut targets = notify::targets(&store)?;
    if let Some(name) = &args.target {
        targets.retain(|t| &t.name == name);
    }
    let failures = notify::deliver_pending(
        &Writer::for_refs(&store),
        &targets,
        &ctx.output,
        notify::Budget::unlimited(),
    )?;
    if failures > 0 {
        return Err(CommandError::User(NotifyFailed { failures }.into()));
    }
    Ok(())
}

/// After an action's commit: deliver what is pending (see [`notify::after_action`]).
pub fn after_action(ctx: &Ctx, writer: &Writer<'_>) {
    notify::after_action(writer, &ctx.output);
}

/// Some targets were not notified (unreachable, refusing, or without their secret).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{failures} notification target(s) were not notified (why is printed above, per target)")]
#[diagnostic(
    code(omgreg::notify::failed),
    help(
        "their cursors did not move past the undelivered events; fix what is named above and run `omgreg notify` again"
    )
)]
pub struct NotifyFailed {
    pub failures: usize,
}
