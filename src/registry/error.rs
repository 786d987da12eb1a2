//! Errors of the domain layer: invalid input and violated preconditions.

use miette::Diagnostic;

use crate::schema::SchemaError;

use super::{PortabilityError, SnapshotError};

/// Something the registry refuses: every variant is caused by user input or by the
/// registry's content, never by a bug.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RegistryError {
    #[error("invalid model name `{name}`: {reason}")]
    #[diagnostic(
        code(omgreg::name::invalid_model),
        help("model names match `^[a-z0-9][a-z0-9._-]{{0,99}}$`, e.g. `churn` or `bert-base.v2`")
    )]
    InvalidModelName { name: String, reason: String },

    #[error("invalid version `{input}`: {reason}")]
    #[diagnostic(
        code(omgreg::name::invalid_version),
        help(
            "versions are SemVer 2.0, e.g. `2.1.0` or `1.0.0-rc.1`; omit `--version` to bump the greatest"
        )
    )]
    InvalidVersion { input: String, reason: String },

    #[error("invalid sha256 digest `{input}`")]
    #[diagnostic(
        code(omgreg::name::invalid_digest),
        help("give 64 hex digits, optionally prefixed by `sha256:`")
    )]
    InvalidDigest { input: String },

    #[error("invalid reference `{input}`: {reason}")]
    #[diagnostic(
        code(omgreg::reference::invalid),
        help("write `MODEL@VERSION`, `MODEL@STAGE`, `MODEL@ALIAS` or `MODEL@latest`")
    )]
    InvalidReference { input: String, reason: String },

    #[error("invalid artifact path `{path}`: {reason}")]
    #[diagnostic(
        code(omgreg::artifact::invalid_path),
        help(
            "artifact paths are relative, with no `..`, `.git` or empty parts; a folder holding `.git` cannot be registered whole"
        )
    )]
    InvalidArtifactPath { path: String, reason: String },

    #[error("two artifacts would be stored at `{path}`")]
    #[diagnostic(
        code(omgreg::artifact::duplicate),
        help("rename one of them, or register a folder that holds both")
    )]
    DuplicateArtifact { path: String },

    #[error("invalid stage configuration: {reason}")]
    #[diagnostic(
        code(omgreg::config::invalid_stages),
        help("fix `[stages]` in `omgreg.toml`")
    )]
    InvalidStageConfig { reason: String },

    #[error("`{input}` is not a stage of this registry{hint}")]
    #[diagnostic(
        code(omgreg::stage::unknown),
        help("the configured stages are {known}")
    )]
    UnknownStage {
        input: String,
        known: String,
        hint: String,
    },

    #[error("invalid endpoint `{name}`: {reason}")]
    #[diagnostic(
        code(omgreg::config::invalid_endpoint),
        help("fix `[[endpoint]]` in `omgreg.toml` (see docs/format.md)")
    )]
    InvalidEndpoint { name: String, reason: String },

    #[error("unsupported registry schema {found} in `omgreg.toml`")]
    #[diagnostic(
        code(omgreg::config::unsupported_schema),
        help("this omgreg reads schema 1; upgrade omgreg")
    )]
    UnsupportedSchema { found: u32 },

    #[error(
        "this registry needs omgreg {needed} or newer (`min_version` in `omgreg.toml`); this is omgreg {running}"
    )]
    #[diagnostic(
        code(omgreg::config::upgrade_needed),
        help(
            "upgrade omgreg (`pip install -U omgreg`, or `cargo install omgreg`), on CI runners and Git servers too"
        )
    )]
    UpgradeNeeded { needed: String, running: String },

    #[error("`min_version = \"{found}\"` in `omgreg.toml` is not a version")]
    #[diagnostic(
        code(omgreg::config::invalid_min_version),
        help("write a SemVer version, e.g. `min_version = \"0.2.0\"`")
    )]
    InvalidMinVersion { found: String },

    #[error("`--primary {primary}` is not one of the version's artifact files ({paths})")]
    #[diagnostic(
        code(omgreg::register::invalid_primary),
        help(
            "name the file a server loads by its path inside the artifacts, e.g. `--primary model.pt`"
        )
    )]
    InvalidPrimary { primary: String, paths: String },

    #[error("tag `{tag}` exists already")]
    #[diagnostic(
        code(omgreg::register::tag_exists),
        help(
            "a `MODEL@VERSION` tag names the commit that registered that version; delete the stale one (`git tag -d {tag}`) or register without `--git-tag`"
        )
    )]
    TagExists { tag: String },

    #[error("a registry already exists here")]
    #[diagnostic(code(omgreg::init::exists), help("`omgreg list` shows what it holds"))]
    AlreadyInitialized,

    #[error("model `{model}` is not in the registry{hint}")]
    #[diagnostic(
        code(omgreg::model::not_found),
        help("`omgreg list` shows the registered models")
    )]
    ModelNotFound {
        model: String,
        /// ` (did you mean `x`?)` or empty.
        hint: String,
    },

    #[error(
        "`{model}@{version}` cannot enter `{stage}`: its artifacts were recorded by location and never read"
    )]
    #[diagnostic(
        code(omgreg::promote::unverified_artifacts),
        help(
            "`{stage}` requires verified artifacts (`require_verified_artifacts` in `omgreg.toml`); register the files themselves as a new version, or promote another version"
        )
    )]
    UnverifiedArtifacts {
        model: String,
        version: String,
        stage: String,
    },

    #[error("`{model}@{version}` cannot enter `{stage}`, which requires signed artifacts: {why}")]
    #[diagnostic(
        code(omgreg::promote::unsigned_artifacts),
        help(
            "`{stage}` requires an OMS bundle by a trusted key (`require_artifact_signature` in `omgreg.toml`): `omgreg sign {model}@{version} --key KEY.pem`, with its public key in `.omgreg/artifact_keys/`"
        )
    )]
    UnsignedArtifacts {
        model: String,
        version: String,
        stage: String,
        why: String,
    },

    #[error("cannot import {event}: {reason}")]
    #[diagnostic(code(omgreg::import::conflict), help("{help}"))]
    ImportConflict {
        /// The source's event (`gto rf#prod#3`, `mlflow churn/2`).
        event: String,
        reason: String,
        help: String,
    },

    #[error("version `{model}@{version}` is not in the registry")]
    #[diagnostic(
        code(omgreg::version::not_found),
        help("`omgreg list {model}` shows its versions")
    )]
    VersionNotFound { model: String, version: String },

    #[error("version `{model}@{version}` is already registered")]
    #[diagnostic(
        code(omgreg::version::exists),
        help("registered versions are immutable; pick another `--version` or use `--bump`")
    )]
    VersionExists { model: String, version: String },

    #[error(
        "`{model}@{version}` cannot be bumped at `{level}`: the number would pass 18446744073709551615"
    )]
    #[diagnostic(
        code(omgreg::version::bump_overflow),
        help(
            "give the new version with `--version`, or bump another field (`--bump minor`, `--bump patch`)"
        )
    )]
    BumpOverflow {
        model: String,
        version: String,
        level: String,
    },

    #[error("`{model}@{reference}` does not name a version: {reason}")]
    #[diagnostic(
        code(omgreg::reference::unresolved),
        help("`omgreg list {model}` shows its versions, stages and aliases")
    )]
    Unresolved {
        model: String,
        reference: String,
        reason: String,
    },

    #[error("`{model}@{version}` is archived")]
    #[diagnostic(
        code(omgreg::version::archived),
        help("`omgreg unarchive {model}@{version}` makes it usable again")
    )]
    VersionArchived { model: String, version: String },

    #[error("`{model}@{version}` is not archived")]
    #[diagnostic(code(omgreg::version::not_archived))]
    NotArchived { model: String, version: String },

    #[error("`{model}@{version}` holds no stage: it is already in `None`")]
    #[diagnostic(
        code(omgreg::demote::no_stage),
        help("`omgreg list {model}` shows where each version stands")
    )]
    HoldsNoStage { model: String, version: String },

    #[error("`{model}@{version}` already holds `{stage}`")]
    #[diagnostic(
        code(omgreg::stage::already_there),
        help("`omgreg list {model}` shows where each version stands")
    )]
    AlreadyInStage {
        model: String,
        version: String,
        stage: String,
    },

    #[error("`{model}@{version}` holds `{stage}`, the top of the ladder")]
    #[diagnostic(
        code(omgreg::stage::top_of_ladder),
        help("name the stage with `--stage`")
    )]
    TopOfLadder {
        model: String,
        version: String,
        stage: String,
    },

    #[error("`{model}@{version}` cannot move from `{from}` to `{to}`")]
    #[diagnostic(
        code(omgreg::stage::transition_not_allowed),
        help("`{to}` accepts versions from {allowed} (`from` in `omgreg.toml`)")
    )]
    TransitionNotAllowed {
        model: String,
        version: String,
        from: String,
        to: String,
        allowed: String,
    },

    #[error("`{model}@{version}` holds {slots}")]
    #[diagnostic(
        code(omgreg::version::holds_stage),
        help(
            "move the stage or alias to another version first, or `omgreg archive --force` to clear everything it holds"
        )
    )]
    HoldsSlots {
        model: String,
        version: String,
        slots: String,
    },

    #[error("`{model}` appears twice in one promotion")]
    #[diagnostic(
        code(omgreg::promote::duplicate_model),
        help("promote one version per model at a time")
    )]
    DuplicateModel { model: String },

    #[error("commits that move {stage} must be signed by {allowed}; {signer}")]
    #[diagnostic(
        code(omgreg::policy::signer_not_allowed),
        help(
            "sign with a listed key (`user.signingkey`, `--sign`), or ask a listed signer to promote"
        )
    )]
    SignerNotAllowed {
        stage: String,
        signer: String,
        allowed: String,
    },

    #[error("`{model}@{version}` does not pass the metric gates of `{stage}`: {failures}")]
    #[diagnostic(
        code(omgreg::policy::metric_gate),
        help(
            "gates are `[policy.{stage}] require` in `omgreg.toml`; register a version that passes them"
        )
    )]
    GateFailed {
        model: String,
        version: String,
        stage: String,
        failures: String,
    },

    #[error(
        "`{model}@{version}` does not pass the metric gates of `{stage}`, which moving alias `{alias}` needs (an endpoint follows it): {failures}"
    )]
    #[diagnostic(
        code(omgreg::policy::alias_gate),
        help(
            "the endpoint's `gate` makes the alias need `{stage}`'s rights: `[policy.{stage}] require` in `omgreg.toml`; point it at a version that passes them"
        )
    )]
    AliasGateFailed {
        model: String,
        version: String,
        alias: String,
        stage: String,
        failures: String,
    },

    #[error("invalid alias `{alias}`: {reason}")]
    #[diagnostic(
        code(omgreg::alias::invalid),
        help(
            "aliases are lowercase words like `champion` or `canary-eu`, not stage names or versions"
        )
    )]
    InvalidAlias { alias: String, reason: String },

    #[error("`{model}` has no alias `{alias}`{hint}")]
    #[diagnostic(
        code(omgreg::alias::not_found),
        help("`omgreg list {model}` shows its aliases")
    )]
    AliasNotFound {
        model: String,
        alias: String,
        hint: String,
    },

    #[error("alias `{model}@{alias}` already points at `{version}`")]
    #[diagnostic(code(omgreg::alias::unchanged))]
    AliasUnchanged {
        model: String,
        alias: String,
        version: String,
    },

    #[error("stage `{stage}` is shared; rollback needs an exclusive stage")]
    #[diagnostic(
        code(omgreg::rollback::shared_stage),
        help("use `omgreg promote` to change a shared stage")
    )]
    RollbackShared { stage: String },

    #[error("`{model}@{version}` never held {slot}: going there is not a rollback")]
    #[diagnostic(
        code(omgreg::rollback::never_held),
        help(
            "a rollback restores a version the slot held earlier in the branch's history; put another version there with `omgreg promote` (or `omgreg alias set`), where every rule and gate applies"
        )
    )]
    RollbackNeverHeld {
        model: String,
        version: String,
        slot: String,
    },

    #[error("nothing to roll back to for `{model}` {slot}{skipped}")]
    #[diagnostic(
        code(omgreg::rollback::nothing),
        help(
            "no earlier usable version held it; `--to-version` names an earlier holder, `omgreg promote` puts any other version there, and `git lfs fetch` brings missing artifacts"
        )
    )]
    NothingToRollBack {
        model: String,
        slot: String,
        skipped: String,
    },

    #[error("invalid template `{path}`: {message}")]
    #[diagnostic(
        code(omgreg::endpoint::template),
        help("fix the template; see docs/format.md for its variables")
    )]
    InvalidTemplate { path: String, message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Schema(#[from] SchemaError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Snapshot(#[from] SnapshotError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Portability(#[from] PortabilityError),
}
