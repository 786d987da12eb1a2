//! A registered model version, validated.

use std::str::FromStr;

use crate::schema::{ArtifactDoc, SchemaError, VersionDoc};

use super::{Digest, ModelName, ModelRef, RegistryError, VersionId, validate_relative_path};

/// Whether a version is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
}

/// One artifact of a version: its record as stored, and the digest that record
/// names, validated once when the version is loaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Artifact<'a> {
    /// The sha256 of the artifact's content (`record.sha256`, normalised).
    pub digest: &'a Digest,
    /// The record as stored; its `sha256` is spelled as written.
    pub record: &'a ArtifactDoc,
}

impl Artifact<'_> {
    /// Whether the artifact is stored in Git LFS (rather than linked by `uri`).
    pub fn is_stored(&self) -> bool {
        self.record.uri.is_none()
    }

    /// Whether the artifact is stored and empty: an empty file in the tree (no LFS
    /// pointer), whose content is always at hand.
    pub fn is_empty_file(&self) -> bool {
        self.is_stored() && self.digest.is_empty_content() && self.record.size.unwrap_or(0) == 0
    }
}

/// One version file, checked against its location and the schema rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    pub model: ModelName,
    pub version: VersionId,
    pub status: Status,
    /// The digests of `doc.artifacts`, in its order, validated on load (see
    /// [`ModelVersion::artifacts`]).
    digests: Vec<Digest>,
    /// The document as stored; its `model`, `version` and `status` agree with the
    /// typed fields above.
    pub doc: VersionDoc,
}

impl ModelVersion {
    /// Validates `doc`, read from `path` (whose content is `text`, for error spans).
    pub fn from_doc(
        doc: VersionDoc,
        model: &ModelName,
        version: &VersionId,
        path: &str,
        text: &str,
    ) -> Result<Self, RegistryError> {
        let fail = |needle: &str, message: String| -> RegistryError {
            SchemaError::value(path, text, needle, message).into()
        };
        if doc.model != model.as_str() {
            return Err(fail(
                &doc.model,
                format!(
                    "`model` is `{}` but the file belongs to `{model}`",
                    doc.model
                ),
            ));
        }
        let stored: VersionId =
            VersionId::from_str(&doc.version).map_err(|err| fail(&doc.version, err.to_string()))?;
        if stored != *version || doc.version != version.to_string() {
            return Err(fail(
                &doc.version,
                format!(
                    "`version` is `{}` but the file name says `{version}`",
                    doc.version
                ),
            ));
        }
        let status = match doc.status.as_str() {
            "active" => Status::Active,
            "archived" => Status::Archived,
            other => {
                return Err(fail(
                    other,
                    format!("`status` must be `active` or `archived`, not `{other}`"),
                ));
            }
        };
        if time::OffsetDateTime::parse(&doc.created, &time::format_description::well_known::Rfc3339)
            .is_err()
        {
            return Err(fail(
                &doc.created,
                format!("`created` is not an RFC 3339 time: `{}`", doc.created),
            ));
        }
        let mut digests = Vec::with_capacity(doc.artifacts.len());
        for artifact in &doc.artifacts {
            validate_relative_path(&artifact.path)
                .map_err(|err| fail(&artifact.path, err.to_string()))?;
            let digest = Digest::from_str(&artifact.sha256)
                .map_err(|err| fail(&artifact.sha256, err.to_string()))?;
            digests.push(digest);
        }
        if let Some(primary) = &doc.primary
            && !doc
                .artifacts
                .iter()
                .any(|artifact| &artifact.path == primary)
        {
            return Err(fail(
                primary,
                format!("`primary` is `{primary}`, which is not one of the version's artifacts"),
            ));
        }
        if let Some(parent) = doc
            .lineage
            .as_ref()
            .and_then(|lineage| lineage.parent.as_deref())
        {
            ModelRef::from_str(parent).map_err(|err| fail(parent, err.to_string()))?;
        }
        Ok(Self {
            model: model.clone(),
            version: version.clone(),
            status,
            digests,
            doc,
        })
    }

    /// The artifacts of the version, in the order of its file, with their digests.
    pub fn artifacts(&self) -> impl Iterator<Item = Artifact<'_>> {
        self.doc
            .artifacts
            .iter()
            .zip(&self.digests)
            .map(|(record, digest)| Artifact { digest, record })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    fn load(text: &str) -> Result<ModelVersion, RegistryError> {
        let doc: VersionDoc = schema::from_yaml("v.yaml", text)?;
        ModelVersion::from_doc(doc, &"churn".parse()?, &"1.0.0".parse()?, "v.yaml", text)
    }

    const GOOD: &str =
        "model: churn\nversion: 1.0.0\ncreated: 2026-01-01T00:00:00Z\nstatus: active\n";

    #[test]
    fn a_minimal_version_loads() {
        let version = load(GOOD).unwrap();
        assert_eq!(version.status, Status::Active);
    }

    #[test]
    fn artifact_digests_are_validated_once_on_load() {
        let digest = "AB".repeat(32);
        let text = format!("{GOOD}artifacts:\n- path: m.pt\n  sha256: sha256:{digest}\n");
        let version = load(&text).unwrap();
        let first = version.artifacts().next().unwrap();
        assert_eq!(first.digest.as_str(), "ab".repeat(32));
        assert_eq!(first.record, &version.doc.artifacts[0]);
        assert!(first.is_stored());
        let bad = format!("{GOOD}artifacts:\n- path: m.pt\n  sha256: abc\n");
        match load(&bad).unwrap_err() {
            RegistryError::Schema(err) => assert_eq!(err.line, Some(7)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn mismatched_version_names_its_line() {
        let text = GOOD.replace("version: 1.0.0", "version: 1.0.1");
        match load(&text).unwrap_err() {
            RegistryError::Schema(err) => assert_eq!(err.line, Some(2)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_types_and_bad_values_are_refused() {
        assert!(load(&format!("{GOOD}metrics:\n  acc: high\n")).is_err());
        assert!(load(&GOOD.replace("active", "gone")).is_err());
        assert!(load(&GOOD.replace("2026-01-01T00:00:00Z", "yesterday")).is_err());
        assert!(
            load(&format!(
                "{GOOD}artifacts:\n- path: ../x\n  sha256: {}\n",
                "a".repeat(64)
            ))
            .is_err()
        );
    }
}
