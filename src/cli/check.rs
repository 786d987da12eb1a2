//! `omgreg check`: the one judge, run the same way on a laptop, in CI, in a pre-push
//! hook and on a Git server.

use crate::ops::check::{self, CheckRequest, CheckTarget};
use crate::render::{self, CheckFormat};
use crate::store::Store;

use super::{CommandError, Ctx};

/// Check the registry against its schema and policy.
///
/// Reports every finding in one run and exits 3 when there is any. Always: schema
/// (with file and line), unknown keys, references (stages, aliases, endpoints,
/// lineage), generated files (model cards, endpoints). With `--range BASE..HEAD`,
/// also what the commits did, judged by the policy of BASE (a change cannot grant
/// itself rights): registered versions never change, stages are entered only from
/// allowed stages and through their metric gates, and, when the base requires
/// signing or has signer policies, every commit is signed by an allowed signer.
/// `--artifacts` also checks every LFS pointer and object, hashing the objects.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg check                                     # the registry at HEAD\n  omgreg check --range origin/main..HEAD --format github\n  omgreg check --staged                            # what a pre-commit hook runs"
)]
pub struct CheckArgs {
    /// Judge the commits `BASE..HEAD` too (what a pull request or push adds).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["rev", "staged"])]
    range: Option<String>,

    /// Check this revision instead of HEAD.
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    rev: Option<String>,

    /// Check what is staged in the index (for pre-commit hooks), against HEAD.
    #[arg(long)]
    staged: bool,

    /// Also verify artifacts: pointers well-formed, LFS objects present, sha256 and
    /// size right.
    #[arg(long)]
    artifacts: bool,

    /// The registry's folder inside the repository, from its root (`.` for the
    /// root): for bare repositories, which have no working folder to find it from.
    #[arg(long, value_name = "FOLDER")]
    folder: Option<String>,

    /// Output: `human`, `json`, `github` (workflow annotations), or `gitlab` (a Code
    /// Quality report).
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Github,
    Gitlab,
}

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<(), CommandError> {
    let store = match (&args.folder, &args.range) {
        (None, None) => ctx.open_store()?,
        (Some(folder), None) => Store::open_at_folder(&ctx.registry_dir, folder)?,
        (folder, Some(range)) => {
            check::open_for_range(&ctx.registry_dir, folder.as_deref(), range)?
        }
    };
    let format = match (args.format, ctx.output.json) {
        (_, true) | (FormatArg::Json, _) => CheckFormat::Json,
        (FormatArg::Github, _) => CheckFormat::Github,
        (FormatArg::Gitlab, _) => CheckFormat::Gitlab,
        (FormatArg::Human, _) => CheckFormat::Human,
    };
    let target = match (args.range, args.staged) {
        (Some(range), _) => CheckTarget::Range(range),
        (None, true) => CheckTarget::Staged,
        (None, false) => CheckTarget::Rev(args.rev),
    };
    let bytes = render::ByteProgress::later(ctx.output.progress, "hashing artifacts");
    let request = CheckRequest {
        target,
        artifacts: args
            .artifacts
            .then_some(&bytes as &dyn crate::ops::ProgressBytes),
    };
    let report = check::check(&store, &request)?;
    for notice in &report.notices {
        ctx.output.status(&format!("warning: {notice}"));
    }
    let commit = report.commit.map(|c| c.to_string());
    render::check(
        &ctx.output,
        format,
        commit,
        store.prefix(),
        &report.findings,
    )?;
    if report.findings.is_empty() {
        Ok(())
    } else {
        Err(CommandError::Violations)
    }
}
