//! `MODEL@REF` references: a version, a stage, an alias or `latest`.

use std::fmt;
use std::str::FromStr;

use super::{ModelName, RegistryError, VersionId};

/// What the part after `@` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    Version(VersionId),
    /// The greatest active version.
    Latest,
    /// A stage (matched case-insensitively) or an alias; resolved against the registry.
    Name(String),
}

/// A parsed `MODEL@REF`; a bare `MODEL` means `MODEL@latest`.
///
/// ```
/// use omgreg::registry::{ModelRef, RefTarget};
///
/// let r: ModelRef = "churn@2.1.0".parse().unwrap();
/// assert_eq!(r.target, RefTarget::Version("2.1.0".parse().unwrap()));
/// let r: ModelRef = "churn@Production".parse().unwrap();
/// assert_eq!(r.target, RefTarget::Name("Production".into()));
/// assert!("churn@1.2".parse::<ModelRef>().is_err()); // not SemVer
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub model: ModelName,
    pub target: RefTarget,
}

impl ModelRef {
    /// Parses the part after `@`.
    pub fn parse_target(text: &str) -> Result<RefTarget, RegistryError> {
        let looks_like_version = text.starts_with(|c: char| c.is_ascii_digit())
            || (text.starts_with('v') && text[1..].starts_with(|c: char| c.is_ascii_digit()));
        if looks_like_version {
            return text.parse().map(RefTarget::Version);
        }
        if text.eq_ignore_ascii_case("latest") {
            return Ok(RefTarget::Latest);
        }
        let mut chars = text.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            return Err(RegistryError::InvalidReference {
                input: text.to_owned(),
                reason: "not a version, stage or alias name".to_owned(),
            });
        }
        Ok(RefTarget::Name(text.to_owned()))
    }
}

impl FromStr for ModelRef {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (model, target) = match text.split_once('@') {
            Some((model, target)) => (model, Self::parse_target(target)?),
            None => (text, RefTarget::Latest),
        };
        Ok(Self {
            model: model.parse()?,
            target,
        })
    }
}

impl fmt::Display for RefTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version(version) => version.fmt(f),
            Self::Latest => f.write_str("latest"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.model, self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_by_shape() {
        let r: ModelRef = "churn@2.1.0".parse().unwrap();
        assert_eq!(r.target, RefTarget::Version("2.1.0".parse().unwrap()));
        assert_eq!(
            "churn@LATEST".parse::<ModelRef>().unwrap().target,
            RefTarget::Latest
        );
        assert_eq!(
            "churn".parse::<ModelRef>().unwrap().target,
            RefTarget::Latest
        );
        assert_eq!(
            "churn@production".parse::<ModelRef>().unwrap().target,
            RefTarget::Name("production".into())
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in [
            "churn@1.2",
            "churn@",
            "../x@1.0.0",
            "churn@a/b",
            "@1.0.0",
            "churn@v1",
        ] {
            assert!(bad.parse::<ModelRef>().is_err(), "{bad:?}");
        }
    }
}
