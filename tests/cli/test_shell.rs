//! `omgreg completions` and `omgreg man` (issue 14, item 3): the bash completion loads
//! and completes commands and options; the man pages render with `man -l`.

use std::process::Command as StdCommand;

use crate::common::{TestEnv, stderr_of};

fn stdout(env: &TestEnv, args: &[&str]) -> String {
    let output = env
        .omgreg(env.path())
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// What bash's programmable completion offers for the words typed so far (the last
/// one being completed), with the script `omgreg completions bash` printed.
fn complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n_omgreg omgreg '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words.len() - 1,
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
        script = script.display(),
    );
    let output = StdCommand::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_bash_completion_loads_and_completes_commands_and_options() {
    let env = TestEnv::new();
    let script = env.path().join("omgreg.bash");
    std::fs::write(&script, stdout(&env, &["completions", "bash"])).expect("write");
    let offered = complete(&script, &["omgreg", "pro"]);
    assert_eq!(offered, ["promote"], "{offered:?}");
    let offered = complete(&script, &["omgreg", "promote", "--st"]);
    assert!(offered.contains(&"--stage".to_owned()), "{offered:?}");
    let offered = complete(&script, &["omgreg", "rollback", "--"]);
    assert!(offered.contains(&"--to-version".to_owned()), "{offered:?}");
}

#[test]
fn every_shell_gets_a_script() {
    let env = TestEnv::new();
    for (shell, needle) in [
        ("zsh", "#compdef omgreg"),
        ("fish", "complete -c omgreg"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[omgreg]"),
    ] {
        let script = stdout(&env, &["completions", shell]);
        assert!(script.contains(needle), "{shell}:\n{script}");
        assert!(script.contains("promote"), "{shell}:\n{script}");
    }
}

#[test]
fn the_man_pages_render() {
    let env = TestEnv::new();
    if !crate::common::tools::program_on_path("man", "apt-get install man-db") {
        return;
    }
    for (args, title, needle) in [
        (&["man"][..], "omgreg(1)", "rollback"),
        (&["man", "promote"], "omgreg-promote(1)", "--stage"),
    ] {
        let page = env.path().join("page.1");
        std::fs::write(&page, stdout(&env, args)).expect("write");
        let output = StdCommand::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man runs");
        assert!(output.status.success(), "man -l: {}", stderr_of(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(title), "{text}");
        assert!(text.contains(needle), "{text}");
    }
}
