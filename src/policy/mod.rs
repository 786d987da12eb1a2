//! Policy as code: the rules `omgreg check` applies, one per file, each returning
//! findings with the rule, the file and line (or commit) and a message.
//!
//! Rules here are pure over snapshots; the ones that need Git objects, signatures
//! or rendering live with `cli/check` and produce the same [`Finding`]s. Must not
//! depend on `cli`, `render` or `store`.

mod immutability;
pub mod merges;
mod portability;
mod references;
mod schema_rules;
mod transitions;

pub use immutability::check_immutability;
pub use portability::check_portability;
pub(crate) use references::line_of;
pub use references::{check_references, waiting_endpoints};
pub use schema_rules::check_schema;
pub use transitions::{became_alias, check_transitions, entered};

use crate::registry::{RegistryConfig, RegistryError, Snapshot};

/// Which rule a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A file does not parse or violates the schema.
    Schema,
    /// A key the schema does not know (a typo, or a newer omgreg's field).
    UnknownKey,
    /// A stage, alias, endpoint or parent names something that is not there.
    Reference,
    /// A registered version changed or disappeared.
    Immutable,
    /// A version entered a stage from a stage it may not come from.
    Transition,
    /// A version entered a stage without passing its metric gates.
    MetricGate,
    /// A commit is unsigned or its signature is not good.
    Signature,
    /// A stage was moved by someone not allowed to.
    Signer,
    /// An artifact's LFS pointer or object is wrong or missing.
    Artifact,
    /// A generated file (model card, endpoint) differs from what omgreg renders.
    Generated,
    /// A path cannot be checked out on every system (too long, reserved, or equal
    /// to another once case and Unicode are folded).
    PortablePath,
    /// A commit of a range removes the registry (or breaks `omgreg.toml`) that BASE
    /// holds: its policy cannot be stepped around by taking it away.
    Registry,
    /// A version whose artifacts were never read (`verified: false`) holds a stage
    /// that requires verified artifacts.
    Verified,
    /// A version holds a stage that requires signed artifacts
    /// (`require_artifact_signature`) without an OMS bundle a trusted key signed
    /// over its recorded digests.
    ArtifactSignature,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::UnknownKey => "unknown-key",
            Self::Reference => "reference",
            Self::Immutable => "immutable",
            Self::Transition => "transition",
            Self::MetricGate => "metric-gate",
            Self::Signature => "signature",
            Self::Signer => "signer",
            Self::Artifact => "artifact",
            Self::Generated => "generated",
            Self::PortablePath => "portable-path",
            Self::Registry => "registry",
            Self::Verified => "verified-artifacts",
            Self::ArtifactSignature => "artifact-signature",
        }
    }
}

/// One violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    /// Registry-relative file.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub commit: Option<String>,
}

impl Finding {
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Self {
            rule,
            message: message.into(),
            file: None,
            line: None,
            commit: None,
        }
    }

    pub fn at(mut self, file: impl Into<String>, line: Option<usize>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    pub fn in_commit(mut self, commit: impl Into<String>) -> Self {
        self.commit = Some(commit.into());
        self
    }

    /// A finding from a registry error, keeping the file and line of schema errors.
    pub fn from_error(rule: Rule, err: &RegistryError, fallback_file: &str) -> Self {
        match err {
            RegistryError::Schema(schema) => {
                Finding::new(rule, schema.message.clone()).at(schema.path.clone(), schema.line)
            }
            other => Finding::new(rule, other.to_string()).at(fallback_file, None),
        }
    }
}

/// The configuration to judge with, or the findings that make it unusable.
pub fn usable_config(snapshot: &dyn Snapshot) -> Result<RegistryConfig, Vec<Finding>> {
    crate::registry::load_config(snapshot).map_err(|err| {
        vec![Finding::from_error(
            Rule::Schema,
            &err,
            crate::registry::CONFIG_FILE,
        )]
    })
}
