//! Escaping for the outputs omgreg renders from templates: every value a template
//! prints is escaped for the format of its output (Markdown, YAML or JSON), chosen
//! from the template's name, so a template (built in or a registry's own) cannot turn
//! a value into markup or into keys.
//!
//! Only strings omgreg built itself (metric cells, code spans) are marked safe and
//! printed as they are; `safe` and `{% autoescape false %}` cannot unescape anything
//! else. Depends on minijinja only.

use std::fmt::Write as _;

use minijinja::{AutoEscape, Environment, Error, Output, State, Value, value::ValueKind};

/// The format a template renders, which decides how its values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `*.md.j2`, `*.md`: values cannot open HTML, tables, links, emphasis or code.
    Markdown,
    /// `*.json.j2`, `*.json`: every value is a JSON value (strings quoted).
    Json,
    /// Anything else (endpoint manifests): a value is a plain YAML scalar when that is
    /// safe, else a double-quoted one.
    Yaml,
}

impl Format {
    /// The format of the template named `name` (a registry path or a built-in name).
    pub(crate) fn of_template(name: &str) -> Self {
        let name = name.strip_suffix(".j2").unwrap_or(name);
        if name.ends_with(".md") {
            Self::Markdown
        } else if name.ends_with(".json") {
            Self::Json
        } else {
            Self::Yaml
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }
}

/// A template environment whose output escaping follows [`Format::of_template`].
pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|name| AutoEscape::Custom(Format::of_template(name).tag()));
    env.set_formatter(format_value);
    // `safe` marks nothing safe: only strings omgreg built are (they already are).
    env.add_filter("safe", |value: Value| value);
    env.add_filter("code", |text: String| {
        Value::from_safe_string(code_span(&text))
    });
    env
}

/// Writes `value` escaped for the format of the template being rendered. The format
/// comes from the template's name, not from the current `autoescape` scope.
fn format_value(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if value.is_safe() {
        return write!(out, "{value}").map_err(Error::from);
    }
    let format = Format::of_template(state.name());
    let text = match (format, value.kind()) {
        (_, ValueKind::Undefined) => String::new(),
        (Format::Json, ValueKind::None) => "null".to_owned(),
        (_, ValueKind::None | ValueKind::Bool | ValueKind::Number) => value.to_string(),
        (Format::Json, ValueKind::String) => quoted(value.as_str().unwrap_or_default()),
        (Format::Json | Format::Yaml, ValueKind::Seq | ValueKind::Map | ValueKind::Iterable) => {
            json(value)?
        }
        (Format::Yaml, _) => yaml_scalar(&value.to_string()),
        (Format::Markdown, _) => markdown(&value.to_string()),
        (Format::Json, _) => quoted(&value.to_string()),
    };
    out.write_str(&text).map_err(Error::from)
}

/// `value` as JSON (a YAML flow collection too), every string double-quoted.
fn json(value: &Value) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| {
        Error::new(minijinja::ErrorKind::BadSerialization, "cannot print value").with_source(err)
    })
}

/// Escapes `text` for Markdown: a table cell stays one cell (newlines become spaces,
/// `|` is escaped), `<`/`>` cannot open HTML, and `\`, `` ` ``, `*`, `_`, `[`, `]`, `~`
/// and line-leading `#`, `-`, `+`, `=`, `1.` cannot start markup. `_` inside a word
/// (`val_loss`) is left alone: it cannot open emphasis there.
pub(crate) fn markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let leading_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric)) =>
            {
                out.push_str("\\_");
            }
            '#' | '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')'
                if leading_digits > 0
                    && i == leading_digits
                    && next.is_none_or(|n| n == ' ' || n == '\t') =>
            {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_line_break(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` as an inline code span that stays one span on one line: a fence longer
/// than any run of backticks inside, newlines as spaces, `|` escaped for tables.
pub(crate) fn code_span(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| {
            if c.is_control() || is_line_break(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `text` as a YAML scalar: plain when it can only be read back as this one string
/// value on this line (so it also stays inside a template's own quotes), else
/// double-quoted. Empty stays empty.
pub(crate) fn yaml_scalar(text: &str) -> String {
    if text.is_empty() || plain_is_safe(text) {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// Whether `text` printed as is cannot end its scalar, start a comment, a key, a flow
/// item, a tag, an anchor or an alias, nor leave quotes a template put around it.
fn plain_is_safe(text: &str) -> bool {
    const NEVER: &[char] = &['#', ',', '[', ']', '{', '}', '"', '\'', '\\'];
    const NOT_FIRST: &[char] = &['-', '?', ':', '|', '>', '&', '*', '!', '%', '@', '`', ' '];
    let Some(first) = text.chars().next() else {
        return true;
    };
    !NOT_FIRST.contains(&first)
        && !text.starts_with("...")
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && text
            .chars()
            .all(|c| !NEVER.contains(&c) && !c.is_control() && (c == ' ' || !c.is_whitespace()))
}

/// `text` as a double-quoted string valid in both JSON and YAML, on one line.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_line_break(c) || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` for a person's terminal: control characters (but line feeds and tabs) and
/// the invisible Unicode format characters that reorder or hide text (bidi overrides
/// and isolates, zero-width characters) written as visible `\u{..}` escapes, so a tag,
/// name, commit message or path cannot move the cursor, recolour, retitle the terminal
/// or display as something it is not. `--json` output is never passed through here.
pub(crate) fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(unsafe_for_terminal) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_for_terminal(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `c` must not reach a terminal as it is (see [`terminal`]).
pub(crate) fn unsafe_for_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || is_line_break(c)
        || matches!(
            c,
            '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Characters YAML 1.1 or Markdown renderers may treat as a line break.
fn is_line_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
#[path = "escape_tests.rs"]
mod tests;
