//! `omgreg history`: the audit log.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use super::Output;
use super::json::Document;
use super::table::format_table;
use crate::registry::Slot;
use crate::sign::Verification;
use crate::store::HistoryEntry;

#[derive(Serialize)]
struct EventJson<'a> {
    commit: String,
    time: String,
    author: &'a str,
    author_email: &'a str,
    subject: &'a str,
    /// The `Omgreg-Action` trailer; `null` for commits omgreg did not make.
    action: Option<&'a str>,
    event: &'static str,
    model: &'a str,
    version: &'a str,
    stage: Option<&'a str>,
    alias: Option<&'a str>,
    previous: Option<&'a str>,
    /// `good`, `bad`, `untrusted`, `unknown`, `unsigned` or `unverifiable`.
    signature: &'static str,
    /// The principal, user id or key id that signed.
    signer: Option<&'a str>,
}

#[derive(Serialize)]
struct HistoryBody<'a> {
    events: Vec<EventJson<'a>>,
}

/// RFC 3339 UTC of a Unix time.
pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| seconds.to_string())
}

/// Prints the events, newest first.
pub fn history(
    output: &Output,
    commit: Option<String>,
    entries: &[HistoryEntry],
    signatures: &[Verification],
) -> std::io::Result<()> {
    if output.json {
        let events = entries
            .iter()
            .zip(signatures)
            .map(|(entry, signature)| {
                let (stage, alias) = match &entry.event.slot {
                    Some(Slot::Stage(stage)) => (Some(stage.as_str()), None),
                    Some(Slot::Alias(alias)) => (None, Some(alias.as_str())),
                    None => (None, None),
                };
                EventJson {
                    commit: entry.commit.to_string(),
                    time: rfc3339(entry.time),
                    author: &entry.author,
                    author_email: &entry.email,
                    subject: &entry.subject,
                    action: entry.action.as_deref(),
                    event: entry.event.kind.as_str(),
                    model: &entry.model,
                    version: &entry.event.version,
                    stage,
                    alias,
                    previous: entry.event.previous.as_deref(),
                    signature: signature.status.as_str(),
                    signer: signature.signer.as_deref(),
                }
            })
            .collect();
        return output.json(&Document::new("history", commit, &HistoryBody { events }));
    }
    if entries.is_empty() {
        output.status("no registry events");
        return Ok(());
    }
    let header = [
        "TIME",
        "COMMIT",
        "AUTHOR",
        "EVENT",
        "VERSION",
        "STAGE",
        "PREVIOUS",
        "SIGNATURE",
    ]
    .map(str::to_owned);
    let rows: Vec<Vec<String>> = entries
        .iter()
        .zip(signatures)
        .map(|(entry, signature)| {
            let slot = match &entry.event.slot {
                Some(Slot::Stage(stage)) => stage.clone(),
                Some(Slot::Alias(alias)) => format!("@{alias}"),
                None => "-".to_owned(),
            };
            vec![
                rfc3339(entry.time),
                entry.commit.to_string()[..12].to_owned(),
                entry.author.clone(),
                entry.event.kind.as_str().to_owned(),
                format!("{}@{}", entry.model, entry.event.version),
                slot,
                entry
                    .event
                    .previous
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
                match &signature.signer {
                    Some(signer) => format!("{} ({signer})", signature.status.as_str()),
                    None => signature.status.as_str().to_owned(),
                },
            ]
        })
        .collect();
    output.data(&format_table(&header, &rows))
}
