//! The report of `omgreg verify`.

use serde::Serialize;

use super::Output;
use super::json::Document;
use super::table::format_table;

/// The verdict on one commit.
#[derive(Debug, Serialize)]
pub struct CommitVerdict {
    pub commit: String,
    pub subject: String,
    /// `good`, `bad`, `untrusted`, `unknown`, `unsigned` or `unverifiable`.
    pub status: &'static str,
    /// `ssh`, `openpgp` or `x509`.
    pub format: Option<&'static str>,
    /// The principal (SSH), user id (OpenPGP) or key id that signed.
    pub signer: Option<String>,
    /// Why the commit is not acceptable; empty when it is.
    pub problems: Vec<String>,
}

#[derive(Serialize)]
struct VerifyBody<'a> {
    ok: bool,
    commits: &'a [CommitVerdict],
}

/// Prints one line per commit, then the problems found.
pub fn verify(output: &Output, verdicts: &[CommitVerdict]) -> std::io::Result<()> {
    let ok = verdicts.iter().all(|v| v.problems.is_empty());
    if output.json {
        return output.json(&Document::new(
            "verification",
            None,
            &VerifyBody {
                ok,
                commits: verdicts,
            },
        ));
    }
    let header = ["COMMIT", "SIGNATURE", "SIGNER", "SUBJECT"].map(str::to_owned);
    let rows: Vec<Vec<String>> = verdicts
        .iter()
        .map(|v| {
            vec![
                v.commit[..12].to_owned(),
                v.status.to_owned(),
                v.signer.clone().unwrap_or_else(|| "-".to_owned()),
                v.subject.clone(),
            ]
        })
        .collect();
    let mut text = format_table(&header, &rows);
    for verdict in verdicts {
        for problem in &verdict.problems {
            text.push_str(&format!(
                "error: commit {}: {problem}\n",
                &verdict.commit[..12]
            ));
        }
    }
    output.data(&text)
}

/// `verify --artifacts`: the version, the trusted key that signed it, the files whose
/// bytes match.
pub fn artifacts_verdict(
    output: &Output,
    verdict: &crate::ops::artifact_sig::ArtifactsVerdict,
) -> std::io::Result<()> {
    if output.json {
        return output.json(&serde_json::json!({
            "kind": "artifact_verification",
            "schema_version": 1,
            "commit": null,
            "model": verdict.model.to_string(),
            "version": verdict.version.to_string(),
            "ok": true,
            "key": verdict.key,
            "files": verdict.files,
        }));
    }
    output.data(&format!(
        "{}@{}: artifacts signed by `{}`; {} file(s) match\n",
        verdict.model, verdict.version, verdict.key, verdict.files
    ))
}
