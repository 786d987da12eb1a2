//! Where output goes: data on stdout, status on stderr, JSON when asked.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// The output streams and modes of one command run.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    /// Progress bars may be drawn (stderr is a terminal, not disabled).
    pub progress: bool,
}

impl crate::ops::Progress for Output {
    fn status(&self, line: &str) {
        Output::status(self, line);
    }
}

impl Output {
    pub fn new(json: bool, quiet: bool, progress_disabled: bool) -> Self {
        let progress = std::io::stderr().is_terminal() && !quiet && !json && !progress_disabled;
        Self {
            json,
            quiet,
            progress,
        }
    }

    /// A status line on stderr, unless `--quiet` or `--json`.
    pub fn status(&self, line: &str) {
        if !self.quiet && !self.json {
            eprintln!("{}", super::escape::terminal(line));
        }
    }

    /// Writes data to stdout: for people, escaped for the terminal (see
    /// [`super::escape::terminal`]); with `--json`, as it is.
    pub fn data(&self, text: &str) -> std::io::Result<()> {
        let text = if self.json {
            std::borrow::Cow::Borrowed(text)
        } else {
            super::escape::terminal(text)
        };
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Writes one JSON document to stdout.
    pub fn json<T: Serialize>(&self, value: &T) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(value).expect("report types always serialize");
        text.push('\n');
        self.data(&text)
    }
}

/// Prints a diagnostic as the installed handler renders it (colours on a terminal),
/// unless what it quotes (a name, a path, a file's line) holds characters a terminal
/// would act on: then without colours, those characters escaped.
pub fn print_diagnostic(report: &miette::Report) {
    let mut plain = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none())
        .with_context_lines(1)
        .with_links(false);
    let escaped = handler.render_report(&mut plain, report.as_ref()).is_ok()
        && plain.chars().any(super::escape::unsafe_for_terminal);
    if escaped {
        eprintln!("{}", super::escape::terminal(&plain));
    } else {
        eprintln!("{report:?}");
    }
}
