//! Human output cannot drive the terminal (issue 12, finding 8 and item 6): control
//! characters and Unicode format characters (bidi overrides, zero-width) from tags,
//! descriptions, author names and references reach stdout and stderr as visible
//! `\u{..}` escapes; `--json` keeps the values exactly as stored.

use std::path::Path;

use crate::common::TestEnv;

const TAG: &str = "\u{1b}[31mred\u{202e}evil";
const DESCRIPTION: &str = "desc \u{1b}]0;retitled\u{7} \u{1b}[2J";
const AUTHOR: &str = "Mal\u{1b}]0;pwned\u{7}ory";

fn registry(env: &TestEnv) -> std::path::PathBuf {
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--tag"])
        .arg(format!("owner={TAG}"))
        .arg("--description")
        .arg(DESCRIPTION)
        .env("GIT_AUTHOR_NAME", AUTHOR)
        .assert()
        .success();
    reg
}

/// No byte a terminal acts on: ESC, BEL, CR and the bidi override.
fn assert_inert(what: &str, text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
        assert!(
            !text.contains(bad),
            "{what} carries {:?} raw:\n{text:?}",
            bad
        );
    }
}

fn run(env: &TestEnv, reg: &Path, args: &[&str]) -> (String, String, bool) {
    let output = env
        .omgreg_std(reg)
        .args(args)
        .output()
        .expect("omgreg runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.success(),
    )
}

#[test]
fn human_output_escapes_what_a_terminal_would_act_on() {
    let env = TestEnv::new();
    let reg = registry(&env);
    let (show, _, ok) = run(&env, &reg, &["show", "churn@1.0.0"]);
    assert!(ok);
    assert_inert("show", &show);
    assert!(show.contains("\\u{1b}[31mred\\u{202e}evil"), "{show}");
    assert!(show.contains("\\u{7}"), "{show}");

    let (history, _, ok) = run(&env, &reg, &["history"]);
    assert!(ok);
    assert_inert("history", &history);
    assert!(history.contains("Mal\\u{1b}]0;pwned\\u{7}ory"), "{history}");

    let (list, _, ok) = run(&env, &reg, &["list", "churn"]);
    assert!(ok);
    assert_inert("list", &list);

    // A diagnostic quoting the user's input.
    let (_, stderr, ok) = run(&env, &reg, &["show", "churn@\u{1b}[31m1"]);
    assert!(!ok);
    assert_inert("an error", &stderr);
    assert!(stderr.contains("\\u{1b}[31m1"), "{stderr}");
}

#[test]
fn json_output_keeps_the_values_as_stored() {
    let env = TestEnv::new();
    let reg = registry(&env);
    let doc = env.json(&reg, &["show", "churn@1.0.0"]);
    let text = doc.to_string();
    assert!(
        text.contains("\\u001b[31mred"),
        "JSON escapes it its own way: {text}"
    );
    assert_eq!(doc["tags"]["owner"].as_str(), Some(TAG), "{doc:#}");
    assert_eq!(doc["description"].as_str(), Some(DESCRIPTION), "{doc:#}");
    assert!(
        doc["created_by"]
            .as_str()
            .is_some_and(|by| by.starts_with(AUTHOR))
    );
}

/// `check --format github` escapes `%`, CR and LF (and `:`/`,` in properties), so a
/// hostile file name cannot end an annotation early or add one of its own.
#[test]
fn github_annotations_cannot_be_split_by_a_file_name() {
    let env = TestEnv::new();
    let reg = registry(&env);
    let hostile = "models/churn/versions/50%\n::error file=x::injected\r.yaml";
    let path = reg.join(hostile);
    std::fs::write(&path, "x: 1\n").expect("a file with a newline in its name");
    env.git(&reg, &["add", "-A"]);
    env.git(&reg, &["commit", "-q", "-m", "hostile name"]);
    let output = env
        .omgreg(&reg)
        .args(["check", "--format", "github"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains('\r'), "{stdout:?}");
    for line in stdout.lines() {
        assert!(
            line.starts_with("::error "),
            "every line is one annotation: {stdout}"
        );
        assert!(
            line.starts_with("::error file=models/") || line.starts_with("::error title="),
            "no injected annotation: {line}"
        );
    }
    assert!(stdout.contains("50%25%0A"), "{stdout}");
}
