//! `omgreg list`: models with their stages, or versions with stage, metrics and tags.

use crate::registry::{
    self, ModelName, RegistryConfig, RegistryError, Snapshot, Status, VersionRow, VersionStage,
    load_config,
};
use crate::render;

use super::{CommandError, Ctx, input};

/// List models, or the versions of one model.
///
/// Without MODEL: every model with its version count, latest version, and who holds
/// each stage. With MODEL (or a `--stage` / `--tag` filter): versions with stage,
/// aliases, creation time, metrics and tags. Archived versions are hidden unless
/// `--all` or `--stage Archived`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The model whose versions to list.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// The model, as a flag.
    #[arg(long = "model", value_name = "MODEL", conflicts_with = "model")]
    model_flag: Option<String>,

    /// Only versions in this stage (`None` and `Archived` included).
    #[arg(long, value_name = "STAGE")]
    stage: Option<String>,

    /// Only versions with this tag (repeatable; all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    tags: Vec<String>,

    /// Metric columns to show, e.g. `--metrics accuracy,f1` (default: up to four).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    metrics: Vec<String>,

    /// Include archived versions.
    #[arg(long)]
    all: bool,

    #[command(flatten)]
    rev: super::read::RevArgs,
}

/// Which versions to keep.
struct Filter {
    stage: Option<VersionStage>,
    tags: Vec<(String, String)>,
    all: bool,
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<(), CommandError> {
    let model = args
        .model
        .or(args.model_flag)
        .map(|m| m.parse::<ModelName>())
        .transpose()?;
    let tags = input::string_map("--tag", &args.tags)?
        .into_iter()
        .collect();
    let store = ctx.open_store()?;
    let snapshot = args.rev.snapshot(&store)?;
    let config = load_config(&snapshot)?;
    let commit = snapshot.commit().map(|c| c.to_string());
    let filter = Filter {
        stage: args
            .stage
            .map(|s| canonical_stage(&config, &s))
            .transpose()?,
        tags,
        all: args.all,
    };

    if model.is_none() && filter.stage.is_none() && filter.tags.is_empty() {
        let models = store.list_models_cached(&snapshot, &config)?;
        return Ok(render::list_models(
            &ctx.output,
            commit,
            &config.ladder,
            &models,
        )?);
    }
    let models = match model {
        Some(model) => vec![model],
        None => registry::list_models(&snapshot, &config)?
            .into_iter()
            .map(|m| m.model)
            .collect(),
    };
    let mut rows = Vec::new();
    for model in &models {
        rows.extend(matching_versions(&snapshot, &config, model, &filter)?);
    }
    let metrics = if args.metrics.is_empty() {
        default_metrics(&rows)
    } else {
        args.metrics
    };
    Ok(render::list_versions(
        &ctx.output,
        commit,
        &rows,
        &metrics,
        models.len() > 1,
    )?)
}

fn matching_versions(
    snapshot: &dyn Snapshot,
    config: &RegistryConfig,
    model: &ModelName,
    filter: &Filter,
) -> Result<Vec<VersionRow>, RegistryError> {
    let rows = registry::list_versions(snapshot, config, model)?;
    Ok(rows
        .into_iter()
        .filter(|row| match &filter.stage {
            Some(stage) => row.display_stage() == *stage,
            None => filter.all || row.version.status == Status::Active,
        })
        .filter(|row| {
            filter
                .tags
                .iter()
                .all(|(k, v)| row.version.doc.tags.get(k) == Some(v))
        })
        .collect())
}

/// The configured spelling of a stage typed in any case, or the implicit stages.
fn canonical_stage(config: &RegistryConfig, input: &str) -> Result<VersionStage, RegistryError> {
    config
        .ladder
        .standing(input)
        .ok_or_else(|| registry::unknown_stage(config, input))
}

/// Up to four metric names, in name order, among the rows shown.
fn default_metrics(rows: &[VersionRow]) -> Vec<String> {
    let mut names = render::metric_names(rows);
    names.truncate(4);
    names
}
