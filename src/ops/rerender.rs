//! Re-rendering model cards and endpoint manifests after hand edits, as one commit
//! (nothing when they are up to date).

use crate::registry::{Change, Event, ModelName, model_exists, model_names, model_not_found};
use crate::render;
use crate::sign::SignMode;
use crate::store::{Committed, Store};

use super::{CommandError, commit_action, open_writer};

/// Commits what omgreg would render for `only` (every model when `None`); `None`
/// when the files are already up to date.
pub fn rerender(
    store: &Store,
    sign_mode: SignMode,
    dry_run: bool,
    only: Option<&ModelName>,
) -> Result<Option<Committed>, CommandError> {
    let (writer, _) = open_writer(store, sign_mode)?;
    let head = store.snapshot(None)?;
    let models = match only {
        Some(model) => vec![model.clone()],
        None => model_names(&head),
    };
    let pending = render::with_derived_files(&head, empty(models))?;
    if pending.files.is_empty() {
        return Ok(None);
    }
    drop(head);
    let committed = commit_action(&writer, dry_run, None, &mut |snapshot| {
        let models = match only {
            Some(model) if !model_exists(snapshot, model)? => {
                return Err(model_not_found(snapshot, model));
            }
            Some(model) => vec![model.clone()],
            None => model_names(snapshot),
        };
        // The derived files are added by the action runner; the change itself is empty.
        Ok(empty(models))
    })?;
    Ok(Some(committed))
}

fn empty(models: Vec<ModelName>) -> Change {
    Change {
        files: Vec::new(),
        event: Event::Rendered { models },
        message: None,
    }
}
