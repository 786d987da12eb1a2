//! A cache of `omgreg list` rows, keyed by the tree id of each model's folder.
//!
//! A row needs three or four objects per model (the versions folder, `stages.yaml`,
//! the latest version file); at 1,000 models that is most of `list`'s time. Tree ids
//! name content, so a cached row is right for as long as its key matches: no
//! invalidation is ever needed. The cache lives in the Git directory, is rewritten
//! only when rows were missing, and is best effort (a read-only repository simply
//! goes without).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Store, TreeSnapshot};
use crate::registry::{
    Assignments, CONFIG_FILE, MODELS_DIR, MODELS_PREFIX, ModelName, ModelSummary, RegistryConfig,
    RegistryError, Snapshot, model_dir, sort_models, summarize_model,
};

const FORMAT: u32 = 1;

/// The prefix of the cache's temporary files (beside it).
pub(crate) const CACHE_TEMP_PREFIX: &str = "list-cache.tmp-";

/// Whether the cache file at `path` can be used at all (it parses, in this format).
pub(crate) fn cache_is_readable(path: &std::path::Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
        .is_some_and(|cache| cache.format == FORMAT)
}

#[derive(Default, Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    /// The blob id of `omgreg.toml` the rows were computed with.
    config: String,
    /// Model folder tree id to its row.
    rows: HashMap<String, Row>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Row {
    model: String,
    versions: usize,
    latest: Option<String>,
    stages: Vec<(String, Vec<String>)>,
    aliases: BTreeMap<String, String>,
}

impl Store {
    /// [`crate::registry::list_models`], reusing rows of unchanged model folders.
    pub fn list_models_cached(
        &self,
        snapshot: &TreeSnapshot<'_>,
        config: &RegistryConfig,
    ) -> Result<Vec<ModelSummary>, RegistryError> {
        let config_id = snapshot
            .entry_id(CONFIG_FILE)
            .map(|(id, _)| id.to_string())
            .unwrap_or_default();
        let path = self.cache_path();
        let mut cache: CacheFile = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .filter(|cache: &CacheFile| cache.format == FORMAT && cache.config == config_id)
            .unwrap_or_default();
        let mut models = Vec::new();
        let mut missed = false;
        for name in snapshot.list(MODELS_DIR)? {
            let Ok(model) = name.parse::<ModelName>() else {
                continue;
            };
            let key = snapshot
                .entry_id(&model_dir(&model))
                .map(|(id, _)| id.to_string());
            let cached = key
                .as_ref()
                .and_then(|key| cache.rows.get(key))
                .and_then(to_summary);
            let summary = match cached {
                Some(summary) => summary,
                None => {
                    let summary = summarize_model(snapshot, config, &model)?;
                    if let Some(key) = key {
                        cache.rows.insert(key, to_row(&summary));
                        missed = true;
                    }
                    summary
                }
            };
            models.push(summary);
        }
        if missed {
            cache.format = FORMAT;
            cache.config = config_id;
            // Keep the file bounded: only the rows of this listing.
            let live: std::collections::HashSet<String> = snapshot
                .list(MODELS_DIR)?
                .into_iter()
                .filter_map(|name| {
                    snapshot
                        .entry_id(&format!("{MODELS_PREFIX}{name}"))
                        .map(|(id, _)| id.to_string())
                })
                .collect();
            cache.rows.retain(|key, _| live.contains(key));
            self.write_cache(&path, &cache);
        }
        sort_models(&mut models);
        Ok(models)
    }

    /// Where this registry's row cache lives.
    pub(crate) fn cache_path(&self) -> PathBuf {
        let mut path = self.repo.commondir().join("omgreg");
        if !self.prefix.is_empty() {
            path.push(self.prefix.trim_end_matches('/').replace('/', "%2F"));
        }
        path.join("list-cache.json")
    }

    fn write_cache(&self, path: &std::path::Path, cache: &CacheFile) {
        let Some(dir) = path.parent() else { return };
        let _ = std::fs::create_dir_all(dir);
        let Ok(mut temp) = super::tempfiles::create(dir, CACHE_TEMP_PREFIX) else {
            return;
        };
        // One write, not one system call per JSON token.
        let Ok(bytes) = serde_json::to_vec(cache) else {
            return;
        };
        if std::io::Write::write_all(&mut temp, &bytes).is_ok() {
            let _ = temp.persist(path);
        }
    }
}

fn to_row(summary: &ModelSummary) -> Row {
    Row {
        model: summary.model.to_string(),
        versions: summary.version_count,
        latest: summary.latest.as_ref().map(ToString::to_string),
        stages: summary
            .assignments
            .stages
            .iter()
            .map(|(stage, held)| {
                (
                    stage.clone(),
                    held.iter().map(ToString::to_string).collect(),
                )
            })
            .collect(),
        aliases: summary
            .assignments
            .aliases
            .iter()
            .map(|(a, v)| (a.clone(), v.to_string()))
            .collect(),
    }
}

fn to_summary(row: &Row) -> Option<ModelSummary> {
    let stages = row
        .stages
        .iter()
        .map(|(stage, held)| {
            Some((
                stage.clone(),
                held.iter()
                    .map(|v| v.parse().ok())
                    .collect::<Option<Vec<_>>>()?,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    let aliases = row
        .aliases
        .iter()
        .map(|(alias, v)| Some((alias.clone(), v.parse().ok()?)))
        .collect::<Option<BTreeMap<_, _>>>()?;
    Some(ModelSummary {
        model: row.model.parse().ok()?,
        version_count: row.versions,
        latest: row.latest.as_ref().map(|v| v.parse()).transpose().ok()?,
        assignments: Assignments { stages, aliases },
    })
}
