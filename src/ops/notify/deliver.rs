//! Delivering one event to one target: a webhook (HTTP POST, signed, with bounded
//! retries and backoff) or, from the user's own configuration only, a command.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::payload::{SignatureStyle, signature_headers};
use crate::schema::NotifyDoc;

/// The longest a single attempt may take, whatever `timeout_secs` says: a committed
/// configuration must not be able to hold every action (or `omgreg notify`) for hours.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30);

/// How long delivery may take in all: right after an action a short budget (the
/// action's user is waiting; `omgreg notify` delivers the rest), unlimited for
/// `omgreg notify` itself (each attempt is still bounded by its timeout).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    pub fn unlimited() -> Self {
        Self { deadline: None }
    }

    /// A budget that runs out `total` from now.
    pub fn of(total: Duration) -> Self {
        Self {
            deadline: Some(Instant::now() + total),
        }
    }

    /// What is left of it (`None`: unlimited).
    fn remaining(self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    pub fn exhausted(self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }

    /// `timeout`, shortened to what is left.
    fn cap(self, timeout: Duration) -> Duration {
        self.remaining().map_or(timeout, |left| timeout.min(left))
    }
}

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
            timeout: Duration::from_secs(doc.timeout_secs.unwrap_or(10)).min(MAX_TIMEOUT),
            retries: doc.retries.unwrap_or(3).min(10),
        }
    }

    /// Whether the target wants MLflow's webhook format (`signature = "mlflow"`).
    pub fn speaks_mlflow(&self) -> bool {
        matches!(
            self.kind,
            TargetKind::Webhook {
                style: SignatureStyle::Mlflow,
                ..
            }
        )
    }

    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }

    /// Delivers one JSON body, retrying with doubling backoff, within `budget`; the
    /// last error if all attempts fail or the budget runs out.
    pub fn deliver(&self, body: &str, delivery_id: &str, budget: Budget) -> Result<(), String> {
        let mut wait = Duration::from_millis(200);
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                if budget.remaining().is_some_and(|left| left < wait) {
                    break;
                }
                std::thread::sleep(wait);
                wait *= 2;
            }
            let timeout = budget.cap(self.timeout);
            if timeout.is_zero() {
                break;
            }
            match self.attempt(body, delivery_id, timeout) {
                Ok(()) => return Ok(()),
                Err(err) => last = err,
            }
        }
        if last.is_empty() {
            last = "out of time; `omgreg notify` delivers it later".to_owned();
        }
        Err(last)
    }

    fn attempt(&self, body: &str, delivery_id: &str, timeout: Duration) -> Result<(), String> {
        match &self.kind {
            TargetKind::Webhook { url, secret, style } => {
                let secret = secret.as_ref().map_err(|var| {
                    format!(
                        "the signing secret `{var}` (secret_env) is not set; not sending unsigned"
                    )
                })?;
                let agent = ureq::AgentBuilder::new().timeout(timeout).build();
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
                let status = wait_at_most(&mut child, timeout)
                    .map_err(|err| format!("`{command}`: {err}"))?
                    .ok_or_else(|| {
                        format!(
                            "`{command}` did not finish within {}s",
                            timeout.as_secs_f32()
                        )
                    })?;
                if status.success() {
                    Ok(())
                } else {
                    Err(format!("`{command}` exited with {status}"))
                }
            }
        }
    }
}

/// The child's exit status, or `None` (the child killed) when it runs longer than
/// `timeout`.
fn wait_at_most(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(timeout_secs: Option<u64>) -> NotifyDoc {
        let text = format!(
            "name = \"hook\"\nurl = \"http://127.0.0.1:9/\"\n{}",
            timeout_secs.map_or(String::new(), |t| format!("timeout_secs = {t}\n"))
        );
        toml::from_str(&text).expect("a notify table")
    }

    #[test]
    fn a_committed_timeout_is_capped() {
        let timeout = |secs| {
            Target::from_registry(&doc(secs))
                .expect("a webhook")
                .timeout
        };
        assert_eq!(timeout(None), Duration::from_secs(10));
        assert_eq!(timeout(Some(5)), Duration::from_secs(5));
        assert_eq!(timeout(Some(86_400)), MAX_TIMEOUT);
        assert_eq!(timeout(Some(i64::MAX as u64)), MAX_TIMEOUT);
    }

    #[test]
    fn a_budget_cuts_timeouts_short_and_runs_out() {
        assert_eq!(Budget::unlimited().cap(MAX_TIMEOUT), MAX_TIMEOUT);
        assert!(!Budget::unlimited().exhausted());
        let budget = Budget::of(Duration::from_secs(2));
        assert!(budget.cap(MAX_TIMEOUT) <= Duration::from_secs(2));
        assert!(Budget::of(Duration::ZERO).exhausted());
        assert_eq!(Budget::of(Duration::ZERO).cap(MAX_TIMEOUT), Duration::ZERO);
    }
}
