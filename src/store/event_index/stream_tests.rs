//! Unit tests of the backward reader: whatever the chunk size, it gives what reading
//! the whole file gives (newest first), and refuses exactly the files that reading
//! the whole file refuses.

use std::io::Write;

use git2::Oid;
use proptest::prelude::*;

use super::*;
use crate::store::event_index::format::{Hex, encode_into, parse_log};

/// A log: change points at increasing positions, each one's events (when derived)
/// written anywhere after it (events are derived lazily, in any order).
fn log() -> impl Strategy<Value = (Vec<Record>, u64)> {
    proptest::collection::vec(
        (1u64..4, any::<bool>(), any::<prop::sample::Index>()),
        0..12,
    )
    .prop_map(|points| {
        let change = |n: u64| Record::Change {
            n,
            commit: Hex(Oid::from_bytes(&[n as u8; 20]).unwrap()),
            old: None,
            new: Some(Hex(Oid::from_bytes(&[1; 20]).unwrap())),
        };
        let mut n = 0;
        let mut records: Vec<Record> = Vec::new();
        let mut derived = Vec::new();
        for (gap, derive, at) in points {
            n += gap;
            records.push(change(n));
            if derive {
                derived.push((n, at));
            }
        }
        for (n, at) in derived {
            let after = records
                .iter()
                .position(|r| matches!(r, Record::Change { n: c, .. } if *c == n))
                .unwrap()
                + 1;
            let events = Record::Events(Derived {
                n,
                time: n as i64,
                author: "A".into(),
                email: "a@example.com".into(),
                subject: "s".repeat(at.index(40)),
                action: None,
                events: Vec::new(),
            });
            let place = after + at.index(records.len() - after + 1);
            records.insert(place, events);
        }
        (records, n)
    })
}

/// Everything the stream gives, or where it stopped.
fn read_all(bytes: &[u8], seq: u64, chunk: u64) -> Result<Vec<(u64, Option<i64>)>, Corrupt> {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    let mut stream = ModelStream::reading(Some(file), bytes.len() as u64, seq, Vec::new(), chunk)?;
    let mut out = Vec::new();
    while let Some((point, derived)) = stream.next()? {
        out.push((point.n, derived.map(|d| d.time)));
    }
    Ok(out)
}

/// What reading the whole file gives, newest first.
fn whole(bytes: &[u8], seq: u64) -> Result<Vec<(u64, Option<i64>)>, Corrupt> {
    let log = parse_log(bytes, seq)?;
    Ok(log
        .changes
        .iter()
        .rev()
        .map(|c| (c.n, log.derived.get(&c.n).map(|d| d.time)))
        .collect())
}

proptest! {
    #[test]
    fn backwards_in_any_chunks_is_the_whole_file_read_newest_first(
        (records, seq) in log(),
        chunk in 1u64..300,
        damage in proptest::option::of((any::<prop::sample::Index>(), 0u8..8)),
    ) {
        let mut bytes = Vec::new();
        for record in &records {
            encode_into(&mut bytes, record);
        }
        if let Some((at, bit)) = damage.filter(|_| !bytes.is_empty()) {
            let at = at.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        let streamed = read_all(&bytes, seq, chunk);
        let expected = whole(&bytes, seq);
        prop_assert_eq!(streamed.is_ok(), expected.is_ok(), "{:?} / {:?}", streamed, expected);
        if let (Ok(streamed), Ok(expected)) = (streamed, expected) {
            prop_assert_eq!(streamed, expected);
        }
    }
}

#[test]
fn pending_change_points_come_first_and_a_short_file_is_refused() {
    let point = |n: u64| ChangePoint {
        n,
        commit: Oid::from_bytes(&[n as u8; 20]).unwrap(),
        old: None,
        new: None,
    };
    let mut bytes = Vec::new();
    encode_into(&mut bytes, &point(2).record());
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(&bytes).unwrap();
    let mut stream =
        ModelStream::new(Some(file), bytes.len() as u64, 2, vec![point(4), point(7)]).unwrap();
    let mut seen = Vec::new();
    while let Some((point, _)) = stream.next().unwrap() {
        seen.push(point.n);
    }
    assert_eq!(seen, [7, 4, 2]);
    let short = tempfile::tempfile().unwrap();
    assert!(ModelStream::new(Some(short), 10, 2, Vec::new()).is_err());
    assert!(ModelStream::new(None, 10, 2, Vec::new()).is_err());
}
