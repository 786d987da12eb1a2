//! Parsing of repeated `KEY=VALUE` flags and of input files.

use std::collections::BTreeMap;
use std::path::Path;

use super::ArgError;

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

/// Reads a text file named on the command line.
pub fn read_text(path: &Path) -> Result<String, ArgError> {
    std::fs::read_to_string(path).map_err(|source| ArgError::Unreadable {
        path: path.display().to_string(),
        source,
    })
}

/// Fails with a clear error when `path` cannot be opened for reading.
pub fn ensure_readable(path: &Path) -> Result<(), ArgError> {
    std::fs::File::open(path)
        .map(drop)
        .map_err(|source| ArgError::Unreadable {
            path: path.display().to_string(),
            source,
        })
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
