//! `omgreg init --example`: sample models, registered through the real `register` path.

use std::collections::BTreeMap;

use crate::registry::{RegisterRequest, VersionSpec};
use crate::schema::{DataDoc, ParamValue, VersionDoc};
use crate::store::{Identity, Store, collect_artifacts};

use super::register::{Plan, execute};
use super::{CommandError, Ctx};

/// (model, version, accuracy, description) of the sample versions.
const SAMPLES: [(&str, &str, f64, &str); 4] = [
    ("churn", "1.0.0", 0.871, "baseline gradient-boosted trees"),
    ("churn", "1.1.0", 0.902, "adds tenure features"),
    ("churn", "2.0.0", 0.915, "transformer encoder"),
    ("fraud", "0.1.0", 0.954, "isolation forest prototype"),
];

/// Registers the sample versions, one commit each; returns the last commit.
pub fn populate(
    ctx: &Ctx,
    store: &Store,
    identity: &Identity,
) -> Result<Option<git2::Oid>, CommandError> {
    let mut last = None;
    let scratch = tempfile::tempdir()?;
    for (model, version, accuracy, description) in SAMPLES {
        let file = scratch.path().join(format!("{model}-{version}.bin"));
        let content: Vec<u8> = format!("{model} {version} weights\n")
            .bytes()
            .cycle()
            .take(64 * 1024)
            .collect();
        std::fs::write(&file, content)?;
        let mut sources = collect_artifacts(&file)?;
        for source in &mut sources {
            source.relative = "model.bin".to_owned();
        }
        let request = RegisterRequest {
            model: model.parse()?,
            version: VersionSpec::Exact(version.parse()?),
            artifacts: Vec::new(),
            parent: None,
            details: VersionDoc {
                description: description.to_owned(),
                tags: BTreeMap::from([("team".to_owned(), "sample".to_owned())]),
                metrics: BTreeMap::from([
                    ("accuracy".to_owned(), accuracy),
                    ("latency_ms".to_owned(), 12.5),
                ]),
                params: BTreeMap::from([("lr".to_owned(), ParamValue::Float(0.001))]),
                data: Some(DataDoc {
                    version: Some("2026-10".to_owned()),
                    ..DataDoc::default()
                }),
                ..VersionDoc::default()
            },
            created: identity.author_time_rfc3339(),
            created_by: identity.author_line(),
            message: Some("sample version from `omgreg init --example`".to_owned()),
        };
        last = execute(ctx, store, identity, Plan { request, sources }, false)?.commit;
        ctx.output
            .status(&format!("Registered sample `{model}@{version}`"));
    }
    Ok(last)
}
