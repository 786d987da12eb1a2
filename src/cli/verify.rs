//! `omgreg verify`: signatures and signer policy over a range of commits.

use git2::Oid;

use crate::registry::{EventKind, Slot, load_config};
use crate::render::{self, CommitVerdict};
use crate::sign::{SigStatus, Trust, verify_commit};
use crate::store::{Store, StoreError};

use super::signing::ALLOWED_SIGNERS;
use super::{CommandError, Ctx};

/// Verify commit signatures and who moved which stage.
///
/// RANGE is `BASE..HEAD` (every commit in HEAD not in BASE) or one revision (default
/// `HEAD`, checked against its parent). SSH signatures are checked against
/// `.omgreg/allowed_signers` as committed in BASE (never as changed by the commits
/// under review) or `gpg.ssh.allowedSignersFile`; OpenPGP and X.509 against the
/// keyring. Promotions into a stage with `[policy.<Stage>] signers` (as configured
/// in BASE) must be signed by one of them. Exits 3 when anything is not right.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// `BASE..HEAD`, or one revision.
    #[arg(value_name = "RANGE", default_value = "HEAD")]
    range: String,
}

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<(), CommandError> {
    let store = ctx.open_store()?;
    let repo = store.repository();
    let (base, commits) = commits_in(&store, &args.range)?;
    let base_snapshot = base.and_then(|base| store.snapshot(Some(&base.to_string())).ok());
    let allowed = base_snapshot.as_ref().and_then(|snapshot| {
        crate::registry::Snapshot::read_text(snapshot, ALLOWED_SIGNERS)
            .ok()
            .flatten()
    });
    let policy = base_snapshot
        .as_ref()
        .and_then(|snapshot| load_config(snapshot).ok());
    let config = store.git_config()?;
    let trust = Trust::new(&config, allowed);

    let mut verdicts = Vec::new();
    for commit in commits {
        let verification = verify_commit(repo, commit, &trust);
        let found = repo.find_commit(commit).map_err(|source| StoreError::Git {
            what: "reading a commit",
            source,
        })?;
        let mut problems = Vec::new();
        if verification.status != SigStatus::Good {
            problems.push(match &verification.status {
                SigStatus::Unverifiable(reason) => {
                    format!("signature could not be checked: {reason}")
                }
                other => format!("signature is {}", other.as_str().replace('_', " ")),
            });
        }
        if let Some(policy) = &policy
            && !policy.stage_signers.is_empty()
        {
            for entry in store.commit_events(commit)? {
                let Some(Slot::Stage(stage)) = &entry.event.slot else {
                    continue;
                };
                if !matches!(
                    entry.event.kind,
                    EventKind::Promoted | EventKind::RolledBack
                ) {
                    continue;
                }
                let Some((name, allowed)) = policy
                    .stage_signers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(stage))
                else {
                    continue;
                };
                let signer = verification.signer.clone().unwrap_or_default();
                let permitted = verification.status == SigStatus::Good
                    && allowed
                        .iter()
                        .any(|who| signer == *who || signer.contains(&format!("<{who}>")));
                if !permitted {
                    problems.push(format!(
                        "moves `{}@{}` into `{name}`, which only {} may sign",
                        entry.model,
                        entry.event.version,
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        verdicts.push(CommitVerdict {
            commit: commit.to_string(),
            subject: found
                .summary()
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned(),
            status: verification.status.as_str(),
            format: verification.format.map(|f| f.as_str()),
            signer: verification.signer,
            problems,
        });
    }
    render::verify(&ctx.output, &verdicts)?;
    if verdicts.iter().any(|v| !v.problems.is_empty()) {
        return Err(CommandError::Violations);
    }
    Ok(())
}

/// The trusted base and the commits to check, oldest first.
fn commits_in(store: &Store, range: &str) -> Result<(Option<Oid>, Vec<Oid>), CommandError> {
    let repo = store.repository();
    let resolve = |rev: &str| -> Result<Oid, CommandError> {
        Ok(store
            .find_commit(if rev.is_empty() { "HEAD" } else { rev })?
            .id())
    };
    let git = |source| StoreError::Git {
        what: "walking the range",
        source,
    };
    match range.split_once("..") {
        Some((base, head)) => {
            let (base, head) = (resolve(base)?, resolve(head)?);
            let mut walk = repo.revwalk().map_err(git)?;
            walk.push(head).map_err(git)?;
            walk.hide(base).map_err(git)?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
                .map_err(git)?;
            let commits = walk.collect::<Result<Vec<_>, _>>().map_err(git)?;
            Ok((Some(base), commits))
        }
        None => {
            let commit = resolve(range)?;
            let parent = repo
                .find_commit(commit)
                .ok()
                .and_then(|c| c.parent_id(0).ok());
            Ok((parent, vec![commit]))
        }
    }
}
