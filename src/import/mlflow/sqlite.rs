//! MLflow's SQLite store, read directly: opened read-only, its schema checked
//! (`sqlite_schema`), each table read once for the registry and by key for the runs
//! and logged models the versions name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};

use super::sqlite_schema::{self, Schema};
use super::{
    LoggedModel, Metric, Missing, MlflowError, MlflowRegistry, ModelMetric, ModelVersion,
    RegisteredModel, Run, Wanted, finish_version, is_prompt, logged_model_status_name, non_empty,
};

/// An MLflow database opened read-only.
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    schema: Schema,
}

/// Turns an SQLite failure into the error class it belongs to: a file SQLite cannot
/// read as a database, or damaged pages, is a damaged database; anything else is
/// reported as damage too, with SQLite's words.
pub fn classify(path: &Path, err: &rusqlite::Error) -> MlflowError {
    MlflowError::CorruptDatabase {
        path: path.to_owned(),
        detail: err.to_string(),
    }
}

impl SqliteStore {
    pub fn open(path: PathBuf) -> Result<Self, MlflowError> {
        if !path.is_file() {
            return Err(MlflowError::MissingStore { path });
        }
        // Read-only, and never creating a file: MLflow would create an empty database.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(&path, flags).map_err(|err| classify(&path, &err))?;
        // A server writing at the same time holds its lock briefly.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|err| classify(&path, &err))?;
        let schema = sqlite_schema::inspect(&conn, &path)?;
        Ok(Self { path, conn, schema })
    }

    /// The alembic revision of the schema.
    pub fn revision(&self) -> &str {
        &self.schema.revision
    }

    fn corrupt(&self, err: &rusqlite::Error) -> MlflowError {
        classify(&self.path, err)
    }

    /// `AND workspace = 'default'` where rows have a workspace.
    fn in_default_workspace(&self) -> &'static str {
        if self.schema.workspace {
            " AND workspace = 'default'"
        } else {
            ""
        }
    }

    pub fn read_models(&self) -> Result<Vec<RegisteredModel>, MlflowError> {
        self.models().map_err(|fault| match fault {
            Fault::Sql(err) => self.corrupt(&err),
            Fault::Row(detail) => MlflowError::CorruptDatabase {
                path: self.path.clone(),
                detail,
            },
        })
    }

    fn models(&self) -> Result<Vec<RegisteredModel>, Fault> {
        let ws = self.in_default_workspace();
        let model_tags = self.pairs_by_name(self.schema.model_tags, "registered_model_tags")?;
        let mut models: BTreeMap<String, RegisteredModel> = BTreeMap::new();
        let mut rows = self.conn.prepare(&format!(
            "SELECT name, creation_time, last_updated_time, description \
             FROM registered_models WHERE 1 = 1{ws}"
        ))?;
        for row in rows.query_map([], |row| {
            Ok(RegisteredModel {
                name: row.get(0)?,
                creation_timestamp: row.get(1)?,
                last_updated_timestamp: row.get(2)?,
                description: non_empty(row.get(3)?),
                ..RegisteredModel::default()
            })
        })? {
            let mut model = row?;
            model.tags = model_tags.get(&model.name).cloned().unwrap_or_default();
            models.insert(model.name.clone(), model);
        }
        if self.schema.aliases {
            let mut rows = self.conn.prepare(&format!(
                "SELECT name, alias, version FROM registered_model_aliases WHERE 1 = 1{ws}"
            ))?;
            let aliases = rows.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            for alias in aliases {
                let (name, alias, version) = alias?;
                if let (Some(model), Ok(version)) = (models.get_mut(&name), u64::try_from(version))
                {
                    model.aliases.insert(alias, version);
                }
            }
        }
        self.read_versions(&mut models)?;
        Ok(models
            .into_values()
            .filter(|model| !is_prompt(&model.tags))
            .collect())
    }

    fn read_versions(&self, models: &mut BTreeMap<String, RegisteredModel>) -> Result<(), Fault> {
        let ws = self.in_default_workspace();
        let version_tags = self.version_tags()?;
        let optional = |present: bool, column: &str| {
            if present {
                column.to_owned()
            } else {
                "NULL".to_owned()
            }
        };
        let mut rows = self.conn.prepare(&format!(
            "SELECT name, version, creation_time, last_updated_time, description, user_id, \
             current_stage, source, {}, run_id, {}, status, status_message \
             FROM model_versions WHERE 1 = 1{ws}",
            optional(self.schema.storage_location, "storage_location"),
            optional(self.schema.run_link, "run_link"),
        ))?;
        let mut read = rows.query([])?;
        while let Some(row) = read.next()? {
            let name: String = row.get(0)?;
            let (version, stage) = version_row(row)?;
            if version.version == 0 {
                return Err(Fault::Row(format!(
                    "model `{name}` has a version numbered below 1"
                )));
            }
            let Some(model) = models.get_mut(&name) else {
                continue;
            };
            let mut version = finish_version(version, &stage)
                .map_err(|detail| Fault::Row(format!("model `{name}`: {detail}")))?;
            if !version.deleted {
                let key = (name, version.version);
                version.tags = version_tags.get(&key).cloned().unwrap_or_default();
                if is_prompt(&version.tags) {
                    continue;
                }
            }
            model.versions.push(version);
        }
        Ok(())
    }

    /// `(model, key) -> value` of a tag table keyed by model name.
    fn pairs_by_name(
        &self,
        present: bool,
        table: &str,
    ) -> rusqlite::Result<BTreeMap<String, BTreeMap<String, String>>> {
        let mut by_name: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        if !present {
            return Ok(by_name);
        }
        let ws = self.in_default_workspace();
        let mut rows = self.conn.prepare(&format!(
            "SELECT name, key, value FROM {table} WHERE 1 = 1{ws}"
        ))?;
        let pairs = rows.query_map([], |row| {
            let value: Option<String> = row.get(2)?;
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                value.unwrap_or_default(),
            ))
        })?;
        for pair in pairs {
            let (name, key, value) = pair?;
            by_name.entry(name).or_default().insert(key, value);
        }
        Ok(by_name)
    }

    fn version_tags(&self) -> rusqlite::Result<BTreeMap<(String, u64), BTreeMap<String, String>>> {
        let mut by_version: BTreeMap<(String, u64), BTreeMap<String, String>> = BTreeMap::new();
        if !self.schema.version_tags {
            return Ok(by_version);
        }
        let ws = self.in_default_workspace();
        let mut rows = self.conn.prepare(&format!(
            "SELECT name, version, key, value FROM model_version_tags WHERE 1 = 1{ws}"
        ))?;
        let tags = rows.query_map([], |row| {
            let value: Option<String> = row.get(3)?;
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                value.unwrap_or_default(),
            ))
        })?;
        for tag in tags {
            let (name, version, key, value) = tag?;
            if let Ok(version) = u64::try_from(version) {
                by_version
                    .entry((name, version))
                    .or_default()
                    .insert(key, value);
            }
        }
        Ok(by_version)
    }

    pub fn read_tracking(
        &self,
        wanted: &Wanted,
        registry: &mut MlflowRegistry,
    ) -> Result<(), MlflowError> {
        for run_id in &wanted.runs {
            match self.run(run_id).map_err(|err| self.corrupt(&err))? {
                Some(run) => {
                    registry.runs.insert(run_id.clone(), run);
                }
                None => registry.missing.push(Missing {
                    kind: "run",
                    id: run_id.clone(),
                    reason: "no such run in the database".to_owned(),
                }),
            }
        }
        for model_id in &wanted.logged_models {
            let found = if self.schema.logged_models {
                self.logged_model(model_id)
                    .map_err(|err| self.corrupt(&err))?
            } else {
                None
            };
            match found {
                Some(model) => {
                    registry.logged_models.insert(model_id.clone(), model);
                }
                None => registry.missing.push(Missing {
                    kind: "logged_model",
                    id: model_id.clone(),
                    reason: if self.schema.logged_models {
                        "no such logged model in the database".to_owned()
                    } else {
                        "the database predates MLflow 3's logged models".to_owned()
                    },
                }),
            }
        }
        Ok(())
    }

    fn run(&self, run_id: &str) -> rusqlite::Result<Option<Run>> {
        let mut query = self.conn.prepare_cached(
            "SELECT run_uuid, name, experiment_id, user_id, status, start_time, end_time, \
             lifecycle_stage, artifact_uri FROM runs WHERE run_uuid = ?1",
        )?;
        let Some(mut run) = query
            .query_row([run_id], |row| {
                Ok(Run {
                    run_id: row.get(0)?,
                    run_name: non_empty(row.get(1)?),
                    experiment_id: row.get::<_, Option<i64>>(2)?.map(|id| id.to_string()),
                    user_id: non_empty(row.get(3)?),
                    status: non_empty(row.get(4)?),
                    start_time: row.get(5)?,
                    end_time: row.get(6)?,
                    lifecycle_stage: non_empty(row.get(7)?),
                    artifact_uri: non_empty(row.get(8)?),
                    ..Run::default()
                })
            })
            .optional()?
        else {
            return Ok(None);
        };
        run.params =
            self.string_pairs("SELECT key, value FROM params WHERE run_uuid = ?1", run_id)?;
        run.tags = self.string_pairs("SELECT key, value FROM tags WHERE run_uuid = ?1", run_id)?;
        let mut metrics = self.conn.prepare_cached(
            "SELECT key, value, step, timestamp, is_nan FROM latest_metrics WHERE run_uuid = ?1",
        )?;
        for metric in metrics.query_map([run_id], |row| {
            let is_nan: Option<bool> = row.get(4)?;
            let value: Option<f64> = row.get(1)?;
            let value = if is_nan == Some(true) {
                f64::NAN
            } else {
                value.unwrap_or(f64::NAN)
            };
            Ok((
                row.get::<_, String>(0)?,
                Metric {
                    value,
                    step: row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    timestamp: row.get::<_, Option<i64>>(3)?.unwrap_or(0),
                },
            ))
        })? {
            let (key, metric) = metric?;
            run.metrics.insert(key, metric);
        }
        if run.run_name.is_none() {
            run.run_name = run.tags.get("mlflow.runName").cloned();
        }
        Ok(Some(run))
    }

    fn string_pairs(&self, sql: &str, id: &str) -> rusqlite::Result<BTreeMap<String, String>> {
        let mut query = self.conn.prepare_cached(sql)?;
        let pairs = query.query_map([id], |row| {
            let value: Option<String> = row.get(1)?;
            Ok((row.get::<_, String>(0)?, value.unwrap_or_default()))
        })?;
        pairs.collect()
    }

    fn logged_model(&self, model_id: &str) -> rusqlite::Result<Option<LoggedModel>> {
        let mut query = self.conn.prepare_cached(
            "SELECT model_id, experiment_id, name, artifact_location, creation_timestamp_ms, \
             last_updated_timestamp_ms, status, source_run_id FROM logged_models \
             WHERE model_id = ?1 AND lifecycle_stage != 'deleted'",
        )?;
        let Some(mut model) = query
            .query_row([model_id], |row| {
                Ok(LoggedModel {
                    model_id: row.get(0)?,
                    experiment_id: row.get::<_, Option<i64>>(1)?.map(|id| id.to_string()),
                    name: non_empty(row.get(2)?),
                    artifact_location: non_empty(row.get(3)?),
                    creation_timestamp: row.get(4)?,
                    last_updated_timestamp: row.get(5)?,
                    status: row
                        .get::<_, Option<i64>>(6)?
                        .map(|status| logged_model_status_name(&status.to_string())),
                    source_run_id: non_empty(row.get(7)?),
                    ..LoggedModel::default()
                })
            })
            .optional()?
        else {
            return Ok(None);
        };
        model.params = self.string_pairs(
            "SELECT param_key, param_value FROM logged_model_params WHERE model_id = ?1",
            model_id,
        )?;
        model.tags = self.string_pairs(
            "SELECT tag_key, tag_value FROM logged_model_tags WHERE model_id = ?1",
            model_id,
        )?;
        let mut metrics = self.conn.prepare_cached(
            "SELECT metric_name, metric_value, metric_step, metric_timestamp_ms, run_id, \
             dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id = ?1",
        )?;
        model.metrics = metrics
            .query_map(params![model_id], |row| {
                Ok(ModelMetric {
                    key: row.get(0)?,
                    value: row.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN),
                    step: row.get(2)?,
                    timestamp: row.get(3)?,
                    run_id: non_empty(row.get(4)?),
                    dataset_name: non_empty(row.get(5)?),
                    dataset_digest: non_empty(row.get(6)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(model))
    }
}

/// Why a read stopped: SQLite failed, or a row holds what MLflow never writes.
enum Fault {
    Sql(rusqlite::Error),
    Row(String),
}

impl From<rusqlite::Error> for Fault {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sql(err)
    }
}

/// A `model_versions` row (after `name`), and its stored stage text.
fn version_row(row: &Row<'_>) -> rusqlite::Result<(ModelVersion, String)> {
    let number: i64 = row.get(1)?;
    let stage: Option<String> = row.get(6)?;
    let version = ModelVersion {
        version: u64::try_from(number).unwrap_or_default(),
        creation_timestamp: row.get(2)?,
        last_updated_timestamp: row.get(3)?,
        description: non_empty(row.get(4)?),
        user_id: non_empty(row.get(5)?),
        source: non_empty(row.get(7)?),
        storage_location: non_empty(row.get(8)?),
        run_id: non_empty(row.get(9)?),
        run_link: non_empty(row.get(10)?),
        status: non_empty(row.get(11)?),
        status_message: non_empty(row.get(12)?),
        ..ModelVersion::default()
    };
    Ok((version, stage.unwrap_or_default()))
}
