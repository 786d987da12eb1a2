//! Unit tests of the index's line format and of the tip log: round trips, damage
//! that is always seen, and no panic on any bytes (property-based, like
//! `store/fuzz_tests.rs`).

use proptest::prelude::*;

use super::super::tip::{Lengths, Step, Tip, TipLine, parse_tip};
use super::*;
use crate::fuzz_support::{any_bytes, any_text, fuzz, mutate, mutation};

fn oid() -> impl Strategy<Value = Hex> {
    any::<[u8; 20]>().prop_map(|bytes| Hex(Oid::from_bytes(&bytes).unwrap()))
}

fn event() -> impl Strategy<Value = EventRecord> {
    let kind = prop::sample::select(KINDS.to_vec());
    (
        kind,
        any_text(),
        any::<u8>(),
        any_text(),
        proptest::option::of(any_text()),
    )
        .prop_map(|(kind, version, slot, name, previous)| {
            let slot = match slot % 3 {
                0 => None,
                1 => Some(Slot::Stage(name)),
                _ => Some(Slot::Alias(name)),
            };
            EventRecord::from(&ModelEvent {
                kind,
                version,
                slot,
                previous,
            })
        })
}

fn record() -> impl Strategy<Value = Record> {
    let change = (
        1u64..u64::MAX,
        oid(),
        proptest::option::of(oid()),
        proptest::option::of(oid()),
    )
        .prop_map(|(n, commit, old, new)| Record::Change {
            n,
            commit,
            old,
            new,
        });
    let events = (
        1u64..u64::MAX,
        any::<i64>(),
        (any_text(), any_text(), any_text()),
        proptest::option::of(any_text()),
        proptest::collection::vec(event(), 0..4),
    )
        .prop_map(|(n, time, (author, email, subject), action, events)| {
            Record::Events(Derived {
                n,
                time,
                author,
                email,
                subject,
                action,
                events,
            })
        });
    prop_oneof![change, events]
}

proptest! {
    #[test]
    fn lines_read_back_and_a_flipped_bit_is_always_seen(
        record in record(),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let line = encode(&record);
        prop_assert_eq!(line.last(), Some(&b'\n'));
        let body = &line[..line.len() - 1];
        prop_assert_eq!(decode::<Record>(body), Some(record));
        let mut damaged = body.to_vec();
        let at = at.index(damaged.len());
        damaged[at] ^= 1 << bit;
        prop_assert_eq!(decode::<Record>(&damaged), None);
    }
}

#[test]
fn fuzz_model_logs() {
    let valid = proptest::collection::vec(record(), 0..6).prop_map(|records| {
        let mut bytes = Vec::new();
        for record in records {
            encode_into(&mut bytes, &record);
        }
        String::from_utf8(bytes).unwrap()
    });
    let input = prop_oneof![
        any_bytes(),
        (valid, proptest::collection::vec(mutation(), 0..3))
            .prop_map(|(text, mutations)| mutate(&text, &mutations).into_bytes()),
    ];
    fuzz(
        "event index model logs",
        (input, any::<u64>()),
        |(bytes, seq)| {
            let _ = parse_log(&bytes, seq);
        },
    );
}

#[test]
fn fuzz_tip_logs() {
    let input = prop_oneof![
        any_bytes(),
        (any_text(), proptest::collection::vec(mutation(), 0..3)).prop_map(|(text, m)| {
            let mut log = encode(&TipLine::Base(Tip::empty("refs/heads/main")));
            log.extend(mutate(&text, &m).into_bytes());
            log
        }),
    ];
    fuzz("event index tip logs", input, |bytes| {
        let _ = parse_tip(&bytes);
    });
}

fn change(n: u64) -> Record {
    Record::Change {
        n,
        commit: Hex(Oid::from_bytes(&[n as u8; 20]).unwrap()),
        old: None,
        new: Some(Hex(Oid::from_bytes(&[7; 20]).unwrap())),
    }
}

fn derived(n: u64) -> Record {
    Record::Events(Derived {
        n,
        time: 0,
        author: "A".into(),
        email: "a@example.com".into(),
        subject: "s".into(),
        action: None,
        events: Vec::new(),
    })
}

fn log(records: &[Record]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for record in records {
        encode_into(&mut bytes, record);
    }
    bytes
}

#[test]
fn a_model_log_keeps_its_order_and_its_events_follow_their_change_point() {
    let read = parse_log(&log(&[change(2), derived(2), change(5)]), 5).unwrap();
    assert_eq!(read.changes.iter().map(|c| c.n).collect::<Vec<_>>(), [2, 5]);
    assert!(read.derived.contains_key(&2) && !read.derived.contains_key(&5));
    // Out of order, past the tip, events of no change point, twice derived, cut.
    for bad in [
        log(&[change(5), change(2)]),
        log(&[change(2), change(2)]),
        log(&[change(6)]),
        log(&[derived(2), change(2)]),
        log(&[change(2), derived(2), derived(2)]),
    ] {
        assert!(parse_log(&bad, 5).is_err());
    }
    let whole = log(&[change(2)]);
    assert!(parse_log(&whole[..whole.len() - 1], 5).is_err());
}

fn step(seq: u64, models: &[(&str, u64)]) -> TipLine {
    TipLine::Step(Step {
        commit: Some(Hex(Oid::from_bytes(&[seq as u8; 20]).unwrap())),
        tree: None,
        seq,
        unnamed: false,
        models: models.iter().map(|(m, l)| ((*m).to_owned(), *l)).collect(),
    })
}

#[test]
fn the_tip_log_applies_its_steps_and_leaves_out_a_torn_last_line() {
    let mut base = Tip::empty("refs/heads/main");
    base.models.insert("churn".into(), 10);
    base.models.insert("churn-small".into(), 20);
    let mut bytes = encode(&TipLine::Base(base));
    bytes.extend(encode(&step(3, &[("churn", 30)])));
    bytes.extend(encode(&step(4, &[("new", 5)])));
    let read = parse_tip(&bytes).unwrap();
    assert_eq!(
        (read.tip.seq, read.steps, read.len),
        (4, 2, bytes.len() as u64)
    );
    let lengths = &read.tip.models;
    assert_eq!(
        [
            lengths.get("churn"),
            lengths.get("churn-small"),
            lengths.get("new")
        ],
        [Some(30), Some(20), Some(5)]
    );
    assert_eq!(lengths.get("chur"), None);
    assert_eq!(lengths.all().len(), 3);

    // A writer died half-way through its line: the state before it stands.
    let torn = encode(&step(5, &[("churn", 99)]));
    let mut cut = bytes.clone();
    cut.extend(&torn[..torn.len() / 2]);
    let read = parse_tip(&cut).unwrap();
    assert_eq!((read.tip.seq, read.len), (4, bytes.len() as u64));

    // A damaged complete line, a step going back, a missing base: untrusted.
    let mut flipped = bytes.clone();
    let at = bytes.len() - 10;
    flipped[at] ^= 1;
    let mut back = bytes.clone();
    back.extend(encode(&step(2, &[])));
    for bad in [flipped, back, encode(&step(1, &[]))] {
        assert!(parse_tip(&bad).is_err());
    }
}

proptest! {
    #[test]
    fn length_lookups_agree_with_the_whole_map(
        base in proptest::collection::btree_map("[a-z0-9][a-z0-9._-]{0,8}", any::<u64>(), 0..20),
        steps in proptest::collection::btree_map("[a-z0-9][a-z0-9._-]{0,8}", any::<u64>(), 0..5),
        probe in "[a-z0-9][a-z0-9._-]{0,8}",
    ) {
        let mut tip = Tip::empty("refs/heads/main");
        for (model, len) in &base {
            tip.models.insert(model.clone(), *len);
        }
        // Written and read back: the base map is then kept as written.
        let read = parse_tip(&encode(&TipLine::Base(tip))).unwrap();
        let mut lengths: Lengths = read.tip.models;
        for (model, len) in &steps {
            lengths.insert(model.clone(), *len);
        }
        let all = lengths.all();
        for model in all.keys().chain([&probe]) {
            prop_assert_eq!(lengths.get(model), all.get(model).copied());
        }
    }
}
