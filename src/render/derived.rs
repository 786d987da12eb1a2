//! Files derived from the registry state: model cards and endpoint manifests, added
//! to every change that affects them so they are committed in the same commit.

use std::collections::BTreeSet;

use super::{endpoint_manifest, model_card};
use crate::registry::{
    Change, FileChange, ModelName, Overlay, RegistryError, Snapshot, card_file, check_new_paths,
    load_config,
};

/// Adds to `change` the model cards of the models it touches and the endpoints that
/// follow them, as they will be after the change. Files whose content would not
/// change are left out.
pub fn with_derived_files(
    snapshot: &dyn Snapshot,
    mut change: Change,
) -> Result<Change, RegistryError> {
    let models: BTreeSet<ModelName> = change.event.models().into_iter().cloned().collect();
    if models.is_empty() {
        return Ok(change);
    }
    let mut derived = Vec::new();
    {
        let after = Overlay::new(snapshot, &change);
        let config = load_config(&after)?;
        for model in &models {
            derived.push((card_file(model), Some(model_card(&after, &config, model)?)));
        }
        for endpoint in config
            .endpoints
            .iter()
            .filter(|e| models.contains(&e.model))
        {
            derived.push((
                endpoint.output.clone(),
                endpoint_manifest(&after, &config, endpoint)?,
            ));
        }
    }
    let mut created = Vec::new();
    for (path, content) in derived {
        let current = snapshot.read(&path)?;
        match content {
            Some(text) if current.as_deref() != Some(text.as_bytes()) => {
                if current.is_none() {
                    created.push(path.clone());
                }
                change.put(path, FileChange::Write(text.into_bytes()));
            }
            None if current.is_some() => change.put(path, FileChange::Remove),
            _ => {}
        }
    }
    // A new endpoint manifest is named by `omgreg.toml`: it must check out
    // everywhere like any path an action creates.
    check_new_paths(snapshot, &created)?;
    Ok(change)
}
