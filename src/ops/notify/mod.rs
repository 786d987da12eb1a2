//! Notifications: delivering registry events to webhooks and commands, after each
//! local action and by `omgreg notify`.
//!
//! Events come from the commit graph (the same tree diffs as `history`), so a
//! promotion merged by a pull request is delivered by the CI job that runs `omgreg
//! notify` on the main branch. Each target keeps a cursor,
//! `refs/omgreg/notified/<name>`, advanced only past commits whose events were all
//! delivered: delivery is at least once, and a failure never undoes a commit.

mod deliver;
mod mlflow_body;
mod payload;

pub use deliver::{Budget, MAX_TIMEOUT, Target};
pub use payload::EventPayload;

use crate::registry::CONFIG_FILE;
use crate::schema::{ConfigDoc, UserConfigDoc};
use crate::store::{Store, Writer};

use super::{CommandError, Progress};

/// How long delivery right after an action may take in all: the action has landed
/// and its user is waiting; whatever is left is `omgreg notify`'s.
pub const AFTER_ACTION_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// After an action's commit: deliver what is pending within [`AFTER_ACTION_BUDGET`],
/// reporting (never failing on) errors; the next `omgreg notify` retries them.
pub fn after_action(writer: &Writer<'_>, progress: &dyn Progress) {
    let Ok(targets) = targets(writer.store()) else {
        return;
    };
    if targets.is_empty() {
        return;
    }
    match deliver_pending(writer, &targets, progress, Budget::of(AFTER_ACTION_BUDGET)) {
        Ok(0) => {}
        Ok(failures) => progress.status(&format!(
            "warning: {failures} notification target(s) failed; `omgreg notify` will deliver the rest"
        )),
        Err(_) => progress.status("warning: notifications could not be sent; run `omgreg notify`"),
    }
}

/// Registry webhooks (HEAD's `omgreg.toml`) and the user's own targets.
pub fn targets(store: &Store) -> Result<Vec<Target>, CommandError> {
    let mut targets = Vec::new();
    let snapshot = store.snapshot(None)?;
    if let Some(text) = crate::registry::Snapshot::read_text(&snapshot, CONFIG_FILE)? {
        let doc = ConfigDoc::parse(CONFIG_FILE, &text)?;
        targets.extend(doc.notify.iter().filter_map(Target::from_registry));
    }
    if let Some(path) = user_config_path()
        && let Ok(text) = std::fs::read_to_string(&path)
    {
        let doc = UserConfigDoc::parse(&path.display().to_string(), &text)?;
        targets.extend(doc.notify.iter().filter_map(Target::from_user));
    }
    targets.retain(|t| valid_name(&t.name));
    Ok(targets)
}

fn user_config_path() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("omgreg").join("config.toml"))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.parse::<crate::registry::ModelName>().is_ok()
}

/// Delivers the pending events of every target within `budget`; returns how many
/// targets failed or were left for later when the budget ran out.
pub fn deliver_pending(
    writer: &Writer<'_>,
    targets: &[Target],
    progress: &dyn Progress,
    budget: Budget,
) -> Result<usize, CommandError> {
    let store = writer.store();
    let (_, Some(head)) = store.branch_tip()? else {
        return Ok(0);
    };
    let registry = store
        .snapshot(None)
        .ok()
        .and_then(|s| crate::registry::load_config(&s).ok())
        .map(|c| c.name)
        .unwrap_or_default();
    let mut failures = 0;
    for target in targets {
        let cursor = match store.find_cursor(&target.name) {
            Some(cursor) => Some(cursor),
            // A new target starts with the latest commit's events; its cursor is set
            // there first, so a failed first delivery is retried, not lost.
            None => {
                let start = store.parent_of(head).ok().flatten();
                if let Some(start) = start {
                    writer.move_cursor(&target.name, start)?;
                }
                start
            }
        };
        let commits = match cursor {
            // History was rewritten under the cursor (a replaying pull, a reset): start
            // from where it and the branch meet, not from the first commit.
            Some(cursor) if !store.is_ancestor(cursor, head)? => {
                let base = store.merge_base(cursor, head)?;
                store.first_parent_range(base, head)?
            }
            cursor => store.first_parent_range(cursor, head)?,
        };
        let mut delivered = 0;
        'commits: for commit in &commits {
            for (index, entry) in store.commit_events(*commit)?.iter().enumerate() {
                if !target.wants(entry.event.kind.as_str()) {
                    continue;
                }
                let payload = EventPayload::new(&registry, entry, index);
                let body = if target.speaks_mlflow() {
                    // An event MLflow has no counterpart of is not sent there.
                    let Some(body) = mlflow_body::mlflow_body(&payload) else {
                        continue;
                    };
                    body
                } else {
                    serde_json::to_string(&payload).expect("payloads serialize")
                };
                if budget.exhausted() {
                    progress.status(&format!(
                        "notify `{}`: out of time; `omgreg notify` delivers the rest",
                        target.name
                    ));
                    failures += 1;
                    break 'commits;
                }
                if let Err(err) = target.deliver(&body, &payload.id, budget) {
                    progress.status(&format!("notify `{}`: {err}", target.name));
                    failures += 1;
                    break 'commits;
                }
                delivered += 1;
            }
            writer.move_cursor(&target.name, *commit)?;
        }
        if delivered > 0 {
            progress.status(&format!(
                "Notified `{}` of {delivered} event(s)",
                target.name
            ));
        }
    }
    Ok(failures)
}
