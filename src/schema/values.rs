//! Metric and parameter values, and the metrics/params files users hand to `register`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SchemaError;

/// A parameter value: kept typed so `lr: 0.001` stays a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` (up to `u64::MAX`); longer integers are `Text`.
    UInt(u64),
    Float(f64),
    Text(String),
}

impl ParamValue {
    /// Reads a `--param K=V` value the way YAML would type it, except that an
    /// integer is never turned into a float: beyond 64 bits it stays the text of its
    /// digits (`seed=12345678901234567890123` is the string `"1234...123"`).
    pub fn from_flag(text: &str) -> Self {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if let Ok(value) = text.parse::<i64>() {
            Self::Int(value)
        } else if let Ok(value) = text.parse::<u64>() {
            Self::UInt(value)
        } else if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            Self::Text(text.to_owned())
        } else if let Ok(value) = text
            .parse::<f64>()
            .map_err(|_| ())
            .and_then(|v| if v.is_finite() { Ok(v) } else { Err(()) })
        {
            Self::Float(value)
        } else if text == "true" || text == "false" {
            Self::Bool(text == "true")
        } else {
            Self::Text(text.to_owned())
        }
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bool(value) => write!(f, "{value}"),
            Self::Int(value) => write!(f, "{value}"),
            Self::UInt(value) => write!(f, "{value}"),
            Self::Float(value) => write!(f, "{value}"),
            Self::Text(value) => f.write_str(value),
        }
    }
}

/// Parses a JSON or YAML object of metrics; nested objects flatten to dotted keys.
pub fn parse_metrics_file(path: &str, text: &str) -> Result<BTreeMap<String, f64>, SchemaError> {
    let value = parse_tree(path, text)?;
    let mut flat = BTreeMap::new();
    flatten(path, text, "", &value, &mut flat)?;
    flat.into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::Number(number) => number
                .as_f64()
                .filter(|v| v.is_finite())
                .map(|v| (key.clone(), v))
                .ok_or_else(|| non_numeric(path, text, &key)),
            _ => Err(non_numeric(path, text, &key)),
        })
        .collect()
}

fn non_numeric(path: &str, text: &str, key: &str) -> SchemaError {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    SchemaError::value(
        path,
        text,
        leaf,
        format!("metric `{key}` is not a finite number"),
    )
}

/// JSON is YAML, but serde_json gives better messages for `.json` files.
fn parse_tree(path: &str, text: &str) -> Result<serde_json::Value, SchemaError> {
    let value: serde_json::Value = if path.ends_with(".json") {
        serde_json::from_str(text).map_err(|err| SchemaError::json(path, text, &err))?
    } else {
        serde_yaml::from_str(text).map_err(|err| SchemaError::yaml(path, text, &err))?
    };
    if value.is_object() {
        Ok(value)
    } else {
        Err(SchemaError::value(
            path,
            text,
            "",
            "expected a mapping of names to values".to_owned(),
        ))
    }
}

fn flatten(
    path: &str,
    text: &str,
    prefix: &str,
    value: &serde_json::Value,
    out: &mut BTreeMap<String, serde_json::Value>,
) -> Result<(), SchemaError> {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let full = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(path, text, &full, child, out)?;
            }
            Ok(())
        }
        _ if prefix.is_empty() => Err(SchemaError::value(
            path,
            text,
            "",
            "expected a mapping of names to values".to_owned(),
        )),
        other => {
            out.insert(prefix.to_owned(), other.clone());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_flatten_nested_objects() {
        let metrics = parse_metrics_file("m.json", r#"{"acc": 0.9, "val": {"loss": 1}}"#).unwrap();
        assert_eq!(metrics["acc"], 0.9);
        assert_eq!(metrics["val.loss"], 1.0);
    }

    #[test]
    fn non_numeric_metric_names_its_line() {
        let err = parse_metrics_file("m.yaml", "acc: 0.9\nname: bert\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("`name`"), "{}", err.message);
    }

    #[test]
    fn malformed_json_reports_line() {
        let err = parse_metrics_file("m.json", "{\n  \"acc\": 0.9,\n  oops\n}").unwrap_err();
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn params_keep_types() {
        assert_eq!(ParamValue::from_flag("3"), ParamValue::Int(3));
        assert_eq!(ParamValue::from_flag("0.001"), ParamValue::Float(0.001));
        assert_eq!(ParamValue::from_flag("true"), ParamValue::Bool(true));
        assert_eq!(
            ParamValue::from_flag("adam"),
            ParamValue::Text("adam".into())
        );
        assert_eq!(ParamValue::from_flag("nan"), ParamValue::Text("nan".into()));
    }

    // Finding 10: `--param seed=12345678901234567890` became `1.2345678901234567e19`.
    #[test]
    fn flag_integers_are_kept_exactly() {
        assert_eq!(
            ParamValue::from_flag("-9223372036854775808"),
            ParamValue::Int(i64::MIN)
        );
        assert_eq!(
            ParamValue::from_flag("12345678901234567890"),
            ParamValue::UInt(12_345_678_901_234_567_890)
        );
        let long = "123456789012345678901234567890";
        assert_eq!(ParamValue::from_flag(long), ParamValue::Text(long.into()));
        assert_eq!(
            ParamValue::from_flag("-18446744073709551616"),
            ParamValue::Text("-18446744073709551616".into())
        );
        assert_eq!(ParamValue::from_flag("1e20"), ParamValue::Float(1e20));
    }

    // What a version file holds is read back with the same types.
    #[test]
    fn wide_integers_round_trip_through_yaml() {
        let params = std::collections::BTreeMap::from([
            ("a".to_owned(), ParamValue::UInt(u64::MAX)),
            (
                "b".to_owned(),
                ParamValue::Text("123456789012345678901234567890".into()),
            ),
        ]);
        let text = serde_yaml::to_string(&params).unwrap();
        let back: std::collections::BTreeMap<String, ParamValue> =
            serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, params, "{text}");
    }
}
