//! The result of an action: the files to write and the event to record.

use super::{Digest, ModelName, VersionId};

/// What happens to one file of the registry.
#[derive(Debug, Clone, PartialEq)]
pub enum FileChange {
    /// Write these bytes as a regular file.
    Write(Vec<u8>),
    /// Write a Git LFS pointer to an object already in the local LFS store.
    LfsPointer { sha256: Digest, size: u64 },
    /// Remove the file.
    Remove,
}

/// What an action did, in domain terms; the source of commit trailers and, later,
/// notifications.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Initialized {
        name: String,
    },
    Registered {
        model: ModelName,
        version: VersionId,
    },
}

impl Event {
    /// The `Omgreg-Action` trailer value.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Initialized { .. } => "init",
            Self::Registered { .. } => "register",
        }
    }

    /// The one-line commit subject.
    pub fn subject(&self) -> String {
        match self {
            Self::Initialized { name } if name.is_empty() => "init registry".to_owned(),
            Self::Initialized { name } => format!("init registry {name}"),
            Self::Registered { model, version } => format!("register {model}@{version}"),
        }
    }

    /// `Omgreg-*` trailers, in a fixed order.
    pub fn trailers(&self) -> Vec<(&'static str, String)> {
        let mut trailers = vec![("Omgreg-Action", self.action().to_owned())];
        if let Self::Registered { model, version } = self {
            trailers.push(("Omgreg-Model", model.to_string()));
            trailers.push(("Omgreg-Version", version.to_string()));
        }
        trailers
    }
}

/// A change set: applied by the store as one commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Registry-relative path to change, in the order given.
    pub files: Vec<(String, FileChange)>,
    pub event: Event,
    /// Free text from `-m`, placed between subject and trailers.
    pub message: Option<String>,
}

impl Change {
    /// The full commit message: subject, optional body, trailers.
    pub fn commit_message(&self) -> String {
        let mut message = self.event.subject();
        message.push_str("\n\n");
        if let Some(body) = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            message.push_str(body);
            message.push_str("\n\n");
        }
        for (key, value) in self.event.trailers() {
            message.push_str(&format!("{key}: {value}\n"));
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_message_ends_with_trailers() {
        let change = Change {
            files: vec![],
            event: Event::Registered {
                model: "churn".parse().unwrap(),
                version: "1.0.0".parse().unwrap(),
            },
            message: Some("retrained on May data".into()),
        };
        assert_eq!(
            change.commit_message(),
            "register churn@1.0.0\n\nretrained on May data\n\n\
             Omgreg-Action: register\nOmgreg-Model: churn\nOmgreg-Version: 1.0.0\n"
        );
    }
}
