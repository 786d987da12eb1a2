//! Validated names: models, versions and digests.

use std::fmt;
use std::str::FromStr;

use super::RegistryError;

/// A model name: `^[a-z0-9][a-z0-9._-]{0,99}$` without `..`.
///
/// Model names become folder names, so this is the guard that keeps user strings from
/// ever naming a path outside `models/`.
///
/// ```
/// use omgreg::registry::ModelName;
///
/// assert!("churn".parse::<ModelName>().is_ok());
/// assert!("../etc".parse::<ModelName>().is_err());
/// assert!("Churn".parse::<ModelName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelName(String);

impl ModelName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ModelName {
    type Err = RegistryError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| RegistryError::InvalidModelName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let first = name.chars().next().ok_or_else(|| invalid("it is empty"))?;
        if name.len() > 100 {
            return Err(invalid("it is longer than 100 characters"));
        }
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return Err(invalid("it must start with a lowercase letter or a digit"));
        }
        if let Some(bad) = name.chars().find(|c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        }) {
            return Err(invalid(&format!(
                "`{}` is not allowed",
                bad.escape_default()
            )));
        }
        if name.contains("..") {
            return Err(invalid("it contains `..`"));
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A SemVer 2.0 version such as `2.1.0` or `1.0.0-rc.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionId(semver::Version);

impl VersionId {
    pub fn semver(&self) -> &semver::Version {
        &self.0
    }

    /// The next version after `self` at `level`. A pre-release is first completed:
    /// `2.0.0-rc.1` bumped at any level becomes `2.0.0` when that is the next step.
    /// `None` when the field to increment is already `u64::MAX` (SemVer numbers are
    /// 64-bit here): wrapping to 0 would register an older version as the newest.
    pub fn bump(&self, level: Bump) -> Option<Self> {
        let v = &self.0;
        let pre = !v.pre.is_empty();
        let next = match level {
            Bump::Major if pre && v.minor == 0 && v.patch == 0 => {
                semver::Version::new(v.major, 0, 0)
            }
            Bump::Major => semver::Version::new(v.major.checked_add(1)?, 0, 0),
            Bump::Minor if pre && v.patch == 0 => semver::Version::new(v.major, v.minor, 0),
            Bump::Minor => semver::Version::new(v.major, v.minor.checked_add(1)?, 0),
            Bump::Patch if pre => semver::Version::new(v.major, v.minor, v.patch),
            Bump::Patch => semver::Version::new(v.major, v.minor, v.patch.checked_add(1)?),
        };
        Some(Self(next))
    }

    /// The first version of a model.
    pub fn first() -> Self {
        Self(semver::Version::new(1, 0, 0))
    }
}

impl PartialOrd for VersionId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl FromStr for VersionId {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // A leading `v` is a common habit (GTO tags are `v1.0.0`); accept it on input only.
        let bare = text.strip_prefix('v').unwrap_or(text);
        let version =
            semver::Version::parse(bare).map_err(|err| RegistryError::InvalidVersion {
                input: text.to_owned(),
                reason: err.to_string(),
            })?;
        if !version.build.is_empty() {
            // `1.0.0+a` and `1.0.0+b` have the same precedence: which would `m@1.0.0` be?
            return Err(RegistryError::InvalidVersion {
                input: text.to_owned(),
                reason: "build metadata (`+...`) is not allowed in registry versions".to_owned(),
            });
        }
        Ok(Self(version))
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which SemVer field `register` increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    Major,
    Minor,
    Patch,
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Major => "major",
            Self::Minor => "minor",
            Self::Patch => "patch",
        })
    }
}

/// A full lowercase hex sha256 digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(hex::encode(bytes))
    }

    /// Whether this is the sha256 of no bytes: the digest of an empty artifact,
    /// whose content needs no LFS object (git-lfs stores an empty file as itself).
    pub fn is_empty_content(&self) -> bool {
        self.0 == EMPTY_SHA256
    }
}

/// The sha256 of the empty string.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl FromStr for Digest {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let hex = text
            .strip_prefix("sha256:")
            .unwrap_or(text)
            .to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(hex))
        } else {
            Err(RegistryError::InvalidDigest {
                input: text.to_owned(),
            })
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_that_could_escape_or_collide_are_refused() {
        for bad in [
            "",
            "../x",
            "a/b",
            "A",
            "-a",
            ".a",
            "a..b",
            "a b",
            "a\\b",
            "ä",
            &"a".repeat(101),
        ] {
            assert!(
                bad.parse::<ModelName>().is_err(),
                "{bad:?} should be refused"
            );
        }
        for good in ["churn", "m42", "0model", "bert-base.v2_x", &"a".repeat(100)] {
            assert!(
                good.parse::<ModelName>().is_ok(),
                "{good:?} should be accepted"
            );
        }
    }

    #[test]
    fn versions_are_full_semver() {
        for bad in [
            "1.2",
            "latest",
            "1",
            "01.0.0",
            "1.0.0.0",
            "",
            "1.0.0+build.1",
        ] {
            assert!(bad.parse::<VersionId>().is_err(), "{bad:?}");
        }
        assert_eq!("v1.2.3".parse::<VersionId>().unwrap().to_string(), "1.2.3");
        assert!("1.0.0-rc.1".parse::<VersionId>().unwrap() < "1.0.0".parse().unwrap());
    }

    #[test]
    fn bump_completes_prereleases() {
        let v = |s: &str| s.parse::<VersionId>().unwrap();
        let bump = |s: &str, level| v(s).bump(level).unwrap();
        assert_eq!(bump("1.2.3", Bump::Patch), v("1.2.4"));
        assert_eq!(bump("1.2.3", Bump::Minor), v("1.3.0"));
        assert_eq!(bump("1.2.3", Bump::Major), v("2.0.0"));
        assert_eq!(bump("2.0.0-rc.1", Bump::Patch), v("2.0.0"));
        assert_eq!(bump("2.0.0-rc.1", Bump::Minor), v("2.0.0"));
        assert_eq!(bump("2.0.0-rc.1", Bump::Major), v("2.0.0"));
        assert_eq!(bump("2.1.1-rc.1", Bump::Minor), v("2.2.0"));
    }

    // Finding 7: `18446744073709551615.0.0` bumped to `0.0.0` (release) or panicked.
    #[test]
    fn bump_past_u64_max_is_none() {
        let v = |s: &str| s.parse::<VersionId>().unwrap();
        let max = u64::MAX;
        assert_eq!(v(&format!("{max}.0.0")).bump(Bump::Major), None);
        assert_eq!(v(&format!("1.{max}.0")).bump(Bump::Minor), None);
        assert_eq!(v(&format!("1.1.{max}")).bump(Bump::Patch), None);
        // Completing a pre-release adds nothing: no overflow.
        assert_eq!(
            v(&format!("{max}.0.0-rc.1")).bump(Bump::Major),
            Some(v(&format!("{max}.0.0")))
        );
        assert_eq!(
            v(&format!("{max}.0.0")).bump(Bump::Minor),
            Some(v(&format!("{max}.1.0")))
        );
    }

    #[test]
    fn digests_are_normalised() {
        let d: Digest = format!("sha256:{}", "AB".repeat(32)).parse().unwrap();
        assert_eq!(d.as_str(), "ab".repeat(32));
        assert!("abc".parse::<Digest>().is_err());
    }

    #[test]
    fn the_empty_digest_is_the_sha256_of_nothing() {
        use sha2::Digest as _;
        let empty = Digest::from_bytes(&sha2::Sha256::digest(b"").into());
        assert!(empty.is_empty_content());
        assert!(!Digest::from_bytes(&[0; 32]).is_empty_content());
    }
}
