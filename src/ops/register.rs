//! Registering a version: artifacts hashed into the LFS store, then one commit (and
//! the optional `<model>@<version>` tag).

use std::path::{Path, PathBuf};

use crate::registry::{
    self, ArtifactInput, Digest, Event, RegisterRequest, RegistryError, VersionSpec,
};
use crate::render;
use crate::schema::{CodeDoc, EnvFileDoc};
use crate::sign::SignMode;
use crate::store::{ArtifactSource, Committed, Identity, Store, TxOptions, Writer, hash_file};

use super::{CommandError, signing};

/// A register request plus the files still to be hashed into it.
pub struct RegisterPlan {
    pub request: RegisterRequest,
    pub sources: Vec<ArtifactSource>,
}

/// How a registration runs.
pub struct RegisterOptions<'a> {
    pub sign_mode: SignMode,
    /// Compute the change but write nothing (artifacts are hashed, not stored).
    pub dry_run: bool,
    /// Also tag the commit `<model>@<version>`.
    pub git_tag: bool,
    /// Bytes stored so far, of `total`: called while artifacts are copied.
    pub progress: &'a dyn ProgressBytes,
    /// Sign the artifacts (`--sign-artifacts --key`) or attach a bundle
    /// (`--signature`), in the registration's commit.
    pub artifact_signature: Option<&'a super::artifact_sig::LoadedSource>,
}

/// Receives the progress of work over many bytes (storing, hashing artifacts).
pub trait ProgressBytes {
    /// How many bytes the work will go through, once known.
    fn total(&self, _bytes: u64) {}
    fn set(&self, done: u64);
    fn finish(&self);
}

/// Shows no progress.
pub struct NoProgress;

impl ProgressBytes for NoProgress {
    fn set(&self, _: u64) {}
    fn finish(&self) {}
}

/// Registers `plan` as `identity`: refuses an existing tag before anything is
/// written, stores the artifacts, commits, then tags the commit when asked.
pub fn register(
    store: &Store,
    identity: Identity,
    plan: RegisterPlan,
    options: &RegisterOptions<'_>,
) -> Result<Committed, CommandError> {
    // Refused before anything is stored when the version is given, and in any case
    // before the commit (a bumped version is known only there).
    if let (true, VersionSpec::Exact(version)) = (options.git_tag, &plan.request.version) {
        refuse_existing_tag(store, &plan.request.model, version)?;
    }
    let (committed, writer) = execute(store, identity, plan, options)?;
    if let (true, Some(commit), Event::Registered { model, version }) =
        (options.git_tag, committed.commit, &committed.change.event)
    {
        writer.tag(&format!("{model}@{version}"), commit)?;
    }
    Ok(committed)
}

/// Stores the artifacts, then commits the registration.
///
/// The request is first checked against HEAD so that a doomed registration (existing
/// version, unknown parent) fails before gigabytes are hashed.
fn execute<'s>(
    store: &'s Store,
    identity: Identity,
    plan: RegisterPlan,
    options: &RegisterOptions<'_>,
) -> Result<(Committed, Writer<'s>), CommandError> {
    let RegisterPlan {
        mut request,
        mut sources,
    } = plan;
    // A bundle inside a folder it signs is not one of the folder's files (the
    // reference ignores it too).
    if let Some(bundle) = options.artifact_signature.and_then(|s| s.bundle_path()) {
        let bundle = bundle.canonicalize().ok();
        sources.retain(|s| s.path.canonicalize().ok() != bundle);
    }
    let dry_run = options.dry_run;
    if !sources.is_empty() {
        preview(store, &request, &sources, dry_run)?;
    }
    // Before the copying too: a registry that requires signatures and a missing key.
    let (signer, _) = signing::prepare(options.sign_mode, store, &identity)?;
    let writer = Writer::new(store, identity, signer);
    if !dry_run && !sources.is_empty() {
        // A key that cannot sign should fail before gigabytes are copied.
        signing::probe(&writer)?;
    }
    store_artifacts(store, sources, &mut request, options)?;
    let bundle = match options.artifact_signature {
        Some(source) => Some(super::artifact_sig::bundle_for_registration(
            store,
            source,
            &request.model,
            &request.artifacts,
        )?),
        None => None,
    };
    let tx = TxOptions {
        dry_run,
        new_branch: None,
    };
    let committed = writer.transact(&tx, &mut |snapshot| {
        let mut change = registry::register(snapshot, &request)?;
        if let Some(bundle) = &bundle {
            super::artifact_sig::add_to_registration(&mut change, bundle);
        }
        if let (true, Event::Registered { model, version }) = (options.git_tag, &change.event) {
            refuse_existing_tag(store, model, version)?;
        }
        render::with_derived_files(snapshot, change)
    })?;
    Ok((committed, writer))
}

/// `omgreg::register::tag_exists` when the tag `--git-tag` would create exists.
fn refuse_existing_tag(
    store: &Store,
    model: &impl std::fmt::Display,
    version: &impl std::fmt::Display,
) -> Result<(), RegistryError> {
    let tag = format!("{model}@{version}");
    if store.has_reference(&format!("refs/tags/{tag}")) {
        return Err(RegistryError::TagExists { tag });
    }
    Ok(())
}

/// Dry-runs the whole action on HEAD, artifacts included (their digests are not
/// known yet, their paths are), so that every refusal comes before the copying.
/// Without artifacts there is nothing slow to save: the transaction judges alone.
fn preview(
    store: &Store,
    request: &RegisterRequest,
    sources: &[ArtifactSource],
    dry_run: bool,
) -> Result<(), CommandError> {
    let mut preview = request.clone();
    preview
        .artifacts
        .extend(sources.iter().map(|source| ArtifactInput {
            path: source.relative.clone(),
            sha256: Digest::from_bytes(&[0; 32]),
            size: Some(source.size),
            uri: None,
        }));
    let snapshot = store.snapshot(None)?;
    let change = render::with_derived_files(&snapshot, registry::register(&snapshot, &preview)?)?;
    drop(snapshot);
    if !dry_run {
        store.preflight(&change)?;
    }
    Ok(())
}

/// Hashes (dry run) or stores each source in the LFS store and adds it to `request`.
fn store_artifacts(
    store: &Store,
    sources: Vec<ArtifactSource>,
    request: &mut RegisterRequest,
    options: &RegisterOptions<'_>,
) -> Result<(), CommandError> {
    let progress = options.progress;
    let lfs = store.lfs();
    let mut done_before = 0;
    for source in sources {
        let (sha256, size) = if options.dry_run {
            hash_file(&source.path)?
        } else {
            lfs.ingest(&source.path, &mut |done| progress.set(done_before + done))?
        };
        done_before += size;
        request.artifacts.push(ArtifactInput {
            path: source.relative,
            sha256,
            size: Some(size),
            uri: None,
        });
    }
    progress.finish();
    Ok(())
}

/// The code reference of `--code-commit` and `--code-repo`: `auto` reads HEAD (and
/// `origin`) of the Git repository around `cwd`.
pub fn code_reference(
    cwd: &Path,
    commit: Option<&str>,
    repo: Option<String>,
) -> Result<Option<CodeDoc>, CommandError> {
    match commit {
        None => Ok(repo.map(|repo| CodeDoc {
            repo: Some(repo),
            ..CodeDoc::default()
        })),
        Some("auto") => {
            let (head, origin) = Store::code_head(cwd).ok_or_else(|| NoCodeRepository {
                path: cwd.to_owned(),
            })?;
            Ok(Some(CodeDoc {
                repo: repo.or(origin),
                commit: Some(head.to_string()),
                dirty: false,
            }))
        }
        Some(sha) => Ok(Some(CodeDoc {
            repo,
            commit: Some(sha.to_owned()),
            dirty: false,
        })),
    }
}

/// The record of an environment file (`--env-file`): its name as given and the
/// sha256 of its `bytes`.
pub fn env_file_record(bytes: &[u8], given: &Path) -> EnvFileDoc {
    use sha2::Digest as _;
    let digest = Digest::from_bytes(&sha2::Sha256::digest(bytes).into());
    let name = given.file_name().map_or_else(
        || given.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    EnvFileDoc {
        path: name,
        sha256: digest.to_string(),
    }
}

/// `--code-commit auto` outside any Git repository.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`--code-commit auto` needs a Git repository around `{}`", path.display())]
#[diagnostic(
    code(omgreg::args::code_commit_auto),
    help("run from the training code's repository, or pass `--code-commit SHA`")
)]
pub struct NoCodeRepository {
    pub path: PathBuf,
}

impl From<NoCodeRepository> for CommandError {
    fn from(err: NoCodeRepository) -> Self {
        Self::User(err.into())
    }
}
