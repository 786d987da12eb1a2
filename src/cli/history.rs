//! `omgreg history`: the audit log, from the commit graph.

use crate::registry::{self, ModelName, RegistryError, load_config};
use crate::render;
use std::collections::HashMap;

use crate::sign::{Trust, Verification, verify_commit};
use crate::store::{CommitId, HistoryEntry, Store};

use super::read::RevArgs;
use super::{CommandError, Ctx};
use crate::ops::signing;

/// Show the audit log: who registered, promoted, archived or rolled back what, when.
///
/// Derived from what changed in each commit's tree along first parents (so hand edits
/// and merged pull requests appear like omgreg's own actions), newest first, and
/// annotated with the `Omgreg-Action` trailer when omgreg made the commit, with each
/// commit's signature status (good, bad, unknown signer, unsigned) and signer.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only this model.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// Only events of this stage or alias (any case).
    #[arg(long, value_name = "STAGE")]
    stage: Option<String>,

    /// At most this many events.
    #[arg(long, short = 'n', value_name = "N")]
    limit: Option<usize>,

    #[command(flatten)]
    rev: RevArgs,
}

pub fn run(ctx: &Ctx, args: HistoryArgs) -> Result<(), CommandError> {
    let model = args
        .model
        .as_deref()
        .map(str::parse::<ModelName>)
        .transpose()?;
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let Some(head) = snapshot.commit() else {
        return Ok(());
    };
    let config = load_config(&snapshot)?;
    if let Some(model) = &model
        && !registry::model_exists(&snapshot, model)?
        && store.history(head, Some(model))?.next().is_none()
    {
        return Err(RegistryError::ModelNotFound {
            model: model.to_string(),
        }
        .into());
    }
    if let Some(stage) = &args.stage
        && config.ladder.find(stage).is_none()
        && registry::validate_alias(stage, &config.ladder).is_err()
    {
        return Err(registry::unknown_stage(&config, stage).into());
    }
    let mut entries: Vec<HistoryEntry> = Vec::new();
    for entry in store.history(head, model.as_ref())? {
        let entry = entry?;
        let keep = match (&args.stage, &entry.event.slot) {
            (None, _) => true,
            (Some(stage), Some(slot)) => slot.name().eq_ignore_ascii_case(stage),
            (Some(_), None) => false,
        };
        if keep {
            entries.push(entry);
            if args.limit.is_some_and(|limit| entries.len() >= limit) {
                break;
            }
        }
    }
    let signatures = signatures(&store, &entries)?;
    Ok(render::history(
        &ctx.output,
        Some(head.to_string()),
        &entries,
        &signatures,
    )?)
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
