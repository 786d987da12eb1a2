//! `omgreg lineage`: where a version comes from and what derives from it.

use crate::registry::{
    self, ModelName, ModelRef, RegistryConfig, RegistryError, Snapshot, VersionRow, load_config,
};
use crate::render::{self, LineageReport};

use super::read::RevArgs;
use super::{CommandError, Ctx};

/// Show a version's lineage: its parent chain, its children, the data and code it
/// was trained from, and the commits that touched it.
#[derive(Debug, clap::Args)]
pub struct LineageArgs {
    /// The version: `MODEL@REF`.
    #[arg(value_name = "MODEL@REF")]
    reference: String,

    #[command(flatten)]
    rev: RevArgs,
}

pub fn run(ctx: &Ctx, args: LineageArgs) -> Result<(), CommandError> {
    let reference: ModelRef = args.reference.parse()?;
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let config = load_config(&snapshot)?;
    let row = registry::resolve(&snapshot, &config, &reference)?;
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
    let report = LineageReport {
        version: row,
        parents,
        children,
        commits,
    };
    Ok(render::lineage(
        &ctx.output,
        snapshot.commit().map(|c| c.to_string()),
        &report,
    )?)
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
