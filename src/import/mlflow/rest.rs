//! A tracking server through its REST API 2.0: registered models and versions by
//! paged search, then each run (`runs/get`) and logged model (`logged-models/ID`)
//! the versions name; artifact files through the server's artifact proxy.

mod search;

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::rest_wire::{self as wire, int};
use super::uri::{percent_encode_path, redact};
use super::{
    LoggedModel, Metric, Missing, MlflowError, MlflowRegistry, ModelMetric, ModelVersion,
    RegisteredModel, Run, Wanted, finish_version, logged_model_status_name, non_empty,
};

/// The most models and versions one search page may ask for (MLflow's limits are
/// 1,000 and 200,000).
const MODELS_PAGE: &str = "1000";
const VERSIONS_PAGE: &str = "10000";

/// The largest JSON answer read (a page of 10,000 versions is a few MB).
const MAX_ANSWER_BYTES: u64 = 512 * 1024 * 1024;

pub struct RestStore {
    /// The server's base URL, without a trailing `/` or a user and password.
    pub(super) base: String,
    agent: ureq::Agent,
    /// `Basic ...` for a URI with `user:password@` (MLflow's basic-auth app).
    authorization: Option<String>,
}

/// What a `get` of one record found.
enum Found<T> {
    Yes(T),
    /// Not there: MLflow's reason.
    No(String),
}

impl RestStore {
    pub fn new(uri: String) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout_read(Duration::from_secs(300))
            .build();
        let (base, in_uri) = split_user_info(&uri);
        let authorization = in_uri
            .or_else(|| env_credentials(|name| std::env::var(name).ok().filter(|v| !v.is_empty())));
        Self {
            base,
            agent,
            authorization,
        }
    }

    fn authorize(&self, request: ureq::Request) -> ureq::Request {
        match &self.authorization {
            Some(value) => request.set("Authorization", value),
            None => request,
        }
    }

    /// A GET of `base` + `path` with `query`, answered with a body.
    pub(super) fn get(
        &self,
        base: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<ureq::Response, MlflowError> {
        let mut request = self.authorize(self.agent.get(&format!("{base}{path}")));
        for (key, value) in query {
            request = request.query(key, value);
        }
        answered(base, request.call())
    }

    /// A POST of a JSON `body` to the server's `path`, answered with JSON.
    fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, MlflowError> {
        let request = self.authorize(self.agent.post(&format!("{}{path}", self.base)));
        let sent = request
            .set("Content-Type", "application/json")
            .send_string(&body.to_string());
        let response = answered(&self.base, sent)?;
        serde_json::from_reader(response.into_reader().take(MAX_ANSWER_BYTES)).map_err(|err| {
            MlflowError::BadResponse {
                url: redact(&format!("{}{path}", self.base)),
                detail: err.to_string(),
            }
        })
    }

    fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, MlflowError> {
        let response = self.get(&self.base, path, query)?;
        let reader = response.into_reader().take(MAX_ANSWER_BYTES);
        serde_json::from_reader(reader).map_err(|err| MlflowError::BadResponse {
            url: redact(&format!("{}{path}", self.base)),
            detail: err.to_string(),
        })
    }

    /// Like [`Self::get_json`], but a 404 is [`Found::No`].
    fn find_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Found<T>, MlflowError> {
        match self.get_json(path, query) {
            Ok(found) => Ok(Found::Yes(found)),
            Err(MlflowError::Http {
                status: 404,
                error_code,
                message,
                ..
            }) => Ok(Found::No(match error_code.as_deref() {
                Some("ENDPOINT_NOT_FOUND") | None => {
                    "the server does not have this API (MLflow before 3?)".to_owned()
                }
                Some(_) => message,
            })),
            Err(other) => Err(other),
        }
    }

    pub fn read_models(&self) -> Result<Vec<RegisteredModel>, MlflowError> {
        let mut models: BTreeMap<String, RegisteredModel> = BTreeMap::new();
        let mut token = String::new();
        loop {
            let mut query = vec![("max_results", MODELS_PAGE)];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let page: wire::SearchModels =
                self.get_json("/api/2.0/mlflow/registered-models/search", &query)?;
            for model in page.registered_models {
                models.insert(model.name.clone(), model_of(model));
            }
            match page.next_page_token.filter(|next| !next.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
        let mut token = String::new();
        loop {
            let mut query = vec![("max_results", VERSIONS_PAGE)];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let page: wire::SearchVersions =
                self.get_json("/api/2.0/mlflow/model-versions/search", &query)?;
            for version in page.model_versions {
                let name = version.name.clone();
                let version = self.version_of(version)?;
                if let Some(model) = models.get_mut(&name) {
                    model.versions.push(version);
                }
            }
            match page.next_page_token.filter(|next| !next.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
        for model in models.values_mut() {
            add_deleted_gaps(model);
        }
        Ok(models.into_values().collect())
    }

    fn version_of(&self, version: wire::Version) -> Result<ModelVersion, MlflowError> {
        let bad = |detail: String| MlflowError::BadResponse {
            url: redact(&self.base),
            detail,
        };
        let number = version
            .version
            .get()
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                bad(format!(
                    "model `{}` has a version that is not a number",
                    version.name
                ))
            })?;
        let read = ModelVersion {
            version: number,
            creation_timestamp: int(&version.creation_timestamp),
            last_updated_timestamp: int(&version.last_updated_timestamp),
            user_id: non_empty(version.user_id),
            description: non_empty(version.description),
            tags: pairs(version.tags),
            source: non_empty(version.source),
            run_id: non_empty(version.run_id),
            run_link: non_empty(version.run_link),
            model_id: non_empty(version.model_id),
            status: non_empty(version.status),
            status_message: non_empty(version.status_message),
            ..ModelVersion::default()
        };
        let stage = version.current_stage.unwrap_or_default();
        finish_version(read, &stage)
            .map_err(|detail| bad(format!("model `{}`: {detail}", version.name)))
    }

    pub fn read_tracking(
        &self,
        wanted: &Wanted,
        registry: &mut MlflowRegistry,
    ) -> Result<(), MlflowError> {
        for run_id in &self.search_runs(&wanted.runs, registry)? {
            let found: Found<wire::GetRun> =
                self.find_json("/api/2.0/mlflow/runs/get", &[("run_id", run_id)])?;
            match found {
                Found::Yes(answer) => {
                    registry
                        .runs
                        .insert(run_id.clone(), run_of(run_id, answer.run));
                }
                Found::No(reason) => registry.missing.push(Missing {
                    kind: "run",
                    id: run_id.clone(),
                    reason,
                }),
            }
        }
        for model_id in &self.search_logged_models(&wanted.logged_models, registry)? {
            let path = format!(
                "/api/2.0/mlflow/logged-models/{}",
                percent_encode_path(model_id)
            );
            let found: Found<wire::GetLoggedModel> = self.find_json(&path, &[])?;
            match found {
                Found::Yes(answer) => {
                    registry
                        .logged_models
                        .insert(model_id.clone(), logged_model_of(answer.model));
                }
                Found::No(reason) => registry.missing.push(Missing {
                    kind: "logged_model",
                    id: model_id.clone(),
                    reason,
                }),
            }
        }
        Ok(())
    }

    /// The entries of a folder of the artifact proxy (`path` relative to its root).
    pub(super) fn list_proxied(
        &self,
        base: &str,
        path: &str,
    ) -> Result<Vec<wire::FileInfo>, MlflowError> {
        let response = self.get(
            base,
            "/api/2.0/mlflow-artifacts/artifacts",
            &[("path", path)],
        )?;
        let listing: wire::ListArtifacts = serde_json::from_reader(
            response.into_reader().take(MAX_ANSWER_BYTES),
        )
        .map_err(|err| MlflowError::BadResponse {
            url: redact(base),
            detail: format!("listing `{path}`: {err}"),
        })?;
        Ok(listing.files)
    }

    /// The bytes of one file of the artifact proxy, as a stream.
    pub(super) fn open_proxied(
        &self,
        base: &str,
        path: &str,
    ) -> Result<Box<dyn Read + Send>, MlflowError> {
        let url_path = format!(
            "/api/2.0/mlflow-artifacts/artifacts/{}",
            percent_encode_path(path)
        );
        Ok(self.get(base, &url_path, &[])?.into_reader())
    }
}

/// The URI without `user:password@`, and the Basic authorization they make.
fn split_user_info(uri: &str) -> (String, Option<String>) {
    use base64::Engine;
    let Some((scheme, rest)) = uri.split_once("://") else {
        return (uri.to_owned(), None);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return (uri.to_owned(), None);
    };
    let credentials = super::uri::percent_decode(user_info);
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    (
        format!("{scheme}://{host}{path}"),
        Some(format!("Basic {encoded}")),
    )
}

/// The `Authorization` MLflow's own client sends from the environment:
/// `MLFLOW_TRACKING_TOKEN` as a bearer token, else `MLFLOW_TRACKING_USERNAME` and
/// `MLFLOW_TRACKING_PASSWORD` as basic auth (a user and password in the URI win).
fn env_credentials(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    use base64::Engine;
    if let Some(token) = var("MLFLOW_TRACKING_TOKEN") {
        return Some(format!("Bearer {token}"));
    }
    let user = var("MLFLOW_TRACKING_USERNAME")?;
    let password = var("MLFLOW_TRACKING_PASSWORD").unwrap_or_default();
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Some(format!("Basic {encoded}"))
}

/// A response, or the error class of its failure.
fn answered(
    base: &str,
    result: Result<ureq::Response, ureq::Error>,
) -> Result<ureq::Response, MlflowError> {
    match result {
        Ok(response) => Ok(response),
        Err(ureq::Error::Status(status, response)) => {
            let url = response.get_url().to_owned();
            let body = response.into_string().unwrap_or_default();
            let parsed: Option<wire::ErrorBody> = serde_json::from_str(&body).ok();
            let (error_code, message) = match parsed {
                Some(error) => (error.error_code, error.message.unwrap_or_default()),
                None => (None, body.chars().take(300).collect()),
            };
            Err(MlflowError::Http {
                url: redact(url.split('?').next().unwrap_or_default()),
                status,
                error_code,
                message,
            })
        }
        Err(ureq::Error::Transport(transport)) => Err(MlflowError::Unreachable {
            url: redact(base),
            detail: transport_detail(&transport),
        }),
    }
}

/// What went wrong on the way, without the URL ureq puts first (the message names
/// the server already): `Connection Failed: Connect error: Connection refused`.
fn transport_detail(transport: &ureq::Transport) -> String {
    let mut detail = transport.kind().to_string();
    if let Some(message) = transport.message() {
        detail.push_str(&format!(": {message}"));
    }
    let mut source = std::error::Error::source(transport);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    detail
}

fn pairs(list: Vec<wire::KeyValue>) -> BTreeMap<String, String> {
    list.into_iter().map(|kv| (kv.key, kv.value)).collect()
}

fn model_of(model: wire::Model) -> RegisteredModel {
    RegisteredModel {
        creation_timestamp: int(&model.creation_timestamp),
        last_updated_timestamp: int(&model.last_updated_timestamp),
        description: non_empty(model.description),
        tags: pairs(model.tags),
        aliases: model
            .aliases
            .into_iter()
            .filter_map(|alias| Some((alias.alias, u64::try_from(alias.version.get()?).ok()?)))
            .collect(),
        name: model.name,
        versions: Vec::new(),
    }
}

/// The REST API hides deleted versions; MLflow numbers versions from 1 without
/// reusing a number, so a missing number below the highest was deleted.
fn add_deleted_gaps(model: &mut RegisteredModel) {
    let seen: std::collections::BTreeSet<u64> = model.versions.iter().map(|v| v.version).collect();
    let highest = seen.last().copied().unwrap_or(0);
    for number in 1..highest {
        if !seen.contains(&number) {
            model
                .versions
                .push(ModelVersion::deleted(number, None, None));
        }
    }
}

fn run_of(run_id: &str, run: wire::RunBody) -> Run {
    let info = run.info;
    let tags = pairs(run.data.tags);
    Run {
        run_id: info
            .run_id
            .or(info.run_uuid)
            .unwrap_or_else(|| run_id.to_owned()),
        experiment_id: non_empty(info.experiment_id),
        run_name: non_empty(info.run_name).or_else(|| tags.get("mlflow.runName").cloned()),
        user_id: non_empty(info.user_id),
        status: non_empty(info.status),
        start_time: int(&info.start_time),
        end_time: int(&info.end_time),
        lifecycle_stage: non_empty(info.lifecycle_stage),
        artifact_uri: non_empty(info.artifact_uri),
        params: pairs(run.data.params),
        metrics: run
            .data
            .metrics
            .into_iter()
            .map(|metric| {
                let value = Metric {
                    value: metric.value.as_ref().map_or(f64::NAN, wire::Float::get),
                    step: int(&metric.step).unwrap_or(0),
                    timestamp: int(&metric.timestamp).unwrap_or(0),
                };
                (metric.key, value)
            })
            .collect(),
        tags,
    }
}

fn logged_model_of(model: wire::LoggedModelBody) -> LoggedModel {
    let info = model.info;
    LoggedModel {
        experiment_id: non_empty(info.experiment_id),
        name: non_empty(info.name),
        artifact_location: non_empty(info.artifact_uri),
        creation_timestamp: int(&info.creation_timestamp_ms),
        last_updated_timestamp: int(&info.last_updated_timestamp_ms),
        status: info.status.as_deref().map(logged_model_status_name),
        source_run_id: non_empty(info.source_run_id),
        params: pairs(model.data.params),
        tags: pairs(info.tags),
        metrics: model
            .data
            .metrics
            .into_iter()
            .map(|metric| ModelMetric {
                value: metric.value.as_ref().map_or(f64::NAN, wire::Float::get),
                step: int(&metric.step).unwrap_or(0),
                timestamp: int(&metric.timestamp).unwrap_or(0),
                run_id: non_empty(metric.run_id),
                dataset_name: non_empty(metric.dataset_name),
                dataset_digest: non_empty(metric.dataset_digest),
                key: metric.key,
            })
            .collect(),
        model_id: info.model_id,
    }
}

#[cfg(test)]
#[path = "rest_tests.rs"]
mod tests;
