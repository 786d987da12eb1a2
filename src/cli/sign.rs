//! `omgreg sign`: an OMS signature bundle for a version's artifacts.

use std::path::PathBuf;

use crate::ops::artifact_sig::{SignRequest, SignSource, sign};

use super::{CommandError, Ctx, action::report};

/// Sign a version's artifacts (OpenSSF model signing, OMS v1.0).
///
/// Writes `models/<model>/signatures/<version>.sig` in one commit: signed with `--key`
/// over the record's sha256s (no bytes read unless `--rehash`), or the bundle that
/// `model_signing sign key` made (`--signature`). Its key must be trusted: its public
/// key in `.omgreg/artifact_keys/<name>.pem`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").args(["key", "signature"]).required(true)))]
pub struct SignArtifactsArgs {
    #[command(flatten)]
    pub(crate) sign: super::SignArgs,
    /// The version: `MODEL@VERSION`.
    #[arg(value_name = "MODEL@VERSION")]
    target: String,
    /// A PEM EC private key (P-256, P-384 or P-521) to sign with.
    #[arg(long, value_name = "KEY.pem", conflicts_with = "signature")]
    key: Option<PathBuf>,
    /// An OMS bundle to attach (`model_signing sign key` over the artifacts' folder).
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// Hash the artifacts' bytes again first (refused on a mismatch); also checks a
    /// bundle of another serialization (`shards`) against the bytes.
    #[arg(long)]
    rehash: bool,
    /// Extra text for the commit message.
    #[arg(short = 'm', long = "message", value_name = "MSG")]
    message: Option<String>,
    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: SignArtifactsArgs) -> Result<(), CommandError> {
    let key = args.key.map(|key| ctx.path(&key));
    let signature = args.signature.map(|file| ctx.path(&file));
    let source = SignSource::from_flags(key, signature).expect("clap requires one");
    let mut request = SignRequest::new(args.target.parse()?, source, args.rehash);
    (request.message, request.dry_run) = (args.message, args.dry_run);
    let store = ctx.open_store()?;
    let committed = sign(&store, &request, ctx.sign_mode)?;
    report(ctx, &store, &committed, false)
}
