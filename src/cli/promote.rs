//! `omgreg promote`: move versions to a stage.

use crate::registry::{self, ModelRef, PromoteRequest, RefTarget};

use super::action::{actor, commit_action, open_writer};
use super::{ArgError, CommandError, Ctx};
use crate::ops::transport::{compare_url, push_branch};

/// Promote versions to a stage.
///
/// Moves each `MODEL@VERSION` to `--stage` (by default: the next rung of the ladder).
/// A version holds one stage at a time; the version an exclusive stage held goes back
/// to `None` (or is archived, per `on_replace` in `omgreg.toml`). Several models move
/// in one atomic commit: `omgreg promote a@1.2.0 b@3.0.0 --stage Production`.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    /// The versions: `MODEL@VERSION` (or a stage, alias or `latest` to resolve first).
    #[arg(value_name = "MODEL@REF")]
    targets: Vec<String>,

    /// The model, as a flag (its latest version, unless `--version` is given).
    #[arg(long = "model", value_name = "MODEL", conflicts_with = "targets")]
    model: Option<String>,

    /// The version, as a flag (with `--model`).
    #[arg(long = "version", value_name = "VERSION", requires = "model")]
    exact_version: Option<String>,

    /// The stage to promote to (any case); default: the next rung.
    #[arg(long, visible_alias = "to", value_name = "STAGE")]
    stage: Option<String>,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Commit on a new branch (for a pull request) instead of the registry branch,
    /// which stays where it is, as does the working tree. Default name:
    /// `omgreg/promote-<model>-<version>-<stage>`.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    branch: Option<String>,

    /// Push the new branch (with `--branch`), LFS objects first.
    #[arg(long, requires = "branch")]
    push: bool,

    /// The remote to push to.
    #[arg(
        long,
        value_name = "REMOTE",
        default_value = "origin",
        requires = "push"
    )]
    remote: String,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: PromoteArgs) -> Result<(), CommandError> {
    let targets = match (&args.model, &args.exact_version) {
        (Some(model), Some(version)) => {
            vec![ModelRef {
                model: model.parse()?,
                target: RefTarget::Version(version.parse()?),
            }]
        }
        (Some(model), None) => vec![format!("{model}@latest").parse()?],
        _ => args
            .targets
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<ModelRef>, _>>()?,
    };
    if targets.is_empty() {
        return Err(ArgError::ModelMissing { command: "promote" }.into());
    }
    let store = ctx.open_store()?;
    let (writer, signing) = open_writer(ctx, &store)?;
    let signer_principals = crate::ops::signing::principals_for_policy(&writer, &signing)?;
    let request = PromoteRequest {
        targets,
        stage: args.stage,
        actor: actor(writer.identity()),
        message: args.message,
        signer_principals,
    };
    let branch = args.branch.as_deref().map(|name| match name {
        "" => default_branch(&request),
        name => name.trim_start_matches("refs/heads/").to_owned(),
    });
    let target = branch.as_ref().map(|name| format!("refs/heads/{name}"));
    commit_action(
        ctx,
        &writer,
        args.dry_run,
        target.as_deref(),
        &mut |snapshot| registry::promote(snapshot, &request),
    )?;
    let (Some(branch), false) = (branch, args.dry_run) else {
        return Ok(());
    };
    let store = writer.store();
    let base = store
        .head_branch_name()
        .unwrap_or_else(|| "main".to_owned());
    ctx.output.status(&format!(
        "The registry branch `{base}` is unchanged; review `{branch}` and merge it to promote."
    ));
    if args.push {
        push_branch(store, &args.remote, &branch)?;
        ctx.output
            .status(&format!("Pushed `{branch}` to `{}`", args.remote));
        let url = store.remote_url(&args.remote);
        if let Some(url) = url.and_then(|url| compare_url(&url, &base, &branch)) {
            ctx.output.status(&format!("Open a pull request: {url}"));
        }
    }
    if !ctx.output.json {
        ctx.output.data(&format!("{branch}\n"))?;
    }
    Ok(())
}

/// `omgreg/promote-churn-2.1.0-production` (`-and-N-more` for several models).
fn default_branch(request: &PromoteRequest) -> String {
    let first = &request.targets[0];
    let stage = request
        .stage
        .as_deref()
        .unwrap_or("next")
        .to_ascii_lowercase();
    let mut name = format!("omgreg/promote-{}-{}-{stage}", first.model, first.target);
    if request.targets.len() > 1 {
        name.push_str(&format!("-and-{}-more", request.targets.len() - 1));
    }
    name
}
