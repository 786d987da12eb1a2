//! The rollback stack: examples from DESIGN §3 and a property test against a forward
//! reference model.

use std::collections::BTreeSet;
use std::convert::Infallible;

use proptest::prelude::*;

use super::*;

fn v(n: u64) -> VersionId {
    VersionId::first().bump_to_test(n)
}

trait TestVersion {
    fn bump_to_test(self, n: u64) -> VersionId;
}

impl TestVersion for VersionId {
    fn bump_to_test(self, n: u64) -> VersionId {
        format!("{n}.0.0").parse().unwrap()
    }
}

/// Records changes oldest first; `target` reads them newest first.
#[derive(Default)]
struct History {
    changes: Vec<SlotChange>,
    holder: Option<VersionId>,
}

impl History {
    fn set(&mut self, new: Option<VersionId>, rolled_back: bool) {
        if new != self.holder {
            self.changes.push(SlotChange {
                old: self.holder.clone(),
                new: new.clone(),
                rolled_back,
            });
            self.holder = new;
        }
    }

    fn target(&self, unusable: &BTreeSet<VersionId>) -> Option<VersionId> {
        let newest_first = self.changes.iter().rev().cloned().map(Ok::<_, Infallible>);
        rollback_target(self.holder.as_ref(), newest_first, |version| {
            Ok(!unusable.contains(version))
        })
        .unwrap()
    }

    fn roll_back(&mut self, unusable: &BTreeSet<VersionId>) -> Option<VersionId> {
        let target = self.target(unusable)?;
        self.set(Some(target.clone()), true);
        Some(target)
    }
}

#[test]
fn rollback_walks_down_the_stack_and_never_up() {
    let mut history = History::default();
    for n in [1, 2, 3] {
        history.set(Some(v(n)), false);
    }
    let none = BTreeSet::new();
    assert_eq!(history.roll_back(&none), Some(v(2)));
    assert_eq!(history.roll_back(&none), Some(v(1)));
    assert_eq!(history.roll_back(&none), None);
}

#[test]
fn rollback_skips_unusable_versions() {
    let mut history = History::default();
    for n in [1, 2, 3] {
        history.set(Some(v(n)), false);
    }
    let archived = BTreeSet::from([v(2)]);
    assert_eq!(history.roll_back(&archived), Some(v(1)));
    assert_eq!(history.roll_back(&archived), None);
}

#[test]
fn a_cleared_stage_rolls_back_to_its_last_usable_holder() {
    let mut history = History::default();
    history.set(Some(v(1)), false);
    history.set(Some(v(2)), false);
    history.set(None, false); // archive --force of 2.0.0
    assert_eq!(history.target(&BTreeSet::from([v(2)])), Some(v(1)));
}

#[test]
fn reading_stops_once_the_target_is_known() {
    let mut history = History::default();
    for n in 1..=50 {
        history.set(Some(v(n)), false);
    }
    let mut read = 0;
    let newest_first = history.changes.iter().rev().cloned().map(|c| {
        read += 1;
        Ok::<_, Infallible>(c)
    });
    let target = rollback_target(history.holder.as_ref(), newest_first, |_| Ok(true)).unwrap();
    assert_eq!(target, Some(v(49)));
    assert_eq!(read, 2, "the current holder's change and the one below it");
}

/// The forward definition: a promotion pushes, a rollback pops the top and then
/// everything unusable (or equal to the version rolled back from).
#[derive(Default)]
struct Reference {
    stack: Vec<Option<VersionId>>,
}

impl Reference {
    fn set(&mut self, new: Option<VersionId>) {
        if self.stack.last() != Some(&new) {
            self.stack.push(new);
        }
    }

    fn roll_back(&mut self, unusable: &BTreeSet<VersionId>) -> Option<VersionId> {
        let current = self.stack.last().cloned().flatten();
        let mut below = self.stack.len().checked_sub(1)?;
        while below > 0 {
            below -= 1;
            if let Some(version) = self.stack[below].clone()
                && Some(&version) != current.as_ref()
                && !unusable.contains(&version)
            {
                self.stack.truncate(below + 1);
                return Some(version);
            }
        }
        None
    }
}

#[derive(Debug, Clone)]
enum Op {
    Promote(u64),
    Clear,
    RollBack,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![4 => (1u64..6).prop_map(Op::Promote), 1 => Just(Op::Clear), 3 => Just(Op::RollBack)]
}

proptest! {
    #[test]
    fn backward_search_agrees_with_the_forward_stack(
        ops in proptest::collection::vec(op(), 0..40),
        unusable in proptest::collection::btree_set(1u64..6, 0..3),
    ) {
        let unusable: BTreeSet<VersionId> = unusable.into_iter().map(v).collect();
        let mut history = History::default();
        let mut reference = Reference::default();
        reference.stack.push(None);
        for op in ops {
            match op {
                Op::Promote(n) => {
                    history.set(Some(v(n)), false);
                    reference.set(Some(v(n)));
                }
                Op::Clear => {
                    history.set(None, false);
                    reference.set(None);
                }
                Op::RollBack => {
                    let expected = reference.roll_back(&unusable);
                    prop_assert_eq!(history.roll_back(&unusable), expected);
                }
            }
        }
    }
}
