//! Delivering one event to one target: a webhook (HTTP POST, signed, with bounded
//! retries and backoff) or, from the user's own configuration only, a command.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::payload::{SignatureStyle, signature_headers};
use crate::schema::NotifyDoc;

/// Where events go.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: TargetKind,
    pub events: Vec<String>,
    pub timeout: Duration,
    pub retries: u32,
}

#[derive(Debug, Clone)]
pub enum TargetKind {
    /// `secret`: `Err(variable)` when `secret_env` names a variable that is not set:
    /// such a target is never sent to unsigned.
    Webhook {
        url: String,
        secret: Result<Option<Vec<u8>>, String>,
        style: SignatureStyle,
    },
    /// Only ever built from the user's configuration.
    Command { command: String },
}

impl Target {
    /// A registry target: webhooks only; a `command` there is ignored, never run.
    pub fn from_registry(doc: &NotifyDoc) -> Option<Self> {
        let url = doc.url.clone()?;
        Some(Self::build(
            doc,
            TargetKind::Webhook {
                url,
                secret: secret(doc),
                style: style(doc),
            },
        ))
    }

    /// A target from the user's own configuration: webhooks or commands.
    pub fn from_user(doc: &NotifyDoc) -> Option<Self> {
        match (&doc.url, &doc.command) {
            (Some(url), _) => Some(Self::build(
                doc,
                TargetKind::Webhook {
                    url: url.clone(),
                    secret: secret(doc),
                    style: style(doc),
                },
            )),
            (None, Some(command)) => Some(Self::build(
                doc,
                TargetKind::Command {
                    command: command.clone(),
                },
            )),
            (None, None) => None,
        }
    }

    fn build(doc: &NotifyDoc, kind: TargetKind) -> Self {
        Self {
            name: doc.name.clone(),
            kind,
            events: doc.events.clone(),
            timeout: Duration::from_secs(doc.timeout_secs.unwrap_or(10)),
            retries: doc.retries.unwrap_or(3).min(10),
        }
    }

    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }

    /// Delivers one JSON body, retrying with doubling backoff; the last error if all
    /// attempts fail.
    pub fn deliver(&self, body: &str, delivery_id: &str) -> Result<(), String> {
        let mut wait = Duration::from_millis(200);
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                std::thread::sleep(wait);
                wait *= 2;
            }
            match self.attempt(body, delivery_id) {
                Ok(()) => return Ok(()),
                Err(err) => last = err,
            }
        }
        Err(last)
    }

    fn attempt(&self, body: &str, delivery_id: &str) -> Result<(), String> {
        match &self.kind {
            TargetKind::Webhook { url, secret, style } => {
                let secret = secret.as_ref().map_err(|var| {
                    format!(
                        "the signing secret `{var}` (secret_env) is not set; not sending unsigned"
                    )
                })?;
                let agent = ureq::AgentBuilder::new().timeout(self.timeout).build();
                let mut request = agent
                    .post(url)
                    .set("Content-Type", "application/json")
                    .set("User-Agent", concat!("omgreg/", env!("CARGO_PKG_VERSION")))
                    .set("X-Omgreg-Delivery", delivery_id);
                if let Some(secret) = secret {
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    for (name, value) in signature_headers(*style, secret, body, delivery_id, now) {
                        request = request.set(&name, &value);
                    }
                }
                match request.send_string(body) {
                    Ok(_) => Ok(()),
                    Err(ureq::Error::Status(code, _)) => Err(format!("{url} answered HTTP {code}")),
                    Err(err) => Err(format!("{url}: {err}")),
                }
            }
            TargetKind::Command { command } => {
                let mut child = Command::new("sh")
                    .args(["-c", command])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .spawn()
                    .map_err(|err| format!("`{command}`: {err}"))?;
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(body.as_bytes());
                }
                let status = child.wait().map_err(|err| format!("`{command}`: {err}"))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(format!("`{command}` exited with {status}"))
                }
            }
        }
    }
}

fn secret(doc: &NotifyDoc) -> Result<Option<Vec<u8>>, String> {
    let Some(var) = doc.secret_env.as_ref() else {
        return Ok(None);
    };
    match std::env::var_os(var) {
        Some(value) if !value.is_empty() => {
            Ok(Some(value.to_string_lossy().into_owned().into_bytes()))
        }
        _ => Err(var.clone()),
    }
}

fn style(doc: &NotifyDoc) -> SignatureStyle {
    match doc.signature.as_deref() {
        Some("mlflow") => SignatureStyle::Mlflow,
        _ => SignatureStyle::Omgreg,
    }
}
