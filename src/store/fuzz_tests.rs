//! Property-based fuzzing of what the store parses from committed content: Git LFS
//! pointer files, commit-message trailers and the rollback slots they name, and
//! `--at` dates. Property: no panic, each case well under a second
//! (`crate::fuzz_support`); a pointer omgreg writes parses back to itself.

use proptest::prelude::*;

use super::events::{rolled_back_slots, trailers};
use super::{LfsPointer, parse_date};
use crate::fuzz_support::{any_bytes, any_text, fuzz, mutate, mutation, scalar};
use crate::registry::Digest;

const SPEC: &str = "version https://git-lfs.github.com/spec/v1";

/// Pointer files: the spec line, then `oid` and `size` lines (and others) in any
/// order, with random, huge or malformed values.
fn pointer_text() -> BoxedStrategy<String> {
    let line = prop_oneof![
        "[0-9a-fA-F]{60,68}".prop_map(|hex| format!("oid sha256:{hex}")),
        scalar().prop_map(|value| format!("oid sha256:{value}")),
        any::<u64>().prop_map(|size| format!("size {size}")),
        scalar().prop_map(|value| format!("size {value}")),
        scalar().prop_map(|value| format!("ext-0-x {value}")),
        any_text(),
    ];
    (proptest::collection::vec(line, 0..5), any::<bool>())
        .prop_map(|(lines, spec)| {
            let mut text = if spec {
                format!("{SPEC}\n")
            } else {
                String::new()
            };
            for line in lines {
                text.push_str(&line);
                text.push('\n');
            }
            text
        })
        .boxed()
}

#[test]
fn fuzz_lfs_pointers() {
    let input = prop_oneof![
        any_bytes(),
        (pointer_text(), proptest::collection::vec(mutation(), 0..3))
            .prop_map(|(text, mutations)| mutate(&text, &mutations).into_bytes()),
    ];
    fuzz("lfs pointers", input, |bytes| {
        let _ = LfsPointer::parse(&bytes);
    });
}

#[test]
fn fuzz_lfs_pointers_round_trip() {
    fuzz(
        "lfs pointer round trip",
        (any::<[u8; 32]>(), any::<u64>()),
        |(oid, size)| {
            let pointer = LfsPointer {
                oid: Digest::from_bytes(&oid),
                size,
            };
            let text = pointer.to_text();
            assert_eq!(LfsPointer::parse(text.as_bytes()), Some(pointer));
        },
    );
}

/// Commit messages ending in a trailer block of `Omgreg-*` and random keys.
fn message() -> BoxedStrategy<String> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "Omgreg-Action",
            "Omgreg-Model",
            "Omgreg-Stage",
            "Omgreg-Alias",
            "Signed-off-by",
            "Omgreg-Action ",
        ])
        .prop_map(str::to_owned),
        "[A-Za-z-]{0,20}",
        any_text(),
    ];
    let value = prop_oneof![
        prop::sample::select(vec!["rollback", "promote", "churn", "Production"])
            .prop_map(str::to_owned),
        scalar(),
        any_text(),
    ];
    let separator = prop::sample::select(vec![": ", ":", " : ", "=", ":\n  ", ": \r"]);
    (
        any_text(),
        proptest::collection::vec((key, separator, value), 0..8),
    )
        .prop_map(|(subject, lines)| {
            let mut text = format!("{subject}\n\n");
            for (key, separator, value) in lines {
                text.push_str(&format!("{key}{separator}{value}\n"));
            }
            text
        })
        .boxed()
}

#[test]
fn fuzz_commit_trailers() {
    let input = prop_oneof![
        any_text(),
        any_bytes().prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        (message(), proptest::collection::vec(mutation(), 0..3))
            .prop_map(|(text, mutations)| mutate(&text, &mutations)),
    ];
    fuzz("commit trailers", (input, scalar()), |(message, model)| {
        let found = trailers(&message);
        let _ = rolled_back_slots(&found, &model);
        let _ = rolled_back_slots(&found, "churn");
    });
}

#[test]
fn fuzz_dates() {
    let date = prop_oneof![
        any_text(),
        scalar(),
        "@?-?[0-9]{1,25}( [+-][0-9]{4})?",
        "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})?(Z|[+-][0-9]{2}:?[0-9]{2})?",
    ];
    fuzz("dates", date, |text| {
        let _ = parse_date(&text);
    });
}
