//! `register --uri URI --sha256 HEX`: artifacts linked by location, each named after
//! the last part of its URI.

use crate::registry::ArtifactInput;

use super::CommandError;

/// Why the `--uri` / `--sha256` flags do not make linked artifacts.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LinkedArtifactError {
    #[error("{uris} `--uri` but {digests} `--sha256`")]
    #[diagnostic(
        code(omgreg::args::uri_without_sha256),
        help("give each `--uri` its own `--sha256`, in the same order")
    )]
    UriDigestCount { uris: usize, digests: usize },

    #[error("`{uri}` has no file name to store the linked artifact under")]
    #[diagnostic(
        code(omgreg::args::uri_without_name),
        help("link a URI that ends in a file name, e.g. `s3://bucket/model.pt`")
    )]
    UriWithoutName { uri: String },
}

impl From<LinkedArtifactError> for CommandError {
    fn from(err: LinkedArtifactError) -> Self {
        Self::User(err.into())
    }
}

/// The artifacts of `--uri` (paired in order with `--sha256`).
pub fn linked_artifacts(
    uris: &[String],
    digests: &[String],
) -> Result<Vec<ArtifactInput>, CommandError> {
    if uris.len() != digests.len() {
        return Err(LinkedArtifactError::UriDigestCount {
            uris: uris.len(),
            digests: digests.len(),
        }
        .into());
    }
    uris.iter()
        .zip(digests)
        .map(|(uri, digest)| {
            let without_query = uri.split(['?', '#']).next().unwrap_or(uri);
            let name = without_query
                .rsplit('/')
                .next()
                .filter(|n| !n.is_empty() && !without_query.ends_with(':'));
            let name =
                name.ok_or_else(|| LinkedArtifactError::UriWithoutName { uri: uri.clone() })?;
            Ok(ArtifactInput {
                path: name.to_owned(),
                sha256: digest.parse()?,
                size: None,
                uri: Some(uri.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_artifacts_take_the_uri_file_name() {
        let digest = "a".repeat(64);
        let linked = linked_artifacts(
            &["s3://b/m/model.pt?v=1".into()],
            std::slice::from_ref(&digest),
        )
        .unwrap();
        assert_eq!(linked[0].path, "model.pt");
        assert!(linked_artifacts(&["s3://b/".into()], std::slice::from_ref(&digest)).is_err());
        assert!(linked_artifacts(&["s3://b/x".into()], &[]).is_err());
    }
}
