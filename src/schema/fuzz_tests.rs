//! Property-based fuzzing of every parser in `schema`: the YAML documents (version,
//! model, stages), `omgreg.toml` and the user configuration, metrics and params files,
//! `--param` values. Property: no panic, each case well under a second
//! (`crate::fuzz_support`); documents omgreg writes read back equal.

use proptest::prelude::*;

use super::*;
use crate::fuzz_support::{any_bytes, any_text, damaged, fuzz, node, scalar, yaml_document};

/// Every reader of a YAML document, as `omgreg` and `omgreg check` run them.
fn parse_all_yaml(text: &str) {
    let _ = from_yaml::<VersionDoc>("v.yaml", text);
    let _ = from_yaml::<ModelDoc>("model.yaml", text);
    let _ = from_yaml::<StagesDoc>("stages.yaml", text);
    let _ = from_yaml_checked::<VersionDoc>("v.yaml", text);
    let _ = from_yaml_checked::<ModelDoc>("model.yaml", text);
    let _ = from_yaml_checked::<StagesDoc>("stages.yaml", text);
    let _ = parse_metrics_file("m.yaml", text);
    let _ = parse_params_file("p.yaml", text);
}

/// Every reader of a TOML or JSON document.
fn parse_all_other(text: &str) {
    let _ = ConfigDoc::parse("omgreg.toml", text);
    let _ = config_checked("omgreg.toml", text);
    let _ = UserConfigDoc::parse("config.toml", text);
    let _ = parse_metrics_file("m.json", text);
    let _ = parse_params_file("p.json", text);
}

fn param() -> BoxedStrategy<ParamValue> {
    prop_oneof![
        any::<bool>().prop_map(ParamValue::Bool),
        any::<i64>().prop_map(ParamValue::Int),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(ParamValue::Float),
        scalar().prop_map(ParamValue::Text),
    ]
    .boxed()
}

fn map_of<V: std::fmt::Debug + 'static>(
    value: impl Strategy<Value = V> + 'static,
) -> BoxedStrategy<std::collections::BTreeMap<String, V>> {
    proptest::collection::btree_map(scalar(), value, 0..5).boxed()
}

/// Version documents with random values in every field omgreg writes.
fn version_doc() -> BoxedStrategy<VersionDoc> {
    let finite = any::<f64>().prop_filter("finite", |v| v.is_finite());
    let artifact = (
        scalar(),
        scalar(),
        any::<Option<u64>>(),
        any::<Option<String>>(),
    )
        .prop_map(|(path, sha256, size, uri)| ArtifactDoc {
            path,
            sha256,
            size,
            uri,
        });
    (
        (scalar(), scalar(), scalar(), any_text(), any_text()),
        (map_of(scalar()), map_of(finite), map_of(param())),
        (proptest::collection::vec(artifact, 0..4), scalar()),
        (any::<Option<String>>(), any::<bool>(), map_of(scalar())),
    )
        .prop_map(
            |((model, version, created, created_by, description), maps, rest, more)| {
                let (tags, metrics, params) = maps;
                let (artifacts, status) = rest;
                let (parent, dirty, vars) = more;
                VersionDoc {
                    model,
                    version,
                    created,
                    created_by,
                    description,
                    tags,
                    metrics,
                    params,
                    code: dirty.then(|| CodeDoc {
                        repo: parent.clone(),
                        commit: None,
                        dirty,
                    }),
                    environment: Some(EnvironmentDoc { vars, file: None }),
                    lineage: Some(LineageDoc { parent }),
                    artifacts,
                    status,
                    ..VersionDoc::default()
                }
            },
        )
        .boxed()
}

fn stages_doc() -> BoxedStrategy<StagesDoc> {
    let slot = prop_oneof![
        scalar().prop_map(StageSlot::One),
        proptest::collection::vec(scalar(), 0..4).prop_map(StageSlot::Many),
    ];
    (
        proptest::collection::vec((scalar(), slot), 0..4),
        map_of(scalar()),
    )
        .prop_map(|(stages, aliases)| StagesDoc {
            stages: stages.into_iter().collect(),
            aliases,
        })
        .boxed()
}

/// `omgreg.toml` text: the sections omgreg knows, with random names and values.
fn config_text() -> BoxedStrategy<String> {
    let word = || prop_oneof![scalar(), "[A-Za-z][A-Za-z0-9_-]{0,8}"];
    (
        proptest::collection::vec(word(), 0..5),
        proptest::collection::vec((word(), any::<bool>(), word()), 0..3),
        proptest::collection::vec((word(), word(), word(), word()), 0..3),
        (word(), word(), any::<i64>()),
    )
        .prop_map(|(ladder, options, endpoints, (stage, gate, schema))| {
            let list = |items: &[String]| {
                items
                    .iter()
                    .map(|item| format!("{item:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut out = format!("schema = {schema}\nname = {gate:?}\n[stages]\n");
            out.push_str(&format!("ladder = [{}]\n", list(&ladder)));
            for (name, shared, from) in &options {
                out.push_str(&format!(
                    "[stages.options.{name:?}]\nshared = {shared}\nfrom = [{from:?}]\non_replace = {from:?}\n"
                ));
            }
            for (name, model, follows, output) in &endpoints {
                out.push_str(&format!(
                    "[[endpoint]]\nname = {name:?}\nmodel = {model:?}\nstage = {follows:?}\noutput = {output:?}\n"
                ));
            }
            out.push_str(&format!(
                "[policy.{stage:?}]\nsigners = [{gate:?}]\nrequire = {{ acc = {gate:?} }}\n"
            ));
            out
        })
    .boxed()
}

#[test]
fn fuzz_yaml_documents_from_arbitrary_text() {
    fuzz("yaml arbitrary text", any_text(), |text| {
        parse_all_yaml(&text)
    });
}

#[test]
fn fuzz_yaml_documents_from_arbitrary_bytes() {
    fuzz("yaml arbitrary bytes", any_bytes(), |bytes| {
        parse_all_yaml(&String::from_utf8_lossy(&bytes));
    });
}

#[test]
fn fuzz_yaml_documents_from_random_trees() {
    let tree = node().prop_map(|tree| yaml_document(&tree));
    fuzz("yaml random trees", damaged(tree), |text| {
        parse_all_yaml(&text)
    });
}

#[test]
fn fuzz_version_documents() {
    fuzz(
        "version documents",
        (
            version_doc(),
            proptest::collection::vec(crate::fuzz_support::mutation(), 0..4),
        ),
        |(doc, mutations)| {
            let text = to_yaml(&doc);
            let back: VersionDoc = from_yaml("v.yaml", &text).expect("omgreg reads what it writes");
            assert_eq!(back, doc, "{text}");
            parse_all_yaml(&crate::fuzz_support::mutate(&text, &mutations));
        },
    );
}

#[test]
fn fuzz_stages_and_model_documents() {
    let model = (
        scalar(),
        any_text(),
        proptest::collection::vec(scalar(), 0..3),
        map_of(scalar()),
    )
        .prop_map(|(model, description, owners, tags)| ModelDoc {
            model,
            description,
            owners,
            tags,
        });
    let mutations = proptest::collection::vec(crate::fuzz_support::mutation(), 0..4);
    fuzz(
        "stages and model documents",
        (stages_doc(), model, mutations),
        |(stages, model, mutations)| {
            let stages_text = to_yaml(&stages);
            let back: StagesDoc = from_yaml("stages.yaml", &stages_text).expect("round trip");
            assert_eq!(back, stages, "{stages_text}");
            let model_text = to_yaml(&model);
            let back: ModelDoc = from_yaml("model.yaml", &model_text).expect("round trip");
            assert_eq!(back, model, "{model_text}");
            parse_all_yaml(&crate::fuzz_support::mutate(&stages_text, &mutations));
            parse_all_yaml(&crate::fuzz_support::mutate(&model_text, &mutations));
        },
    );
}

#[test]
fn fuzz_toml_and_json_from_arbitrary_text() {
    fuzz("toml/json arbitrary text", any_text(), |text| {
        parse_all_other(&text)
    });
    fuzz("toml/json arbitrary bytes", any_bytes(), |bytes| {
        parse_all_other(&String::from_utf8_lossy(&bytes));
    });
}

#[test]
fn fuzz_config_documents() {
    fuzz("omgreg.toml documents", damaged(config_text()), |text| {
        parse_all_other(&text);
    });
}

#[test]
fn fuzz_metrics_and_params_files() {
    let json = node().prop_map(|tree| {
        let value = to_json(&tree);
        serde_json::to_string_pretty(&serde_json::json!({ "m": value })).expect("json")
    });
    fuzz("metrics/params json", damaged(json), |text| {
        let _ = parse_metrics_file("m.json", &text);
        let _ = parse_params_file("p.json", &text);
    });
}

#[test]
fn fuzz_param_flags() {
    fuzz(
        "--param values",
        prop_oneof![scalar(), any_text()],
        |text| {
            let value = ParamValue::from_flag(&text);
            let _ = value.to_string();
            // A value written to a version file reads back as what was given.
            let doc = VersionDoc {
                params: [("p".to_owned(), value.clone())].into(),
                ..VersionDoc::default()
            };
            let back: VersionDoc = from_yaml("v.yaml", &to_yaml(&doc)).expect("round trip");
            assert_eq!(back.params["p"], value);
        },
    );
}

fn to_json(node: &crate::fuzz_support::Node) -> serde_json::Value {
    use crate::fuzz_support::Node;
    match node {
        Node::Scalar(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(
                || serde_json::Value::String(text.clone()),
                serde_json::Value::Number,
            ),
        Node::Seq(items) => items.iter().map(to_json).collect(),
        Node::Map(entries) => entries
            .iter()
            .map(|(key, value)| (key.clone(), to_json(value)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

// Regressions the fuzzer found, kept by name.

#[test]
fn json_error_inside_a_multibyte_character_does_not_panic() {
    // serde_json reported the end of this unfinished string inside `￼`; the span
    // sliced the text there and panicked.
    let text = "{\n  \"m\": {\n    \"\u{1ee27}000\u{fffc}";
    let err = parse_metrics_file("m.json", text).unwrap_err();
    assert_eq!(err.line, Some(3));
    let err = parse_params_file("p.json", text).unwrap_err();
    assert_eq!(err.line, Some(3));
}
