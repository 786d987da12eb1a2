//! `omgreg events`: the registry events of a range of commits, as JSON lines.

use crate::registry::load_config;

use super::{CommandError, Ctx};
use crate::ops::audit::commits_in;
use crate::ops::notify::EventPayload;

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
    let registry = store
        .snapshot(None)
        .ok()
        .and_then(|s| load_config(&s).ok())
        .map(|c| c.name)
        .unwrap_or_default();
    // Along first parents, like `history` and `notify`: a merged pull request's
    // events come once, from its merge, not again from the branch's own commits.
    let commits = match args.range.split_once("..") {
        Some((base, head)) => {
            let head = store.resolve(if head.is_empty() { "HEAD" } else { head })?;
            let base = store.resolve(if base.is_empty() { "HEAD" } else { base })?;
            let base = store.merge_base(base, head)?;
            store.first_parent_range(base, head)?
        }
        None => commits_in(&store, &args.range)?.1,
    };
    let mut text = String::new();
    for commit in commits {
        for (index, entry) in store.commit_events(commit)?.iter().enumerate() {
            let payload = EventPayload::new(&registry, entry, index);
            if ctx.output.json {
                text.push_str(&serde_json::to_string(&payload).expect("payloads serialize"));
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
    }
    Ok(ctx.output.data(&text)?)
}
