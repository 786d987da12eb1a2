//! `omgreg notify` and the notification that follows each local action.
//!
//! Events come from the commit graph (the same tree diffs as `history`), so a
//! promotion merged by a pull request is delivered by the CI job that runs `omgreg
//! notify` on the main branch. Each target keeps a cursor,
//! `refs/omgreg/notified/<name>`, advanced only past commits whose events were all
//! delivered: delivery is at least once, and a failure never undoes a commit.

mod deliver;
mod payload;

use git2::Oid;

pub use deliver::Target;
pub use payload::EventPayload;

use crate::registry::CONFIG_FILE;
use crate::schema::{ConfigDoc, UserConfigDoc};
use crate::store::Store;

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
    let mut targets = targets(&store)?;
    if let Some(name) = &args.target {
        targets.retain(|t| &t.name == name);
    }
    let failures = deliver_pending(ctx, &store, &targets)?;
    if failures > 0 {
        return Err(CommandError::User(NotifyFailed { failures }.into()));
    }
    Ok(())
}

/// After an action's commit: deliver what is pending, reporting (never failing on)
/// errors; the next `omgreg notify` retries them.
pub fn after_action(ctx: &Ctx, store: &Store) {
    let Ok(targets) = targets(store) else { return };
    if targets.is_empty() {
        return;
    }
    match deliver_pending(ctx, store, &targets) {
        Ok(0) => {}
        Ok(failures) => ctx.output.status(&format!(
            "warning: {failures} notification target(s) failed; `omgreg notify` will deliver the rest"
        )),
        Err(_) => ctx.output.status("warning: notifications could not be sent; run `omgreg notify`"),
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

/// Delivers the pending events of every target; returns how many targets failed.
fn deliver_pending(ctx: &Ctx, store: &Store, targets: &[Target]) -> Result<usize, CommandError> {
    let (_, Some(head)) = store.branch_tip()? else {
        return Ok(0);
    };
    let registry = store
        .snapshot(None)
        .ok()
        .and_then(|s| crate::registry::load_config(&s).ok())
        .map(|c| c.name)
        .unwrap_or_default();
    let repo = store.repository();
    let mut failures = 0;
    for target in targets {
        let cursor_ref = format!("refs/omgreg/notified/{}", target.name);
        let cursor = match repo.find_reference(&cursor_ref) {
            Ok(reference) => reference.target(),
            // A new target starts with the latest commit's events; its cursor is set
            // there first, so a failed first delivery is retried, not lost.
            Err(_) => {
                let start = repo
                    .find_commit(head)
                    .ok()
                    .and_then(|c| c.parent_id(0).ok());
                if let Some(start) = start {
                    advance(store, &cursor_ref, start)?;
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
                let body = serde_json::to_string(&payload).expect("payloads serialize");
                if let Err(err) = target.deliver(&body, &payload.id) {
                    ctx.output
                        .status(&format!("notify `{}`: {err}", target.name));
                    failures += 1;
                    break 'commits;
                }
                delivered += 1;
            }
            advance(store, &cursor_ref, *commit)?;
        }
        if delivered > 0 {
            ctx.output.status(&format!(
                "Notified `{}` of {delivered} event(s)",
                target.name
            ));
        }
    }
    Ok(failures)
}

fn advance(store: &Store, cursor_ref: &str, commit: Oid) -> Result<(), CommandError> {
    store
        .repository()
        .reference(cursor_ref, commit, true, "omgreg notify")
        .map_err(|source| crate::store::StoreError::Git {
            what: "moving a notification cursor",
            source,
        })?;
    Ok(())
}

/// Some targets could not be reached.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{failures} notification target(s) could not be reached")]
#[diagnostic(
    code(omgreg::notify::failed),
    help("their cursors did not move past the undelivered events; run `omgreg notify` again")
)]
pub struct NotifyFailed {
    pub failures: usize,
}
