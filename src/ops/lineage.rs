//! The work of `omgreg lineage`: a version's parent chain and children in the
//! registry, and the commits that touched it; it never prints.

use crate::registry::{
    self, ModelName, ModelRef, RegistryConfig, RegistryError, Snapshot, VersionRow, load_config,
};
use crate::render::LineageReport;
use crate::store::{CommitId, Store};

use super::CommandError;

/// What `lineage` found, and the commit it read.
pub struct Lineage {
    /// `None` on an unborn branch.
    pub commit: Option<CommitId>,
    pub report: LineageReport,
}

/// The lineage of `reference` as of `rev` (default HEAD).
pub fn lineage(
    store: &Store,
    reference: &ModelRef,
    rev: Option<&str>,
) -> Result<Lineage, CommandError> {
    let snapshot = store.snapshot(rev)?;
    let config = load_config(&snapshot)?;
    let row = registry::resolve(&snapshot, &config, reference)?;
    let parents = parent_chain(&snapshot, &config, &row)?;
    let children = children_of(&snapshot, &config, &row)?;
    let mut commits = Vec::new();
    if let Some(head) = snapshot.commit() {
        for entry in store.history(head, Some(&row.version.model))? {
            let entry = entry?;
            if entry.event.version == row.version.version.to_string() {
                commits.push(entry);
            }
        }
    }
    Ok(Lineage {
        commit: snapshot.commit(),
        report: LineageReport {
            version: row,
            parents,
            children,
            commits,
        },
    })
}

/// The parent, its parent, ... as far as they are in the registry (cycles stop).
fn parent_chain(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    row: &VersionRow,
) -> Result<Vec<Result<VersionRow, String>>, RegistryError> {
    let mut chain = Vec::new();
    let mut seen = vec![format!("{}@{}", row.version.model, row.version.version)];
    let mut next = parent_of(row);
    while let Some(parent) = next {
        if seen.contains(&parent) {
            break;
        }
        seen.push(parent.clone());
        let resolved = parent
            .parse::<ModelRef>()
            .and_then(|r| registry::resolve(snapshot, config, &r));
        match resolved {
            Ok(found) => {
                next = parent_of(&found);
                chain.push(Ok(found));
            }
            Err(_) => {
                chain.push(Err(parent));
                break;
            }
        }
    }
    Ok(chain)
}

fn parent_of(row: &VersionRow) -> Option<String> {
    row.version
        .doc
        .lineage
        .as_ref()
        .and_then(|lineage| lineage.parent.clone())
}

/// Every version in the registry whose parent is `row`.
fn children_of(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    row: &VersionRow,
) -> Result<Vec<VersionRow>, RegistryError> {
    let me = format!("{}@{}", row.version.model, row.version.version);
    let mut children = Vec::new();
    for name in snapshot.list(registry::MODELS_DIR)? {
        let Ok(model) = name.parse::<ModelName>() else {
            continue;
        };
        for child in registry::list_versions(snapshot, config, &model)? {
            if parent_of(&child).as_deref() == Some(me.as_str()) {
                children.push(child);
            }
        }
    }
    Ok(children)
}
