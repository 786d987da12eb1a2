//! Rule `immutable`: a registered version's record never changes, except its status,
//! archive note and description, and its file is never deleted.

use std::collections::BTreeMap;

use crate::registry::{Snapshot, versions_dir};
use crate::schema::{self, VersionDoc};

use super::references::line_of;
use super::{Finding, Rule};

/// Compares every version file of `base` with `head`.
pub fn check_immutability(base: &dyn Snapshot, head: &dyn Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    let models = crate::registry::model_names(base);
    for model in models {
        let dir = versions_dir(&model);
        // A versions folder with the same id in both is unchanged: nothing to parse.
        if base
            .content_id(&dir)
            .is_some_and(|id| head.content_id(&dir) == Some(id))
        {
            continue;
        }
        for file in base.list(&dir).unwrap_or_default() {
            let path = format!("{dir}/{file}");
            if base
                .content_id(&path)
                .is_some_and(|id| head.content_id(&path) == Some(id))
            {
                continue;
            }
            let Ok(Some(before)) = base.read_text(&path) else {
                continue;
            };
            let Ok(before) = schema::from_yaml::<VersionDoc>(&path, &before) else {
                continue;
            };
            let after = match head.read_text(&path) {
                Ok(Some(text)) => text,
                Ok(None) => {
                    findings.push(
                        Finding::new(
                            Rule::Immutable,
                            format!(
                                "registered version `{model}@{}` was deleted",
                                before.version
                            ),
                        )
                        .at(&path, None),
                    );
                    continue;
                }
                Err(_) => continue,
            };
            let Ok(after) = schema::from_yaml::<VersionDoc>(&path, &after) else {
                continue;
            };
            for field in changed_fields(&before, &after) {
                findings.push(
                    Finding::new(
                        Rule::Immutable,
                        format!(
                            "`{field}` of registered version `{model}@{}` changed",
                            before.version
                        ),
                    )
                    .at(&path, line_of(head, &path, &format!("{field}:"))),
                );
            }
        }
    }
    findings
}

/// Top-level fields that differ, ignoring the mutable ones.
fn changed_fields(before: &VersionDoc, after: &VersionDoc) -> Vec<String> {
    let fixed = |doc: &VersionDoc| -> BTreeMap<String, serde_json::Value> {
        let mut doc = doc.clone();
        doc.status = String::new();
        doc.archived = None;
        doc.description = String::new();
        match serde_json::to_value(&doc) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        }
    };
    let (before, after) = (fixed(before), fixed(after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MemorySnapshot;

    const V: &str = "model: m\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nmetrics:\n  acc: 0.9\nstatus: active\n";

    #[test]
    fn only_status_archive_and_description_may_change() {
        let path = crate::registry::version_file(&"m".parse().unwrap(), &"1.0.0".parse().unwrap());
        let base = MemorySnapshot::default().with(&path, V);
        let archived = V.replace(
            "status: active",
            "description: x\nstatus: archived\narchived:\n  at: t\n  by: b\n",
        );
        let ok = MemorySnapshot::default().with(&path, &archived);
        assert!(check_immutability(&base, &ok).is_empty());
        let tampered = MemorySnapshot::default().with(&path, &V.replace("0.9", "0.99"));
        let findings = check_immutability(&base, &tampered);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].rule, findings[0].line),
            (Rule::Immutable, Some(4))
        );
        assert!(findings[0].message.contains("`metrics`"));
        let deleted = check_immutability(&base, &MemorySnapshot::default());
        assert!(deleted[0].message.contains("deleted"));
    }
}
