//! `omgreg import`: bring an MLflow or GTO registry in, with its history.

use std::collections::BTreeMap;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::import::gto::GtoOptions;
use crate::import::mlflow::map::ArtifactMode;
use crate::ops::import::{ImportReport, ImportRequest, ImportSource, import};
use crate::render;

use super::{CommandError, Ctx};

/// Import another registry, with its history.
///
/// Each event of the source becomes one commit, with the source's author and time;
/// the branch moves once, at the end, so a failure writes nothing. Running it again
/// brings only what is new. See docs/migrating.md for how names, versions and
/// stages map.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  omgreg import mlflow --tracking-uri http://mlflow.internal:5000\n  omgreg import mlflow --tracking-uri sqlite:///mlflow.db --model churn --dry-run\n  omgreg import gto ../model-repo --stage-map dev=Staging --stage-map prod=Production"
)]
pub struct ImportArgs {
    #[command(subcommand)]
    source: ImportCommand,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    Mlflow(MlflowArgs),
    Gto(GtoArgs),
}

/// Import an MLflow model registry (tracking server, SQLite or file store).
///
/// Credentials for a server come from MLFLOW_TRACKING_TOKEN or
/// MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, as MLflow's own client reads
/// them. MLflow keeps no history of stage moves: the current stages and aliases land
/// as one final commit per model.
#[derive(Debug, Args)]
struct MlflowArgs {
    /// `http(s)://HOST[:PORT]`, `sqlite:///PATH` or `file:///PATH` (`mlruns`).
    #[arg(long, value_name = "URI", env = "MLFLOW_TRACKING_URI")]
    tracking_uri: String,

    /// Import only this registered model (as MLflow names it); repeatable.
    #[arg(long = "model", value_name = "NAME")]
    models: Vec<String>,

    /// `copy`: read artifacts into Git LFS where they can be read (else record their
    /// URI, unverified); `link`: record every URI, read nothing.
    #[arg(long, value_enum, default_value = "copy")]
    artifacts: ArtifactsArg,

    #[command(flatten)]
    common: CommonArgs,
}

/// Import a GTO registry (its Git tags and `dvc.yaml` annotations).
#[derive(Debug, Args)]
struct GtoArgs {
    /// The GTO repository: a path or a URL `git clone` understands.
    #[arg(value_name = "PATH|URL")]
    location: String,

    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct CommonArgs {
    #[command(flatten)]
    sign: super::SignArgs,

    /// Map a source stage onto a registry stage: `SOURCE=STAGE`; repeatable.
    #[arg(long = "stage-map", value_name = "SOURCE=STAGE", value_parser = parse_pair)]
    stage_map: Vec<(String, String)>,

    /// Commit on this new branch (for review in a pull request) instead of the
    /// registry branch.
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,

    /// Show what would be imported, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ArtifactsArg {
    Copy,
    Link,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_owned(), to.trim().to_owned()))
        }
        _ => Err(format!("`{text}` is not `SOURCE=STAGE`")),
    }
}

impl ImportArgs {
    /// The `--sign` / `--no-sign` given after `import mlflow|gto`.
    pub(crate) fn sign(&self) -> super::SignArgs {
        match &self.source {
            ImportCommand::Mlflow(m) => m.common.sign,
            ImportCommand::Gto(g) => g.common.sign,
        }
    }
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<(), CommandError> {
    let (source, common) = match args.source {
        ImportCommand::Mlflow(m) => (
            ImportSource::Mlflow {
                tracking_uri: m.tracking_uri,
                models: m.models,
                artifacts: match m.artifacts {
                    ArtifactsArg::Copy => ArtifactMode::Copy,
                    ArtifactsArg::Link => ArtifactMode::Link,
                },
                stage_map: m.common.stage_map.iter().cloned().collect(),
            },
            m.common,
        ),
        ImportCommand::Gto(g) => {
            let location = if std::path::Path::new(&g.location).exists() {
                ctx.path(std::path::Path::new(&g.location))
                    .display()
                    .to_string()
            } else {
                g.location.clone()
            };
            let stage_map: BTreeMap<String, String> = g.common.stage_map.iter().cloned().collect();
            (
                ImportSource::Gto {
                    location,
                    options: GtoOptions { stage_map },
                },
                g.common,
            )
        }
    };
    let store = ctx.open_store()?;
    let bytes = render::ByteProgress::later(ctx.output.progress, "copying artifacts");
    let branch = common.branch.map(|b| {
        if b.starts_with("refs/") {
            b
        } else {
            format!("refs/heads/{b}")
        }
    });
    let request = ImportRequest {
        source,
        sign_mode: ctx.sign_mode,
        dry_run: common.dry_run,
        branch,
        progress: &ctx.output,
        bytes: &bytes,
    };
    let report = import(&store, &request)?;
    print(ctx, &report)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    source: &'a str,
    location: &'a str,
    dry_run: bool,
    branch: &'a str,
    commits: Vec<JsonCommit<'a>>,
    skipped: usize,
    unverified: &'a [String],
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonCommit<'a> {
    commit: Option<String>,
    subject: &'a str,
}

fn print(ctx: &Ctx, report: &ImportReport) -> Result<(), CommandError> {
    if ctx.output.json {
        let json = JsonReport {
            source: &report.source,
            location: &report.location,
            dry_run: report.dry_run,
            branch: report.branch.trim_start_matches("refs/heads/"),
            commits: report
                .commits
                .iter()
                .map(|(commit, subject)| JsonCommit {
                    commit: commit.map(|c| c.to_string()),
                    subject,
                })
                .collect(),
            skipped: report.skipped,
            unverified: &report.unverified,
            notes: &report.notes,
        };
        let head = report.commits.last().and_then(|(commit, _)| *commit);
        return Ok(ctx.output.json(&render::Document::new(
            "import",
            head.map(|c| c.to_string()),
            &json,
        ))?);
    }
    let mut text = String::new();
    for (commit, subject) in &report.commits {
        let id = commit.map_or_else(
            || "(dry run)".to_owned(),
            |c| c.to_string()[..12].to_owned(),
        );
        text.push_str(&format!("{id} {}\n", render::escape::terminal(subject)));
    }
    ctx.output.data(&text)?;
    let verb = if report.dry_run {
        "would import"
    } else {
        "imported"
    };
    ctx.output.status(&format!(
        "{verb} {} event(s) from {} {} onto {}; {} already imported before",
        report.commits.len(),
        report.source,
        render::escape::terminal(&report.location),
        report.branch.trim_start_matches("refs/heads/"),
        report.skipped
    ));
    if !report.has_transition_history {
        ctx.output.status(
            "note: MLflow keeps no history of stage moves: its current stages and aliases are one commit per model",
        );
    }
    for version in &report.unverified {
        ctx.output.status(&format!(
            "unverified: {version} (artifacts recorded by URI, not read; see `omgreg show {version}`)"
        ));
    }
    for note in &report.notes {
        ctx.output
            .status(&format!("note: {}", render::escape::terminal(note)));
    }
    Ok(())
}
