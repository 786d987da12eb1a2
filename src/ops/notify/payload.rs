//! What a notification carries: one event as JSON, and its HMAC-SHA256 signature.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::registry::Slot;
use crate::render::rfc3339;
use crate::store::HistoryEntry;

/// The JSON body of one event (also what `omgreg events --json` prints per line).
#[derive(Debug, Clone, Serialize)]
pub struct EventPayload {
    pub kind: &'static str,
    pub schema_version: u32,
    /// Unique per event: `<commit>-<index>`; receivers deduplicate on it (delivery is
    /// at least once).
    pub id: String,
    pub registry: String,
    pub event: &'static str,
    pub model: String,
    pub version: String,
    pub stage: Option<String>,
    pub alias: Option<String>,
    pub previous: Option<String>,
    pub commit: String,
    pub author: String,
    pub author_email: String,
    pub time: String,
    pub subject: String,
}

impl EventPayload {
    pub fn new(registry: &str, entry: &HistoryEntry, index: usize) -> Self {
        let (stage, alias) = match &entry.event.slot {
            Some(Slot::Stage(stage)) => (Some(stage.clone()), None),
            Some(Slot::Alias(alias)) => (None, Some(alias.clone())),
            None => (None, None),
        };
        Self {
            kind: "event",
            schema_version: crate::render::JSON_SCHEMA_VERSION,
            id: format!("{}-{index}", entry.commit),
            registry: registry.to_owned(),
            event: entry.event.kind.as_str(),
            model: entry.model.clone(),
            version: entry.event.version.clone(),
            stage,
            alias,
            previous: entry.event.previous.clone(),
            commit: entry.commit.to_string(),
            author: entry.author.clone(),
            author_email: entry.email.clone(),
            time: rfc3339(entry.time),
            subject: entry.subject.clone(),
        }
    }
}

/// Which signature header a target wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureStyle {
    /// `X-Omgreg-Signature: sha256=<hex HMAC of the body>`.
    Omgreg,
    /// MLflow webhooks' v1: `X-MLflow-Signature: v1,<base64 HMAC of
    /// "<delivery id>.<timestamp>.<body>">`, with `X-MLflow-Delivery-Id` and
    /// `X-MLflow-Timestamp`.
    Mlflow,
}

/// The signature headers for `body`.
pub fn signature_headers(
    style: SignatureStyle,
    secret: &[u8],
    body: &str,
    delivery_id: &str,
    timestamp: i64,
) -> Vec<(String, String)> {
    let mac = |content: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(content);
        mac.finalize().into_bytes()
    };
    match style {
        SignatureStyle::Omgreg => vec![(
            "X-Omgreg-Signature".to_owned(),
            format!("sha256={}", hex::encode(mac(body.as_bytes()))),
        )],
        SignatureStyle::Mlflow => {
            let signed = format!("{delivery_id}.{timestamp}.{body}");
            let signature =
                base64::engine::general_purpose::STANDARD.encode(mac(signed.as_bytes()));
            vec![
                ("X-MLflow-Signature".to_owned(), format!("v1,{signature}")),
                ("X-MLflow-Delivery-Id".to_owned(), delivery_id.to_owned()),
                ("X-MLflow-Timestamp".to_owned(), timestamp.to_string()),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omgreg_signature_is_hex_hmac_of_the_body() {
        // RFC 4231 test case 2.
        let headers = signature_headers(
            SignatureStyle::Omgreg,
            b"Jefe",
            "what do ya want for nothing?",
            "d",
            0,
        );
        assert_eq!(
            headers[0].1,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn mlflow_signature_signs_id_timestamp_and_body() {
        let headers = signature_headers(SignatureStyle::Mlflow, b"k", "{}", "id1", 42);
        let expected = {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"k").unwrap();
            mac.update(b"id1.42.{}");
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        };
        assert_eq!(
            headers[0],
            ("X-MLflow-Signature".to_owned(), format!("v1,{expected}"))
        );
        assert_eq!(headers[2].1, "42");
    }
}
