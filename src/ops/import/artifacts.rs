//! The artifacts of imported versions: read through the source into the local LFS
//! store, hashed as they are copied (no digest is taken from the source); what
//! cannot be read is recorded by location and leaves its version unverified.

use std::path::Path;

use crate::import::plan::{ArtifactOpener, Fetch, ImportAction, PlannedEvent};
use crate::registry::{ArtifactInput, Digest, RegisterRequest};
use crate::schema::UnverifiedDoc;
use crate::store::{Stamp, Store, StoreError};

use super::super::CommandError;
use super::{ImportReport, ImportRequest, register_request, stamp_of};

/// The register request of each registration among `events` (`None` for the other
/// events), its artifacts stored (hashed only, on a dry run).
pub(super) fn prepare(
    store: &Store,
    events: &[&PlannedEvent],
    opener: &dyn ArtifactOpener,
    request: &ImportRequest<'_>,
    report: &mut ImportReport,
) -> Result<Vec<Option<RegisterRequest>>, CommandError> {
    let lfs = store.lfs();
    let mut done = 0u64;
    let placeholder = Stamp {
        name: String::new(),
        email: String::new(),
        time: 0,
        offset_minutes: 0,
    };
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let ImportAction::Register(version) = &event.action else {
            out.push(None);
            continue;
        };
        let mut inputs = Vec::new();
        let mut imported = version.imported.clone();
        for artifact in &version.artifacts {
            match &artifact.fetch {
                Fetch::Unreadable { uri, reason } => imported.unverified.push(UnverifiedDoc {
                    uri: uri.clone(),
                    reason: reason.clone(),
                }),
                Fetch::Read { key } => match opener.open(key) {
                    Ok(mut reader) => {
                        let label = Path::new(&artifact.path);
                        let (sha256, size) = if request.dry_run {
                            hash(&mut reader, label)?
                        } else {
                            lfs.ingest_reader(&mut reader, label, &mut |n| {
                                request.bytes.set(done + n)
                            })?
                        };
                        done += size;
                        inputs.push(ArtifactInput {
                            path: artifact.path.clone(),
                            sha256,
                            size: Some(size),
                            uri: None,
                        });
                    }
                    Err(reason) => imported.unverified.push(UnverifiedDoc {
                        uri: opener.uri(key),
                        reason,
                    }),
                },
            }
        }
        if !imported.unverified.is_empty() {
            report
                .unverified
                .push(format!("{}@{}", version.model, version.version));
        }
        let stamp = stamp_of(event, &placeholder);
        out.push(Some(register_request(version, &stamp, inputs, imported)?));
    }
    request.bytes.finish();
    Ok(out)
}

/// The digest and size of what `reader` gives (a dry run stores nothing).
fn hash(reader: &mut dyn std::io::Read, label: &Path) -> Result<(Digest, u64), CommandError> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let size = std::io::copy(reader, &mut hasher).map_err(|source| StoreError::Io {
        what: "reading the artifact",
        path: label.to_owned(),
        source,
    })?;
    Ok((Digest::from_bytes(&hasher.finalize().into()), size))
}
