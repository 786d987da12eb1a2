//! `omgreg init`: a new registry from `registry-template/`.

use std::path::PathBuf;

use crate::ops;
use crate::render;

use super::{CommandError, Ctx};

/// Create a registry.
///
/// Lays down `omgreg.toml`, `.gitattributes` (artifacts in Git LFS), a README,
/// `templates/` (endpoint manifests), `CODEOWNERS` and the CI files that run `omgreg
/// check` on every pull request (`.github/workflows/omgreg.yml`, `.gitlab-ci.yml`,
/// installing this omgreg's version) in DIR, and commits them; a repository's own
/// README is kept and its `.gitattributes` extended. DIR may be a new folder (a Git
/// repository is created), the root of an existing repository, or a sub-folder of one
/// (a registry inside a monorepo).
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// Where to create the registry.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,

    /// The registry's name (default: the folder's name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// Also lay down a sample history to try omgreg out: versions with metrics,
    /// promotions, an alias, an endpoint following Production, a rollback.
    #[arg(long)]
    example: bool,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<(), CommandError> {
    let dir = ctx.cwd.join(&args.dir);
    let report = ops::init(&dir, args.name, args.example, ctx.sign_mode, &ctx.output)?;
    Ok(render::init(
        &ctx.output,
        &report.name,
        &report.root,
        report.last.map(|c| c.to_string()),
    )?)
}
