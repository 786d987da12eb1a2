//! `omgreg events`: the registry events of a range of commits, as JSON lines.

use crate::ops::{self, notify::EventPayload};

use super::{CommandError, Ctx};

/// Print the registry events of a range of commits.
///
/// One event per line (with `--json`, one JSON object per line: registered,
/// promoted, rolled_back, alias_set, archived, ... with model, version, stage,
/// commit, author, time), oldest first. RANGE is `A..B` or one revision (default
/// `HEAD`; for `A..B`, the first-parent commits of B after where A and B meet).
/// Events are derived from tree diffs, like `history`.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// `A..B` or one revision.
    #[arg(long, value_name = "A..B", default_value = "HEAD")]
    range: String,
}

pub fn run(ctx: &Ctx, args: EventsArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let payloads = ops::events::events(&store, &args.range)?;
    Ok(ctx.output.data(&lines(&payloads, ctx.output.json))?)
}

/// One line per event: a JSON object, or time, commit, event, version and slot.
fn lines(payloads: &[EventPayload], json: bool) -> String {
    let mut text = String::new();
    for payload in payloads {
        if json {
            text.push_str(&serde_json::to_string(payload).expect("payloads serialize"));
        } else {
            let slot = payload
                .stage
                .clone()
                .or(payload.alias.clone().map(|a| format!("@{a}")))
                .unwrap_or_default();
            text.push_str(&format!(
                "{}  {}  {:<12} {}@{} {slot}",
                payload.time,
                &payload.commit[..12],
                payload.event,
                payload.model,
                payload.version
            ));
        }
        text.push('\n');
    }
    text
}
