//! Choosing how this command's commit is signed.

use crate::registry::{RegistryConfig, load_config};
use crate::sign::{SigStatus, SignMode, SignSetup, Trust, verify_detached};
use crate::store::{CommitSigner, Identity, Store};

use super::{CommandError, Ctx};

/// Path of the registry's SSH allowed-signers file.
pub const ALLOWED_SIGNERS: &str = ".omgreg/allowed_signers";

/// The signing of one command: the signer (if any) and what it needs to know.
pub struct Signing {
    pub signer: Option<Box<dyn CommitSigner>>,
    /// The registry configuration at HEAD, read once for the signing policies.
    head: Option<RegistryConfig>,
}

impl Signing {
    pub fn signer(&self) -> Option<&dyn CommitSigner> {
        self.signer.as_deref()
    }
}

/// Reads git's signing configuration and the registry's `[signing]` policy (at
/// HEAD) and builds the signer; fails before anything is written when the registry
/// requires signatures and none can be made.
pub fn prepare(ctx: &Ctx, store: &Store, identity: &Identity) -> Result<Signing, CommandError> {
    let config = store.git_config()?;
    let setup = SignSetup::from_config(&config, &identity.committer_line())?;
    let head = head_config(store);
    let required = head.as_ref().is_some_and(|c| c.signing_required);
    let signer = setup.signer(ctx.sign_mode, required)?;
    Ok(Signing { signer, head })
}

/// What a probe signature says about this command's key: `None` when the commit will
/// not be signed, else the names the key goes by (empty when it is no allowed signer).
///
/// A probe is signed with the very key and program the commit will use, then
/// verified like a commit, so a `signers` policy sees the key that really signs (not
/// whatever `user.signingkey` happens to match) and a broken key fails before
/// anything is written.
pub fn probe(store: &Store, signing: &Signing) -> Result<Option<Vec<String>>, CommandError> {
    const PROBE: &str = "omgreg signing probe\n";
    let Some(signer) = signing.signer() else {
        return Ok(None);
    };
    let signature = signer
        .sign(PROBE)
        .map_err(|failed| crate::store::StoreError::Signing {
            message: failed.message,
            help: failed.help,
        })?;
    let trust = Trust::new(&store.git_config()?, head_allowed_signers(store));
    let verification = verify_detached(&signature, PROBE.as_bytes(), &trust);
    Ok(Some(if verification.status == SigStatus::Good {
        verification.principals
    } else {
        Vec::new()
    }))
}

/// The principals to check `[policy.<Stage>] signers` against: probed only when the
/// registry has such policies.
pub fn principals_for_policy(
    store: &Store,
    signing: &Signing,
) -> Result<Option<Vec<String>>, CommandError> {
    if signing.signer.is_none() {
        return Ok(None);
    }
    let has_policy = signing
        .head
        .as_ref()
        .is_some_and(|config| !config.stage_signers.is_empty());
    if has_policy {
        probe(store, signing)
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

impl SignMode {
    /// From `--sign` / `--no-sign`.
    pub fn from_flags(sign: bool, no_sign: bool) -> Self {
        match (sign, no_sign) {
            (true, _) => Self::Always,
            (_, true) => Self::Never,
            _ => Self::Auto,
        }
    }
}
