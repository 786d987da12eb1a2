//! The work of `omgreg import`: read another registry, map it to a plan, bring its
//! artifacts into LFS, then write one commit per new event and move the branch once
//! (`Writer::commit_chain`), so that a failure or a kill writes nothing.
//!
//! What is new is decided twice: events an earlier import recorded (the
//! `Omgreg-Source` trailers) are skipped before any artifact is read, and every event
//! is then applied to the tree the previous one left, where one that changes nothing
//! is dropped (a state already there, a version registered meanwhile).

mod artifacts;
mod source;

use std::collections::BTreeSet;

use crate::import::apply;
use crate::import::plan::{ImportAction, ImportPlan, PlannedEvent};
use crate::registry::{RegisterRequest, VersionSpec};
use crate::render;
use crate::sign::SignMode;
use crate::store::{CommitId, Stamp, Store, TxOptions};

use super::{CommandError, Progress, ProgressBytes, open_writer};

pub use source::{ImportSource, read_source};

/// A typed `import` request.
pub struct ImportRequest<'a> {
    pub source: ImportSource,
    pub sign_mode: SignMode,
    pub dry_run: bool,
    /// Commit on this new branch (`refs/heads/...`) for review instead of the
    /// registry branch.
    pub branch: Option<String>,
    pub progress: &'a dyn Progress,
    pub bytes: &'a dyn ProgressBytes,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Default)]
pub struct ImportReport {
    pub source: String,
    pub location: String,
    /// Each commit (`None` on a dry run) and its subject, oldest first.
    pub commits: Vec<(Option<CommitId>, String)>,
    /// Events a previous import brought already.
    pub skipped: usize,
    pub notes: Vec<String>,
    /// `model@version` of versions recorded with unreadable artifacts.
    pub unverified: Vec<String>,
    pub has_transition_history: bool,
    pub branch: String,
    pub dry_run: bool,
}

/// Imports `request.source` into the registry.
pub fn import(store: &Store, request: &ImportRequest<'_>) -> Result<ImportReport, CommandError> {
    let (writer, _) = open_writer(store, request.sign_mode)?;
    let stages: Vec<String> = {
        let snapshot = store.snapshot(None)?;
        let config = crate::registry::load_config(&snapshot)?;
        config.ladder.iter().map(|s| s.name.clone()).collect()
    };
    let scratch = tempfile::tempdir().map_err(CommandError::from)?;
    let cwd = std::env::current_dir().map_err(CommandError::from)?;
    request
        .progress
        .status(&format!("reading {}", request.source.describe()));
    let opened = read_source(&request.source, &cwd, scratch.path())?;
    let (plan, opener) = opened.plan(&stages)?;
    let recorded = store.imported_sources()?;
    let from = plan.source;
    let (events, skipped) = new_events(&plan, &recorded);
    let changed = changed_since(store, &plan, &events)?;
    let mut report = ImportReport {
        source: from.as_str().to_owned(),
        location: plan.location.clone(),
        skipped,
        notes: plan.notes.iter().cloned().chain(changed).collect(),
        has_transition_history: plan.has_transition_history,
        dry_run: request.dry_run,
        ..ImportReport::default()
    };
    if !request.dry_run
        && events
            .iter()
            .any(|e| matches!(e.action, ImportAction::Register(_)))
    {
        // A key that cannot sign fails before artifacts are copied.
        super::signing::probe(&writer)?;
    }
    let requests = artifacts::prepare(store, &events, opener.as_ref(), request, &mut report)?;
    let importer = writer.identity().clone();
    let now = Stamp {
        name: importer.author_name(),
        email: importer.author_email(),
        time: importer.author_seconds(),
        offset_minutes: 0,
    };
    let options = TxOptions {
        dry_run: request.dry_run,
        new_branch: request.branch.as_deref(),
    };
    let committed = writer.commit_chain(&options, events.len(), &mut |index, snapshot| {
        let event = events[index];
        let stamp = stamp_of(event, &now);
        let (at, by) = (
            rfc3339(stamp.time),
            format!("{} <{}>", stamp.name, stamp.email),
        );
        let change = apply::apply(snapshot, from, event, requests[index].as_ref(), (&at, &by))?;
        let Some(change) = change else {
            return Ok(None);
        };
        let change = render::with_derived_files(snapshot, change)?;
        Ok(Some((change, stamp)))
    })?;
    report.branch = committed.branch;
    report.commits = committed
        .commits
        .into_iter()
        .map(|(commit, change)| (commit.filter(|_| !request.dry_run), change.event.subject()))
        .collect();
    Ok(report)
}

/// The events of `plan` an earlier import did not record, and how many it did.
fn new_events<'p>(
    plan: &'p ImportPlan,
    recorded: &BTreeSet<String>,
) -> (Vec<&'p PlannedEvent>, usize) {
    let from = plan.source.as_str();
    let mut skipped = 0;
    let events = plan
        .events
        .iter()
        .filter(|event| {
            let seen = event.once() && recorded.contains(&format!("{from} {}", event.id));
            skipped += usize::from(seen);
            !seen
        })
        .collect();
    (events, skipped)
}

/// For each version imported before whose record the source has changed since
/// (description, tags, metrics, params): a note that it is not rewritten, as
/// versions are immutable.
fn changed_since(
    store: &Store,
    plan: &ImportPlan,
    new: &[&PlannedEvent],
) -> Result<Vec<String>, CommandError> {
    let snapshot = match store.snapshot(None) {
        Ok(snapshot) => snapshot,
        Err(_) => return Ok(Vec::new()),
    };
    let mut notes = Vec::new();
    for event in &plan.events {
        let ImportAction::Register(version) = &event.action else {
            continue;
        };
        if new.iter().any(|n| std::ptr::eq(*n, event)) {
            continue;
        }
        let (Ok(model), Ok(id)) = (version.model.parse(), version.version.parse()) else {
            continue;
        };
        let Some(record) = crate::registry::load_version(&snapshot, &model, &id)? else {
            continue;
        };
        let doc = &record.doc;
        let mut fields = Vec::new();
        if doc.description != version.description {
            fields.push("description");
        }
        if doc.tags != version.tags {
            fields.push("tags");
        }
        let metrics_differ = doc.metrics.len() != version.metrics.len()
            || doc
                .metrics
                .iter()
                .any(|(k, v)| version.metrics.get(k) != Some(v));
        if metrics_differ {
            fields.push("metrics");
        }
        if doc.params != version.params {
            fields.push("params");
        }
        if !fields.is_empty() {
            notes.push(format!(
                "`{model}@{id}` ({} `{}`) changed in the source since it was imported ({}): \
                 versions are immutable, so it is not rewritten; register a new version to \
                 record the change",
                plan.source.as_str(),
                event.id,
                fields.join(", ")
            ));
        }
    }
    Ok(notes)
}

/// Who authored `event`: its source's author, or the importer now.
fn stamp_of(event: &PlannedEvent, now: &Stamp) -> Stamp {
    match &event.author {
        Some(author) => Stamp {
            name: author.name.clone(),
            email: author.email.clone(),
            time: author.time,
            offset_minutes: author.offset_minutes,
        },
        None => now.clone(),
    }
}

/// RFC 3339 UTC of Unix seconds.
pub(crate) fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A register request of an imported version, its artifacts stored.
pub(crate) fn register_request(
    version: &crate::import::plan::ImportedVersion,
    stamp: &Stamp,
    artifacts: Vec<crate::registry::ArtifactInput>,
    imported: crate::schema::ImportedDoc,
) -> Result<RegisterRequest, CommandError> {
    let details = crate::schema::VersionDoc {
        description: version.description.clone(),
        tags: version.tags.clone(),
        metrics: version.metrics.clone(),
        params: version.params.clone(),
        code: version
            .code_commit
            .clone()
            .map(|commit| crate::schema::CodeDoc {
                commit: Some(commit),
                ..crate::schema::CodeDoc::default()
            }),
        verified: (!imported.unverified.is_empty()).then_some(false),
        imported: Some(imported),
        ..crate::schema::VersionDoc::default()
    };
    Ok(RegisterRequest {
        model: version.model.parse()?,
        version: VersionSpec::Exact(version.version.parse()?),
        artifacts,
        parent: None,
        details,
        created: rfc3339(stamp.time),
        created_by: format!("{} <{}>", stamp.name, stamp.email),
        message: None,
    })
}
