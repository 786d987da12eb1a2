//! Merges judged by what they change (issue 16). A merge's stage and alias pointers
//! must be explained by its sides: each holding (a version in a stage, an alias on a
//! version) is either as every side and their merge base have it, or as a side that
//! changed it has it. The commits of that side were judged on their own (each against
//! its parent; a root against the empty registry), so a merge that only brings them
//! together needs no rights. Anything else — a holding the merge sets or drops by
//! itself, including putting back what a side had replaced (a "merge" whose first
//! parent is an older commit rolls a stage back while fast-forwarding) — is the merge's
//! own move, and needs the rights of that stage from the merge's signer.
//!
//! Pure: the caller reads the states; nothing here knows Git.

use std::collections::BTreeSet;

use crate::registry::Assignments;

/// One fact of a model's stages file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holding {
    /// `version` holds `stage` (configured spelling).
    Stage { stage: String, version: String },
    /// `alias` points at `version`.
    Alias { alias: String, version: String },
}

/// Everything one state of one model holds.
pub type Holdings = BTreeSet<Holding>;

/// The holdings of `assignments`.
pub fn holdings(assignments: &Assignments) -> Holdings {
    let stages = assignments.stages.iter().flat_map(|(stage, versions)| {
        versions.iter().map(|version| Holding::Stage {
            stage: stage.clone(),
            version: version.to_string(),
        })
    });
    let aliases = assignments
        .aliases
        .iter()
        .map(|(alias, version)| Holding::Alias {
            alias: alias.clone(),
            version: version.to_string(),
        });
    stages.chain(aliases).collect()
}

/// A holding a merge set (`entered`) or dropped on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeMove {
    pub holding: Holding,
    pub entered: bool,
}

/// The holdings `merged` has or lacks that its `parents` (first parent first) and
/// their merge `base` (empty when they share no history) do not explain.
pub fn unexplained_moves(
    base: &Holdings,
    parents: &[Holdings],
    merged: &Holdings,
) -> Vec<MergeMove> {
    let every: BTreeSet<&Holding> = parents.iter().flatten().chain(base).chain(merged).collect();
    every
        .into_iter()
        .filter_map(|holding| {
            let in_base = base.contains(holding);
            let in_merge = merged.contains(holding);
            // What the sides that changed this holding (against the base) made of it.
            let changed: BTreeSet<bool> = parents
                .iter()
                .map(|side| side.contains(holding))
                .filter(|held| *held != in_base)
                .collect();
            let explained = if changed.is_empty() {
                in_merge == in_base
            } else {
                changed.contains(&in_merge)
            };
            (!explained).then(|| MergeMove {
                holding: holding.clone(),
                entered: in_merge,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prod(version: &str) -> Holding {
        Holding::Stage {
            stage: "Production".into(),
            version: version.into(),
        }
    }

    fn alias(name: &str, version: &str) -> Holding {
        Holding::Alias {
            alias: name.into(),
            version: version.into(),
        }
    }

    fn set(items: &[Holding]) -> Holdings {
        items.iter().cloned().collect()
    }

    #[test]
    fn a_pull_request_merged_after_an_unrelated_commit_moves_nothing_itself() {
        let base = set(&[prod("1.0.0")]);
        let main = base.clone();
        let branch = set(&[prod("1.1.0")]);
        let merged = branch.clone();
        assert!(unexplained_moves(&base, &[main, branch], &merged).is_empty());
    }

    #[test]
    fn a_merge_whose_first_parent_is_older_rolls_back_on_its_own() {
        // Finding 1: first parent the old commit (1.0.0), second the tip (1.1.0),
        // the merge keeps the old tree.
        let old = set(&[prod("1.0.0")]);
        let tip = set(&[prod("1.1.0")]);
        let moves = unexplained_moves(&old, &[old.clone(), tip], &old);
        assert_eq!(
            moves,
            [
                MergeMove {
                    holding: prod("1.0.0"),
                    entered: true
                },
                MergeMove {
                    holding: prod("1.1.0"),
                    entered: false
                },
            ]
        );
    }

    #[test]
    fn a_holding_no_side_has_is_the_merges_own() {
        let base = set(&[prod("1.0.0")]);
        let merged = set(&[prod("2.0.0"), alias("champion", "2.0.0")]);
        let moves = unexplained_moves(&base, &[base.clone(), base.clone()], &merged);
        assert_eq!(moves.len(), 3, "{moves:?}");
        assert!(
            moves
                .iter()
                .all(|m| m.entered != (m.holding == prod("1.0.0")))
        );
    }

    #[test]
    fn a_conflict_resolved_for_one_side_drops_the_other_sides_move() {
        let base = set(&[prod("1.0.0")]);
        let main = set(&[prod("1.1.0")]);
        let branch = set(&[prod("1.2.0")]);
        let merged = branch.clone();
        let moves = unexplained_moves(&base, &[main, branch], &merged);
        assert_eq!(
            moves,
            [MergeMove {
                holding: prod("1.1.0"),
                entered: false
            }]
        );
    }

    #[test]
    fn unrelated_histories_are_explained_by_the_side_that_has_them() {
        let empty = Holdings::new();
        let orphan = set(&[prod("9.0.0")]);
        let main = set(&[prod("1.0.0")]);
        let merged = set(&[prod("1.0.0"), prod("9.0.0")]);
        assert!(unexplained_moves(&empty, &[main, orphan], &merged).is_empty());
    }
}
