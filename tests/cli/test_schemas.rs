//! JSON Schemas of the files people edit (issue 14, item 4): `omgreg schema` prints
//! them from the Rust types, `init` stores them where `.vscode/settings.json` and
//! `.taplo.toml` point editors, a generated registry validates with the real
//! `check-jsonschema`, and every invalid fixture here is refused both by the schema
//! and by `omgreg check`.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::common::TestEnv;
use crate::common::tools::tool;

/// The schema files `init` lays down, by kind.
const SCHEMAS: [(&str, &str); 4] = [
    ("config", "omgreg.toml.schema.json"),
    ("model", "model.schema.json"),
    ("stages", "stages.schema.json"),
    ("version", "version.schema.json"),
];

fn schema_path(reg: &Path, kind: &str) -> PathBuf {
    let file = SCHEMAS.iter().find(|(k, _)| *k == kind).expect("kind").1;
    reg.join(".omgreg/schemas").join(file)
}

#[test]
fn schema_prints_what_init_stores_and_the_editor_settings_point_there() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    for (kind, file) in SCHEMAS {
        let printed = env.omgreg(&reg).args(["schema", kind]).assert().success();
        let printed = String::from_utf8(printed.get_output().stdout.clone()).expect("utf-8");
        let stored = std::fs::read_to_string(reg.join(".omgreg/schemas").join(file))
            .unwrap_or_else(|err| panic!("init stores {file}: {err}"));
        assert_eq!(printed, stored, "{kind}");
        let schema: serde_json::Value = serde_json::from_str(&stored).expect("JSON");
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind}"
        );
    }
    // --out writes the same files (relative to -C's folder).
    let out = env.path().join("out");
    env.omgreg(env.path())
        .args(["schema", "--out", "out"])
        .assert()
        .success();
    for (_, file) in SCHEMAS {
        assert_eq!(
            std::fs::read(out.join(file)).expect("written"),
            std::fs::read(reg.join(".omgreg/schemas").join(file)).expect("stored"),
            "{file}"
        );
    }
    // VS Code's YAML extension: every schema it names exists and covers model files.
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reg.join(".vscode/settings.json")).expect("read"))
            .expect("settings.json is JSON");
    let yaml = settings["yaml.schemas"].as_object().expect("yaml.schemas");
    assert_eq!(yaml.len(), 3);
    for (schema, glob) in yaml {
        assert!(reg.join(schema).is_file(), "{schema}");
        assert!(glob.as_str().expect("glob").starts_with("models/*/"));
    }
    // Taplo: omgreg.toml against the config schema.
    let taplo: toml::Value =
        toml::from_str(&std::fs::read_to_string(reg.join(".taplo.toml")).expect("read"))
            .expect(".taplo.toml is TOML");
    let rule = &taplo["rule"][0];
    assert_eq!(rule["include"][0].as_str(), Some("omgreg.toml"));
    let path = rule["schema"]["path"].as_str().expect("schema path");
    assert_eq!(reg.join(path), schema_path(&reg, "config"));
    // The settings are committed with the registry, not left in the working tree.
    let tracked = env.git(&reg, &["ls-files", ".vscode", ".taplo.toml", ".omgreg"]);
    assert_eq!(tracked.lines().count(), 6, "{tracked}");
}

#[test]
fn schema_refuses_an_unknown_kind_and_an_unwritable_folder() {
    let env = TestEnv::new();
    let unknown = env
        .omgreg(env.path())
        .args(["schema", "versions"])
        .assert()
        .code(2);
    let said = String::from_utf8_lossy(&unknown.get_output().stderr).into_owned();
    assert!(
        said.contains("[possible values: config, model, stages, version]"),
        "{said}"
    );
    std::fs::write(env.path().join("file"), "").expect("write");
    let blocked = env
        .omgreg(env.path())
        .args(["schema", "--out", "file/schemas"])
        .assert()
        .code(1);
    let said = String::from_utf8_lossy(&blocked.get_output().stderr).into_owned();
    assert!(said.contains("omgreg::schema::cannot_write"), "{said}");
}

/// Runs `check-jsonschema` with the registry's stored schema of `kind` on `files`;
/// returns the names of the files it refused, and what it said.
fn refused_by_schema(
    checker: &Path,
    reg: &Path,
    kind: &str,
    files: &[PathBuf],
) -> (Vec<String>, String) {
    let output = StdCommand::new(checker)
        .arg("--schemafile")
        .arg(schema_path(reg, kind))
        .args(["--output-format", "json"])
        .args(files)
        .output()
        .expect("check-jsonschema runs");
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    let report: serde_json::Value = serde_json::from_str(&said)
        .unwrap_or_else(|err| panic!("check-jsonschema's JSON ({err}):\n{said}"));
    let mut refused: Vec<String> = ["errors", "parse_errors"]
        .iter()
        .flat_map(|key| report[key].as_array().cloned().unwrap_or_default())
        .filter_map(|error| error["filename"].as_str().map(str::to_owned))
        .collect();
    refused.sort();
    refused.dedup();
    (refused, said)
}

#[test]
fn a_generated_registry_validates() {
    let Some(checker) = tool("check-jsonschema") else {
        return;
    };
    let env = TestEnv::new();
    let reg = env.path().join("reg");
    std::fs::create_dir_all(&reg).expect("dir");
    env.git(&reg, &["init", "-q"]);
    env.omgreg(&reg)
        .args(["init", "--example"])
        .assert()
        .success();
    type Covers<'a> = &'a dyn Fn(&Path) -> bool;
    let globs: [(&str, Covers); 4] = [
        ("config", &|p| p.ends_with("omgreg.toml")),
        ("model", &|p| p.ends_with("model.yaml")),
        ("stages", &|p| p.ends_with("stages.yaml")),
        ("version", &|p| {
            p.parent().is_some_and(|d| d.ends_with("versions"))
        }),
    ];
    for (kind, covers) in globs {
        let files: Vec<PathBuf> = walk(&reg).into_iter().filter(|p| covers(p)).collect();
        assert!(!files.is_empty(), "{kind}");
        let (refused, said) = refused_by_schema(&checker, &reg, kind, &files);
        assert!(refused.is_empty(), "{kind}: {said}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A file of the sample registry replaced by a fixture: kind, registry path, content.
struct Fixture {
    kind: &'static str,
    name: &'static str,
    path: &'static str,
    text: String,
}

const CONFIG_OK: &str =
    "schema = 1\nname = \"reg\"\n[stages]\nladder = [\"Staging\", \"Production\"]\n";

/// Three or more per schema: wrong type, unknown key, a value out of its pattern,
/// a missing key.
fn invalid_fixtures() -> Vec<Fixture> {
    let version = |name, text: &str| fixture("version", name, text);
    let config = |name, text: &str| fixture("config", name, text);
    let model = |name, text: &str| fixture("model", name, text);
    let stages = |name, text: &str| fixture("stages", name, text);
    vec![
        config(
            "schema-not-a-number",
            "schema = \"one\"\n[stages]\nladder = [\"Staging\"]\n",
        ),
        config(
            "unknown-key",
            "schema = 1\n[stages]\nlader = [\"Staging\"]\n",
        ),
        config(
            "on-replace",
            "schema = 1\n[stages]\nladder = [\"Staging\", \"Production\"]\n\
             [stages.options.Production]\non_replace = \"delete\"\n",
        ),
        config(
            "endpoint-without-model",
            "schema = 1\n[[endpoint]]\nname = \"churn-prod\"\nstage = \"Production\"\n",
        ),
        config(
            "gate-not-a-number",
            "schema = 1\n[policy.Production]\nrequire = { accuracy = \"high\" }\n",
        ),
        model("no-model", "description: churn\n"),
        model("owners-not-a-list", "model: churn\nowners: alice\n"),
        model("unknown-key", "model: churn\ndescripton: typo\n"),
        model("bad-name", "model: Churn Model\n"),
        stages("stage-not-a-version", "stages:\n  Production: latest\n"),
        stages("alias-a-list", "aliases:\n  champion: [1.0.0]\n"),
        stages("unknown-key", "stage:\n  Production: 1.0.0\n"),
        stages("stages-a-list", "stages: [Production]\n"),
        version(
            "status",
            "model: churn\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nstatus: gone\n",
        ),
        version(
            "digest",
            "model: churn\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nartifacts:\n- path: m.bin\n  sha256: abc123\n",
        ),
        version(
            "created",
            "model: churn\nversion: 1.0.0\ncreated: yesterday\n",
        ),
        version(
            "no-model",
            "version: 1.0.0\ncreated: 2026-01-01T00:00:00Z\n",
        ),
        version(
            "unknown-key",
            "model: churn\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nmetric:\n  acc: 1\n",
        ),
        version(
            "metric-not-a-number",
            "model: churn\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nmetrics:\n  accuracy: high\n",
        ),
        version(
            "version-with-v",
            "model: churn\nversion: v1.0.0\ncreated: 2026-01-01T00:00:00Z\n",
        ),
    ]
}

/// The fixture `name` of `kind`, replacing the sample registry's file of that kind.
fn fixture(kind: &'static str, name: &'static str, text: &str) -> Fixture {
    let path = match kind {
        "config" => "omgreg.toml",
        "model" => "models/churn/model.yaml",
        "stages" => "models/churn/stages.yaml",
        _ => "models/churn/versions/1.0.0.yaml",
    };
    Fixture {
        kind,
        name,
        path,
        text: text.to_owned(),
    }
}

/// Valid hand edits: both the schema and `check` accept them. `registered` is the
/// version file as `register` wrote it.
fn valid_fixtures(registered: &str) -> Vec<Fixture> {
    vec![
        fixture("config", "minimal", CONFIG_OK),
        fixture(
            "version",
            "described-by-hand",
            &format!("{registered}description: \"edited: by hand\"\ntags:\n  team: growth\n"),
        ),
        fixture(
            "stages",
            "alias-only",
            "stages: {}\naliases:\n  champion: 1.0.0\n",
        ),
        fixture(
            "model",
            "owned",
            "model: churn\ndescription: churn\nowners: [growth-ml]\ntags:\n  team: growth\n",
        ),
    ]
}

/// Commits `fixture` over the registry's file, asks `omgreg check`, and goes back.
/// Returns whether check's schema rules (`schema`, `unknown-key`) passed the file, and
/// what it said. (Other rules may still speak: a model card follows `model.yaml`.)
fn check_judges(env: &TestEnv, reg: &Path, fixture: &Fixture) -> (bool, String) {
    std::fs::write(reg.join(fixture.path), &fixture.text).expect("write fixture");
    env.git(
        reg,
        &["commit", "-qam", &format!("fixture {}", fixture.name)],
    );
    let output = env
        .omgreg_std(reg)
        .arg("check")
        .output()
        .expect("omgreg runs");
    env.git(reg, &["reset", "-q", "--hard", "HEAD~1"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let schema_rules = ["error[schema]", "error[unknown-key]"];
    let passed = match output.status.code() {
        Some(0) => true,
        Some(3) => !schema_rules.iter().any(|rule| said.contains(rule)),
        _ => false,
    };
    (passed, said)
}

#[test]
fn invalid_files_are_refused_by_the_schema_and_by_check() {
    let Some(checker) = tool("check-jsonschema") else {
        return;
    };
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("model.bin", 3);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    let fixtures_dir = env.path().join("fixtures");
    std::fs::create_dir_all(&fixtures_dir).expect("dir");
    let registered = std::fs::read_to_string(reg.join("models/churn/versions/1.0.0.yaml"))
        .expect("registered version");
    for (valid, fixtures) in [
        (false, invalid_fixtures()),
        (true, valid_fixtures(&registered)),
    ] {
        for (kind, _) in SCHEMAS {
            let mine: Vec<&Fixture> = fixtures.iter().filter(|f| f.kind == kind).collect();
            if !valid {
                assert!(
                    mine.len() >= 3,
                    "at least three invalid fixtures for {kind}"
                );
            }
            // The schema, on copies named after the fixture (with the file's extension).
            let files: Vec<PathBuf> = mine
                .iter()
                .map(|fixture| {
                    let ext = Path::new(fixture.path).extension().expect("extension");
                    let file = fixtures_dir
                        .join(format!("{kind}-{}", fixture.name))
                        .with_extension(ext);
                    std::fs::write(&file, &fixture.text).expect("write copy");
                    file
                })
                .collect();
            let (refused, said) = refused_by_schema(&checker, &reg, kind, &files);
            for (fixture, file) in mine.iter().zip(&files) {
                let by_schema = refused.iter().any(|f| Path::new(f) == file);
                let (passed, check_said) = check_judges(&env, &reg, fixture);
                assert_eq!(
                    by_schema,
                    !valid,
                    "{kind}/{}: the schema {} it:\n{said}",
                    fixture.name,
                    if by_schema { "refused" } else { "accepted" }
                );
                assert_eq!(
                    passed,
                    valid,
                    "{kind}/{}: `omgreg check` {} it:\n{check_said}",
                    fixture.name,
                    if passed { "accepted" } else { "refused" }
                );
            }
        }
    }
}

/// Stored schemas another omgreg wrote (or a hand edit) are named by `check`, as a
/// notice, with the command that refreshes them; refreshed, the notice is gone.
#[test]
fn check_names_stored_schemas_that_differ_from_this_omgregs() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let stored = reg.join(".omgreg/schemas/version.schema.json");
    let text = std::fs::read_to_string(&stored).expect("stored");
    std::fs::write(
        &stored,
        text.replace("Generated by omgreg", "Generated by omgreg 0.0.1"),
    )
    .expect("write");
    env.git(&reg, &["commit", "-qam", "an older omgreg's schema"]);
    let output = env.omgreg_std(&reg).arg("check").output().expect("runs");
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "a notice, not a finding:\n{said}");
    assert!(
        said.contains(".omgreg/schemas/version.schema.json differ(s)")
            && said.contains("omgreg schema --out .omgreg/schemas"),
        "{said}"
    );
    env.omgreg(&reg)
        .args(["schema", "--out", ".omgreg/schemas"])
        .assert()
        .success();
    env.git(&reg, &["commit", "-qam", "refresh the schemas"]);
    let output = env.omgreg_std(&reg).arg("check").output().expect("runs");
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && !said.contains("differ(s)"),
        "{said}"
    );
}
