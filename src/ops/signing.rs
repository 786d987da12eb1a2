//! Choosing how this command's commit is signed.

use crate::registry::{RegistryConfig, load_config};
use crate::sign::{SigStatus, SignMode, SignSetup, Trust, verify_detached};
use crate::store::{CommitSigner, Identity, Store, Writer};

use super::CommandError;

/// Path of the registry's SSH allowed-signers file.
pub const ALLOWED_SIGNERS: &str = ".omgreg/allowed_signers";

/// What the signing of one command needs to know besides its signer.
pub struct Signing {
    /// The registry configuration at HEAD, read once for the signing policies.
    pub(crate) head: Option<RegistryConfig>,
}

/// Reads git's signing configuration and the registry's `[signing]` policy (at
/// HEAD) and builds the signer; fails before anything is written when the registry
/// requires signatures and none can be made.
pub fn prepare(
    mode: SignMode,
    store: &Store,
    identity: &Identity,
) -> Result<(Option<Box<dyn CommitSigner>>, Signing), CommandError> {
    let config = store.git_config()?;
    let setup = SignSetup::from_config(&config, &identity.committer_line())?;
    let head = head_config(store);
    let required = head.as_ref().is_some_and(|c| c.signing_required);
    let signer = setup.signer(mode, required)?;
    Ok((signer, Signing { head }))
}

/// What a probe signature says about this command's key: `None` when the commit will
/// not be signed, else the names the key goes by (empty when it is no allowed signer).
///
/// A probe is signed with the very key and program the commit will use, then
/// verified like a commit, so a `signers` policy sees the key that really signs (not
/// whatever `user.signingkey` happens to match) and a broken key fails before
/// anything is written.
pub fn probe(writer: &Writer<'_>) -> Result<Option<Vec<String>>, CommandError> {
    const PROBE: &str = "omgreg signing probe\n";
    let store = writer.store();
    let Some(signer) = writer.signer() else {
        return Ok(None);
    };
    let signature = signer
        .sign(PROBE)
        .map_err(|failed| crate::store::StoreError::Signing {
            message: failed.message,
            help: failed.help,
        })?;
    let trust = Trust::new(&store.git_config()?, head_allowed_signers(store));
    let verification = verify_detached(&signature, PROBE.as_bytes(), None, &trust);
    Ok(Some(if verification.status == SigStatus::Good {
        verification.principals
    } else {
        Vec::new()
    }))
}

/// The principals to check `[policy.<Stage>] signers` against: probed only when the
/// registry has such policies.
pub fn principals_for_policy(
    writer: &Writer<'_>,
    signing: &Signing,
) -> Result<Option<Vec<String>>, CommandError> {
    if writer.signer().is_none() {
        return Ok(None);
    }
    let has_policy = signing
        .head
        .as_ref()
        .is_some_and(|config| !config.stage_signers.is_empty());
    if has_policy {
        probe(writer)
    } else {
        Ok(Some(Vec::new()))
    }
}

/// The registry configuration at HEAD, if there is a registry there.
pub fn head_config(store: &Store) -> Option<RegistryConfig> {
    let snapshot = store.snapshot(None).ok()?;
    load_config(&snapshot).ok()
}

/// The allowed signers at HEAD (`.omgreg/allowed_signers`), if any.
pub fn head_allowed_signers(store: &Store) -> Option<String> {
    let snapshot = store.snapshot(None).ok()?;
    crate::registry::Snapshot::read_text(&snapshot, ALLOWED_SIGNERS)
        .ok()
        .flatten()
}
