//! `omgreg list`: models with their stages, or versions with stage, metrics and tags.

use crate::ops::{
    self,
    read::{ListQuery, ListReport},
};
use crate::registry::{ModelName, VersionRow};
use crate::render;

use super::{CommandError, Ctx, input};

/// List models, or the versions of one model.
///
/// Without MODEL: every model with its version count, latest version, and who holds
/// each stage. With MODEL (or a `--stage` / `--tag` filter): versions with stage,
/// aliases, creation time, metrics and tags. Archived versions are hidden unless
/// `--all` or `--stage Archived`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg list\n  omgreg list churn --metrics accuracy,loss\n  omgreg list --stage Production --tag team=growth"
)]
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

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<(), CommandError> {
    let model = args
        .model
        .or(args.model_flag)
        .map(|m| m.parse::<ModelName>())
        .transpose()?;
    let tags = input::string_map("--tag", &args.tags)?
        .into_iter()
        .collect();
    let query = ListQuery {
        model,
        stage: args.stage,
        tags,
        all: args.all,
    };
    let store = ctx.open_store()?;
    match ops::read::list(&store, &args.rev.revision(), &query)? {
        ListReport::Models {
            commit,
            ladder,
            models,
            broken,
        } => {
            // "No models registered yet" would be wrong when the only ones are broken.
            if !models.is_empty() || broken.is_empty() || ctx.output.json {
                render::list_models(&ctx.output, commit, &ladder, &models)?;
            }
            match ops::read::ListIncomplete::of(broken) {
                Some(err) => Err(CommandError::User(err.into())),
                None => Ok(()),
            }
        }
        ListReport::Versions {
            commit,
            rows,
            models,
        } => {
            let metrics = if args.metrics.is_empty() {
                default_metrics(&rows)
            } else {
                args.metrics
            };
            let output = &ctx.output;
            Ok(render::list_versions(
                output,
                commit,
                &rows,
                &metrics,
                models > 1,
            )?)
        }
    }
}

/// Up to four metric names, in name order, among the rows shown.
fn default_metrics(rows: &[VersionRow]) -> Vec<String> {
    let mut names = render::metric_names(rows);
    names.truncate(4);
    names
}
