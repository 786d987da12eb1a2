//! The work of `omgreg history`: the audit log from the commit graph, filtered, with
//! each commit's signature verdict; it never prints.

use std::collections::HashMap;

use crate::registry::{self, ModelName, load_config};
use crate::sign::{Trust, Verification, verify_commit};
use crate::store::{CommitId, HistoryEntry, Store};

use super::CommandError;
use super::signing;

/// A typed `history` request.
#[derive(Debug, Clone, Default)]
pub struct HistoryRequest {
    /// Only this model.
    pub model: Option<ModelName>,
    /// Only events of this stage or alias (any case).
    pub stage: Option<String>,
    /// At most this many events.
    pub limit: Option<usize>,
    /// The revision to read from (default HEAD), already resolved from a date.
    pub rev: Option<String>,
}

/// The events found, newest first, and the signature verdict of each one's commit.
pub struct HistoryReport {
    pub head: CommitId,
    pub entries: Vec<HistoryEntry>,
    pub signatures: Vec<Verification>,
}

/// The audit log; `None` when the revision has no commit (an unborn branch).
pub fn history(
    store: &Store,
    request: &HistoryRequest,
) -> Result<Option<HistoryReport>, CommandError> {
    let snapshot = store.snapshot(request.rev.as_deref())?;
    let Some(head) = snapshot.commit() else {
        return Ok(None);
    };
    let config = load_config(&snapshot)?;
    if let Some(model) = &request.model
        && !registry::model_exists(&snapshot, model)?
        && store.history(head, Some(model))?.next().is_none()
    {
        return Err(registry::model_not_found(&snapshot, model).into());
    }
    if let Some(stage) = &request.stage
        && config.ladder.find(stage).is_none()
        && registry::validate_alias(stage, &config.ladder).is_err()
    {
        return Err(registry::unknown_stage(&config, stage).into());
    }
    let entries = select(store, head, request)?;
    // `--stage` also takes an alias; a name that is neither a stage nor an alias any
    // event ever moved is a typo (`prod`), not an empty history.
    if let Some(stage) = &request.stage
        && entries.is_empty()
        && config.ladder.find(stage).is_none()
    {
        return Err(registry::unknown_stage(&config, stage).into());
    }
    let signatures = signatures(store, &entries)?;
    Ok(Some(HistoryReport {
        head,
        entries,
        signatures,
    }))
}

/// The events from `head` along first parents that the request keeps.
fn select(
    store: &Store,
    head: CommitId,
    request: &HistoryRequest,
) -> Result<Vec<HistoryEntry>, CommandError> {
    let mut entries: Vec<HistoryEntry> = Vec::new();
    for entry in store.history(head, request.model.as_ref())? {
        let entry = entry?;
        let keep = match (&request.stage, &entry.event.slot) {
            (None, _) => true,
            (Some(stage), Some(slot)) => slot.name().eq_ignore_ascii_case(stage),
            (Some(_), None) => false,
        };
        if keep {
            entries.push(entry);
            if request.limit.is_some_and(|limit| entries.len() >= limit) {
                break;
            }
        }
    }
    Ok(entries)
}

/// The signature verdict of each entry's commit (each commit checked once), against
/// the allowed signers at HEAD or `gpg.ssh.allowedSignersFile`.
fn signatures(store: &Store, entries: &[HistoryEntry]) -> Result<Vec<Verification>, CommandError> {
    let config = store.git_config()?;
    let trust = Trust::new(&config, signing::head_allowed_signers(store));
    let mut seen: HashMap<CommitId, Verification> = HashMap::new();
    Ok(entries
        .iter()
        .map(|entry| {
            seen.entry(entry.commit)
                .or_insert_with(|| verify_commit(store, entry.commit, &trust))
                .clone()
        })
        .collect())
}
