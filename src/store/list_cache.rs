//! A cache of `omgreg list` rows, keyed by the tree id of each model's folder.
//!
//! A row needs three or four objects per model (the versions folder, `stages.yaml`,
//! the latest version file); at 1,000 models that is most of `list`'s time. Tree ids
//! name content, so a cached row is right for as long as its key matches: no
//! invalidation is ever needed. The cache lives in the Git directory and is best
//! effort (a read-only repository simply goes without).
//!
//! The file is lines `<checksum> <json>` (the event index's line format): a header
//! naming the format and the `omgreg.toml` the rows were computed with, then rows and
//! `tip` lines (the commit whose rows were computed last). Writers keep it warm: after
//! an action moves the branch, the rows of the models it changed are appended for
//! the new tip ([`Store::warm_list_cache`]), so the first `list` after an action reads
//! no model folder. Appending costs microseconds where rewriting a file costs a
//! millisecond; `list` rewrites it when more than half its rows are dead. A line that
//! fails its checksum (a torn append) is skipped: its row is computed again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::event_index::{decode, encode_into};
use super::{CommitId, Store, TreeSnapshot};
use crate::registry::{
    Assignments, CONFIG_FILE, MODELS_DIR, MODELS_PREFIX, ModelName, ModelSummary, RegistryConfig,
    RegistryError, Snapshot, load_config, model_dir, sort_models, summarize_model,
};

const FORMAT: u32 = 2;

/// The size past which an action's writer compacts the file (no `list` ran for a
/// long while).
const MAX_BYTES: u64 = 8 << 20;

/// The prefix of the cache's temporary files (beside it).
pub(crate) const CACHE_TEMP_PREFIX: &str = "list-cache.tmp-";

/// Whether the cache file at `path` can be used at all: its header reads (a cache
/// of the previous format, one JSON document, is replaced by the next `list` and is
/// not damaged either).
pub(crate) fn cache_is_readable(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    decode::<Line>(first).is_some_and(|line| line.format.is_some())
        || serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|doc| doc.get("format").is_some_and(serde_json::Value::is_u64))
}

/// One line of the cache file: the header (`format`, `config`), a row (`key`, `row`)
/// or a tip (`tip`).
#[derive(Default, Serialize, Deserialize)]
struct Line {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<u32>,
    /// The blob id of `omgreg.toml` the rows were computed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    config: Option<String>,
    /// A model folder's tree id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    row: Option<Row>,
    /// The commit whose rows were computed last (by `list`, or by an action's
    /// writer for its new tip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tip: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Row {
    model: String,
    versions: usize,
    latest: Option<String>,
    stages: Vec<(String, Vec<String>)>,
    aliases: BTreeMap<String, String>,
}

/// The cache as read: its rows and how many row lines hold them.
#[derive(Default)]
struct Cache {
    rows: HashMap<String, Row>,
    lines: usize,
}

impl Store {
    /// [`crate::registry::list_models`], reusing rows of unchanged model folders.
    pub fn list_models_cached(
        &self,
        snapshot: &TreeSnapshot<'_>,
        config: &RegistryConfig,
    ) -> Result<ListedModels, RegistryError> {
        let config_id = config_id(snapshot);
        let path = self.cache_path();
        let found = read_cache(&path, &config_id);
        let valid = found.is_some();
        let mut cache = found.unwrap_or_default();
        let (mut models, added, live, broken) = fill_rows(snapshot, config, &mut cache.rows)?;
        if !added.is_empty() {
            let tip = TreeSnapshot::commit(snapshot).map(|commit| commit.to_string());
            let dead = cache.lines.saturating_sub(live.len());
            if valid && dead <= live.len() + 64 {
                append_rows(&path, &added, tip);
            } else {
                cache.rows.retain(|key, _| live.contains(key));
                self.write_cache(&path, &config_id, &cache.rows, tip);
            }
        }
        sort_models(&mut models);
        Ok((models, broken))
    }

    /// Computes the rows of `changed` models (those an action changed, from the
    /// branch's tip before it to `new`) and appends them with `new` as the tip;
    /// without a usable cache, computes every row as `list` would. Best effort.
    pub(crate) fn warm_list_cache(&self, new: CommitId, changed: &[ModelName]) {
        let _ = self.try_warm_list_cache(new, changed);
    }

    fn try_warm_list_cache(&self, new: CommitId, changed: &[ModelName]) -> Option<()> {
        let commit = self.repo.find_commit(new.raw()).ok()?;
        let snapshot = TreeSnapshot::new(&self.repo, Some(&commit), &self.prefix).ok()?;
        let config = load_config(&snapshot).ok()?;
        let config_id = config_id(&snapshot);
        let path = self.cache_path();
        let tip = Some(new.to_string());
        let small = std::fs::metadata(&path).is_ok_and(|meta| meta.len() < MAX_BYTES);
        if small && read_header(&path).as_deref() == Some(config_id.as_str()) {
            let mut added = Vec::new();
            for model in changed {
                if let Some((id, _)) = snapshot.entry_id(&model_dir(model)) {
                    let summary = summarize_model(&snapshot, &config, model).ok()?;
                    added.push((id.to_string(), to_row(&summary)));
                }
            }
            append_rows(&path, &added, tip);
        } else {
            let mut cache = read_cache(&path, &config_id).unwrap_or_default();
            let (_, _, live, _) = fill_rows(&snapshot, &config, &mut cache.rows).ok()?;
            cache.rows.retain(|key, _| live.contains(key));
            self.write_cache(&path, &config_id, &cache.rows, tip);
        }
        Some(())
    }

    /// Where this registry's row cache lives.
    pub(crate) fn cache_path(&self) -> PathBuf {
        let mut path = self.repo.commondir().join("omgreg");
        if !self.prefix.is_empty() {
            path.push(self.prefix.trim_end_matches('/').replace('/', "%2F"));
        }
        path.join("list-cache.json")
    }

    /// Replaces the cache with a header, `rows` and `tip` (a temporary file renamed
    /// over it).
    fn write_cache(
        &self,
        path: &Path,
        config_id: &str,
        rows: &HashMap<String, Row>,
        tip: Option<String>,
    ) {
        let Some(dir) = path.parent() else { return };
        let _ = std::fs::create_dir_all(dir);
        let Ok(mut temp) = super::tempfiles::create(dir, CACHE_TEMP_PREFIX) else {
            return;
        };
        let header = Line {
            format: Some(FORMAT),
            config: Some(config_id.to_owned()),
            ..Line::default()
        };
        let mut bytes = Vec::new();
        encode_into(&mut bytes, &header);
        for (key, row) in rows {
            encode_into(&mut bytes, &row_line(key, row));
        }
        encode_into(&mut bytes, &tip_line(tip));
        if temp.write_all(&bytes).is_ok() {
            let _ = temp.persist(path);
        }
    }
}

fn row_line(key: &str, row: &Row) -> Line {
    Line {
        key: Some(key.to_owned()),
        row: Some(row.clone()),
        ..Line::default()
    }
}

fn tip_line(tip: Option<String>) -> Line {
    Line {
        tip,
        ..Line::default()
    }
}

/// Appends rows and a tip line to the cache at `path` (after a line break, so that
/// a torn line of a dead writer stays a line of its own, skipped).
fn append_rows(path: &Path, rows: &[(String, Row)], tip: Option<String>) {
    let mut bytes = vec![b'\n'];
    for (key, row) in rows {
        encode_into(&mut bytes, &row_line(key, row));
    }
    encode_into(&mut bytes, &tip_line(tip));
    if let Ok(mut file) = std::fs::File::options().append(true).open(path) {
        let _ = file.write_all(&bytes);
    }
}

/// The `omgreg.toml` blob id the cache at `path` was computed with, read from its
/// first line alone.
fn read_header(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut first = Vec::new();
    std::io::BufReader::new(file)
        .read_until(b'\n', &mut first)
        .ok()?;
    let header: Line = decode(first.strip_suffix(b"\n")?)?;
    (header.format == Some(FORMAT))
        .then_some(header.config)
        .flatten()
}

/// The blob id of `omgreg.toml` in `snapshot` (empty when absent).
fn config_id(snapshot: &TreeSnapshot<'_>) -> String {
    snapshot
        .entry_id(CONFIG_FILE)
        .map(|(id, _)| id.to_string())
        .unwrap_or_default()
}

/// The cache at `path` when it is in this format and for this `omgreg.toml`.
fn read_cache(path: &Path, config_id: &str) -> Option<Cache> {
    let bytes = std::fs::read(path).ok()?;
    let mut lines = bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty());
    let header: Line = decode(lines.next()?)?;
    if header.format != Some(FORMAT) || header.config.as_deref() != Some(config_id) {
        return None;
    }
    let mut cache = Cache::default();
    for line in lines.filter_map(decode::<Line>) {
        if let (Some(key), Some(row)) = (line.key, line.row) {
            cache.rows.insert(key, row);
            cache.lines += 1;
        }
    }
    Some(cache)
}

/// What [`fill_rows`] found: every model's summary (unsorted), the rows it added and
/// the keys of every listed folder.
/// Every model's row, and the models that could not be read, with why.
pub type ListedModels = (Vec<ModelSummary>, Vec<(ModelName, RegistryError)>);

/// The summaries, the rows computed now, the live keys, and the models that could not
/// be read (with why).
type Filled = (
    Vec<ModelSummary>,
    Vec<(String, Row)>,
    HashSet<String>,
    Vec<(ModelName, RegistryError)>,
);

/// Every model's summary, from `rows` where it has the row, else computed and added
/// to it.
fn fill_rows(
    snapshot: &TreeSnapshot<'_>,
    config: &RegistryConfig,
    rows: &mut HashMap<String, Row>,
) -> Result<Filled, RegistryError> {
    let mut models = Vec::new();
    let mut added = Vec::new();
    let mut live = HashSet::new();
    let mut broken = Vec::new();
    for name in snapshot.list(MODELS_DIR)? {
        let key = snapshot
            .entry_id(&format!("{MODELS_PREFIX}{name}"))
            .map(|(id, _)| id.to_string());
        live.extend(key.clone());
        let Ok(model) = name.parse::<ModelName>() else {
            continue;
        };
        let cached = key
            .as_ref()
            .and_then(|key| rows.get(key))
            .and_then(to_summary);
        let summary = match cached {
            Some(summary) => summary,
            None => {
                // One broken model does not hide the others.
                let summary = match summarize_model(snapshot, config, &model) {
                    Ok(summary) => summary,
                    Err(err) => {
                        broken.push((model, err));
                        continue;
                    }
                };
                if let Some(key) = key {
                    let row = to_row(&summary);
                    rows.insert(key.clone(), row.clone());
                    added.push((key, row));
                }
                summary
            }
        };
        models.push(summary);
    }
    Ok((models, added, live, broken))
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
