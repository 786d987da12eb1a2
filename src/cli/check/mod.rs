//! `omgreg check`: the one judge, run the same way on a laptop, in CI, in a pre-push
//! hook and on a Git server.

mod artifacts;
mod generated;

use crate::policy::{self, Finding, Rule};
use crate::registry::Snapshot;
use crate::render::{self, CheckFormat};
use crate::store::{Store, TreeSnapshot};

use super::{CommandError, Ctx};
use crate::ops::audit::RangeAudit;

/// Check the registry against its schema and policy.
///
/// Reports every finding in one run and exits 3 when there is any. Always: schema
/// (with file and line), unknown keys, references (stages, aliases, endpoints,
/// lineage), generated files (model cards, endpoints). With `--range BASE..HEAD`,
/// also what the commits did, judged by the policy of BASE (a change cannot grant
/// itself rights): registered versions never change, stages are entered only from
/// allowed stages and through their metric gates, and, when the base requires
/// signing or has signer policies, every commit is signed by an allowed signer.
/// `--artifacts` also checks every LFS pointer and object, hashing the objects.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Judge the commits `BASE..HEAD` too (what a pull request or push adds).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["rev", "staged"])]
    range: Option<String>,

    /// Check this revision instead of HEAD.
    #[arg(long, value_name = "REV", conflicts_with = "staged")]
    rev: Option<String>,

    /// Check what is staged in the index (for pre-commit hooks), against HEAD.
    #[arg(long)]
    staged: bool,

    /// Also verify artifacts: pointers well-formed, LFS objects present, sha256 and
    /// size right.
    #[arg(long)]
    artifacts: bool,

    /// Output: `human`, `json`, or `github` (workflow annotations).
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Github,
}

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<(), CommandError> {
    let store = match &args.range {
        // The pushed head may be the first registry commit (an empty server).
        Some(range) => {
            let head = range
                .split_once("..")
                .map_or(range.as_str(), |(_, head)| head);
            crate::store::Store::discover_at(
                &ctx.registry_dir,
                if head.is_empty() { "HEAD" } else { head },
            )?
        }
        None => ctx.open_store()?,
    };
    let format = match (args.format, ctx.output.json) {
        (_, true) | (FormatArg::Json, _) => CheckFormat::Json,
        (FormatArg::Github, _) => CheckFormat::Github,
        (FormatArg::Human, _) => CheckFormat::Human,
    };
    let mut findings = Vec::new();
    let (head, base, audit) = match &args.range {
        Some(range) => {
            let audit = RangeAudit::new(&store, range)?;
            let head_rev = range
                .split_once("..")
                .map_or(range.as_str(), |(_, head)| head);
            let head = store.snapshot(Some(if head_rev.is_empty() {
                "HEAD"
            } else {
                head_rev
            }))?;
            let base = audit
                .base
                .and_then(|base| store.snapshot(Some(&base.to_string())).ok());
            (head, base, Some(audit))
        }
        None if args.staged => {
            let base = store.snapshot(None).ok();
            (store.staged_snapshot()?, base, None)
        }
        None => (store.snapshot(args.rev.as_deref())?, None, None),
    };
    check_state(&store, &head, args.artifacts, &mut findings)?;
    match (&base, &audit) {
        (Some(base), Some(audit)) => check_range(&store, audit, base, &head, &mut findings)?,
        (Some(base), None) => check_changes(base, &head, &mut findings),
        _ => {}
    }
    if let Some(audit) = &audit {
        check_commits(&store, audit, &mut findings)?;
    }
    findings.sort_by(|a, b| {
        (a.file.as_deref(), a.line, a.rule).cmp(&(b.file.as_deref(), b.line, b.rule))
    });
    let commit = head.commit().map(|c| c.to_string());
    render::check(&ctx.output, format, commit, store.prefix(), &findings)?;
    if findings.is_empty() {
        Ok(())
    } else {
        Err(CommandError::Violations)
    }
}

/// Rules on one registry state.
fn check_state(
    store: &Store,
    head: &TreeSnapshot<'_>,
    artifacts: bool,
    findings: &mut Vec<Finding>,
) -> Result<(), CommandError> {
    let config = policy::usable_config(head);
    findings.extend(policy::check_schema(head, config.as_ref().ok()));
    let Ok(config) = config else { return Ok(()) };
    findings.extend(policy::check_references(head, &config));
    findings.extend(generated::check_generated(head, &config));
    if artifacts {
        findings.extend(artifacts::check_artifacts(store, head, &config));
    }
    Ok(())
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
        &policy,
        &head_config,
        &[],
    ));
}

/// Rules on what a range did: immutability from BASE to HEAD as a whole, and each
/// commit's stage moves one by one (two steps up the ladder are two allowed moves,
/// not one jump), all judged by BASE's policy. Merge commits are skipped for moves:
/// the commits they bring are judged themselves.
fn check_range(
    store: &Store,
    audit: &RangeAudit,
    base: &dyn Snapshot,
    head: &dyn Snapshot,
    findings: &mut Vec<Finding>,
) -> Result<(), CommandError> {
    findings.extend(policy::check_immutability(base, head));
    let Ok(head_config) = policy::usable_config(head) else {
        return Ok(());
    };
    let policy = policy::usable_config(base).unwrap_or_else(|_| head_config.clone());
    for commit in &audit.commits {
        let [parent] = store.parents(*commit)?[..] else {
            continue;
        };
        let after = store.snapshot_at(*commit)?;
        let before = store.snapshot_at(parent)?;
        let Ok(after_config) = policy::usable_config(&after) else {
            continue;
        };
        let rolled_back = store.rollback_slots(*commit)?;
        let id = commit.to_string();
        findings.extend(
            policy::check_transitions(&before, &after, &policy, &after_config, &rolled_back)
                .into_iter()
                .map(|finding| finding.in_commit(&id)),
        );
    }
    Ok(())
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
        for problem in verdict.signer_problems {
            findings.push(Finding::new(Rule::Signer, problem).in_commit(&id));
        }
    }
    Ok(())
}
