//! `pull`'s replay of local commits on the remote's tip. A commit omgreg made is
//! re-run as its action (derived from its tree change, as `history` derives it), with
//! its preconditions and the remote's policy checked on the remote's state; a hand
//! edit is replayed as its file change and judged by the `check` rules. Either way the
//! replayed commit keeps its message and author, is signed as configured, and carries
//! re-rendered model cards and endpoints.

use crate::registry::{
    self, Actor, Change, Event, FileChange, ModelName, ReplayAction, ReplayInputs, Slot,
    SlotConflict, Snapshot, action_of, card_file, load_config, merge_stages, model_of_path,
};
use crate::render;
use crate::store::{CommitId, Store, TreeSnapshot, Writer};

use super::SyncError;
use crate::ops::{CommandError, check};

/// What every replayed commit of one `pull` shares.
pub struct ReplayContext<'a> {
    pub remote: &'a str,
    /// The remote's commits not in the local branch, oldest first: what it did.
    pub theirs: Vec<CommitId>,
    pub signer_principals: Option<Vec<String>>,
    /// Stamped into `archived` blocks the local commit does not show.
    pub actor: Actor,
}

/// A local commit, read once.
struct Local<'s> {
    commit: CommitId,
    before: Option<TreeSnapshot<'s>>,
    after: TreeSnapshot<'s>,
    files: Vec<(String, Option<Vec<u8>>)>,
}

/// Replays local `commit` on top of `tip`; returns the new commit.
pub fn replay(
    writer: &Writer<'_>,
    context: &ReplayContext<'_>,
    commit: CommitId,
    tip: CommitId,
) -> Result<CommitId, CommandError> {
    let store = writer.store();
    let parent = store.parent_of(commit)?;
    let local = Local {
        commit,
        before: parent.map(|p| store.snapshot_at(p)).transpose()?,
        after: store.snapshot_at(commit)?,
        files: store.changed_files(parent, commit)?,
    };
    let current = store.snapshot_at(tip)?;
    let message = store.commit_message(commit)?;
    let action = find_action(store, context, &local)?;
    let change = match &action {
        Some(action) => rerun(store, context, &local, action, &current)?,
        None => merge_files(store, context, &local, &current)?,
    };
    let change = render::with_derived_files(&current, change)?;
    let new = writer.commit_on(tip, &change, &message, commit)?;
    if action.is_none() {
        let findings = check::check_step(store, tip, new)?;
        if !findings.is_empty() {
            let details = findings
                .iter()
                .map(|f| {
                    let place = f.file.as_deref().map_or_else(String::new, |file| {
                        format!(
                            "`{file}`{}: ",
                            f.line.map_or_else(String::new, |l| format!(":{l}"))
                        )
                    });
                    format!(
                        "`check` on the result: {place}{} [{}]",
                        f.message,
                        f.rule.code()
                    )
                })
                .chain(their_actions(store, context, None, &local.files)?)
                .collect();
            return Err(conflict(store, commit, details));
        }
    }
    Ok(new)
}

/// The action `local` made, when its trailer, its events and its files all say it is
/// exactly that action; `None` for a hand edit.
fn find_action(
    store: &Store,
    context: &ReplayContext<'_>,
    local: &Local<'_>,
) -> Result<Option<ReplayAction>, CommandError> {
    let Some(before) = &local.before else {
        return Ok(None);
    };
    let entries = store.commit_events(local.commit)?;
    let trailer = entries.first().and_then(|e| e.action.clone());
    let mut events = Vec::new();
    for entry in entries {
        let Ok(model) = entry.model.parse::<ModelName>() else {
            return Ok(None);
        };
        events.push((model, entry.event));
    }
    let Some(action) = action_of(trailer.as_deref(), &events) else {
        return Ok(None);
    };
    let derived = derived_paths(&local.after);
    let inputs = inputs(context, local, before);
    let only_its_files = match &action {
        ReplayAction::Register { model, version } => local.files.iter().all(|(path, _)| {
            derived.contains(path)
                || *path == card_file(model)
                || registry::register_paths(path, model, version)
        }),
        other => registry::reproduces(other, &inputs, &derived),
    };
    Ok(only_its_files.then_some(action))
}

fn inputs<'a>(
    context: &'a ReplayContext<'_>,
    local: &'a Local<'_>,
    before: &'a TreeSnapshot<'_>,
) -> ReplayInputs<'a> {
    ReplayInputs {
        before,
        after: &local.after,
        files: &local.files,
        signer_principals: context.signer_principals.as_deref(),
        actor: &context.actor,
    }
}

/// Endpoint manifests: rendered, never replayed.
fn derived_paths(snapshot: &dyn Snapshot) -> Vec<String> {
    load_config(snapshot)
        .map(|config| config.endpoints.iter().map(|e| e.output.clone()).collect())
        .unwrap_or_default()
}

/// Re-runs `action` on the remote's state; a refusal stops the pull, naming both sides.
fn rerun(
    store: &Store,
    context: &ReplayContext<'_>,
    local: &Local<'_>,
    action: &ReplayAction,
    current: &TreeSnapshot<'_>,
) -> Result<Change, CommandError> {
    let before = local
        .before
        .as_ref()
        .expect("actions are found on commits with a parent");
    match registry::replay(action, current, &inputs(context, local, before)) {
        Ok(change) => Ok(change),
        Err(refusal) => {
            let details = std::iter::once(refusal.describe(context.remote))
                .chain(their_actions(store, context, Some(action), &local.files)?)
                .collect();
            Err(conflict(store, local.commit, details))
        }
    }
}

/// What the remote did that concerns the same models (and, when known, the same
/// versions or slots) as the local commit: `origin did: <subject> (<commit>)`.
fn their_actions(
    store: &Store,
    context: &ReplayContext<'_>,
    action: Option<&ReplayAction>,
    files: &[(String, Option<Vec<u8>>)],
) -> Result<Vec<String>, CommandError> {
    let models: Vec<ModelName> = match action {
        Some(action) => action.models().into_iter().cloned().collect(),
        None => files
            .iter()
            .filter_map(|(path, _)| model_of_path(path).map(|(model, _)| model))
            .collect(),
    };
    let versions: Vec<String> = action
        .map(|a| a.versions().iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let slots = action.map(ReplayAction::slots).unwrap_or_default();
    let same_slot = |slot: &Slot| {
        slots.iter().any(|s| {
            std::mem::discriminant(s) == std::mem::discriminant(slot)
                && s.name().eq_ignore_ascii_case(slot.name())
        })
    };
    let mut lines = Vec::new();
    let mut nearby = Vec::new();
    for commit in &context.theirs {
        let entries = store.commit_events(*commit)?;
        let of_models: Vec<_> = entries
            .iter()
            .filter(|entry| models.iter().any(|m| m.as_str() == entry.model))
            .collect();
        let Some(first) = of_models.first() else {
            continue;
        };
        let line = format!(
            "`{}` did: {} ({})",
            context.remote,
            first.subject,
            commit.short()
        );
        let relevant = of_models.iter().any(|entry| {
            let event = &entry.event;
            versions.contains(&event.version)
                || event
                    .previous
                    .as_ref()
                    .is_some_and(|p| versions.contains(p))
                || event.slot.as_ref().is_some_and(same_slot)
        });
        if relevant {
            lines.push(line);
        } else {
            nearby.push(line);
        }
    }
    if lines.is_empty() {
        // Nothing names the same version or slot: what the remote did to the models.
        lines = nearby;
    }
    Ok(lines)
}

/// A hand edit replayed as files: each file the local commit changed, taken when the
/// remote left it alone; `stages.yaml` merged slot by slot; anything else changed on
/// both sides is a conflict.
fn merge_files(
    store: &Store,
    context: &ReplayContext<'_>,
    local: &Local<'_>,
    current: &TreeSnapshot<'_>,
) -> Result<Change, CommandError> {
    let config = load_config(current)?;
    let derived = derived_paths(current);
    let mut files = Vec::new();
    let mut models: Vec<ModelName> = Vec::new();
    let mut conflicts: Vec<String> = Vec::new();
    for (path, new) in &local.files {
        let model = model_of_path(path).map(|(model, _)| model);
        if let Some(model) = &model {
            if !models.contains(model) {
                models.push(model.clone());
            }
            if *path == card_file(model) {
                continue; // re-rendered
            }
        }
        if derived.contains(path) {
            continue;
        }
        let old = match &local.before {
            Some(snapshot) => Snapshot::read(snapshot, path)?,
            None => None,
        };
        let now = Snapshot::read(current, path)?;
        if now == old || now == *new {
            let file = new.clone().map_or(FileChange::Remove, FileChange::Write);
            files.push((path.clone(), file));
            continue;
        }
        if path.ends_with("/stages.yaml") {
            let text = |bytes: &Option<Vec<u8>>| {
                bytes
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
            };
            let (old, new, now) = (text(&old), text(new), text(&now));
            match merge_stages(
                &config,
                path,
                old.as_deref(),
                new.as_deref(),
                now.as_deref(),
            )? {
                Ok(merged) => files.push((path.clone(), FileChange::Write(merged.into_bytes()))),
                Err(slots) => {
                    conflicts.extend(slots.iter().map(|c| describe(path, c, context.remote)))
                }
            }
            continue;
        }
        conflicts.push(format!(
            "`{path}`: changed here and on `{}` (e.g. the same version registered on both sides)",
            context.remote
        ));
    }
    if !conflicts.is_empty() {
        return Err(conflict(store, local.commit, conflicts));
    }
    Ok(Change {
        files,
        event: Event::Replayed { models },
        message: None,
    })
}

fn describe(path: &str, conflict: &SlotConflict, remote: &str) -> String {
    format!(
        "{} in `{path}`: here {}, on `{remote}` it now holds {}",
        conflict.slot, conflict.local, conflict.remote
    )
}

/// The `omgreg::sync::conflict` error for local `commit`.
fn conflict(store: &Store, commit: CommitId, details: Vec<String>) -> CommandError {
    let summary = store
        .commit_message(commit)
        .ok()
        .and_then(|m| m.lines().next().map(str::to_owned))
        .unwrap_or_default();
    CommandError::Conflict(
        SyncError::Conflict {
            commit: commit.short(),
            summary,
            details,
        }
        .into(),
    )
}
