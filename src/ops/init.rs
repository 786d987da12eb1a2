//! Creating a registry from `registry-template/`, optionally with sample models
//! registered through the real `register` path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::registry::{self, RegisterRequest, VersionSpec};
use crate::schema::{DataDoc, ParamValue, VersionDoc};
use crate::sign::SignMode;
use crate::store::{CommitId, Identity, Store, TxOptions, Writer, collect_artifacts};

use super::lifecycle::{LifecycleRequest, lifecycle};
use super::promote::{PromoteOptions, PromoteTargets, promote};
use super::register::{NoProgress, RegisterOptions, RegisterPlan, register};
use super::rollback::{RollbackRequest, rollback};
use super::{CommandError, Progress, signing};

/// The files `init` lays down, embedded at build time from `registry-template/`.
const TEMPLATE: [(&str, &str); 10] = [
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
    (
        ".vscode/settings.json",
        include_str!("../../registry-template/.vscode/settings.json"),
    ),
    (
        ".taplo.toml",
        include_str!("../../registry-template/.taplo.toml"),
    ),
];

/// What `init` made.
pub struct InitReport {
    pub name: String,
    /// The registry root on disk.
    pub root: PathBuf,
    /// The commit that laid down the registry.
    pub first: Option<CommitId>,
    /// The last commit made (the last sample version with `example`).
    pub last: Option<CommitId>,
}

/// Lays down the registry in `dir` (named `name`, default: the folder's name) as
/// one commit, then the sample models when `example` is set.
pub fn init(
    dir: &Path,
    name: Option<String>,
    example: bool,
    sign_mode: SignMode,
    progress: &dyn Progress,
) -> Result<InitReport, CommandError> {
    // Nothing is created for a commit git would refuse to make.
    Identity::for_dir(dir)?;
    let store = Store::for_init(dir)?;
    let name = name.unwrap_or_else(|| {
        dir.canonicalize()
            .ok()
            .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "registry".to_owned())
    });
    let mut files: Vec<(String, Vec<u8>)> = TEMPLATE
        .iter()
        .map(|(path, text)| {
            let text = if *path == "omgreg.toml" {
                let text = text.replace("\"{{ name }}\"", &toml_string(&name));
                if example {
                    format!("{text}{EXAMPLE_ENDPOINT}")
                } else {
                    text
                }
            } else {
                // The CI templates install the omgreg that laid them down.
                text.replace("{{ omgreg_version }}", env!("CARGO_PKG_VERSION"))
            };
            ((*path).to_owned(), text.into_bytes())
        })
        .collect();
    // The JSON Schemas of the files people edit, where the editor settings point.
    files.extend(super::schema::registry_files());
    let identity = store.identity()?;
    let (signer, _) = signing::prepare(sign_mode, &store, &identity)?;
    let writer = Writer::new(&store, identity, signer);
    let committed = writer.transact(&TxOptions::default(), &mut |snapshot| {
        registry::init(snapshot, &name, &files)
    })?;
    if !install_lfs_hooks(&store) {
        progress.status(
            "note: git-lfs is not installed; local use works, `git lfs` transport needs it",
        );
    }
    let root = store.root_dir().unwrap_or_else(|| dir.to_owned());
    let root = root.canonicalize().unwrap_or(root);
    let short = committed.commit.map(|c| c.short()).unwrap_or_default();
    progress.status(&format!(
        "Initialized registry `{name}` in `{}` (commit {short})",
        root.display(),
    ));
    let mut last = committed.commit;
    if example {
        last = populate(&store, writer.identity(), sign_mode, progress)?.or(last);
        last = story(&store, sign_mode, progress)?.or(last);
    }
    Ok(InitReport {
        name,
        root,
        first: committed.commit,
        last,
    })
}

/// `git lfs install --local`, when git-lfs is installed, so that `git lfs push`,
/// clones and checkouts treat the artifacts as LFS objects. omgreg itself needs none
/// of it for local work. Returns whether it ran.
fn install_lfs_hooks(store: &Store) -> bool {
    let Some(workdir) = store.workdir() else {
        return true;
    };
    let result = Command::new("git")
        .args(["lfs", "install", "--local"])
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    matches!(result, Ok(status) if status.success())
}

/// A TOML basic string literal.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The example's endpoint: a manifest following churn's Production.
const EXAMPLE_ENDPOINT: &str = "
# The example's endpoint (`init --example`): deploy/churn-prod.yaml follows Production.
[[endpoint]]
name = \"churn-prod\"
model = \"churn\"
stage = \"Production\"
";

/// The example's history after the registrations: churn 1.0.0 up the ladder to
/// Production, 1.1.0 after it, `champion` on 1.1.0, then Production rolled back to
/// 1.0.0; returns the last commit.
fn story(
    store: &Store,
    sign_mode: SignMode,
    progress: &dyn Progress,
) -> Result<Option<CommitId>, CommandError> {
    let options = PromoteOptions {
        sign_mode,
        dry_run: false,
        branch: None,
        push: None,
        progress,
    };
    for (version, stage) in [
        ("1.0.0", "Staging"),
        ("1.0.0", "Production"),
        ("1.1.0", "Staging"),
        ("1.1.0", "Production"),
    ] {
        let targets = PromoteTargets {
            targets: vec![format!("churn@{version}").parse()?],
            stage: Some(stage.to_owned()),
            message: Some("sample promotion from `omgreg init --example`".to_owned()),
        };
        promote(store, targets, &options, &mut |_| Ok(()))?;
        progress.status(&format!("Promoted sample `churn@{version}` to {stage}"));
    }
    let alias = LifecycleRequest::SetAlias {
        target: "churn@1.1.0".parse()?,
        alias: "champion".to_owned(),
        message: None,
    };
    lifecycle(store, sign_mode, false, alias)?;
    let request = RollbackRequest {
        model: "churn".parse()?,
        stage: Some("Production".to_owned()),
        alias: None,
        to_version: None,
        reason: Some("sample rollback: p99 latency regression".to_owned()),
        message: None,
    };
    let committed = rollback(store, sign_mode, false, request)?;
    progress.status("Rolled back sample `churn` Production to 1.0.0");
    Ok(committed.commit)
}

/// (model, version, accuracy, description) of the sample versions.
const SAMPLES: [(&str, &str, f64, &str); 4] = [
    ("churn", "1.0.0", 0.871, "baseline gradient-boosted trees"),
    ("churn", "1.1.0", 0.902, "adds tenure features"),
    ("churn", "2.0.0", 0.915, "transformer encoder"),
    ("fraud", "0.1.0", 0.954, "isolation forest prototype"),
];

/// Registers the sample versions, one commit each; returns the last commit.
fn populate(
    store: &Store,
    identity: &Identity,
    sign_mode: SignMode,
    progress: &dyn Progress,
) -> Result<Option<CommitId>, CommandError> {
    let mut last = None;
    let scratch = tempfile::tempdir()?;
    for (model, version, accuracy, description) in SAMPLES {
        let file = scratch.path().join(format!("{model}-{version}.bin"));
        let content: Vec<u8> = format!("{model} {version} weights\n")
            .bytes()
            .cycle()
            .take(64 * 1024)
            .collect();
        std::fs::write(&file, content)?;
        let mut sources = collect_artifacts(&file)?;
        for source in &mut sources {
            source.relative = "model.bin".to_owned();
        }
        let request = RegisterRequest {
            model: model.parse()?,
            version: VersionSpec::Exact(version.parse()?),
            artifacts: Vec::new(),
            parent: None,
            details: VersionDoc {
                description: description.to_owned(),
                tags: BTreeMap::from([("team".to_owned(), "sample".to_owned())]),
                metrics: BTreeMap::from([
                    ("accuracy".to_owned(), accuracy),
                    ("latency_ms".to_owned(), 12.5),
                ]),
                params: BTreeMap::from([("lr".to_owned(), ParamValue::Float(0.001))]),
                data: Some(DataDoc {
                    version: Some("2026-10".to_owned()),
                    ..DataDoc::default()
                }),
                ..VersionDoc::default()
            },
            created: identity.author_time_rfc3339(),
            created_by: identity.author_line(),
            message: Some("sample version from `omgreg init --example`".to_owned()),
        };
        let options = RegisterOptions {
            artifact_signature: None,
            sign_mode,
            dry_run: false,
            git_tag: false,
            progress: &NoProgress,
        };
        let plan = RegisterPlan { request, sources };
        last = register(store, identity.clone(), plan, &options)?.commit;
        progress.status(&format!("Registered sample `{model}@{version}`"));
    }
    Ok(last)
}
