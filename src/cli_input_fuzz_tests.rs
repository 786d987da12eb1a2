//! Property-based fuzzing of `cli/input.rs`: `KEY=VALUE` flags and `--metric`
//! values. Declared from `src/cli/input.rs`; kept outside `src/cli/` so the line
//! budget of the command line (`.ci/lint-layering`) counts only its code.

use proptest::prelude::*;

use super::{key_value, metric_map, string_map};
use crate::fuzz_support::{any_text, fuzz, scalar};

/// `KEY=VALUE` shaped flags: random keys and values around one or more `=`.
fn flag() -> BoxedStrategy<String> {
    prop_oneof![
        any_text(),
        (scalar(), "[= ]{0,3}", scalar()).prop_map(|(k, eq, v)| format!("{k}{eq}{v}")),
        (any_text(), any_text()).prop_map(|(k, v)| format!("{k}={v}")),
    ]
    .boxed()
}

#[test]
fn fuzz_key_value_and_metric_flags() {
    fuzz(
        "key=value and --metric flags",
        proptest::collection::vec(flag(), 0..4),
        |flags| {
            for input in &flags {
                if let Ok((key, value)) = key_value("--tag", input) {
                    assert!(!key.is_empty() && input.ends_with(value));
                }
            }
            let _ = string_map("--tag", &flags);
            if let Ok(metrics) = metric_map(&flags) {
                assert!(metrics.values().all(|v| v.is_finite()));
            }
        },
    );
}
