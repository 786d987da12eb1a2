//! The work of `omgreg check`: the one judge, run the same way on a laptop, in CI,
//! in a pre-push hook and on a Git server. Picks the registry state to judge (a
//! revision, the staged index, or a range's head), runs the policy rules on it and
//! on what changed, and returns the findings, sorted; it never prints.

mod artifact_sig;
mod artifacts;
mod generated;
mod guard;
mod merge;
mod rollback;
mod scope;

pub(crate) use rollback::held_before;

use std::collections::BTreeSet;

use crate::policy::{self, Finding, Rule};
use crate::registry::Snapshot;
use crate::store::{CommitId, Store};

use super::CommandError;
use super::audit::RangeAudit;

/// What to judge.
#[derive(Debug, Clone)]
pub enum CheckTarget {
    /// One revision (default HEAD).
    Rev(Option<String>),
    /// What is staged in the index, against HEAD (pre-commit hooks).
    Staged,
    /// `BASE..HEAD`: the head's state and what the commits did, by BASE's policy.
    Range(String),
}

/// A typed `check` request.
#[derive(Clone)]
pub struct CheckRequest<'a> {
    pub target: CheckTarget,
    /// Also verify every LFS pointer and object, hashing the objects (with this
    /// progress).
    pub artifacts: Option<&'a dyn crate::ops::ProgressBytes>,
}

/// What `check` found.
pub struct CheckReport {
    /// The commit judged (`None` for a staged tree on an unborn branch).
    pub commit: Option<CommitId>,
    /// Sorted by file, line and rule.
    pub findings: Vec<Finding>,
    /// What a person should know that is not a finding (unprotected rules).
    pub notices: Vec<String>,
}

/// The head revision of `BASE..HEAD` (or of one revision); `HEAD` when empty.
pub fn range_head(range: &str) -> &str {
    let head = range.split_once("..").map_or(range, |(_, head)| head);
    if head.is_empty() { "HEAD" } else { head }
}

/// Opens the registry a range judges, from `dir`: the registry `folder` names (a bare
/// repository's), else the one the range's head holds, else the one its base holds
/// (a head that removed the registry is judged, not skipped; the head may be the
/// first registry commit of an empty server).
pub fn open_for_range(
    dir: &std::path::Path,
    folder: Option<&str>,
    range: &str,
) -> Result<Store, CommandError> {
    if let Some(folder) = folder {
        return Ok(Store::open_at_folder(dir, folder)?);
    }
    let store =
        Store::discover_at(dir, range_head(range)).or_else(|err| match range.split_once("..") {
            Some((base, _)) if !base.is_empty() => Store::discover_at(dir, base),
            _ => Err(err),
        })?;
    Ok(store)
}

/// Runs every rule that applies to the request.
pub fn check(store: &Store, request: &CheckRequest<'_>) -> Result<CheckReport, CommandError> {
    let mut findings = Vec::new();
    let (head, base, audit) = match &request.target {
        CheckTarget::Range(range) => {
            let audit = RangeAudit::new(store, range)?;
            // A head without `omgreg.toml` is judged too (the `registry` rule names
            // the commit that removed it), not refused as "no registry here".
            let head = store.snapshot_at(store.resolve(range_head(range))?)?;
            let base = audit
                .base
                .and_then(|base| store.snapshot(Some(&base.to_string())).ok());
            (head, base, Some(audit))
        }
        CheckTarget::Staged => {
            let base = store.snapshot(None).ok();
            for path in store.stale_staged_paths()? {
                findings.push(
                    Finding::new(
                        Rule::Immutable,
                        "the index holds an older version of this file than HEAD, while the \
                         working tree holds HEAD's: a commit prepared before an omgreg action \
                         landed would undo it; run `git reset -- <file>` (or `git add` it) and \
                         commit again"
                            .to_owned(),
                    )
                    .at(&path, None),
                );
            }
            (store.staged_snapshot()?, base, None)
        }
        CheckTarget::Rev(rev) => (store.snapshot(rev.as_deref())?, None, None),
    };
    // A range judges the state of the models it touched (all of them when it changed
    // anything outside `models/`).
    let touched = match (&audit, head.commit()) {
        (Some(audit), Some(head_commit)) if audit.base.is_some() => {
            scope::touched_models(&store.changed_paths(audit.base, head_commit)?)
        }
        _ => None,
    };
    let mut unverified = Vec::new();
    match &touched {
        Some(models) => check_state(
            store,
            &scope::Scoped::new(&head, models.clone()),
            request.artifacts,
            (&mut findings, &mut unverified),
        ),
        None => check_state(
            store,
            &head,
            request.artifacts,
            (&mut findings, &mut unverified),
        ),
    }

    findings.extend(artifact_sig::check_signed_stages(&head, base.as_ref()));
    match (&base, &audit) {
        (Some(base), Some(audit)) => {
            check_range(store, audit, (base, &head), touched.as_ref(), &mut findings)?;
        }
        (Some(base), None) => check_changes(base, &head, &mut findings),
        _ => {}
    }
    let mut notices = state_notices(&head, &unverified);
    if let Some(audit) = &audit {
        check_commits(store, audit, &mut findings)?;
        guard::check_rule_changes(store, audit, &mut findings, &mut notices)?;
    }
    findings.sort_by(|a, b| {
        (a.file.as_deref(), a.line, a.rule).cmp(&(b.file.as_deref(), b.line, b.rule))
    });
    Ok(CheckReport {
        commit: head.commit(),
        findings,
        notices,
    })
}

/// What a person should know about the state judged that is not a finding: endpoints
/// waiting for their model, stored schemas of another omgreg, unverified versions.
fn state_notices(head: &dyn Snapshot, unverified: &[String]) -> Vec<String> {
    let mut notices = policy::waiting_endpoints(head);
    notices.extend(super::schema::stale_schemas(head));
    if !unverified.is_empty() {
        let shown: Vec<&str> = unverified.iter().take(10).map(String::as_str).collect();
        notices.push(format!(
            "{} version(s) have artifacts recorded by location and never read (`verified: false`): {}{}",
            unverified.len(),
            shown.join(", "),
            if unverified.len() > shown.len() { ", …" } else { "" }
        ));
    }
    notices
}

/// What `check` finds against the step from `base` to `head` (a commit `pull` replayed
/// as files): the state rules on `head` that `base` did not already break, and the
/// rules on what changed, judged by `base`'s policy.
pub fn check_step(
    store: &Store,
    base: CommitId,
    head: CommitId,
) -> Result<Vec<Finding>, CommandError> {
    let (before, after) = (store.snapshot_at(base)?, store.snapshot_at(head)?);
    let (mut known, mut findings) = (Vec::new(), Vec::new());
    check_state(store, &before, None, (&mut known, &mut Vec::new()));
    check_state(store, &after, None, (&mut findings, &mut Vec::new()));
    findings.retain(|finding| {
        !known.iter().any(|old| {
            (old.rule, &old.file, &old.message) == (finding.rule, &finding.file, &finding.message)
        })
    });
    check_changes(&before, &after, &mut findings);
    findings.sort_by(|a, b| {
        (a.file.as_deref(), a.line, a.rule).cmp(&(b.file.as_deref(), b.line, b.rule))
    });
    Ok(findings)
}

/// Rules on one registry state.
fn check_state(
    store: &Store,
    head: &dyn Snapshot,
    artifacts: Option<&dyn crate::ops::ProgressBytes>,
    (findings, unverified): (&mut Vec<Finding>, &mut Vec<String>),
) {
    let config = policy::usable_config(head);
    findings.extend(policy::check_schema(head, config.as_ref().ok(), unverified));
    if let Ok(config) = config {
        findings.extend(policy::check_references(head, &config));
        findings.extend(generated::check_generated(head, &config));
        findings.extend(artifacts::check_artifact_folders(head));
        if let Some(bytes) = artifacts {
            findings.extend(artifacts::check_artifacts(store, head, &config, bytes));
        }
    }
    // Last: its one walk allocates a string per file, which the rules above need
    // not work around (the order of findings is sorted anyway).
    findings.extend(policy::check_portability(head));
}

/// Rules on what changed from `base` to `head`, judged by `base`'s policy: for a
/// staged tree against HEAD.
fn check_changes(base: &dyn Snapshot, head: &dyn Snapshot, findings: &mut Vec<Finding>) {
    findings.extend(policy::check_immutability(base, head));
    let (Ok(head_config), policy) = (policy::usable_config(head), policy::usable_config(base))
    else {
        return;
    };
    let policy = policy.unwrap_or_else(|_| head_config.clone());
    findings.extend(policy::check_transitions(
        base,
        head,
        base,
        &policy,
        &head_config,
        &[],
    ));
}

/// Rules on what a range did: immutability from BASE to HEAD as a whole, and each
/// commit's stage moves one by one (two steps up the ladder are two allowed moves,
/// not one jump), all judged by BASE's policy. A merge is judged only on the moves its
/// sides do not explain (the commits it brings are judged themselves); a root commit
/// against the empty registry.
fn check_range(
    store: &Store,
    audit: &RangeAudit,
    (base, head): (&dyn Snapshot, &dyn Snapshot),
    touched: Option<&BTreeSet<String>>,
    findings: &mut Vec<Finding>,
) -> Result<(), CommandError> {
    let holds = |snapshot: &dyn Snapshot| {
        snapshot
            .exists(crate::registry::CONFIG_FILE)
            .unwrap_or(false)
    };
    let unrelated = unrelated_to_base(store, audit)?;
    let empty = crate::registry::MemorySnapshot::default();
    let before_all: &dyn Snapshot = if unrelated { &empty } else { base };
    findings.extend(policy::check_immutability(
        &*scoped(before_all, touched),
        &*scoped(head, touched),
    ));
    let base_policy = policy::usable_config(base).ok();
    if base_policy.is_some() && holds(base) && !unrelated {
        // BASE holds a registry: no commit of the range may take it away (a push
        // that deletes `omgreg.toml` would otherwise be judged by nothing, and the
        // next one by whatever policy it brings back).
        for commit in &audit.commits {
            let state = store.snapshot_at(*commit)?;
            if !holds(&state) || policy::usable_config(&state).is_err() {
                findings.push(
                    Finding::new(
                        Rule::Registry,
                        "removes the registry or breaks `omgreg.toml`, which BASE holds; \
                         the registry's policy applies to every commit of its branch"
                            .to_owned(),
                    )
                    .in_commit(commit.to_string()),
                );
            }
        }
    }
    let Ok(head_config) = policy::usable_config(head) else {
        return Ok(());
    };
    let policy = base_policy.unwrap_or_else(|| head_config.clone());
    for commit in &audit.commits {
        let parents = store.parents(*commit)?;
        let after = store.snapshot_at(*commit)?;
        let Ok(after_config) = policy::usable_config(&after) else {
            continue;
        };
        // A root or a merge: see `merge::moves_of_root_or_merge`.
        let [parent] = parents[..] else {
            findings.extend(merge::moves_of_root_or_merge(
                store,
                (*commit, &parents),
                (&after, &after_config),
                base,
                &policy,
            )?);
            continue;
        };
        let before = store.snapshot_at(parent)?;
        let claimed = store.rollback_slots(*commit)?;
        let rolled_back = rollback::proven(store, parent, (&before, &after), &policy, claimed)?;
        let id = commit.to_string();
        // Each commit on its own too: an edit of a registered version that a later
        // commit of the range undoes leaves no trace between BASE and HEAD, yet it
        // was the record a promotion in between was judged on.
        for finding in
            policy::check_immutability(&*scoped(&before, touched), &*scoped(&after, touched))
        {
            let known = findings.iter().any(|seen| {
                (seen.rule, &seen.file, &seen.message)
                    == (finding.rule, &finding.file, &finding.message)
            });
            if !known {
                findings.push(finding.in_commit(&id));
            }
        }
        // An administrator's signed import brings stage moves decided in the source:
        // their `from` rules and gates are waived, nothing else is.
        let waived = guard::vouched_import(store, audit, *commit)?;
        findings.extend(
            policy::check_transitions(&before, &after, base, &policy, &after_config, &rolled_back)
                .into_iter()
                .filter(|finding| {
                    !(waived && matches!(finding.rule, Rule::Transition | Rule::MetricGate))
                })
                .map(|finding| finding.in_commit(&id)),
        );
    }
    Ok(())
}

/// Whether the range's head shares no registry history with BASE (a new branch or
/// tag from an orphan root, or forked before the registry existed): it is then judged
/// from the empty registry, by BASE's policy — it changed none of BASE's records, and
/// each of its commits answers for what it put there.
fn unrelated_to_base(store: &Store, audit: &RangeAudit) -> Result<bool, CommandError> {
    let (Some(old), Some(new)) = (audit.base, audit.commits.last().copied()) else {
        return Ok(false);
    };
    Ok(match store.merge_base(old, new)? {
        None => true,
        Some(meet) => {
            meet != old
                && !store
                    .snapshot_at(meet)?
                    .exists(crate::registry::CONFIG_FILE)
                    .unwrap_or(false)
        }
    })
}

/// `snapshot` showing only the `touched` models (all of them for `None`).
fn scoped<'a>(
    snapshot: &'a dyn Snapshot,
    touched: Option<&BTreeSet<String>>,
) -> Box<dyn Snapshot + 'a> {
    match touched {
        Some(models) => Box::new(scope::Scoped::new(snapshot, models.clone())),
        None => Box::new(Unscoped(snapshot)),
    }
}

/// A snapshot as it is (the counterpart of [`scope::Scoped`] when a range touched
/// more than models).
struct Unscoped<'a>(&'a dyn Snapshot);

impl Snapshot for Unscoped<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, crate::registry::SnapshotError> {
        self.0.read(path)
    }
    fn list(&self, path: &str) -> Result<Vec<String>, crate::registry::SnapshotError> {
        self.0.list(path)
    }
    fn exists(&self, path: &str) -> Result<bool, crate::registry::SnapshotError> {
        self.0.exists(path)
    }
    fn files_under(&self, path: &str) -> Result<Vec<String>, crate::registry::SnapshotError> {
        self.0.files_under(path)
    }
    fn content_id(&self, path: &str) -> Option<String> {
        self.0.content_id(path)
    }
}

/// Signatures and signers of each commit of the range.
fn check_commits(
    store: &Store,
    audit: &RangeAudit,
    findings: &mut Vec<Finding>,
) -> Result<(), CommandError> {
    let signing = audit.signing_required();
    for commit in &audit.commits {
        if !signing {
            break;
        }
        let verdict = audit.audit(store, *commit)?;
        let id = commit.to_string();
        if let Some(problem) = verdict.signature_problem {
            findings.push(
                Finding::new(Rule::Signature, format!("{problem} ({})", verdict.subject))
                    .in_commit(&id),
            );
        }
        // An administrator may bring another registry's stages in (see
        // `guard::vouched_import`).
        if !verdict.signer_problems.is_empty() && guard::vouched_import(store, audit, *commit)? {
            continue;
        }
        for problem in verdict.signer_problems {
            findings.push(Finding::new(Rule::Signer, problem).in_commit(&id));
        }
    }
    Ok(())
}
