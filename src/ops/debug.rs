//! Hidden developer tools (`omgreg debug ...`), for tests and for looking at what a
//! reader sees; they never touch a registry. Their arguments live here rather than
//! in `cli/`, which only dispatches them (its line budget is kept for real commands).

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::CommandError;
use crate::import::mlflow::{ArtifactLocation, MlflowRegistry, MlflowSource};

/// Developer tools: not part of omgreg's interface, and free to change.
#[derive(Debug, clap::Subcommand)]
pub enum DebugCommand {
    /// Read an MLflow registry and print what omgreg's reader sees, as JSON.
    MlflowDump(MlflowDumpArgs),
}

#[derive(Debug, clap::Args)]
pub struct MlflowDumpArgs {
    /// `http(s)://HOST:PORT`, `sqlite:///PATH` or `file:///PATH`.
    #[arg(long, value_name = "URI")]
    tracking_uri: String,
    /// Read only this registered model (repeatable).
    #[arg(long = "model", value_name = "NAME")]
    models: Vec<String>,
    /// Do not list and hash the versions' artifact files.
    #[arg(long)]
    no_artifacts: bool,
}

/// What `debug mlflow-dump` prints.
#[derive(Debug, Serialize)]
pub struct MlflowDump {
    kind: &'static str,
    registry: MlflowRegistry,
    /// Per live version: where its files are and their digests.
    artifacts: Vec<VersionArtifacts>,
    /// Wall time of reading the registry and tracking data (not the artifacts).
    read_ms: u128,
}

#[derive(Debug, Serialize)]
struct VersionArtifacts {
    model: String,
    version: u64,
    uri: String,
    readable: bool,
    /// Why it cannot be read, when it cannot.
    reason: Option<String>,
    files: Vec<FileDigest>,
}

#[derive(Debug, Serialize)]
struct FileDigest {
    path: String,
    size: u64,
    sha256: String,
}

/// Runs a debug command (relative paths are taken from `cwd`) and hands its report
/// to `print`, which the command line gives.
pub fn run(
    cwd: &Path,
    command: DebugCommand,
    print: impl FnOnce(&MlflowDump) -> std::io::Result<()>,
) -> Result<(), CommandError> {
    let report = match command {
        DebugCommand::MlflowDump(args) => mlflow_dump(cwd, args)?,
    };
    Ok(print(&report)?)
}

fn mlflow_dump(cwd: &Path, args: MlflowDumpArgs) -> Result<MlflowDump, CommandError> {
    let started = Instant::now();
    let source = MlflowSource::open(&args.tracking_uri, cwd)?;
    let registry = source.read(&args.models)?;
    let read_ms = started.elapsed().as_millis();
    let mut artifacts = Vec::new();
    if !args.no_artifacts {
        let reader = source.artifacts();
        for model in &registry.models {
            for version in model.versions.iter().filter(|v| !v.deleted) {
                let location = reader.locate(&registry, model, version);
                let mut entry = VersionArtifacts {
                    model: model.name.clone(),
                    version: version.version,
                    uri: location.uri().to_owned(),
                    readable: !matches!(location, ArtifactLocation::Unreadable { .. }),
                    reason: None,
                    files: Vec::new(),
                };
                if let ArtifactLocation::Unreadable { reason, .. } = &location {
                    entry.reason = Some(reason.clone());
                } else {
                    for file in reader.list(&location)? {
                        let (size, sha256) =
                            digest(reader.open(&location, &file.path)?).map_err(|err| {
                                crate::import::mlflow::MlflowError::Artifact {
                                    uri: format!("{}/{}", location.uri(), file.path),
                                    detail: err.to_string(),
                                }
                            })?;
                        entry.files.push(FileDigest {
                            path: file.path,
                            size,
                            sha256,
                        });
                    }
                }
                artifacts.push(entry);
            }
        }
    }
    Ok(MlflowDump {
        kind: "mlflow_dump",
        registry,
        artifacts,
        read_ms,
    })
}

/// Size and sha256 of a stream.
fn digest(mut stream: Box<dyn Read + Send>) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}
