//! Property-based fuzzing of the domain parsers: model names, versions, digests,
//! `MODEL@REF`, stage and alias names, metric gates, relative paths, and the files of
//! a registry read through the snapshot loaders into domain values. Property: no
//! panic, each case well under a second (`crate::fuzz_support`); what is accepted
//! prints back to itself.

use std::str::FromStr;

use proptest::prelude::*;

use super::*;
use crate::fuzz_support::{any_text, damaged, fuzz, scalar};

/// Strings shaped like versions: optional `v`, huge or leading-zero numbers, long
/// pre-releases and build metadata.
fn version_like() -> BoxedStrategy<String> {
    let number = prop_oneof![
        "[0-9]{1,3}",
        Just("18446744073709551615".to_owned()),
        Just("18446744073709551616".to_owned()),
        "[0-9]{19,40}",
    ];
    (
        "v?",
        number.clone(),
        number.clone(),
        number,
        "(-[0-9A-Za-z.-]{0,300})?",
        "(\\+[0-9A-Za-z.-]{0,20})?",
    )
        .prop_map(|(v, a, b, c, pre, build)| format!("{v}{a}.{b}.{c}{pre}{build}"))
        .boxed()
}

/// Strings shaped like references: names, `@`, versions, stages, aliases.
fn reference_like() -> BoxedStrategy<String> {
    let model = prop_oneof!["[a-z0-9][a-z0-9._-]{0,110}", scalar(), any_text()];
    let target = prop_oneof![
        version_like(),
        "[A-Za-z][A-Za-z0-9_.-]{0,70}",
        Just("latest".to_owned()),
        Just("v".to_owned()),
        scalar(),
        any_text(),
    ];
    (model, "@{0,2}", target)
        .prop_map(|(model, at, target)| format!("{model}{at}{target}"))
        .boxed()
}

fn text_input() -> BoxedStrategy<String> {
    prop_oneof![any_text(), scalar(), version_like(), reference_like()].boxed()
}

fn ladder() -> StageLadder {
    StageLadder::new(
        ["Staging", "Production"]
            .map(|name| StageDef {
                name: name.to_owned(),
                ..StageDef::default()
            })
            .to_vec(),
    )
    .expect("the default ladder is valid")
}

#[test]
fn fuzz_names_versions_and_references() {
    let ladder = ladder();
    fuzz("names, versions, references", text_input(), |text| {
        if let Ok(name) = ModelName::from_str(&text) {
            assert_eq!(name.to_string(), text);
            let _ = model_dir(&name);
        }
        if let Ok(version) = VersionId::from_str(&text) {
            let shown = version.to_string();
            assert_eq!(
                VersionId::from_str(&shown).expect("display parses"),
                version
            );
        }
        if let Ok(reference) = ModelRef::from_str(&text) {
            let shown = reference.to_string();
            assert_eq!(
                ModelRef::from_str(&shown).expect("display parses"),
                reference
            );
        }
        let _ = ModelRef::parse_target(&text);
        let _ = Digest::from_str(&text);
        let _ = MetricGate::from_str(&text);
        let _ = VersionStage::from_str(&text);
        let _ = ladder.standing(&text);
        let _ = validate_alias(&text, &ladder);
        let _ = validate_relative_path(&text);
        let _ = model_of_path(&text);
        let _ = model_of_path(&format!("{MODELS_PREFIX}{text}"));
    });
}

/// A version file with random values in its fields, written as YAML.
fn version_text() -> BoxedStrategy<String> {
    let field = || prop_oneof![scalar(), version_like(), reference_like()];
    (field(), field(), field(), field(), field(), field(), field())
        .prop_map(|(model, version, created, status, path, sha, parent)| {
            let q = |text: &str| format!("'{}'", text.replace('\'', "''"));
            format!(
                "model: {}\nversion: {}\ncreated: {}\nstatus: {}\nartifacts:\n- path: {}\n  sha256: {}\nlineage:\n  parent: {}\n",
                q(&model), q(&version), q(&created), q(&status), q(&path), q(&sha), q(&parent)
            )
        })
    .boxed()
}

/// A version file that is valid but for one random field.
fn near_valid_version_text() -> BoxedStrategy<String> {
    (0usize..5, prop_oneof![scalar(), version_like(), reference_like()]).prop_map(
        |(field, value)| {
            let q = format!("'{}'", value.replace('\'', "''"));
            let mut fields = [
                "churn".to_owned(),
                "1.0.0".to_owned(),
                "2026-01-01T00:00:00Z".to_owned(),
                "active".to_owned(),
                "a".repeat(64),
            ];
            fields[field] = q;
            let [model, version, created, status, sha] = fields;
            format!(
                "model: {model}\nversion: {version}\ncreated: {created}\nstatus: {status}\nartifacts:\n- path: m.pt\n  sha256: {sha}\n"
            )
        },
    )
    .boxed()
}

fn stages_text() -> BoxedStrategy<String> {
    let name = || prop_oneof![scalar(), version_like(), "[A-Za-z][A-Za-z_-]{0,9}"];
    (proptest::collection::vec((name(), name(), name()), 0..4))
        .prop_map(|rows| {
            let q = |text: &str| format!("'{}'", text.replace('\'', "''"));
            let mut out = String::from("stages:\n");
            for (stage, one, _) in &rows {
                out.push_str(&format!("  {}: {}\n", q(stage), q(one)));
            }
            out.push_str("aliases:\n");
            for (_, one, alias) in &rows {
                out.push_str(&format!("  {}: {}\n", q(alias), q(one)));
            }
            out
        })
        .boxed()
}

/// A registry of one model whose files are random (and damaged) documents.
fn registry() -> BoxedStrategy<MemorySnapshot> {
    let versions = proptest::collection::vec(
        (
            prop_oneof![version_like(), scalar()],
            damaged(prop_oneof![version_text(), near_valid_version_text()]),
        ),
        0..4,
    );
    let config = prop_oneof![
        Just(String::new()),
        Just("schema = 1\n[stages]\nladder = [\"Staging\", \"Production\"]\n[stages.options.Staging]\nshared = true\n".to_owned()),
        damaged(Just("schema = 1\n[[endpoint]]\nname = \"e\"\nmodel = \"churn\"\nstage = \"Production\"\n".to_owned())),
    ];
    (
        config,
        damaged(stages_text()),
        damaged(scalar().prop_map(|s| format!("model: {s}\n"))),
        versions,
    )
        .prop_map(|(config, stages, model, versions)| {
            let churn: ModelName = "churn".parse().expect("a valid name");
            let mut snapshot = MemorySnapshot::default()
                .with(CONFIG_FILE, &config)
                .with(&stages_file(&churn), &stages)
                .with(&model_file(&churn), &model);
            for (version, text) in versions {
                let path = format!("{}/{version}.yaml", versions_dir(&churn));
                snapshot = snapshot.with(&path, &text);
            }
            snapshot
        })
        .boxed()
}

/// Every loader over the snapshot, as a read command runs them.
fn read_everything(snapshot: &MemorySnapshot, reference: &str) {
    let Ok(config) = load_config(snapshot) else {
        return;
    };
    for model in model_names(snapshot) {
        let _ = load_model(snapshot, &model);
        let _ = load_assignments(snapshot, &config, &model);
        for version in version_ids(snapshot, &model).unwrap_or_default() {
            let _ = load_version(snapshot, &model, &version);
        }
        let _ = list_versions(snapshot, &config, &model);
    }
    if let Ok(reference) = ModelRef::from_str(&format!("churn@{reference}")) {
        let _ = resolve(snapshot, &config, &reference);
    }
}

#[test]
fn fuzz_registry_documents_through_the_loaders() {
    let reference = prop_oneof![
        Just("latest".to_owned()),
        Just("Production".to_owned()),
        version_like(),
        scalar()
    ];
    fuzz(
        "registry loaders",
        (registry(), reference),
        |(snapshot, reference)| {
            read_everything(&snapshot, &reference);
        },
    );
}

#[test]
fn fuzz_event_derivation() {
    let doc = || damaged(version_text());
    let stages = || damaged(stages_text());
    fuzz(
        "event derivation",
        (
            doc(),
            doc(),
            stages(),
            stages(),
            proptest::collection::vec(scalar(), 0..3),
        ),
        |(old, new, old_stages, new_stages, rolled_back)| {
            let version =
                |text: &str| crate::schema::from_yaml::<crate::schema::VersionDoc>("v", text).ok();
            let _ = version_events("1.0.0", version(&old).as_ref(), version(&new).as_ref());
            let stages = |text: &str| {
                crate::schema::from_yaml::<crate::schema::StagesDoc>("s", text).unwrap_or_default()
            };
            let _ = stage_events(&stages(&old_stages), &stages(&new_stages), &rolled_back);
        },
    );
}
