//! The CI files `omgreg init` lays down are valid workflows for their forge (checked
//! with `check-jsonschema`'s vendored GitHub Actions and GitLab CI schemas) and install
//! the omgreg that ran `init` from its wheel, pinned (issue 14, item 1). After the
//! check, on pushes to the registry branch, a notify job runs `omgreg notify` with the
//! webhook secrets from the forge's secret store (issue 14, item 7).

use std::path::Path;
use std::process::Command as StdCommand;

use serde_yaml::Value as Yaml;

use crate::common::TestEnv;
use crate::common::lifecycle::{act, churn_registry, configure};
use crate::common::tools::tool;
use crate::test_notify::{Listener, SECRET, webhook};

/// The webhook secret's variable in the templates, as docs/format.md names it.
const SECRET_ENV: &str = "OMGREG_WEBHOOK_SECRET";

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
        (".gitlab-ci.yml", "vendor.gitlab-ci", ("rules:", "rule:")),
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

/// A template `omgreg init` laid down in `reg`, parsed.
fn template(reg: &Path, file: &str) -> Yaml {
    let text = std::fs::read_to_string(reg.join(file)).expect("template");
    serde_yaml::from_str(&text).unwrap_or_else(|err| panic!("{file}: {err}\n{text}"))
}

/// A YAML sequence of strings.
fn strings(value: &Yaml) -> Vec<&str> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("a list: {value:?}"))
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

#[test]
fn the_github_workflow_notifies_after_the_check_on_pushes_only() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let workflow = template(&reg, ".github/workflows/omgreg.yml");
    assert_eq!(strings(&workflow["on"]["push"]["branches"]), ["main"]);
    let job = &workflow["jobs"]["notify"];
    assert_eq!(job["needs"], "check", "{job:?}");
    assert_eq!(job["if"], "github.event_name == 'push'", "{job:?}");
    let steps = job["steps"].as_sequence().expect("steps");
    let checkout = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
        })
        .expect("a checkout step");
    assert_eq!(checkout["with"]["fetch-depth"], 0, "{checkout:?}");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let pin = format!("pip install \"omgreg=={}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(runs, [pin.as_str(), "omgreg notify"]);
    // The secret comes from the repository's secret of the same name.
    let notify = steps.last().expect("the notify step");
    let secrets = notify["env"].as_mapping().expect("env");
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(
        notify["env"][SECRET_ENV],
        format!("${{{{ secrets.{SECRET_ENV} }}}}").as_str()
    );
}

#[test]
fn the_gitlab_pipeline_notifies_after_the_check_on_default_branch_pushes() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let pipeline = template(&reg, ".gitlab-ci.yml");
    let pin = format!("pip install \"omgreg=={}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        strings(&pipeline[".omgreg"]["before_script"]),
        [pin.as_str()]
    );
    assert_eq!(pipeline[".omgreg"]["variables"]["GIT_DEPTH"], "0");
    for job in ["omgreg-check", "omgreg-notify"] {
        assert_eq!(pipeline[job]["extends"], ".omgreg", "{job}");
    }
    let job = &pipeline["omgreg-notify"];
    assert_eq!(strings(&job["needs"]), ["omgreg-check"]);
    let rules = job["rules"].as_sequence().expect("rules");
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(
        rules[0]["if"],
        "$CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    );
    assert_eq!(strings(&job["script"]).last(), Some(&"omgreg notify"));
}

/// The GitLab job's script, run as GitLab runs it: in a fresh clone with HEAD detached
/// at the pushed commit, the secret in the environment (as a CI/CD variable is). It
/// must announce the pushed commit's promotion; without its `git checkout -B` line,
/// `omgreg notify` cannot find the registry branch (the control).
#[test]
fn the_gitlab_notify_script_announces_the_pushed_commit_from_a_detached_checkout() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    let target = format!("secret_env = \"{SECRET_ENV}\"\n");
    configure(&env, &reg, &webhook("ci", &listener, &target));
    // Without the secret here, the local delivery sends nothing (never unsigned).
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    assert!(listener.requests().is_empty());

    let pipeline = template(&reg, ".gitlab-ci.yml");
    let script: Vec<&str> = strings(&pipeline["omgreg-notify"]["script"])
        .into_iter()
        .filter(|line| !line.starts_with("apt-get ")) // git is on this machine
        .collect();
    let run = |lines: &[&str], clone: &str| {
        env.git(env.path(), &["clone", "-q", "reg", clone]);
        let dir = env.path().join(clone);
        let branch = env.git(&dir, &["symbolic-ref", "--short", "HEAD"]);
        let sha = env.git(&dir, &["rev-parse", "HEAD"]);
        env.git(&dir, &["checkout", "-q", "--detach"]);
        let bin = Path::new(env!("CARGO_BIN_EXE_omgreg"))
            .parent()
            .expect("bin dir");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        env.hermetic_std("sh", &dir)
            .args(["-ec", &lines.join("\n")])
            .env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", env.path().join("ci-gitconfig"))
            .env("CI_COMMIT_BRANCH", branch.trim())
            .env("CI_COMMIT_SHA", sha.trim())
            .env("CI_PROJECT_DIR", &dir)
            .env(SECRET_ENV, SECRET)
            .output()
            .expect("sh runs")
    };

    let without: Vec<&str> = script
        .iter()
        .copied()
        .filter(|line| !line.starts_with("git checkout"))
        .collect();
    assert!(without.len() < script.len(), "{script:?}");
    let output = run(&without, "ci-control");
    assert!(!output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("detached_head"),
        "{output:?}"
    );
    assert!(listener.requests().is_empty());

    let output = run(&script, "ci");
    assert!(output.status.success(), "{output:?}");
    let delivered = listener.delivered();
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(delivered[0]["event"], "promoted");
    assert_eq!(delivered[0]["version"], "1.0.0");
    let head = env.git(&reg, &["rev-parse", "HEAD"]);
    assert_eq!(delivered[0]["commit"], head.trim());
}
