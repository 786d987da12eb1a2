//! `omgreg init`: a new registry from `registry-template/`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::registry;
use crate::render;
use crate::store::{Identity, Store, TxOptions};

use super::{CommandError, Ctx, example};

/// The files `init` lays down, embedded at build time from `registry-template/`.
const TEMPLATE: [(&str, &str); 8] = [
    (
        "omgreg.toml",
        include_str!("../../registry-template/omgreg.toml"),
    ),
    (
        "templates/endpoint.yaml.j2",
        include_str!("../../registry-template/templates/endpoint.yaml.j2"),
    ),
    (
        "templates/kserve.yaml.j2",
        include_str!("../../registry-template/templates/kserve.yaml.j2"),
    ),
    (
        ".github/workflows/omgreg.yml",
        include_str!("../../registry-template/.github/workflows/omgreg.yml"),
    ),
    (
        ".gitlab-ci.yml",
        include_str!("../../registry-template/.gitlab-ci.yml"),
    ),
    (
        "CODEOWNERS",
        include_str!("../../registry-template/CODEOWNERS"),
    ),
    (
        ".gitattributes",
        include_str!("../../registry-template/.gitattributes"),
    ),
    (
        "README.md",
        include_str!("../../registry-template/README.md"),
    ),
];

/// Create a registry.
///
/// Lays down `omgreg.toml`, `.gitattributes` (artifacts in Git LFS), a README and
/// `templates/` (endpoint manifests) in DIR and commits them; a repository's own
/// README is kept and its `.gitattributes` extended. DIR may be a new folder (a Git repository is created), the root
/// of an existing repository, or a sub-folder of one (a registry inside a monorepo).
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to create the registry.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,

    /// The registry's name (default: the folder's name).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// Also register a few sample models, to try omgreg out.
    #[arg(long)]
    example: bool,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<(), CommandError> {
    let dir = ctx.cwd.join(&args.dir);
    let store = Store::for_init(&dir)?;
    let name = match args.name {
        Some(name) => name,
        None => dir
            .canonicalize()
            .ok()
            .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "registry".to_owned()),
    };
    let files: Vec<(String, Vec<u8>)> = TEMPLATE
        .iter()
        .map(|(path, text)| {
            let text = if *path == "omgreg.toml" {
                text.replace("\"{{ name }}\"", &toml_string(&name))
            } else {
                (*text).to_owned()
            };
            ((*path).to_owned(), text.into_bytes())
        })
        .collect();
    let identity = Identity::from_git(store.repository())?;
    let signing = super::signing::prepare(ctx, &store, &identity)?;
    let options = TxOptions {
        dry_run: false,
        signer: signing.signer(),
        new_branch: None,
    };
    let committed = store.transact(&identity, &options, &mut |snapshot| {
        registry::init(snapshot, &name, &files)
    })?;
    install_lfs_hooks(ctx, &store);
    let root = store.root_dir().unwrap_or_else(|| dir.clone());
    let root = root.canonicalize().unwrap_or(root);
    let short = |commit: Option<git2::Oid>| {
        commit
            .map(|c| c.to_string()[..12].to_owned())
            .unwrap_or_default()
    };
    ctx.output.status(&format!(
        "Initialized registry `{name}` in `{}` (commit {})",
        root.display(),
        short(committed.commit)
    ));
    let mut last = committed.commit;
    if args.example {
        last = example::populate(ctx, &store, &identity)?.or(last);
    }
    Ok(render::init(
        &ctx.output,
        &name,
        &root,
        last.map(|c| c.to_string()),
    )?)
}

/// `git lfs install --local`, when git-lfs is installed, so that `git lfs push`,
/// clones and checkouts treat the artifacts as LFS objects. omgreg itself needs none
/// of it for local work.
fn install_lfs_hooks(ctx: &Ctx, store: &Store) {
    let Some(workdir) = store.repository().workdir() else {
        return;
    };
    let result = Command::new("git")
        .args(["lfs", "install", "--local"])
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(result, Ok(status) if status.success()) {
        ctx.output.status(
            "note: git-lfs is not installed; local use works, `git lfs` transport needs it",
        );
    }
}

/// A TOML basic string literal.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}
