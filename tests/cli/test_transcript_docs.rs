//! docs/cli.md must not drift from `--help`: its command list is the one of
//! `omgreg --help` (rewritten by `OMGREG_BLESS=1 cargo test --test cli docs_cli`), and
//! each command's synopsis names exactly the options its `--help` lists.

use std::collections::BTreeSet;

use crate::common::transcript::transcript_env;
use crate::test_transcript_help::{command_tree, help_text};

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md");

/// Options every command has (documented once, under "Global options").
const GLOBAL: &[&str] = &[
    "-C",
    "--registry",
    "--json",
    "--sign",
    "--no-sign",
    "-q",
    "--quiet",
    "-h",
    "--help",
    "-V",
    "--version", // `omgreg --version`; `register --version` is documented anyway
];

/// The `Commands:` section of a help text, without its heading.
fn commands_section(help: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in help.lines() {
        if line == "Commands:" {
            inside = true;
        } else if inside && (line.is_empty() || !line.starts_with(' ')) {
            break;
        } else if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The options a help text lists, one group per option: its short and long names
/// and its `[alias: --x]` (a synopsis may write any of them).
fn help_options(help: &str) -> Vec<BTreeSet<String>> {
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') && line.len() - trimmed.len() <= 6 {
            let names = trimmed
                .split([',', ' ', '=', '<', '['])
                .take_while(|word| word.is_empty() || word.starts_with('-'))
                .filter(|word| word.len() > 1)
                .map(str::to_owned)
                .collect();
            groups.push(names);
        } else if let Some(rest) = trimmed.strip_prefix("[alias: ")
            && let Some(last) = groups.last_mut()
        {
            last.extend(rest.trim_end_matches(']').split(", ").map(str::to_owned));
        }
    }
    groups
}

/// The options written in docs/cli.md's synopsis of `command` (its lines starting
/// `omgreg COMMAND` in fenced blocks, and the indented lines after each), or `None`
/// when there is no synopsis.
fn synopsis_options(docs: &str, command: &str) -> Option<BTreeSet<String>> {
    let prefix = format!("omgreg {command}");
    let mut in_fence = false;
    let mut found: Option<BTreeSet<String>> = None;
    let mut lines = docs.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        let matches = line == prefix || line.starts_with(&format!("{prefix} "));
        if !(in_fence && matches) {
            continue;
        }
        let mut text = line.to_owned();
        while let Some(next) = lines.peek() {
            if !next.starts_with(' ') {
                break;
            }
            text.push_str(next);
            lines.next();
        }
        found.get_or_insert_with(BTreeSet::new).extend(
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .filter(|word| word.starts_with('-') && word.len() > 1)
                .map(str::to_owned),
        );
    }
    found
}

#[test]
fn docs_cli_matches_help() {
    let env = transcript_env();
    let docs = std::fs::read_to_string(DOCS).expect("docs/cli.md");
    let mut problems = Vec::new();

    // The command list of the first block.
    let top = help_text(&env, &[]);
    let wanted = commands_section(&top);
    let documented = commands_section(&docs);
    if documented != wanted {
        if std::env::var_os("OMGREG_BLESS").is_some() {
            let blessed = docs.replacen(&documented, &wanted, 1);
            std::fs::write(DOCS, blessed).expect("write docs/cli.md");
        } else {
            problems.push(format!(
                "the command list at the top of docs/cli.md differs from `omgreg --help`:\n\
                 --- docs/cli.md\n{documented}+++ omgreg --help\n{wanted}\
                 refresh it with `OMGREG_BLESS=1 cargo test --test cli docs_cli`"
            ));
        }
    }

    // Each command's synopsis.
    for path in command_tree(&env) {
        if path.is_empty() {
            continue;
        }
        let help = help_text(&env, &path);
        if !commands_section(&help).is_empty() {
            continue; // a group (`alias`, `hooks`): its subcommands have synopses
        }
        let command = path.join(" ");
        let Some(documented) = synopsis_options(&docs, &command) else {
            problems.push(format!(
                "docs/cli.md has no synopsis `omgreg {command} ...` in a fenced block"
            ));
            continue;
        };
        let groups = help_options(&help);
        let is_global =
            |group: &BTreeSet<String>| group.iter().any(|o| GLOBAL.contains(&o.as_str()));
        let missing: Vec<_> = groups
            .iter()
            .filter(|group| !is_global(group) && group.is_disjoint(&documented))
            .map(|group| group.iter().cloned().collect::<Vec<_>>().join("/"))
            .collect();
        let unknown: Vec<_> = documented
            .iter()
            .filter(|o| !GLOBAL.contains(&o.as_str()))
            .filter(|o| !groups.iter().any(|group| group.contains(*o)))
            .collect();
        if !missing.is_empty() || !unknown.is_empty() {
            problems.push(format!(
                "the synopsis of `omgreg {command}` in docs/cli.md drifted from \
                 `omgreg {command} --help`: missing {missing:?}, not an option {unknown:?}; \
                 edit the fenced block by hand"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
