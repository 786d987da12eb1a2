//! Runs read in batches: `runs/search` with `attributes.run_id IN (...)` over every
//! experiment, a hundred runs a request, instead of one `runs/get` per run (10,000
//! versions with a run each took two minutes one by one on a local server). Logged
//! models likewise, by `logged-models/search` over the experiments of those runs
//! (MLflow 3 logs one per version when a model is logged with a registered name).

use serde::Deserialize;

use super::wire::{self, Int};
use super::{MlflowError, MlflowRegistry, RestStore, logged_model_of, run_of};

/// Run ids per `runs/search` request: the filter stays a few kilobytes.
const RUNS_PER_SEARCH: usize = 100;

#[derive(Debug, Deserialize)]
struct SearchExperiments {
    #[serde(default)]
    experiments: Vec<Experiment>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Experiment {
    experiment_id: Option<Int>,
}

#[derive(Debug, Deserialize)]
struct SearchLoggedModels {
    #[serde(default)]
    models: Vec<wire::LoggedModelBody>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SearchRuns {
    #[serde(default)]
    runs: Vec<wire::RunBody>,
    next_page_token: Option<String>,
}

impl RestStore {
    /// Reads the runs `ids` into `registry` in batches; returns the ids it did not
    /// find (or could not put in a filter), for `runs/get` one by one.
    pub(super) fn search_runs(
        &self,
        ids: &[String],
        registry: &mut MlflowRegistry,
    ) -> Result<Vec<String>, MlflowError> {
        let quotable = |id: &&String| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let batchable: Vec<&String> = ids.iter().filter(quotable).collect();
        if batchable.is_empty() {
            return Ok(ids.to_vec());
        }
        let experiments = self.experiment_ids()?;
        for chunk in batchable.chunks(RUNS_PER_SEARCH) {
            let quoted: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
            let filter = format!("attributes.run_id IN ({})", quoted.join(", "));
            let mut token: Option<String> = None;
            loop {
                let mut body = serde_json::json!({
                    "experiment_ids": experiments,
                    "filter": filter,
                    "run_view_type": "ALL",
                    "max_results": 1000,
                });
                if let Some(token) = &token {
                    body["page_token"] = serde_json::Value::from(token.as_str());
                }
                let page: SearchRuns = self.post_json("/api/2.0/mlflow/runs/search", &body)?;
                for run in page.runs {
                    let id = run
                        .info
                        .run_id
                        .clone()
                        .or_else(|| run.info.run_uuid.clone());
                    if let Some(id) = id {
                        registry.runs.insert(id.clone(), run_of(&id, run));
                    }
                }
                token = page.next_page_token.filter(|next| !next.is_empty());
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(ids
            .iter()
            .filter(|id| !registry.runs.contains_key(*id))
            .cloned()
            .collect())
    }

    /// Reads the logged models `ids` into `registry` from the experiments of the runs
    /// read; returns the ids not found there, for `logged-models/ID` one by one (all
    /// of them from a server without the search, MLflow before 3).
    pub(super) fn search_logged_models(
        &self,
        ids: &[String],
        registry: &mut MlflowRegistry,
    ) -> Result<Vec<String>, MlflowError> {
        let mut experiments: Vec<&String> = registry
            .runs
            .values()
            .filter_map(|run| run.experiment_id.as_ref())
            .collect();
        experiments.sort();
        experiments.dedup();
        if ids.is_empty() || experiments.is_empty() {
            return Ok(ids.to_vec());
        }
        let wanted: std::collections::BTreeSet<&String> = ids.iter().collect();
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = serde_json::json!({"experiment_ids": experiments, "max_results": 1000});
            if let Some(token) = &token {
                body["page_token"] = serde_json::Value::from(token.as_str());
            }
            let page: SearchLoggedModels =
                match self.post_json("/api/2.0/mlflow/logged-models/search", &body) {
                    Ok(page) => page,
                    Err(MlflowError::Http { status: 404, .. }) => return Ok(ids.to_vec()),
                    Err(other) => return Err(other),
                };
            found.extend(
                page.models
                    .into_iter()
                    .filter(|m| wanted.contains(&m.info.model_id)),
            );
            token = page.next_page_token.filter(|next| !next.is_empty());
            if token.is_none() {
                break;
            }
        }
        for model in found {
            registry
                .logged_models
                .insert(model.info.model_id.clone(), logged_model_of(model));
        }
        Ok(ids
            .iter()
            .filter(|id| !registry.logged_models.contains_key(*id))
            .cloned()
            .collect())
    }

    /// Every experiment's id, deleted ones included (their runs are still runs).
    fn experiment_ids(&self) -> Result<Vec<String>, MlflowError> {
        let mut ids = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = vec![("max_results", "1000"), ("view_type", "ALL")];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let page: SearchExperiments =
                self.get_json("/api/2.0/mlflow/experiments/search", &query)?;
            ids.extend(
                page.experiments
                    .iter()
                    .filter_map(|e| e.experiment_id.as_ref()?.get())
                    .map(|id| id.to_string()),
            );
            match page.next_page_token.filter(|next| !next.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
        Ok(ids)
    }
}
