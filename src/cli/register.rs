//! `omgreg register`: a new immutable model version with its artifacts.

use std::path::PathBuf;

use crate::ops::artifact_sig::{LoadedSource, SignSource};
use crate::ops::{self, RegisterOptions, RegisterPlan};
use crate::registry::{Bump, ModelRef, RegisterRequest, VersionSpec};
use crate::render::{self, RegisterReport};
use crate::schema::{self, DataDoc, EnvironmentDoc, ParamValue, VersionDoc};
use crate::store::{Identity, Writer, collect_artifacts};

use super::{ArgError, CommandError, Ctx, input};

/// Register a new model version.
///
/// Hashes and copies each artifact (a file or a whole folder) into the Git LFS store in
/// one pass, writes `models/<model>/versions/<version>.yaml` and commits both as one
/// commit. Without `--version`, the greatest registered version is bumped (`--bump`,
/// minor by default; a new model starts at 1.0.0).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  omgreg register churn --artifact out/model.pt --metrics-file out/metrics.json\n  omgreg register churn --artifact out/model.pt --artifact out/config.json --primary model.pt --bump major\n  omgreg register churn --uri s3://bucket/churn/model.pt --sha256 HEX --parent churn@production"
)]
pub struct RegisterArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,

    /// The model, e.g. `churn`; created by its first registration.
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// The model, as a flag (same as the positional MODEL).
    #[arg(long = "model", value_name = "MODEL")]
    model_flag: Option<String>,

    /// The version to register (SemVer 2.0, e.g. `2.1.0` or `1.0.0-rc.1`).
    #[arg(long = "version", value_name = "VERSION", conflicts_with = "bump")]
    exact_version: Option<String>,

    /// Which field of the greatest version to bump when `--version` is absent.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "minor")]
    bump: BumpArg,

    /// A file or folder to store in Git LFS (repeatable; folders are taken whole).
    #[arg(long = "artifact", value_name = "PATH")]
    artifacts: Vec<PathBuf>,

    /// An external artifact to link instead of store (repeatable; pair with `--sha256`).
    #[arg(long = "uri", value_name = "URI")]
    uris: Vec<String>,

    /// The sha256 of the artifact linked by the `--uri` at the same position.
    #[arg(long = "sha256", value_name = "HEX")]
    digests: Vec<String>,

    /// A metric, e.g. `--metric accuracy=0.93` (repeatable; numbers only).
    #[arg(long = "metric", value_name = "KEY=VALUE")]
    metrics: Vec<String>,

    /// A JSON or YAML file of metrics (nested keys are joined with `.`).
    #[arg(long, value_name = "FILE")]
    metrics_file: Option<PathBuf>,

    /// A training parameter, e.g. `--param lr=0.001` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,

    /// A JSON or YAML file of parameters (nested keys are joined with `.`).
    #[arg(long, value_name = "FILE")]
    params_file: Option<PathBuf>,

    /// A tag, e.g. `--tag team=growth` (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    tags: Vec<String>,

    /// The version of the training data.
    #[arg(long, value_name = "S")]
    data_version: Option<String>,

    /// Where the training data lives.
    #[arg(long, value_name = "URI")]
    data_uri: Option<String>,

    /// A hash identifying the training data.
    #[arg(long, value_name = "S")]
    data_hash: Option<String>,

    /// The code commit the model was trained from; `auto` reads HEAD of the Git
    /// repository around the current folder.
    #[arg(long, value_name = "SHA|auto")]
    code_commit: Option<String>,

    /// The code repository URL (with `auto`, taken from the `origin` remote).
    #[arg(long, value_name = "URL")]
    code_repo: Option<String>,

    /// An environment variable to record, e.g. `--env CUDA=12.4` (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,

    /// An environment file (requirements.txt, conda.yaml, ...) whose sha256 is recorded.
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,

    /// The version this one derives from: `MODEL@VERSION` (or a stage, alias, latest),
    /// recorded as a concrete version.
    #[arg(long, value_name = "MODEL@REF")]
    parent: Option<String>,

    /// A description of the version.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// The artifact file a server loads, when there are several (its path inside the
    /// artifacts, e.g. `model.pt`); endpoint manifests point at it.
    #[arg(long, value_name = "PATH")]
    primary: Option<String>,

    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,

    /// Also tag the commit `<model>@<version>` (a lightweight Git tag).
    #[arg(long)]
    git_tag: bool,

    /// Sign the artifacts with `--key` in the same commit (an OMS bundle, `omgreg sign`).
    #[arg(long, requires = "key")]
    sign_artifacts: bool,
    /// The PEM EC private key (P-256, P-384 or P-521) of `--sign-artifacts`.
    #[arg(
        long,
        value_name = "KEY.pem",
        requires = "sign_artifacts",
        conflicts_with = "signature"
    )]
    key: Option<PathBuf>,
    /// An OMS bundle of the `--artifact` folder to attach (`model_signing sign key`).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BumpArg {
    Major,
    Minor,
    Patch,
}

pub fn run(ctx: &Ctx, mut args: RegisterArgs) -> Result<(), CommandError> {
    let (dry_run, git_tag) = (args.dry_run, args.git_tag);
    let store = ctx.open_store()?;
    let identity = store.identity()?;
    let (key, signature) = (args.key.take(), args.signature.take());
    let source = SignSource::from_flags(key.map(|k| ctx.path(&k)), signature.map(|s| ctx.path(&s)));
    let source = source.as_ref().map(LoadedSource::load).transpose()?;
    let plan = resolve(ctx, args, &identity)?;
    let total = plan.sources.iter().map(|s| s.size).sum();
    let progress = render::ByteProgress::new(ctx.output.progress, total, "storing artifacts");
    let options = RegisterOptions {
        sign_mode: ctx.sign_mode,
        dry_run,
        git_tag,
        progress: &progress,
        artifact_signature: source.as_ref(),
    };
    let committed = ops::register(&store, identity, plan, &options)?;
    if !dry_run {
        let writer = Writer::for_refs(&store);
        super::notify::after_action(ctx, &writer);
    }
    Ok(render::register(
        &ctx.output,
        &RegisterReport::new(&committed),
    )?)
}

/// Turns the arguments into a request; reads metric, param and environment files.
fn resolve(
    ctx: &Ctx,
    mut args: RegisterArgs,
    identity: &Identity,
) -> Result<RegisterPlan, CommandError> {
    let model = model_arg(args.model.take(), args.model_flag.take())?;
    let version = match args.exact_version.take() {
        Some(version) => VersionSpec::Exact(version.parse()?),
        None => VersionSpec::Bump(match args.bump {
            BumpArg::Major => Bump::Major,
            BumpArg::Minor => Bump::Minor,
            BumpArg::Patch => Bump::Patch,
        }),
    };
    let parent = args
        .parent
        .as_deref()
        .map(str::parse::<ModelRef>)
        .transpose()?;

    let metrics = metrics_arg(ctx, &args)?;
    let params = params_arg(ctx, &args)?;
    let environment = environment_arg(ctx, &args)?;
    let data = (args.data_version.is_some() || args.data_uri.is_some() || args.data_hash.is_some())
        .then_some(DataDoc {
            version: args.data_version,
            uri: args.data_uri,
            hash: args.data_hash,
        });
    let code = ops::code_reference(&ctx.cwd, args.code_commit.as_deref(), args.code_repo)?;

    let mut sources = Vec::new();
    for path in &args.artifacts {
        sources.extend(collect_artifacts(&ctx.path(path))?);
    }
    let linked = ops::linked::linked_artifacts(&args.uris, &args.digests)?;

    Ok(RegisterPlan {
        request: RegisterRequest {
            model,
            version,
            artifacts: linked,
            parent,
            details: VersionDoc {
                description: args.description.unwrap_or_default(),
                primary: args.primary,
                tags: input::string_map("--tag", &args.tags)?,
                metrics,
                params,
                data,
                code,
                environment,
                ..VersionDoc::default()
            },
            created: identity.author_time_rfc3339(),
            created_by: identity.author_line(),
            message: args.message,
        },
        sources,
    })
}

/// The model, given positionally or as `--model` (not both, differently).
fn model_arg(
    positional: Option<String>,
    flag: Option<String>,
) -> Result<crate::registry::ModelName, CommandError> {
    Ok(match (positional, flag) {
        (Some(positional), Some(flag)) if positional != flag => {
            return Err(ArgError::ModelTwice { positional, flag }.into());
        }
        (Some(model), _) | (None, Some(model)) => model.parse()?,
        (None, None) => {
            return Err(ArgError::ModelMissing {
                command: "register",
            }
            .into());
        }
    })
}

/// `--metrics-file`, then each `--metric` over it.
fn metrics_arg(
    ctx: &Ctx,
    args: &RegisterArgs,
) -> Result<std::collections::BTreeMap<String, f64>, CommandError> {
    let mut metrics = match &args.metrics_file {
        Some(path) => schema::parse_metrics_file(
            &path.display().to_string(),
            &input::read_text("--metrics-file", &ctx.path(path))?,
        )?,
        None => Default::default(),
    };
    metrics.extend(input::metric_map(&args.metrics)?);
    Ok(metrics)
}

/// `--params-file`, then each `--param` over it.
fn params_arg(
    ctx: &Ctx,
    args: &RegisterArgs,
) -> Result<std::collections::BTreeMap<String, ParamValue>, CommandError> {
    let mut params = match &args.params_file {
        Some(path) => schema::parse_params_file(
            &path.display().to_string(),
            &input::read_text("--params-file", &ctx.path(path))?,
        )?,
        None => Default::default(),
    };
    for flag in &args.params {
        let (key, value) = input::key_value("--param", flag)?;
        params.insert(key.to_owned(), ParamValue::from_flag(value));
    }
    Ok(params)
}

/// `--env` variables and the sha256 of `--env-file`.
fn environment_arg(ctx: &Ctx, args: &RegisterArgs) -> Result<Option<EnvironmentDoc>, CommandError> {
    let vars = input::string_map("--env", &args.env)?;
    let file = match &args.env_file {
        Some(path) => Some(ops::env_file_record(
            &input::read_bytes("--env-file", &ctx.path(path))?,
            path,
        )),
        None => None,
    };
    Ok((!vars.is_empty() || file.is_some()).then_some(EnvironmentDoc { vars, file }))
}
