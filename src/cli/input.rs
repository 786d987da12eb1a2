//! Parsing of repeated `KEY=VALUE` flags and of input files.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ArgError, CommandError, env_vars};
use crate::ops::input;

/// Splits `KEY=VALUE`; the key must be non-empty.
pub fn key_value<'a>(flag: &'static str, input: &'a str) -> Result<(&'a str, &'a str), ArgError> {
    match input.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        _ => Err(ArgError::NotKeyValue {
            flag,
            input: input.to_owned(),
        }),
    }
}

/// `--tag K=V`-style flags into a sorted map (a later flag wins).
pub fn string_map(
    flag: &'static str,
    inputs: &[String],
) -> Result<BTreeMap<String, String>, ArgError> {
    inputs
        .iter()
        .map(|input| key_value(flag, input).map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// `--metric K=V` flags; values must be finite numbers.
pub fn metric_map(inputs: &[String]) -> Result<BTreeMap<String, f64>, ArgError> {
    inputs
        .iter()
        .map(|input| {
            let (key, value) = key_value("--metric", input)?;
            match value.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => Ok((key.to_owned(), number)),
                _ => Err(ArgError::NonNumericMetric {
                    key: key.to_owned(),
                    value: value.to_owned(),
                }),
            }
        })
        .collect()
}

/// The text of the file given to `flag`: a regular UTF-8 file within the input
/// limit (`OMGREG_MAX_INPUT_BYTES`).
pub fn read_text(flag: &'static str, path: &Path) -> Result<String, CommandError> {
    Ok(input::read_input_text(flag, path, limit()?)?)
}

/// The bytes of the file given to `flag`, as [`read_text`] checks it.
pub fn read_bytes(flag: &'static str, path: &Path) -> Result<Vec<u8>, CommandError> {
    Ok(input::read_input(flag, path, limit()?)?)
}

fn limit() -> Result<input::InputLimit, input::InputError> {
    let var = env_vars::OMGREG_MAX_INPUT_BYTES;
    input::InputLimit::from_setting(var, env_vars::value(var).as_deref())
}

#[cfg(test)]
#[path = "../cli_input_fuzz_tests.rs"]
mod fuzz_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_must_be_finite_numbers() {
        assert_eq!(metric_map(&["acc=0.5".into()]).unwrap()["acc"], 0.5);
        assert!(matches!(
            metric_map(&["acc=high".into()]),
            Err(ArgError::NonNumericMetric { .. })
        ));
        assert!(matches!(
            metric_map(&["acc=inf".into()]),
            Err(ArgError::NonNumericMetric { .. })
        ));
        assert!(matches!(
            metric_map(&["=1".into()]),
            Err(ArgError::NotKeyValue { .. })
        ));
        assert!(matches!(
            metric_map(&["acc".into()]),
            Err(ArgError::NotKeyValue { .. })
        ));
    }
}
