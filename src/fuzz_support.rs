//! Shared pieces of the property-based fuzz tests (`*/fuzz_tests.rs`): a runner that
//! fails a case which panics or takes longer than [`CASE_LIMIT`], and generators of
//! hostile text (arbitrary strings and bytes, and YAML documents mutated with BOMs,
//! CRLF, NUL bytes, duplicate keys, very long lines and deep nesting).
//!
//! The number of cases comes from `PROPTEST_CASES` (256 by default); `.ci/fuzz-long`
//! runs a long pass in a release build (docs/architecture.md, "Fuzzing").

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The longest any one case may take, in a debug build on a busy machine.
pub const CASE_LIMIT: Duration = Duration::from_secs(1);

/// Runs `test` on values of `strategy`: fails (and shrinks) when a case panics,
/// returns an error, or takes longer than [`CASE_LIMIT`]. Prints the number of cases
/// and the slowest case to stderr (`cargo test -- --nocapture` shows it).
pub fn fuzz<S>(name: &str, strategy: S, test: impl Fn(S::Value))
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let cases = config.cases;
    let slowest = AtomicU64::new(0);
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        let start = Instant::now();
        test(value);
        let took = start.elapsed();
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        slowest.fetch_max(micros, Ordering::Relaxed);
        if took > CASE_LIMIT {
            return Err(TestCaseError::fail(format!("one case took {took:?}")));
        }
        Ok(())
    });
    eprintln!(
        "fuzz {name}: {cases} cases in {:?}, slowest case {} µs",
        started.elapsed(),
        slowest.load(Ordering::Relaxed)
    );
    if let Err(err) = result {
        panic!("fuzz {name}: {err}");
    }
}

/// Any string, from any Unicode scalar values.
pub fn any_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..400).prop_map(String::from_iter),
    ]
    .boxed()
}

/// Any bytes, read as text the way a lossy reader would.
pub fn any_bytes() -> BoxedStrategy<Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..1500).boxed()
}

/// Scalars that parsers find interesting: numbers at the edges, YAML's special
/// words, quotes, unicode, control characters.
pub fn scalar() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_.-]{0,12}",
        2 => prop::sample::select(vec![
            "", "~", "null", "true", "false", "yes", "no", "on", "off", ".nan", ".inf", "-.inf",
            "nan", "inf", "-inf", "infinity", "0", "-0", "0x1F", "0o17", "0b101", "1e308",
            "1e309", "-1e309", "1e-320", "4.9e-324", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "18446744073709551615",
            "18446744073709551616", "123456789012345678901234567890", "1_000", "+1", ".5",
            "5.", "1.0.0", "v1.0.0", "1.0.0-rc.1", "1.0.0+b", "2026-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
            "sha256:", "'", "\"", "\\", "&a", "*a", "!!str", "!!binary", "%YAML", "---",
            "...", "- ", ": ", "#", "{", "[", "}", "]", "|", ">", "\t", "\u{feff}", "\u{0}",
            "\u{85}", "\u{2028}", "é", "e\u{301}", "😀", "Ω",
        ])
        .prop_map(str::to_owned),
        1 => any::<f64>().prop_map(|v| v.to_string()),
        1 => any::<i64>().prop_map(|v| v.to_string()),
        1 => "\\PC{0,20}",
        1 => (0usize..3000).prop_map(|n| "9".repeat(n)),
    ]
    .boxed()
}

/// A YAML node, written out by [`yaml_node`].
#[derive(Debug, Clone)]
pub enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// Random YAML trees: maps with random (sometimes repeated) keys, sequences, scalars.
pub fn node() -> BoxedStrategy<Node> {
    scalar()
        .prop_map(Node::Scalar)
        .prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Node::Seq),
                proptest::collection::vec((scalar(), inner), 0..6).prop_map(Node::Map),
            ]
        })
        .boxed()
}

/// YAML text of `node`: block style, with scalars written plain, quoted or escaped.
pub fn yaml_node(node: &Node, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Node::Scalar(text) => {
            out.push_str(&quote(text));
            out.push('\n');
        }
        Node::Seq(items) if items.is_empty() => out.push_str("[]\n"),
        Node::Map(entries) if entries.is_empty() => out.push_str("{}\n"),
        Node::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}- "));
                yaml_node(item, indent + 2, out);
            }
        }
        Node::Map(entries) => {
            out.push('\n');
            for (key, value) in entries {
                out.push_str(&format!("{pad}{}: ", quote(key)));
                yaml_node(value, indent + 2, out);
            }
        }
    }
}

/// Plain when the text is plain-safe, else one of YAML's two quoted styles.
fn quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        text.to_owned()
    } else if text.len().is_multiple_of(2) {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        format!("{:?}", text)
    }
}

/// A mapping document from a tree (a scalar or sequence becomes one key).
pub fn yaml_document(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Map(_) => yaml_node(node, 0, &mut out),
        other => {
            out.push_str("key: ");
            yaml_node(other, 2, &mut out);
        }
    }
    out.trim_start_matches('\n').to_owned()
}

/// Ways to damage a document.
#[derive(Debug, Clone)]
pub enum Mutation {
    Bom,
    Crlf,
    /// A byte (NUL, tab, CR, ...) inserted at a fraction of the length.
    Insert(u8, f64),
    /// A line repeated (duplicate keys).
    DuplicateLine(f64),
    /// A line dropped.
    DropLine(f64),
    /// The text cut at a fraction of its length.
    Truncate(f64),
    /// A very long line appended.
    LongLine(usize),
    /// A deeply nested value appended: block maps, flow sequences or flow maps.
    Nest(usize, u8),
    /// An anchor and aliases to it, many times over.
    Aliases(usize),
}

pub fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        Just(Mutation::Bom),
        Just(Mutation::Crlf),
        (
            prop::sample::select(vec![
                0u8, b'\t', b'\r', b'\n', b':', b'-', b'"', b'\'', b'&', 0x7f
            ]),
            0.0..1.0
        )
            .prop_map(|(byte, at)| Mutation::Insert(byte, at)),
        (0.0..1.0).prop_map(Mutation::DuplicateLine),
        (0.0..1.0).prop_map(Mutation::DropLine),
        (0.0..1.0).prop_map(Mutation::Truncate),
        (1usize..20_000).prop_map(Mutation::LongLine),
        (1usize..200, 0u8..3).prop_map(|(depth, style)| Mutation::Nest(depth, style)),
        (1usize..12).prop_map(Mutation::Aliases),
    ]
    .boxed()
}

/// Applies `mutations` to `text`, in order, at char boundaries.
pub fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for mutation in mutations {
        text = apply(&text, mutation);
    }
    text
}

fn boundary(text: &str, at: f64) -> usize {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let mut index = ((text.len() as f64) * at) as usize;
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn apply(text: &str, mutation: &Mutation) -> String {
    match *mutation {
        Mutation::Bom => format!("\u{feff}{text}"),
        Mutation::Crlf => text.replace('\n', "\r\n"),
        Mutation::Insert(byte, at) => {
            let index = boundary(text, at);
            format!("{}{}{}", &text[..index], char::from(byte), &text[index..])
        }
        Mutation::DuplicateLine(at) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let target = boundary_line(lines.len(), at);
            let mut out = String::new();
            for (index, line) in lines.iter().enumerate() {
                out.push_str(line);
                if index == target {
                    out.push_str(line);
                }
            }
            out
        }
        Mutation::DropLine(at) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let target = boundary_line(lines.len(), at);
            let kept = lines
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != target);
            kept.map(|(_, line)| *line).collect()
        }
        Mutation::Truncate(at) => text[..boundary(text, at)].to_owned(),
        Mutation::LongLine(len) => format!("{text}\nlong: {}\n", "x".repeat(len)),
        Mutation::Nest(depth, 0) => {
            let mut out = format!("{text}\nnest:\n");
            for level in 1..=depth {
                out.push_str(&format!("{}k:\n", " ".repeat(level)));
            }
            out
        }
        Mutation::Nest(depth, 1) => {
            format!(
                "{text}\nnest: {}1{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            )
        }
        Mutation::Nest(depth, _) => {
            format!(
                "{text}\nnest: {}1{}\n",
                "{a: ".repeat(depth),
                "}".repeat(depth)
            )
        }
        Mutation::Aliases(count) => {
            let mut out = format!("{text}\nanchor: &a [x, x, x, x, x, x, x, x]\n");
            out.push_str("bomb: &b [");
            out.push_str(&vec!["*a"; count].join(", "));
            out.push_str("]\nbomb2: [");
            out.push_str(&vec!["*b"; count].join(", "));
            out.push_str("]\n");
            out
        }
    }
}

fn boundary_line(lines: usize, at: f64) -> usize {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((lines as f64) * at) as usize;
    index
}

/// A document built from `base` (a valid one), damaged by zero to three mutations.
pub fn damaged(base: impl Strategy<Value = String> + 'static) -> BoxedStrategy<String> {
    (base, proptest::collection::vec(mutation(), 0..4))
        .prop_map(|(text, mutations)| mutate(&text, &mutations))
        .boxed()
}
