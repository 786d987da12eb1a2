//! Comparing two versions field by field, for `omgreg diff`.

use std::collections::BTreeMap;

use super::ModelVersion;

/// One compared field: its dotted key and the value in each version (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// The fields of two versions side by side, in a stable order (metrics, params,
/// tags, data, code, environment, artifacts); only differing fields unless `all`.
pub fn compare(a: &ModelVersion, b: &ModelVersion, all: bool) -> Vec<FieldDiff> {
    let (left, right) = (flatten(a), flatten(b));
    let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
    keys.sort_by_key(|key| (section_rank(key), key.to_string()));
    keys.dedup();
    keys.into_iter()
        .map(|key| FieldDiff {
            key: key.clone(),
            a: left.get(key).cloned(),
            b: right.get(key).cloned(),
        })
        .filter(|diff| all || diff.a != diff.b)
        .collect()
}

fn section_rank(key: &str) -> usize {
    const ORDER: [&str; 7] = [
        "metrics.",
        "params.",
        "tags.",
        "data.",
        "code.",
        "environment.",
        "artifacts.",
    ];
    ORDER
        .iter()
        .position(|prefix| key.starts_with(prefix))
        .unwrap_or(ORDER.len())
}

fn flatten(version: &ModelVersion) -> BTreeMap<String, String> {
    let doc = &version.doc;
    let mut out = BTreeMap::new();
    for (key, value) in &doc.metrics {
        out.insert(format!("metrics.{key}"), value.to_string());
    }
    for (key, value) in &doc.params {
        out.insert(format!("params.{key}"), value.to_string());
    }
    for (key, value) in &doc.tags {
        out.insert(format!("tags.{key}"), value.clone());
    }
    if let Some(data) = &doc.data {
        for (key, value) in [
            ("version", &data.version),
            ("uri", &data.uri),
            ("hash", &data.hash),
        ] {
            if let Some(value) = value {
                out.insert(format!("data.{key}"), value.clone());
            }
        }
    }
    if let Some(code) = &doc.code {
        for (key, value) in [("repo", &code.repo), ("commit", &code.commit)] {
            if let Some(value) = value {
                out.insert(format!("code.{key}"), value.clone());
            }
        }
    }
    if let Some(env) = &doc.environment {
        for (key, value) in &env.vars {
            out.insert(format!("environment.{key}"), value.clone());
        }
        if let Some(file) = &env.file {
            out.insert(
                format!("environment.file.{}", file.path),
                format!("sha256:{}", file.sha256),
            );
        }
    }
    for artifact in &doc.artifacts {
        out.insert(
            format!("artifacts.{}", artifact.path),
            format!("sha256:{}", artifact.sha256),
        );
    }
    if let Some(parent) = doc.lineage.as_ref().and_then(|l| l.parent.as_ref()) {
        out.insert("lineage.parent".to_owned(), parent.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{self, VersionDoc};

    fn version(v: &str, extra: &str) -> ModelVersion {
        let text = format!(
            "model: m\nversion: {v}\ncreated: 2026-01-01T00:00:00Z\nstatus: active\n{extra}"
        );
        let doc: VersionDoc = schema::from_yaml("v.yaml", &text).unwrap();
        ModelVersion::from_doc(
            doc,
            &"m".parse().unwrap(),
            &v.parse().unwrap(),
            "v.yaml",
            &text,
        )
        .unwrap()
    }

    #[test]
    fn only_differences_in_section_order() {
        let a = version(
            "1.0.0",
            "metrics:\n  acc: 0.9\n  f1: 0.5\nparams:\n  lr: 0.1\ntags:\n  t: x\n",
        );
        let b = version(
            "2.0.0",
            "metrics:\n  acc: 0.95\n  f1: 0.5\nparams:\n  lr: 0.1\n  depth: 6\n",
        );
        let keys: Vec<_> = compare(&a, &b, false)
            .into_iter()
            .map(|d| (d.key, d.a, d.b))
            .collect();
        assert_eq!(
            keys,
            [
                (
                    "metrics.acc".to_owned(),
                    Some("0.9".to_owned()),
                    Some("0.95".to_owned())
                ),
                ("params.depth".to_owned(), None, Some("6".to_owned())),
                ("tags.t".to_owned(), Some("x".to_owned()), None),
            ]
        );
        assert_eq!(compare(&a, &b, true).len(), 5);
    }
}
