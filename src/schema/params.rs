//! The `--params-file` parser: a JSON or YAML mapping of parameters, nested keys
//! joined with `.`, every integer kept exactly.
//!
//! Integers that fit `i64` or `u64` stay integers; longer ones become the string of
//! their digits (docs/format.md). serde_json hands an integer beyond 64 bits to a
//! visitor as an `f64`, and serde_yaml one beyond 128 bits, so a float leaf that
//! could be such an integer sends the file through a second pass that reads the
//! literal of those leaves as written. Must not depend on `registry`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};

use super::{ParamValue, SchemaError};

/// A parameters document before flattening.
#[derive(Debug)]
enum Node {
    Map(Vec<(String, Node)>),
    Leaf(ParamValue),
    /// A float with no fraction beyond `i64::MAX`: an integer literal the parser
    /// could not hold, or a float such as `1e20`; the second pass tells which.
    Wide(f64),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn leaf<E>(value: ParamValue) -> Result<Node, E> {
    Ok(Node::Leaf(value))
}

/// An integer of any width: `Int`, `UInt`, or the string of its digits.
fn integer(value: i128) -> ParamValue {
    if let Ok(small) = i64::try_from(value) {
        ParamValue::Int(small)
    } else if let Ok(unsigned) = u64::try_from(value) {
        ParamValue::UInt(unsigned)
    } else {
        ParamValue::Text(value.to_string())
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        leaf(ParamValue::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        leaf(ParamValue::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        leaf(integer(value.into()))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Node, E> {
        leaf(integer(value))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Node, E> {
        leaf(i128::try_from(value).map_or_else(|_| ParamValue::Text(value.to_string()), integer))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        // 2^63: every float from here on is a whole number.
        const WIDE: f64 = 9_223_372_036_854_775_808.0;
        Ok(
            if value.is_finite() && value.fract() == 0.0 && value.abs() >= WIDE {
                Node::Wide(value)
            } else {
                Node::Leaf(ParamValue::Float(value))
            },
        )
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        leaf(ParamValue::Text(value.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        leaf(ParamValue::Text("null".to_owned()))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        leaf(ParamValue::Text("null".to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        // Lists are kept as their JSON text, as before.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            items.push(item);
        }
        leaf(ParamValue::Text(
            serde_json::Value::Array(items).to_string(),
        ))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value::<Node>()?));
        }
        Ok(Node::Map(entries))
    }
}

/// Parses a JSON or YAML object of parameters; nested objects flatten to dotted keys.
pub fn parse_params_file(
    path: &str,
    text: &str,
) -> Result<BTreeMap<String, ParamValue>, SchemaError> {
    let json = path.ends_with(".json");
    let node: Node = if json {
        serde_json::from_str(text).map_err(|err| SchemaError::json(path, text, &err))?
    } else {
        serde_yaml::from_str(text).map_err(|err| SchemaError::yaml(path, text, &err))?
    };
    let Node::Map(entries) = &node else {
        return Err(SchemaError::value(
            path,
            text,
            "",
            "expected a mapping of names to values".to_owned(),
        ));
    };
    let mut wide = false;
    let mut flat = BTreeMap::new();
    flatten("", entries, &mut flat, &mut wide);
    if wide {
        let literals = if json {
            literals::<Box<serde_json::value::RawValue>, _>(
                &node,
                &mut serde_json::Deserializer::from_str(text),
            )
        } else {
            literals::<String, _>(&node, serde_yaml::Deserializer::from_str(text))
        };
        for (key, literal) in literals {
            if let (Some(Node::Wide(_)), Some(exact)) = (flat.get(&key), integer_literal(&literal))
            {
                flat.insert(key, Node::Leaf(ParamValue::Text(exact)));
            }
        }
    }
    Ok(flat
        .into_iter()
        .map(|(key, node)| match node {
            Node::Leaf(value) => (key, value),
            Node::Wide(value) => (key, ParamValue::Float(value)),
            Node::Map(_) => unreachable!("flatten keeps leaves only"),
        })
        .collect())
}

/// The leaves of `entries` under dotted keys (a later duplicate key wins).
fn flatten(
    prefix: &str,
    entries: &[(String, Node)],
    out: &mut BTreeMap<String, Node>,
    wide: &mut bool,
) {
    for (key, child) in entries {
        let full = dotted(prefix, key);
        match child {
            Node::Map(children) => flatten(&full, children, out, wide),
            Node::Leaf(value) => {
                out.insert(full, Node::Leaf(value.clone()));
            }
            Node::Wide(value) => {
                *wide = true;
                out.insert(full, Node::Wide(*value));
            }
        }
    }
}

fn dotted(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `literal` when it is an integer as written in JSON or YAML (`-12`, `+12`), without
/// a leading `+`.
fn integer_literal(literal: &str) -> Option<String> {
    let literal = literal.trim();
    let unsigned = literal.strip_prefix(['-', '+']).unwrap_or(literal);
    let digits = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| literal.strip_prefix('+').unwrap_or(literal).to_owned())
}

/// A leaf type that deserializes to the text of a scalar as written: serde_json's
/// `RawValue`, or a `String` for serde_yaml (which hands plain scalars to
/// `deserialize_str` unresolved).
trait Literal: DeserializeOwned {
    fn text(&self) -> &str;
}

impl Literal for Box<serde_json::value::RawValue> {
    fn text(&self) -> &str {
        self.get()
    }
}

impl Literal for String {
    fn text(&self) -> &str {
        self
    }
}

/// The literal text of every `Wide` leaf of `shape`, by dotted key; empty when the
/// second pass fails (the floats are then kept as floats).
fn literals<'de, L: Literal, D: Deserializer<'de>>(
    shape: &Node,
    deserializer: D,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let seed = Shaped::<L> {
        shape,
        prefix: String::new(),
        out: &mut out,
        literal: PhantomData,
    };
    match seed.deserialize(deserializer) {
        Ok(()) => out,
        Err(_) => BTreeMap::new(),
    }
}

/// Reads a document again along the shape the first pass found.
struct Shaped<'a, L> {
    shape: &'a Node,
    prefix: String,
    out: &'a mut BTreeMap<String, String>,
    literal: PhantomData<L>,
}

impl<'de, L: Literal> DeserializeSeed<'de> for Shaped<'_, L> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.shape {
            Node::Map(_) => deserializer.deserialize_map(self),
            Node::Wide(_) => {
                let literal = L::deserialize(deserializer)?;
                self.out.insert(self.prefix, literal.text().to_owned());
                Ok(())
            }
            Node::Leaf(_) => IgnoredAny::deserialize(deserializer).map(drop),
        }
    }
}

impl<'de, L: Literal> Visitor<'de> for Shaped<'_, L> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mapping read by the first pass")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Node::Map(children) = self.shape else {
            return Err(de::Error::custom("the document changed shape"));
        };
        while let Some(key) = map.next_key::<String>()? {
            // The last entry of a duplicated key is the one that counts.
            match children.iter().rev().find(|(k, _)| *k == key) {
                Some((_, child)) => map.next_value_seed(Shaped::<L> {
                    shape: child,
                    prefix: dotted(&self.prefix, &key),
                    out: self.out,
                    literal: PhantomData,
                })?,
                None => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Finding 10: integers beyond i64 became floats (`1.2345678901234567e19`).
    #[test]
    fn integers_are_kept_exactly() {
        let json = r#"{"a": 9223372036854775807, "b": 12345678901234567890,
            "c": -9223372036854775809, "d": 123456789012345678901234567890123456789012,
            "e": 1e20, "f": 0.5, "n": {"g": 18446744073709551616}}"#;
        let yaml = "a: 9223372036854775807\nb: 12345678901234567890\n\
                    c: -9223372036854775809\nd: 123456789012345678901234567890123456789012\n\
                    e: 1.0e+20\nf: 0.5\nn:\n  g: 18446744073709551616\n";
        for (path, text) in [("p.json", json), ("p.yaml", yaml)] {
            let params = parse_params_file(path, text).unwrap();
            assert_eq!(params["a"], ParamValue::Int(i64::MAX), "{path}");
            assert_eq!(params["b"], ParamValue::UInt(12_345_678_901_234_567_890));
            assert_eq!(params["c"], ParamValue::Text("-9223372036854775809".into()));
            assert_eq!(
                params["d"],
                ParamValue::Text("123456789012345678901234567890123456789012".into()),
                "{path}"
            );
            assert_eq!(params["e"], ParamValue::Float(1e20), "{path}");
            assert_eq!(params["f"], ParamValue::Float(0.5));
            assert_eq!(
                params["n.g"],
                ParamValue::Text("18446744073709551616".into())
            );
        }
    }

    #[test]
    fn other_values_keep_their_old_form() {
        let params = parse_params_file(
            "p.yaml",
            "opt: adam\nlayers: [1, 2]\nnone: null\nok: true\n",
        )
        .unwrap();
        assert_eq!(params["opt"], ParamValue::Text("adam".into()));
        assert_eq!(params["layers"], ParamValue::Text("[1,2]".into()));
        assert_eq!(params["none"], ParamValue::Text("null".into()));
        assert_eq!(params["ok"], ParamValue::Bool(true));
        assert!(parse_params_file("p.json", "[1]").is_err());
        assert!(parse_params_file("p.yaml", "3").is_err());
        let err = parse_params_file("p.json", "{\n  \"a\": 1,\n  oops\n}").unwrap_err();
        assert_eq!(err.line, Some(3));
    }
}
