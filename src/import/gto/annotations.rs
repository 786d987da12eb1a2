//! GTO's annotations of an artifact at a commit: the `artifacts:` section of
//! `dvc.yaml` (GTO ≥ 0.3, written by DVC; a `dvc.yaml` in folder `DIR` annotates the
//! artifacts `DIR:NAME`, its paths relative to `DIR`), or the older `artifacts.yaml`
//! at the root (GTO < 0.3, still read by GTO 1.10).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::store::{SourceRepo, StoreError};

/// What an annotation says about an artifact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    /// The artifact's path from the repository root (`/`-separated, normalised);
    /// `Err` with the path as written when it leaves the repository.
    pub path: Option<Result<String, String>>,
    pub kind: Option<String>,
    pub description: String,
    pub labels: Vec<String>,
    /// `meta` (dvc.yaml) or `custom` (artifacts.yaml), flattened to text.
    pub meta: BTreeMap<String, String>,
    /// The file the annotation was read from.
    pub file: String,
}

/// One entry of `artifacts:` (dvc.yaml uses `desc` and `meta`, artifacts.yaml
/// `description` and `custom`).
#[derive(Debug, Default, Deserialize)]
struct Entry {
    #[serde(default)]
    path: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, alias = "description")]
    desc: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default, alias = "custom")]
    meta: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct DvcYaml {
    #[serde(default)]
    artifacts: Option<BTreeMap<String, Entry>>,
}

/// The annotation of `artifact` (`dir:name` or `name`) at `commit`; `None` when no
/// file annotates it there. A file that is not valid YAML counts as no annotation
/// (GTO warns and skips it too); the reason is returned in `Err`.
pub fn find(
    repo: &SourceRepo,
    commit: &str,
    artifact: &str,
) -> Result<Result<Option<Annotation>, String>, StoreError> {
    let (dir, name) = match artifact.split_once(':') {
        Some((dir, name)) => (dir.trim_end_matches('/'), name),
        None => ("", artifact),
    };
    let dvc_file = if dir.is_empty() {
        "dvc.yaml".to_owned()
    } else {
        format!("{dir}/dvc.yaml")
    };
    let mut problem = None;
    if let Some(bytes) = repo.read_file(commit, &dvc_file)? {
        match parse::<DvcYaml>(&dvc_file, &bytes) {
            Ok(doc) => {
                if let Some(entry) = doc.artifacts.and_then(|mut a| a.remove(name)) {
                    return Ok(Ok(Some(annotation(entry, dir, &dvc_file))));
                }
            }
            Err(why) => problem = Some(why),
        }
    }
    if dir.is_empty()
        && let Some(bytes) = repo.read_file(commit, "artifacts.yaml")?
    {
        match parse::<BTreeMap<String, Entry>>("artifacts.yaml", &bytes) {
            Ok(mut doc) => {
                if let Some(entry) = doc.remove(name) {
                    return Ok(Ok(Some(annotation(entry, "", "artifacts.yaml"))));
                }
            }
            Err(why) => problem = problem.or(Some(why)),
        }
    }
    Ok(problem.map_or(Ok(None), Err))
}

fn parse<T: serde::de::DeserializeOwned + Default>(file: &str, bytes: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("`{file}` is not UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    crate::schema::from_yaml(file, text).map_err(|err| err.to_string())
}

fn annotation(entry: Entry, dir: &str, file: &str) -> Annotation {
    let path = entry.path.map(|path| {
        let joined = if dir.is_empty() {
            path.clone()
        } else {
            format!("{dir}/{path}")
        };
        normalise(&joined).ok_or(path)
    });
    let mut meta = BTreeMap::new();
    if let Some(value) = entry.meta {
        flatten("", &value, &mut meta);
    }
    Annotation {
        path,
        kind: entry.kind,
        description: entry.desc.unwrap_or_default(),
        labels: entry.labels,
        meta,
        file: file.to_owned(),
    }
}

/// `a/./b/../c/` -> `a/c`; `None` for an absolute path or one that leaves the root.
pub fn normalise(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `{a: {b: 1}, c: [x]}` -> `a.b = 1`, `c = ["x"]` (scalars as text, lists as JSON).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        serde_json::Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_kept_inside() {
        assert_eq!(normalise("a/./b/../c/").as_deref(), Some("a/c"));
        assert_eq!(normalise("out/m.pkl").as_deref(), Some("out/m.pkl"));
        assert_eq!(normalise("../x"), None);
        assert_eq!(normalise("/etc/passwd"), None);
        assert_eq!(normalise("s3://bucket/x"), None);
        assert_eq!(normalise("."), None);
    }

    #[test]
    fn meta_is_flattened_to_text() {
        let value =
            serde_json::json!({"framework": "torch", "n": {"layers": 3}, "l": [1], "z": null});
        let mut out = BTreeMap::new();
        flatten("", &value, &mut out);
        assert_eq!(out["framework"], "torch");
        assert_eq!(out["n.layers"], "3");
        assert_eq!(out["l"], "[1]");
        assert!(!out.contains_key("z"));
    }
}
