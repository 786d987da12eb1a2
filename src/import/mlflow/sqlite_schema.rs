//! Which MLflow database this is: the alembic revision MLflow stamps in
//! `alembic_version`, and the tables and columns the reader needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::Connection;

use super::MlflowError;

/// MLflow's schema revisions, oldest first (MLflow 1.x to 3.17), from its
/// `store/db_migrations/versions`.
const REVISIONS: &[&str] = &[
    "451aebb31d03",
    "90e64c465722",
    "181f10493468",
    "df50e92ffc5e",
    "7ac759974ad8",
    "89d4b8295536",
    "2b4d017a5e9b",
    "cfd24bdc0731",
    "0a8213491aaa",
    "728d730b5ebd",
    "27a6a02d2cf1",
    "84291f40a231",
    "a8c4a736bde6",
    "39d1c3be5f05",
    "c48cb773bb87",
    "bd07f7e963c5",
    "0c779009ac13",
    "cc1f77228345",
    "97727af70f4d",
    "3500859a5d39",
    "7f2a7d5fae7d",
    "2d6e25af4d3e",
    "acf3f17fdcc7",
    "867495a8f9d4",
    "5b0e9adcef9c",
    "4465047574b1",
    "f5a4f2784254",
    "0584bdc529eb",
    "400f98739977",
    "6953534de441",
    "bda7b8c39065",
    "cbc13b556ace",
    "770bee3ae1dd",
    "a1b2c3d4e5f6",
    "de4033877273",
    "1a0cddfcaa16",
    "534353b11cbc",
    "71994744cf8e",
    "3da73c924c2f",
    "bf29a5ff90ea",
    "1bd49d398cd23",
    "b7c8d9e0f1a2",
    "5d2d30f0abce",
    "c9d4e5f6a7b8",
    "2c33131f4dae",
    "d3e4f5a6b7c8",
    "d0e1f2a3b4c5",
    "c8d9e0f1a2b3",
    "1b5f0d9ad7c1",
    "e1f2a3b4c5d6",
    "76601a5f987d",
    "c3d6457b6d8a",
    "a5b4c3d2e1f0",
    "ae8bbe7743c9",
    "7d34483879f0",
    "da6fb0208061",
    "89d3d66ed43f",
    "b7e4c1a90f23",
    "a8b9c0d1e2f3",
    "c1d2e3f4a5b6",
    "c3d9e7f1a2b4",
    "6f8d9c3b2a1e",
    "1971f2d9a75b",
    "17e22815139b",
    "b7e2c1a4d9f3",
    "75868b020152",
    "dc11669786a5",
];

/// The revision that added the model registry's tables (MLflow 1.2).
const REGISTRY_REVISION: &str = "2b4d017a5e9b";

/// Columns without which there is nothing to read.
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "registered_models",
        &["name", "creation_time", "last_updated_time", "description"],
    ),
    (
        "model_versions",
        &[
            "name",
            "version",
            "creation_time",
            "last_updated_time",
            "description",
            "user_id",
            "current_stage",
            "source",
            "run_id",
            "status",
            "status_message",
        ],
    ),
    (
        "runs",
        &[
            "run_uuid",
            "name",
            "experiment_id",
            "user_id",
            "status",
            "start_time",
            "end_time",
            "lifecycle_stage",
            "artifact_uri",
        ],
    ),
    ("params", &["key", "value", "run_uuid"]),
    (
        "latest_metrics",
        &["key", "value", "timestamp", "step", "is_nan", "run_uuid"],
    ),
    ("tags", &["key", "value", "run_uuid"]),
];

/// What this database's schema holds, beyond [`REQUIRED`].
#[derive(Debug, Clone)]
pub struct Schema {
    pub revision: String,
    /// Registry rows carry a `workspace` (MLflow 3.5+); only `default` is read, the
    /// one `MlflowClient` sees without workspaces.
    pub workspace: bool,
    pub model_tags: bool,
    pub version_tags: bool,
    pub run_link: bool,
    pub storage_location: bool,
    pub aliases: bool,
    pub logged_models: bool,
}

/// Checks that `conn` is an MLflow database omgreg reads and says what it holds.
pub fn inspect(conn: &Connection, path: &Path) -> Result<Schema, MlflowError> {
    let not_mlflow = |detail: &str| MlflowError::NotMlflowDatabase {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    let columns = columns(conn).map_err(|err| super::sqlite::classify(path, &err))?;
    if !columns.contains_key("alembic_version") {
        return Err(not_mlflow(if columns.is_empty() {
            "it holds no tables"
        } else {
            "it has no `alembic_version` table"
        }));
    }
    let revision: String = conn
        .query_row("SELECT version_num FROM alembic_version", [], |row| {
            row.get(0)
        })
        .map_err(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => not_mlflow("its `alembic_version` is empty"),
            other => super::sqlite::classify(path, &other),
        })?;
    let unsupported = |detail: String| MlflowError::UnsupportedSchema {
        path: path.to_owned(),
        revision: revision.clone(),
        detail,
    };
    let position = REVISIONS.iter().position(|known| *known == revision);
    let registry_at = REVISIONS
        .iter()
        .position(|known| *known == REGISTRY_REVISION);
    if position.is_some() && position < registry_at {
        return Err(unsupported(
            "it is older than MLflow 1.2, which added the model registry".to_owned(),
        ));
    }
    for (table, needed) in REQUIRED {
        let have = columns.get(*table);
        if let Some(column) = needed
            .iter()
            .find(|c| !have.is_some_and(|h| h.contains(**c)))
        {
            let known = if position.is_some() {
                "a known MLflow revision"
            } else {
                "a revision this omgreg does not know (a newer MLflow?)"
            };
            return Err(unsupported(format!(
                "{known}, but the table `{table}` has no column `{column}`"
            )));
        }
    }
    let has = |table: &str, column: &str| columns.get(table).is_some_and(|c| c.contains(column));
    Ok(Schema {
        workspace: has("registered_models", "workspace") && has("model_versions", "workspace"),
        model_tags: has("registered_model_tags", "value"),
        version_tags: has("model_version_tags", "value"),
        run_link: has("model_versions", "run_link"),
        storage_location: has("model_versions", "storage_location"),
        aliases: has("registered_model_aliases", "alias"),
        logged_models: has("logged_models", "artifact_location")
            && has("logged_model_params", "param_value")
            && has("logged_model_metrics", "metric_value")
            && has("logged_model_tags", "tag_value"),
        revision,
    })
}

/// Every table's columns.
fn columns(conn: &Connection) -> rusqlite::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let names: Vec<String> = tables
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut columns = BTreeMap::new();
    for name in names {
        let mut info = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
        let found: BTreeSet<String> = info
            .query_map([&name], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        columns.insert(name, found);
    }
    Ok(columns)
}
