//! Transcript snapshots of `--help` of every command and subcommand, found by walking
//! the `Commands:` lists of `omgreg --help` recursively (so a new command gets a
//! snapshot without anyone remembering to add it).

use crate::common::TestEnv;
use crate::common::transcript::*;
use crate::snapshot;

/// The subcommand names in the `Commands:` section of a help text (`help` excluded).
pub(crate) fn subcommands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if !in_commands {
            continue;
        }
        if line.is_empty() || !line.starts_with(' ') {
            break;
        }
        // Two spaces, the name, then its summary; continuation lines are indented more.
        if line.starts_with("  ") && !line.starts_with("   ") {
            let name = line.split_whitespace().next().expect("a name");
            if name != "help" {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// Every command path, depth first: `[]`, `["init"]`, ..., `["alias", "set"]`, ...
pub(crate) fn command_tree(env: &TestEnv) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![Vec::<String>::new()];
    while let Some(path) = stack.pop() {
        let help = help_text(env, &path);
        let mut children: Vec<Vec<String>> = subcommands(&help)
            .into_iter()
            .map(|name| {
                let mut child = path.clone();
                child.push(name);
                child
            })
            .collect();
        children.reverse();
        stack.extend(children);
        found.push(path);
    }
    found
}

/// `omgreg PATH... --help` (stdout), which must succeed.
pub(crate) fn help_text(env: &TestEnv, path: &[String]) -> String {
    let output = env
        .omgreg(env.path())
        .args(path)
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).expect("help is UTF-8")
}

#[test]
fn help_of_every_command() {
    let env = transcript_env();
    let tree = command_tree(&env);
    let names: Vec<String> = tree.iter().map(|path| path.join(" ")).collect();
    // The walk must see the nested commands, not only the top level.
    for nested in [
        "alias set",
        "alias rm",
        "hooks install",
        "register",
        "render",
    ] {
        assert!(names.iter().any(|n| n == nested), "{nested} in {names:?}");
    }
    snapshot!(&env, "command_tree", names.join("\n") + "\n");
    for path in &tree {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let name = if path.is_empty() {
            "help_omgreg".to_owned()
        } else {
            format!("help_{}", path.join("_"))
        };
        snapshot!(&env, name, transcript_exit(&env, env.path(), &args, 0));
    }
}

#[test]
fn short_help_and_help_subcommand() {
    let env = transcript_env();
    let text = [
        transcript_exit(&env, env.path(), &["-h"], 0),
        transcript_exit(&env, env.path(), &["help", "alias", "set"], 0),
        transcript_exit(&env, env.path(), &["--version"], 0),
        transcript_exit(&env, env.path(), &[], 2),
    ]
    .join("\n");
    snapshot!(&env, "short_help", text);
}
