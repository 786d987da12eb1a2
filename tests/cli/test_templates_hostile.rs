//! Hostile values in model cards and endpoint manifests: whatever a metric name, a
//! description, a file name or a URI holds, the card's tables keep their rows and
//! cells and open no HTML, and a manifest parses with the template's keys only.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};

/// YAML-significant but portable: a newline or `:` in a stored file name is refused
/// by `register` (it would not check out on Windows; see `test_portable_paths`).
const HOSTILE_NAME: &str = "- w' #{kind}&[Pod] !x @y %z";
const HOSTILE_URI: &str = "s3://b/m.bin\nkind: Pod\nmetadata: {name: evil}";
const SHA: &str = "afe937e4a58d183f2c9d9ef2097568f1084ebd920cde8f8fc182bcbf5a79ce21";

const ENDPOINTS: &str = "[[endpoint]]\nname = \"files\"\nmodel = \"evil\"\nstage = \"Staging\"\n\n\
     [[endpoint]]\nname = \"linked\"\nmodel = \"evil\"\nstage = \"Production\"\n\
     template = \"templates/kserve.yaml.j2\"\n\n\
     [[endpoint]]\nname = \"linked-plain\"\nmodel = \"evil\"\nstage = \"Production\"\n";

const MODEL_YAML: &str = "model: evil\n\
     description: \"<script>alert(1)</script> `code` *b* [l](http://x)\\n| fake | row |\\n\"\n\
     owners:\n  - \"<img src=x onerror=alert(1)>\"\n\
     tags:\n  \"a`b\": \"c\\n| d |\"\n";

/// `evil`: 1.0.0 stores a folder whose file is named [`HOSTILE_NAME`] (Staging),
/// 2.0.0 links [`HOSTILE_URI`] (Production) with a metric whose name breaks rows,
/// 3.0.0 is archived with a reason that does too.
fn hostile_registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    configure(env, &reg, ENDPOINTS);
    std::fs::create_dir_all(reg.join("models/evil")).unwrap();
    std::fs::write(reg.join("models/evil/model.yaml"), MODEL_YAML).unwrap();
    env.git(&reg, &["add", "models/evil/model.yaml"]);
    env.git(&reg, &["commit", "-qm", "describe evil"]);
    let folder = env.path().join("out");
    env.make_file(&format!("out/{HOSTILE_NAME}"), 100);
    act(
        env,
        &reg,
        &["register", "evil", "--version", "1.0.0", "--artifact"]
            .into_iter()
            .chain([folder.to_str().unwrap(), "--metric", "ok=1"])
            .collect::<Vec<_>>(),
    );
    act(
        env,
        &reg,
        &[
            "register",
            "evil",
            "--version",
            "2.0.0",
            "--uri",
            HOSTILE_URI,
            "--sha256",
            SHA,
            "--metric",
            "x|\n| injected | row |\n<b>=0.5",
            "--description",
            "<script>",
        ],
    );
    act(env, &reg, &["register", "evil", "--version", "3.0.0"]);
    act(env, &reg, &["promote", "evil@1.0.0", "--stage", "Staging"]);
    act(
        env,
        &reg,
        &["promote", "evil@2.0.0", "--stage", "Production"],
    );
    act(
        env,
        &reg,
        &[
            "archive",
            "evil@3.0.0",
            "--reason",
            "bad\n| x | y |\n<b>`rm`</b>",
        ],
    );
    reg
}

fn committed(env: &TestEnv, reg: &Path, path: &str) -> String {
    env.git(reg, &["show", &format!("HEAD:{path}")])
}

fn yaml(text: &str) -> serde_yaml::Mapping {
    match serde_yaml::from_str(text) {
        Ok(serde_yaml::Value::Mapping(map)) => map,
        other => panic!("not a YAML mapping ({other:?}):\n{text}"),
    }
}

fn keys(map: &serde_yaml::Mapping) -> Vec<String> {
    map.keys().map(|k| k.as_str().unwrap().to_owned()).collect()
}

/// YAML syntax in a file name or a newline in a URI must not add keys to a
/// manifest: the value is emitted as a quoted scalar and reads back as itself.
#[test]
fn hostile_file_names_and_uris_cannot_add_manifest_keys() {
    let env = TestEnv::new();
    let reg = hostile_registry(&env);

    let files = yaml(&committed(&env, &reg, "deploy/files.yaml"));
    assert_eq!(
        keys(&files),
        [
            "endpoint",
            "model",
            "version",
            "stage",
            "created",
            "artifacts"
        ]
    );
    let artifact = &files["artifacts"][0];
    assert_eq!(
        artifact["path"].as_str(),
        Some(format!("out/{HOSTILE_NAME}").as_str())
    );
    let artifact = artifact.as_mapping().unwrap();
    assert_eq!(keys(artifact), ["path", "sha256", "size", "registry_path"]);

    let plain = yaml(&committed(&env, &reg, "deploy/linked-plain.yaml"));
    assert_eq!(plain["artifacts"][0]["uri"].as_str(), Some(HOSTILE_URI));
    assert!(plain.get("kind").is_none() && plain.get("metadata").is_none());

    let kserve = yaml(&committed(&env, &reg, "deploy/linked.yaml"));
    assert_eq!(keys(&kserve), ["apiVersion", "kind", "metadata", "spec"]);
    assert_eq!(kserve["kind"].as_str(), Some("InferenceService"));
    assert_eq!(kserve["metadata"]["name"].as_str(), Some("linked"));
    let model = &kserve["spec"]["predictor"]["model"];
    assert_eq!(model["storageUri"].as_str(), Some(HOSTILE_URI));
    env.omgreg(&reg).arg("check").assert().success();
}

/// The cells of a Markdown table row, split at `|` not escaped by `\`.
fn cells(row: &str) -> usize {
    let mut count: usize = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count.saturating_sub(1)
}

/// The rows of the table under `heading` (header and rule included).
fn table<'a>(card: &'a str, heading: &str) -> Vec<&'a str> {
    card.split(heading)
        .nth(1)
        .expect("section")
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

/// Newlines and `|` in a metric name, a description, tags or an archive reason must
/// not add rows or cells to the card's tables; `<`, backticks, `*` and `[` must not
/// open HTML, code, emphasis or links.
#[test]
fn hostile_values_cannot_add_card_rows_or_markup() {
    let env = TestEnv::new();
    let reg = hostile_registry(&env);
    let card = committed(&env, &reg, "models/evil/README.md");

    let stages = table(&card, "## Stages\n");
    assert_eq!(stages.len(), 2 + 2, "{card}");
    let versions = table(&card, "## Versions\n");
    assert_eq!(versions.len(), 2 + 3, "{card}");
    // Version, Stage, Created, Created by, 2 metrics, Parent.
    assert!(versions.iter().all(|row| cells(row) == 7), "{card}");
    assert!(
        !card.contains("<script") && !card.contains("<img") && !card.contains("<b>"),
        "{card}"
    );
    assert!(card.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\`code\\` \\*b\\* \\[l\\](http://x) \\| fake \\| row \\|"), "{card}");
    assert!(card.contains("Tags: ``a`b=c \\| d \\|``\n"), "{card}");
    let archived: Vec<&str> = card
        .split("## Archived\n\n")
        .nth(1)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(
        archived,
        [
            "- 3.0.0: bad \\| x \\| y \\| &lt;b&gt;\\`rm\\`&lt;/b&gt; (2026-01-02T03:04:05Z, Ada Lovelace &lt;ada@example.com&gt;)",
            ""
        ]
    );
}

/// A registry's own `templates/model_card.md.j2` replaces the built-in card, and
/// neither `safe` nor `autoescape false` lets it print a value unescaped.
#[test]
fn a_registry_card_template_overrides_the_built_in_one_but_cannot_unescape() {
    let env = TestEnv::new();
    let reg = hostile_registry(&env);
    std::fs::write(
        reg.join("templates/model_card.md.j2"),
        "# {{ model }}\n{{ description | safe }}\n{% autoescape false %}{{ owners[0] }}{% endautoescape %}\n",
    )
    .unwrap();
    env.git(&reg, &["add", "templates/model_card.md.j2"]);
    env.git(&reg, &["commit", "-qm", "own card template"]);
    act(&env, &reg, &["render"]);
    let card = committed(&env, &reg, "models/evil/README.md");
    assert_eq!(card.lines().count(), 3, "{card}");
    assert!(card.starts_with("# evil\n&lt;script&gt;"), "{card}");
    assert!(
        card.ends_with("&lt;img src=x onerror=alert(1)&gt;\n"),
        "{card}"
    );
    env.omgreg(&reg).arg("check").assert().success();
}
