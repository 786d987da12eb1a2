//! Three-way merge of one model's stage pointers, slot by slot: how `pull` replays a
//! local promotion on top of a remote that moved other stages meanwhile.

use std::collections::BTreeSet;

use crate::schema::{self, StagesDoc};

use super::{Assignments, RegistryConfig, RegistryError, VersionId};

/// The same stage or alias moved on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotConflict {
    /// `stage \`Production\`` or `alias \`champion\``.
    pub slot: String,
    /// What the local side did: `1.0.0 -> 2.0.0`.
    pub local: String,
    /// What the remote holds now.
    pub remote: String,
}

/// Applies the local change `old -> new` of a `stages.yaml` to the remote's `current`
/// one. Slots the local side did not move keep the remote's value; a slot both sides
/// moved (to different versions) is a conflict.
pub fn merge_stages(
    config: &RegistryConfig,
    path: &str,
    old: Option<&str>,
    new: Option<&str>,
    current: Option<&str>,
) -> Result<Result<String, Vec<SlotConflict>>, RegistryError> {
    let parse = |text: Option<&str>| -> Result<Assignments, RegistryError> {
        match text {
            Some(text) if !text.trim().is_empty() => {
                let doc: StagesDoc = schema::from_yaml(path, text)?;
                Assignments::from_doc(&doc, &config.ladder, path, text)
            }
            _ => Ok(Assignments::default()),
        }
    };
    let (old, new, mut merged) = (parse(old)?, parse(new)?, parse(current)?);
    let remote = merged.clone();
    let mut conflicts = Vec::new();
    for stage in config.ladder.iter() {
        let (o, n, c) = (
            old.holders(&stage.name),
            new.holders(&stage.name),
            remote.holders(&stage.name),
        );
        if o == n {
            continue;
        }
        if c == o || c == n {
            merged.set_stage(&stage.name, &config.ladder, n.to_vec());
        } else {
            conflicts.push(SlotConflict {
                slot: format!("stage `{}`", stage.name),
                local: format!("{} -> {}", show(o), show(n)),
                remote: show(c),
            });
        }
    }
    let aliases: BTreeSet<&String> = old.aliases.keys().chain(new.aliases.keys()).collect();
    for alias in aliases {
        let (o, n, c) = (
            old.aliases.get(alias),
            new.aliases.get(alias),
            remote.aliases.get(alias),
        );
        if o == n {
            continue;
        }
        if c == o || c == n {
            match n {
                Some(version) => merged.aliases.insert(alias.clone(), version.clone()),
                None => merged.aliases.remove(alias),
            };
        } else {
            let one =
                |v: Option<&VersionId>| v.map_or_else(|| "nothing".to_owned(), ToString::to_string);
            conflicts.push(SlotConflict {
                slot: format!("alias `{alias}`"),
                local: format!("{} -> {}", one(o), one(n)),
                remote: one(c),
            });
        }
    }
    if !conflicts.is_empty() {
        return Ok(Err(conflicts));
    }
    Ok(Ok(schema::to_yaml(&merged.to_doc(&config.ladder))))
}

/// A slot's holders for a conflict message: `1.0.0,1.1.0`, or `nothing`.
pub(super) fn show(versions: &[VersionId]) -> String {
    match versions {
        [] => "nothing".to_owned(),
        many => many
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ConfigDoc;

    fn config() -> RegistryConfig {
        RegistryConfig::try_from(ConfigDoc::parse("omgreg.toml", "").unwrap()).unwrap()
    }

    #[test]
    fn moves_of_different_slots_combine() {
        let base = "stages:\n  Staging: 1.0.0\n  Production: 0.9.0\n";
        let local = "stages:\n  Staging: 1.0.0\n  Production: 1.1.0\n";
        let remote =
            "stages:\n  Staging: 1.2.0\n  Production: 0.9.0\naliases:\n  champion: 1.2.0\n";
        let merged = merge_stages(&config(), "s.yaml", Some(base), Some(local), Some(remote))
            .unwrap()
            .unwrap();
        assert_eq!(
            merged,
            "stages:\n  Staging: 1.2.0\n  Production: 1.1.0\naliases:\n  champion: 1.2.0\n"
        );
    }

    #[test]
    fn the_same_slot_moved_on_both_sides_conflicts() {
        let base = "stages:\n  Production: 1.0.0\n";
        let local = "stages:\n  Production: 2.0.0\n";
        let remote = "stages:\n  Production: 1.1.0\n";
        let conflicts = merge_stages(&config(), "s.yaml", Some(base), Some(local), Some(remote))
            .unwrap()
            .unwrap_err();
        assert_eq!(
            conflicts,
            [SlotConflict {
                slot: "stage `Production`".into(),
                local: "1.0.0 -> 2.0.0".into(),
                remote: "1.1.0".into()
            }]
        );
        let same = merge_stages(&config(), "s.yaml", Some(base), Some(local), Some(local)).unwrap();
        assert!(same.is_ok());
    }
}
