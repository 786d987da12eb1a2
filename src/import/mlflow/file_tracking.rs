//! The tracking side of the file store: runs (`EXPERIMENT/RUN/` with `meta.yaml`,
//! `params/`, `metrics/`, `tags/`) and MLflow 3's logged models
//! (`EXPERIMENT/models/MODEL_ID/`), found in active and deleted (`.trash/`)
//! experiments alike, as MLflow finds them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::file_store::{
    FileStore, Scalar, corrupt, int, read_meta, read_resources, resource_files, subfolders, text,
};
use super::{
    LoggedModel, Metric, Missing, MlflowError, MlflowRegistry, ModelMetric, Run, Wanted, later,
    logged_model_status_name, run_status_name,
};

#[derive(Debug, Deserialize)]
struct RunMeta {
    run_id: Option<Scalar>,
    run_uuid: Option<Scalar>,
    run_name: Option<Scalar>,
    experiment_id: Option<Scalar>,
    user_id: Option<Scalar>,
    status: Option<Scalar>,
    start_time: Option<Scalar>,
    end_time: Option<Scalar>,
    lifecycle_stage: Option<Scalar>,
    artifact_uri: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
struct LoggedModelMeta {
    model_id: Option<Scalar>,
    experiment_id: Option<Scalar>,
    name: Option<Scalar>,
    artifact_location: Option<Scalar>,
    creation_timestamp: Option<Scalar>,
    last_updated_timestamp: Option<Scalar>,
    status: Option<Scalar>,
    source_run_id: Option<Scalar>,
    lifecycle_stage: Option<Scalar>,
}

pub fn read(
    store: &FileStore,
    wanted: &Wanted,
    registry: &mut MlflowRegistry,
) -> Result<(), MlflowError> {
    let experiments = experiment_folders(&store.root)?;
    for run_id in &wanted.runs {
        let found = experiments
            .iter()
            .map(|experiment| experiment.join(run_id))
            .find(|dir| is_safe_id(run_id) && dir.join("meta.yaml").is_file());
        match found {
            Some(dir) => {
                registry.runs.insert(run_id.clone(), read_run(&dir)?);
            }
            None => registry.missing.push(Missing {
                kind: "run",
                id: run_id.clone(),
                reason: "no such run in the file store".to_owned(),
            }),
        }
    }
    for model_id in &wanted.logged_models {
        let found = experiments
            .iter()
            .map(|experiment| experiment.join("models").join(model_id))
            .find(|dir| is_safe_id(model_id) && dir.join("meta.yaml").is_file());
        let model = found
            .map(|dir| read_logged_model(&dir))
            .transpose()?
            .flatten();
        match model {
            Some(model) => {
                registry.logged_models.insert(model_id.clone(), model);
            }
            None => registry.missing.push(Missing {
                kind: "logged_model",
                id: model_id.clone(),
                reason: "no such logged model in the file store".to_owned(),
            }),
        }
    }
    Ok(())
}

/// An id read from the store names a folder: it must not climb out of it.
fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && !id.contains(['/', '\\']) && id != "." && id != ".."
}

/// Experiment folders: the root's (but `models/` and `.trash/`) and `.trash/`'s.
fn experiment_folders(root: &Path) -> Result<Vec<PathBuf>, MlflowError> {
    let mut folders: Vec<PathBuf> = subfolders(root)?
        .into_iter()
        .filter(|dir| !dir.ends_with("models") && !dir.ends_with(".trash"))
        .collect();
    let trash = root.join(".trash");
    if trash.is_dir() {
        folders.extend(subfolders(&trash)?);
    }
    Ok(folders)
}

fn read_run(dir: &Path) -> Result<Run, MlflowError> {
    let meta: RunMeta = read_meta(dir)?;
    let status = meta.status.as_ref().map(|status| match status.int() {
        Some(number) => run_status_name(number).map_or_else(|| number.to_string(), str::to_owned),
        None => status.text(),
    });
    let mut run = Run {
        run_id: text(&meta.run_id)
            .or_else(|| text(&meta.run_uuid))
            .unwrap_or_default(),
        experiment_id: text(&meta.experiment_id),
        run_name: text(&meta.run_name),
        user_id: text(&meta.user_id),
        status,
        start_time: int(&meta.start_time),
        end_time: int(&meta.end_time),
        lifecycle_stage: text(&meta.lifecycle_stage).or_else(|| Some("active".to_owned())),
        artifact_uri: text(&meta.artifact_uri),
        params: read_resources(&dir.join("params"))?,
        tags: read_resources(&dir.join("tags"))?,
        metrics: BTreeMap::new(),
    };
    for (key, path) in resource_files(&dir.join("metrics"))? {
        let mut latest: Option<Metric> = None;
        for line in metric_lines(&path)? {
            let metric = run_metric(&line)
                .ok_or_else(|| corrupt(&path, format!("`{line}` is not `TIME VALUE [STEP]`")))?;
            latest = Some(latest.map_or(metric, |known| later(known, metric)));
        }
        let latest = latest.ok_or_else(|| corrupt(&path, "no values".to_owned()))?;
        run.metrics.insert(key, latest);
    }
    if run.run_name.is_none() {
        run.run_name = run.tags.get("mlflow.runName").cloned();
    }
    Ok(run)
}

fn metric_lines(path: &Path) -> Result<Vec<String>, MlflowError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| corrupt(path, format!("cannot read it: {err}")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A run's metric line: `TIME VALUE`, `TIME VALUE STEP`, or with a dataset name
/// and digest after them (MLflow then reads the step as 0, and so does omgreg, to
/// answer what `MlflowClient` answers).
fn run_metric(line: &str) -> Option<Metric> {
    let parts: Vec<&str> = line.split(' ').collect();
    let step = match parts.len() {
        3 => parts[2].parse().ok()?,
        2 | 5 => 0,
        _ => return None,
    };
    Some(Metric {
        timestamp: parts[0].parse().ok()?,
        value: parts[1].parse().ok()?,
        step,
    })
}

/// A logged model; `None` when MLflow deleted it.
fn read_logged_model(dir: &Path) -> Result<Option<LoggedModel>, MlflowError> {
    let meta: LoggedModelMeta = read_meta(dir)?;
    if text(&meta.lifecycle_stage).as_deref() == Some("deleted") {
        return Ok(None);
    }
    let mut model = LoggedModel {
        model_id: text(&meta.model_id).unwrap_or_default(),
        experiment_id: text(&meta.experiment_id),
        name: text(&meta.name),
        artifact_location: text(&meta.artifact_location),
        creation_timestamp: int(&meta.creation_timestamp),
        last_updated_timestamp: int(&meta.last_updated_timestamp),
        status: meta
            .status
            .as_ref()
            .map(|s| logged_model_status_name(&s.text())),
        source_run_id: text(&meta.source_run_id),
        params: read_resources(&dir.join("params"))?,
        tags: read_resources(&dir.join("tags"))?,
        metrics: Vec::new(),
    };
    for (key, path) in resource_files(&dir.join("metrics"))? {
        // One value per dataset, the latest, as MLflow groups them.
        let mut latest: BTreeMap<(Option<String>, Option<String>), ModelMetric> = BTreeMap::new();
        for line in metric_lines(&path)? {
            let metric = model_metric(&key, &line).ok_or_else(|| {
                corrupt(
                    &path,
                    format!("`{line}` is not `TIME VALUE STEP RUN [DATASET DIGEST]`"),
                )
            })?;
            let group = (metric.dataset_name.clone(), metric.dataset_digest.clone());
            let keep = match latest.get(&group) {
                Some(known) => is_later(&metric, known),
                None => true,
            };
            if keep {
                latest.insert(group, metric);
            }
        }
        model.metrics.extend(latest.into_values());
    }
    Ok(Some(model))
}

fn is_later(candidate: &ModelMetric, known: &ModelMetric) -> bool {
    let key = |m: &ModelMetric| (m.step, m.timestamp);
    match key(candidate).cmp(&key(known)) {
        std::cmp::Ordering::Equal => candidate.value > known.value,
        order => order.is_gt(),
    }
}

/// A logged model's metric line: `TIME VALUE STEP RUN [DATASET DIGEST]`.
fn model_metric(key: &str, line: &str) -> Option<ModelMetric> {
    let parts: Vec<&str> = line.split(' ').collect();
    if parts.len() != 4 && parts.len() != 6 {
        return None;
    }
    let dataset = |at: usize| parts.get(at).map(|part| (*part).to_owned());
    Some(ModelMetric {
        key: key.to_owned(),
        timestamp: parts[0].parse().ok()?,
        value: parts[1].parse().ok()?,
        step: parts[2].parse().ok()?,
        run_id: Some(parts[3].to_owned()),
        dataset_name: dataset(4),
        dataset_digest: dataset(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lines_read_as_mlflow_reads_them() {
        let m = run_metric("1700000000000 0.5 3").unwrap();
        assert_eq!((m.timestamp, m.value, m.step), (1_700_000_000_000, 0.5, 3));
        assert_eq!(run_metric("17 0.5").unwrap().step, 0);
        assert_eq!(run_metric("17 0.5 3 train abc").unwrap().step, 0);
        assert!(run_metric("17 nan 1").unwrap().value.is_nan());
        assert!(run_metric("17 0.5 3 4").is_none());
        assert!(run_metric("x 0.5").is_none());
        let lm = model_metric("f1", "17 0.7 1 run1 train d1").unwrap();
        assert_eq!(lm.dataset_digest.as_deref(), Some("d1"));
        assert!(model_metric("f1", "17 0.7 1").is_none());
        assert!(!is_safe_id("../x") && is_safe_id("m-1"));
    }
}
