//! What the registry must hold after importing a store the fixture built, derived
//! from `MlflowClient`'s answers (the fixture's JSON) through the mapping documented in
//! `src/import/mlflow/map.rs` and docs/migrating.md, and the checks that compare it
//! with what `omgreg list` / `show`, `git log` and `git lfs ls-files` answer.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::TestEnv;

/// The registry's name for an MLflow model name (docs/migrating.md): lowercased, each
/// run of characters a model name may not hold made one `-`.
pub(crate) fn mapped(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out
}

/// The report names every deleted version of `expected` in a note, and the versions
/// whose files could not be read as unverified.
pub(crate) fn assert_report_notes(expected: &Value, report: &Value) {
    let notes = report["notes"].to_string();
    for (name, numbers) in expected["deleted"].as_object().expect("deleted") {
        for number in numbers.as_array().expect("numbers") {
            let note = format!("`{name}` version {number} was deleted in MLflow");
            assert!(notes.contains(&note), "{note:?} not in {notes}");
        }
    }
    for key in expected["unreadable"]
        .as_object()
        .expect("unreadable")
        .keys()
    {
        let (name, number) = key.rsplit_once('/').expect("NAME/N");
        let version = json!(format!("{}@{number}.0.0", mapped(name)));
        assert!(
            report["unverified"]
                .as_array()
                .expect("unverified")
                .contains(&version),
            "{version} in {}",
            report["unverified"]
        );
    }
}

/// A user text that names someone (MLflow writes `unknown` when it could not tell).
fn known(user: &Value) -> Option<&str> {
    user.as_str()
        .map(str::trim)
        .filter(|u| !u.is_empty() && !u.eq_ignore_ascii_case("unknown"))
}

/// `created_by` by the documented rule: the version's user, else its run's, else the
/// fallback author.
fn author(expected: &Value, version: &Value) -> String {
    let run = &expected["runs"][version["run_id"].as_str().unwrap_or_default()];
    let user = known(&version["user_id"])
        .or_else(|| known(&run["user_id"]))
        .or_else(|| known(&run["tags"]["mlflow.user"]));
    match user {
        Some(user) if user.contains('@') => format!("{user} <{user}>"),
        Some(user) => format!("{user} <{user}@mlflow.invalid>"),
        None => "MLflow (user unknown) <unknown@mlflow.invalid>".to_owned(),
    }
}

/// The params and latest metrics of a version: its logged model's for a
/// `models:/m-…` source, else its run's.
fn tracking(expected: &Value, version: &Value) -> (Value, Value) {
    let source = version["source"].as_str().unwrap_or_default();
    if let Some(model_id) = source
        .strip_prefix("models:/")
        .filter(|id| id.starts_with("m-"))
    {
        let logged = &expected["logged_models"][model_id];
        let mut latest: BTreeMap<&str, (i64, i64, f64)> = BTreeMap::new();
        for m in logged["metrics"].as_array().expect("metrics") {
            let point = (
                m["step"].as_i64().expect("step"),
                m["timestamp"].as_i64().expect("time"),
                m["value"].as_f64().expect("value"),
            );
            let entry = latest
                .entry(m["key"].as_str().expect("key"))
                .or_insert(point);
            if (point.0, point.1) > (entry.0, entry.1) {
                *entry = point;
            }
        }
        let metrics = latest
            .into_iter()
            .map(|(k, p)| (k.to_owned(), json!(p.2)))
            .collect();
        return (logged["params"].clone(), Value::Object(metrics));
    }
    match version["run_id"].as_str().filter(|id| !id.is_empty()) {
        Some(run_id) => (
            expected["runs"][run_id]["params"].clone(),
            expected["runs"][run_id]["metrics"].clone(),
        ),
        None => (json!({}), json!({})),
    }
}

/// MLflow's "nothing" (null or "") as omgreg writes it: absent.
fn optional(value: &Value) -> Option<Value> {
    value.as_str().filter(|s| !s.is_empty()).map(|s| json!(s))
}

/// What `show MODEL@N.0.0 --json` must answer for MLflow's `version` of `name`.
fn expected_version(expected: &Value, name: &str, aliases: &Value, version: &Value) -> Value {
    let number = version["version"].as_u64().expect("number");
    let created = time::OffsetDateTime::from_unix_timestamp(
        version["creation_timestamp"]
            .as_i64()
            .expect("ms")
            .div_euclid(1000),
    )
    .expect("a time")
    .format(&time::format_description::well_known::Rfc3339)
    .expect("RFC 3339");
    let stage = version["current_stage"].as_str().expect("stage");
    let mut held: Vec<&str> = aliases
        .as_object()
        .expect("aliases")
        .iter()
        .filter(|(_, n)| n.as_u64() == Some(number))
        .map(|(alias, _)| alias.as_str())
        .collect();
    held.sort_unstable();
    let (params, metrics) = tracking(expected, version);
    let mut imported =
        json!({"from": "mlflow", "id": format!("{name}/{number}"), "version": number.to_string()});
    for field in ["source", "run_id", "run_link"] {
        if let Some(value) = optional(&version[field]) {
            imported[field] = value;
        }
    }
    json!({
        "model": mapped(name),
        "version": format!("{number}.0.0"),
        "stage": stage,
        "aliases": held,
        "status": if stage == "Archived" { "archived" } else { "active" },
        "created": created,
        "created_by": author(expected, version),
        "description": version["description"].as_str().unwrap_or_default(),
        "tags": version["tags"],
        "params": params,
        "metrics": metrics,
        "imported": imported,
    })
}

/// Every model, version, stage, alias, tag, description, param, metric and artifact
/// of `expected` (MlflowClient's answers) is what the registry holds at `rev`, through
/// the documented mapping, and nothing else; real git judges the objects and LFS.
pub(crate) fn assert_imported(env: &TestEnv, reg: &Path, rev: &str, expected: &Value) {
    let models = env.json(reg, &["list", "--rev", rev])["models"].clone();
    let names: Vec<&str> = models
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["model"].as_str().expect("name"))
        .collect();
    let mut want: Vec<String> = expected["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| mapped(m["name"].as_str().expect("name")))
        .collect();
    want.sort();
    assert_eq!(names, want, "the registry's models are MLflow's");
    let lfs = lfs_files(env, reg, rev);
    let mut artifacts = 0;
    for want in expected["models"].as_array().expect("models") {
        let name = mapped(want["name"].as_str().expect("name"));
        let got = models
            .as_array()
            .expect("models")
            .iter()
            .find(|m| m["model"] == name.as_str())
            .expect("listed");
        artifacts += assert_model(env, reg, rev, expected, want, got, &lfs);
    }
    assert_eq!(
        lfs.len(),
        artifacts,
        "LFS holds the imported artifacts and nothing else"
    );
    env.assert_fsck_clean(reg);
    let fsck = env.git_output(reg, &["lfs", "fsck"]);
    assert!(
        fsck.status.success(),
        "git lfs fsck: {}",
        String::from_utf8_lossy(&fsck.stdout)
    );
}

/// One model; returns how many artifact files its versions have.
fn assert_model(
    env: &TestEnv,
    reg: &Path,
    rev: &str,
    expected: &Value,
    want: &Value,
    got: &Value,
    lfs: &BTreeMap<String, String>,
) -> usize {
    let name = want["name"].as_str().expect("name");
    let model = mapped(name);
    let live = want["versions"].as_array().expect("versions");
    let holder = |stage: &str| -> Vec<String> {
        live.iter()
            .filter(|v| v["current_stage"] == stage)
            .map(|v| format!("{}.0.0", v["version"]))
            .collect()
    };
    assert_eq!(
        got["stages"],
        json!({"Staging": holder("Staging"), "Production": holder("Production")}),
        "`{name}` stages"
    );
    let aliases: BTreeMap<&String, String> = want["aliases"]
        .as_object()
        .expect("aliases")
        .iter()
        .map(|(a, n)| (a, format!("{n}.0.0")))
        .collect();
    assert_eq!(got["aliases"], json!(aliases), "`{name}` aliases");
    let file = env.git(reg, &["show", &format!("{rev}:models/{model}/model.yaml")]);
    let doc: Value = serde_yaml::from_str(&file).expect("model.yaml");
    assert_eq!(
        doc["description"],
        json!(want["description"].as_str().unwrap_or_default()),
        "`{name}` description"
    );
    assert_eq!(doc["tags"], want["tags"], "`{name}` tags");

    let versions = env.json(reg, &["list", &model, "--all", "--rev", rev])["versions"].clone();
    let mut listed: Vec<&str> = versions
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_str().expect("version"))
        .collect();
    let mut numbers: Vec<String> = live
        .iter()
        .map(|v| format!("{}.0.0", v["version"]))
        .collect();
    numbers.sort();
    listed.sort_unstable();
    assert_eq!(
        listed, numbers,
        "`{name}`: the live versions, and not the deleted ones"
    );
    live.iter()
        .map(|version| assert_version(env, (reg, rev), expected, want, version, lfs))
        .sum()
}

/// The fields of `show --json` an import fills from MLflow's answers.
const IMPORTED_FIELDS: [&str; 12] = [
    "model",
    "version",
    "stage",
    "aliases",
    "status",
    "created",
    "created_by",
    "description",
    "tags",
    "params",
    "metrics",
    "imported",
];

/// One version of the model `want`; returns how many artifact files it has.
fn assert_version(
    env: &TestEnv,
    (reg, rev): (&Path, &str),
    expected: &Value,
    want: &Value,
    version: &Value,
    lfs: &BTreeMap<String, String>,
) -> usize {
    let name = want["name"].as_str().expect("name");
    let reference = format!("{}@{}.0.0", mapped(name), version["version"]);
    let shown = env.json(reg, &["show", &reference, "--rev", rev]);
    let mut compared = shown.clone();
    compared
        .as_object_mut()
        .expect("version")
        .retain(|key, _| IMPORTED_FIELDS.contains(&key.as_str()));
    compared["imported"]
        .as_object_mut()
        .expect("imported")
        .remove("unverified");
    assert_eq!(
        compared,
        expected_version(expected, name, &want["aliases"], version),
        "{reference}"
    );
    let key = format!("{name}/{}", version["version"]);
    assert_artifacts(expected, &key, &shown, lfs)
}

/// A version's artifacts are the bytes MLflow downloads (sha256 and size), in LFS; or,
/// for a location omgreg cannot read, none, the version unverified with that URI.
fn assert_artifacts(
    expected: &Value,
    key: &str,
    shown: &Value,
    lfs: &BTreeMap<String, String>,
) -> usize {
    let artifacts = shown["artifacts"].as_array().expect("artifacts");
    if let Some(uri) = expected["unreadable"].get(key) {
        assert_eq!(
            (&shown["verified"], artifacts.len()),
            (&json!(false), 0),
            "{key}: no digest invented"
        );
        let uris: Vec<&Value> = shown["imported"]["unverified"]
            .as_array()
            .expect("unverified")
            .iter()
            .map(|u| &u["uri"])
            .collect();
        assert_eq!(uris, [uri], "{key} keeps its location");
        return 0;
    }
    assert_eq!(shown["verified"], true, "{key}");
    assert!(shown["imported"].get("unverified").is_none(), "{key}");
    let got: serde_json::Map<String, Value> = artifacts
        .iter()
        .map(|a| {
            assert_eq!(a["storage"], "lfs", "{key}");
            let path = a["registry_path"].as_str().expect("registry path");
            assert_eq!(
                lfs.get(path),
                a["sha256"].as_str().map(str::to_owned).as_ref(),
                "{key}: `git lfs ls-files` on {path}"
            );
            (
                a["path"].as_str().expect("path").to_owned(),
                json!({"sha256": a["sha256"], "size": a["size"]}),
            )
        })
        .collect();
    assert_eq!(
        Value::Object(got),
        expected["artifacts"][key],
        "{key}: the bytes MLflow downloads"
    );
    artifacts.len()
}

/// `git lfs ls-files --long REV`: path -> oid.
fn lfs_files(env: &TestEnv, reg: &Path, rev: &str) -> BTreeMap<String, String> {
    env.git(reg, &["lfs", "ls-files", "--long", rev])
        .lines()
        .map(|line| {
            let (oid, rest) = line.split_once(' ').expect("OID MARK PATH");
            (rest[2..].to_owned(), oid.to_owned())
        })
        .collect()
}

/// Each live version is one registration commit, authored as the mapping says at
/// the version's creation time.
pub(crate) fn assert_authors(env: &TestEnv, reg: &Path, rev: &str, expected: &Value) {
    let log = env.git(reg, &["log", "--format=%s%x09%an <%ae>%x09%at", rev]);
    for model in expected["models"].as_array().expect("models") {
        let name = model["name"].as_str().expect("name");
        for version in model["versions"].as_array().expect("versions") {
            let prefix = format!("import mlflow {name}/{}: ", version["version"]);
            let found: Vec<&str> = log
                .lines()
                .filter(|line| line.starts_with(&prefix))
                .collect();
            let time = version["creation_timestamp"]
                .as_i64()
                .expect("ms")
                .div_euclid(1000);
            let want = format!("{}\t{time}", author(expected, version));
            assert_eq!(found.len(), 1, "one commit registers {prefix:?}:\n{log}");
            assert!(
                found[0].ends_with(&want),
                "{:?} is not by {want:?}",
                found[0]
            );
        }
    }
}

/// Where MLflow keeps a version's files: the run's `model` folder for a `runs:/`
/// source, the logged model's location for a `models:/m-…` one, else the source.
pub(crate) fn location(expected: &Value, version: &Value) -> String {
    let source = version["source"].as_str().expect("source");
    if let Some(model_id) = source.strip_prefix("models:/") {
        return expected["logged_models"][model_id]["artifact_location"]
            .as_str()
            .expect("location")
            .to_owned();
    }
    match source
        .strip_prefix("runs:/")
        .and_then(|rest| rest.split_once('/'))
    {
        Some((run_id, path)) => format!(
            "{}/{path}",
            expected["runs"][run_id]["artifact_uri"]
                .as_str()
                .expect("artifact uri")
        ),
        None => source.to_owned(),
    }
}
