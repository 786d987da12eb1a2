//! The CI files `omgreg init` lays down are valid workflows for their forge (checked
//! with `check-jsonschema`'s vendored GitHub Actions and GitLab CI schemas) and install
//! the omgreg that ran `init` from its wheel, pinned (issue 14, item 1).

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::TestEnv;
use crate::common::tools::tool;

/// `check-jsonschema --builtin-schema SCHEMA FILE`: whether it validates, and what it said.
fn validate(checker: &Path, schema: &str, file: &Path) -> (bool, String) {
    let output = StdCommand::new(checker)
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .expect("check-jsonschema runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

#[test]
fn the_ci_templates_are_valid_and_pin_this_omgreg() {
    let Some(checker) = tool("check-jsonschema") else {
        return;
    };
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let pin = format!("pip install \"omgreg=={}\"", env!("CARGO_PKG_VERSION"));
    for (file, schema, broken) in [
        (
            ".github/workflows/omgreg.yml",
            "vendor.github-workflows",
            ("runs-on:", "run-on:"),
        ),
        (
            ".gitlab-ci.yml",
            "vendor.gitlab-ci",
            ("script:", "scripts:"),
        ),
    ] {
        let path = reg.join(file);
        let text = std::fs::read_to_string(&path).expect("template");
        assert!(text.contains(&pin), "{file} pins this omgreg:\n{text}");
        assert!(
            !text.contains("cargo install"),
            "{file} compiles nothing:\n{text}"
        );
        assert!(!text.contains("{{ omgreg_version }}"), "{file}:\n{text}");
        let (ok, said) = validate(&checker, schema, &path);
        assert!(ok, "{file} against {schema}:\n{said}");

        // The control: the same file with a misspelt key is rejected.
        let copy = env.path().join("broken.yml");
        std::fs::write(&copy, text.replacen(broken.0, broken.1, 1)).expect("write");
        let (ok, said) = validate(&checker, schema, &copy);
        assert!(!ok, "a misspelt `{}` passed {schema}:\n{said}", broken.0);
    }
}
