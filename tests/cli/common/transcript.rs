//! Transcript snapshots: what a person sees in the terminal, as `insta` snapshots
//! (jj `cli/tests/common/command_output.rs`).
//!
//! Runs are pinned to `COLUMNS=100` and `NO_COLOR=1`; temp paths, commit ids, short
//! ids, sha256 digests and dates other than the fixed [`super::DATE`] are filtered,
//! so a snapshot is the same on every run and machine.

#![allow(dead_code)] // each transcript module uses a different part

use std::path::{Path, PathBuf};

use super::{DATE, TestEnv};

/// Pins the terminal for transcript runs: width 100, no colour.
pub fn pin_terminal(env: &TestEnv) {
    env.set_env("COLUMNS", "100");
    env.set_env("NO_COLOR", "1");
}

/// A fresh [`TestEnv`] pinned for transcripts.
pub fn transcript_env() -> TestEnv {
    let env = TestEnv::new();
    pin_terminal(&env);
    env
}

/// Runs `omgreg args` in `dir` and renders it as a terminal transcript:
/// `$ omgreg ARGS`, stdout, `----- stderr -----`, stderr, `[exit N]`.
pub fn transcript(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let output = env
        .omgreg_std(dir)
        .args(args)
        .output()
        .expect("omgreg runs");
    let code = output.status.code().unwrap_or(-1);
    format!(
        "$ omgreg {}\n{}----- stderr -----\n{}[exit {code}]\n",
        args.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
        ends_in_newline(&String::from_utf8_lossy(&output.stdout)),
        ends_in_newline(&String::from_utf8_lossy(&output.stderr)),
    )
}

/// [`transcript`] of a command that must exit with `code`.
#[track_caller]
pub fn transcript_exit(env: &TestEnv, dir: &Path, args: &[&str], code: i32) -> String {
    let text = transcript(env, dir, args);
    assert!(
        text.ends_with(&format!("[exit {code}]\n")),
        "omgreg {args:?}: expected exit {code}:\n{text}"
    );
    text
}

/// `arg` as a person would type it in a POSIX shell.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn ends_in_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n[no newline at end]\n")
    }
}

/// insta settings with the transcript filters for `env`.
pub fn settings(env: &TestEnv) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_omit_expression(true);
    let mut paths = vec![env.path().to_owned()];
    if let Ok(real) = env.path().canonicalize() {
        paths.insert(0, real);
    }
    for path in paths {
        settings.add_filter(&regex_escape(&path.to_string_lossy()), "[TEMP]");
    }
    // Depends on the machine: git-lfs may or may not be installed.
    settings.add_filter(r"(?m)^note: git-lfs is not installed[^\n]*\n", "");
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[SHA256]");
    // How long ago a lock file was left depends on the machine's speed.
    settings.add_filter(r"left \d+ (s|min|h|days) ago", "left [AGE] ago");
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[COMMIT]");
    settings.add_filter(r"\b[0-9a-f]{7,12}\b", "[HASH]");
    // Dates other than the fixed one (filters run in order).
    settings.add_filter(&regex_escape(DATE), "<<FIXED-DATE>>");
    // The example date of omgreg's own help texts stays too.
    settings.add_filter(r"\b2026-05-01([T ])", "<<EXAMPLE-DATE>>$1");
    settings.add_filter(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?( ?(Z|[+-]\d{2}:?\d{2}))?",
        "[DATE]",
    );
    settings.add_filter("<<FIXED-DATE>>", DATE);
    settings.add_filter("<<EXAMPLE-DATE>>", "2026-05-01");
    settings
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `snapshot!(env, name, text)`: snapshots `text` as `name` with the transcript
/// filters of `env`, under `tests/cli/snapshots/cli__<module>__<name>.snap` (a macro,
/// so that insta names the snapshot after the calling test module).
#[macro_export]
macro_rules! snapshot {
    ($env:expr, $name:expr, $text:expr $(,)?) => {{
        let name: &str = &$name;
        let text: &str = &$text;
        $crate::common::transcript::settings($env).bind(|| insta::assert_snapshot!(name, text));
    }};
}

/// Runs every `args` in `reg`, each of which must succeed, and returns the transcript.
#[track_caller]
pub fn session(env: &TestEnv, reg: &Path, commands: &[&[&str]]) -> String {
    commands
        .iter()
        .map(|args| transcript_exit(env, reg, args, 0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The write commands that build [`sample_registry`], in order.
pub const SAMPLE_WRITES: &[&[&str]] = &[
    &[
        "register",
        "churn",
        "--version",
        "1.0.0",
        "--artifact",
        "../out/model.pt",
        "--metric",
        "accuracy=0.91",
        "--metric",
        "latency_ms=12",
        "--param",
        "lr=0.01",
        "--params-file",
        "../out/params.json",
        "--tag",
        "team=growth",
        "--data-version",
        "2025-12",
        "--description",
        "first churn model",
    ],
    &[
        "register",
        "churn",
        "--version",
        "1.1.0",
        "--metric",
        "accuracy=0.93",
        "--param",
        "lr=0.02",
        "--tag",
        "team=growth",
        "--parent",
        "churn@1.0.0",
        "--code-commit",
        "0123456789abcdef0123456789abcdef01234567",
        "--code-repo",
        "https://example.com/churn.git",
    ],
    &[
        "register",
        "churn",
        "--bump",
        "major",
        "--metric",
        "accuracy=0.95",
        "--parent",
        "churn@1.1.0",
        "--uri",
        "s3://bucket/churn/model.pt",
        "--sha256",
        "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
    ],
    &[
        "register",
        "fraud",
        "--version",
        "0.1.0",
        "--metric",
        "auc=0.8",
    ],
    &["promote", "churn@1.0.0", "--stage", "Staging"],
    &["promote", "churn@1.0.0", "--stage", "Production"],
    &["promote", "churn@1.1.0", "--stage", "Production"],
    &["promote", "churn@2.0.0", "--stage", "Staging"],
    &["alias", "set", "churn@1.1.0", "champion"],
    &["archive", "fraud@0.1.0", "--reason", "superseded by rules"],
    &["rollback", "churn", "--stage", "Production"],
];

/// A small, realistic registry `reg` built through the real binary: `churn` 1.0.0
/// (stored artifact, metrics, params, tags, data), 1.1.0 (parent, code), 2.0.0
/// (linked artifact) and `fraud` 0.1.0; promotions, an alias, an archive and a
/// rollback of Production. Returns the registry and the transcript of the writes.
pub fn sample_registry(env: &TestEnv) -> (PathBuf, String) {
    let init = transcript_exit(env, env.path(), &["init", "reg"], 0);
    let reg = env.path().join("reg");
    env.make_file("out/model.pt", 3000);
    std::fs::write(
        env.path().join("out/params.json"),
        "{\"epochs\": 3, \"optimizer\": {\"name\": \"adam\"}}\n",
    )
    .expect("params file");
    let writes = session(env, &reg, SAMPLE_WRITES);
    (reg, format!("{init}\n{writes}"))
}
