//! Parse errors of on-disk documents, pointing at the offending line.

use miette::{Diagnostic, NamedSource, SourceSpan};

/// A document that could not be parsed.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("`{path}`{}: {message}", .line.map(|line| format!(" line {line}")).unwrap_or_default())]
#[diagnostic(
    code(omgreg::schema::invalid_document),
    help("fix the file (see docs/format.md) and commit the fix")
)]
pub struct SchemaError {
    pub path: String,
    pub message: String,
    pub line: Option<usize>,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("here")]
    pub span: Option<SourceSpan>,
}

impl SchemaError {
    pub(crate) fn yaml(path: &str, text: &str, err: &serde_yaml::Error) -> Self {
        let location = err.location();
        let span = location.as_ref().map(|loc| span_at(text, loc.index()));
        Self {
            path: path.to_owned(),
            message: strip_location(&err.to_string()),
            line: location.map(|loc| loc.line()),
            src: NamedSource::new(path, text.to_owned()).with_language("yaml"),
            span,
        }
    }

    pub(crate) fn toml(path: &str, text: &str, err: &toml::de::Error) -> Self {
        let span = err
            .span()
            .map(|range| SourceSpan::from(range.start..range.end.max(range.start + 1)));
        let line = err.span().map(|range| line_of(text, range.start));
        Self {
            path: path.to_owned(),
            message: err.message().to_owned(),
            line,
            src: NamedSource::new(path, text.to_owned()).with_language("toml"),
            span,
        }
    }

    pub(crate) fn json(path: &str, text: &str, err: &serde_json::Error) -> Self {
        let offset = offset_of(text, err.line(), err.column());
        Self {
            path: path.to_owned(),
            message: strip_location(&err.to_string()),
            line: (err.line() > 0).then_some(err.line()),
            src: NamedSource::new(path, text.to_owned()).with_language("json"),
            span: Some(span_at(text, offset)),
        }
    }

    /// A file refused before parsing (too large, too deeply nested), pointing at
    /// byte `offset`.
    pub(crate) fn limit(path: &str, text: &str, offset: usize, message: String) -> Self {
        let offset = offset.min(text.len());
        Self {
            path: path.to_owned(),
            message,
            line: Some(line_of(text, offset)),
            // The whole text is not kept: it may be the very thing that is too large.
            src: NamedSource::new(path, String::new()),
            span: None,
        }
    }

    /// An error about a value that parsed but is not acceptable.
    pub(crate) fn value(path: &str, text: &str, needle: &str, message: String) -> Self {
        let offset = text.find(needle);
        Self {
            path: path.to_owned(),
            message,
            line: offset.map(|at| line_of(text, at)),
            src: NamedSource::new(path, text.to_owned()),
            span: offset.map(|at| SourceSpan::from(at..at + needle.len().max(1))),
        }
    }
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn span_at(text: &str, index: usize) -> SourceSpan {
    // Parsers may point inside a multi-byte character (serde_json at an unfinished
    // string): start at that character.
    let mut start = index.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text[start..]
        .char_indices()
        .nth(1)
        .map_or(text.len(), |(len, _)| start + len);
    SourceSpan::from(start..end.max(start))
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// serde_yaml appends " at line X column Y"; the span already carries that.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
