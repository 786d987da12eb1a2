//! Tracking URIs (which store to read) and artifact URIs (where a version's files
//! are), spelled the way MLflow spells them.

use std::path::{Path, PathBuf};

use super::MlflowError;

/// The store a tracking URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingUri {
    /// A tracking server: its base URL, without a trailing `/`.
    Rest { base: String },
    /// An SQLite database file (`sqlite:///PATH`).
    Sqlite { path: PathBuf },
    /// A file store folder (`file:///PATH`, MLflow's `mlruns`).
    File { root: PathBuf },
}

/// Reads `uri`; a relative path (`sqlite:///mlflow.db`, as SQLAlchemy reads it) is
/// taken from `cwd`.
pub fn parse_tracking_uri(uri: &str, cwd: &Path) -> Result<TrackingUri, MlflowError> {
    let unsupported = || MlflowError::UnsupportedUri { uri: redact(uri) };
    let (scheme, rest) = uri.split_once(':').ok_or_else(unsupported)?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" if rest.starts_with("//") && rest.len() > 2 => Ok(TrackingUri::Rest {
            base: uri.trim_end_matches('/').to_owned(),
        }),
        "sqlite" => {
            // SQLAlchemy: `sqlite:///relative.db`, `sqlite:////absolute.db`; MLflow
            // percent-encodes the path. A query (`?mode=ro`) is not part of it.
            let path = rest.strip_prefix("///").ok_or_else(unsupported)?;
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(unsupported());
            }
            Ok(TrackingUri::Sqlite {
                path: cwd.join(percent_decode(path)),
            })
        }
        "file" => {
            let path = file_uri_path(rest).ok_or_else(unsupported)?;
            Ok(TrackingUri::File {
                root: cwd.join(path),
            })
        }
        _ => Err(unsupported()),
    }
}

/// The local path of a `file:` URI's part after the colon (`///abs`, `/abs`,
/// `//localhost/abs`), percent-decoded; `None` for another host.
fn file_uri_path(rest: &str) -> Option<PathBuf> {
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let (host, path) = match authority_and_path.find('/') {
                Some(at) => authority_and_path.split_at(at),
                None => (authority_and_path, ""),
            };
            if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                return None;
            }
            path
        }
        None => rest,
    };
    (!path.is_empty()).then(|| PathBuf::from(percent_decode(path)))
}

/// Where the files of an artifact URI can be read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactLocation {
    /// A local file or folder.
    Local { uri: String, path: PathBuf },
    /// Served by the tracking server's artifact proxy
    /// (`/api/2.0/mlflow-artifacts/artifacts/PATH`): `path` is relative to the
    /// server's `--artifacts-destination`.
    Proxied {
        uri: String,
        base: String,
        path: String,
    },
    /// A location omgreg does not read (`s3://`, `gs://`, `dbfs:/`, ...): recorded by
    /// its URI, never with an invented digest.
    Unreadable { uri: String, reason: String },
}

impl ArtifactLocation {
    /// The URI MLflow gave for this location.
    pub fn uri(&self) -> &str {
        match self {
            Self::Local { uri, .. } | Self::Proxied { uri, .. } | Self::Unreadable { uri, .. } => {
                uri
            }
        }
    }
}

/// Classifies an artifact URI already resolved from `runs:/` and `models:/` (see
/// `artifacts::resolve`). `server` is the tracking server's base URL when reading
/// over REST: only then can `mlflow-artifacts:` URIs be read.
pub fn classify_artifact_uri(uri: &str, server: Option<&str>) -> ArtifactLocation {
    let unreadable = |reason: &str| ArtifactLocation::Unreadable {
        uri: uri.to_owned(),
        reason: reason.to_owned(),
    };
    let Some((scheme, rest)) = uri.split_once(':').filter(|(scheme, _)| is_scheme(scheme)) else {
        return if uri.starts_with('/') {
            ArtifactLocation::Local {
                uri: uri.to_owned(),
                path: PathBuf::from(uri),
            }
        } else {
            unreadable(
                "a relative path: MLflow resolved it from a working folder omgreg does not know",
            )
        };
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => match file_uri_path(rest) {
            Some(path) => ArtifactLocation::Local {
                uri: uri.to_owned(),
                path,
            },
            None => unreadable("a file on another host"),
        },
        "mlflow-artifacts" => match server {
            Some(server) => proxied(uri, rest, server),
            None => unreadable(
                "served only by an MLflow tracking server's artifact proxy: import from the server's http(s) URI",
            ),
        },
        _ => {
            unreadable("a remote store omgreg does not read; the version is recorded with this URI")
        }
    }
}

/// `mlflow-artifacts:/PATH` is read through `server`; `mlflow-artifacts://HOST/PATH`
/// through HOST with the server's scheme, as MLflow's client does.
fn proxied(uri: &str, rest: &str, server: &str) -> ArtifactLocation {
    let (base, path) = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let (host, path) = match authority_and_path.find('/') {
                Some(at) => authority_and_path.split_at(at),
                None => (authority_and_path, ""),
            };
            let scheme = server
                .split_once("://")
                .map_or("http", |(scheme, _)| scheme);
            if host.is_empty() {
                (server.to_owned(), path)
            } else {
                (format!("{scheme}://{host}"), path)
            }
        }
        None => (server.to_owned(), rest),
    };
    ArtifactLocation::Proxied {
        uri: uri.to_owned(),
        base,
        path: percent_decode(path.trim_matches('/')),
    }
}

fn is_scheme(text: &str) -> bool {
    // One letter is a Windows drive (`C:\...`), not a scheme.
    text.len() > 1
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Decodes `%XX` escapes; anything malformed stays as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a path for a URL, keeping `/` between its segments.
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The URI without a password (`https://user:secret@host` -> `https://user:***@host`),
/// for messages.
pub fn redact(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_uris_name_their_store() {
        let cwd = Path::new("/work");
        let parse = |uri| parse_tracking_uri(uri, cwd);
        assert_eq!(
            parse("http://localhost:5000/").unwrap(),
            TrackingUri::Rest {
                base: "http://localhost:5000".into()
            }
        );
        assert_eq!(
            parse("sqlite:////tmp/a%20b/mlflow.db").unwrap(),
            TrackingUri::Sqlite {
                path: "/tmp/a b/mlflow.db".into()
            }
        );
        assert_eq!(
            parse("sqlite:///mlflow.db").unwrap(),
            TrackingUri::Sqlite {
                path: "/work/mlflow.db".into()
            }
        );
        for file in [
            "file:///tmp/mlruns",
            "file:/tmp/mlruns",
            "file://localhost/tmp/mlruns",
        ] {
            assert_eq!(
                parse(file).unwrap(),
                TrackingUri::File {
                    root: "/tmp/mlruns".into()
                }
            );
        }
        for wrong in [
            "postgresql://u@h/db",
            "databricks",
            "sqlite://",
            "sqlite:///",
            "http:",
            "file://otherhost/x",
            "/tmp/mlruns",
            "",
        ] {
            let err = parse(wrong).unwrap_err();
            assert!(matches!(err, MlflowError::UnsupportedUri { .. }), "{wrong}");
        }
    }

    #[test]
    fn artifact_uris_are_local_proxied_or_unreadable() {
        let server = Some("http://127.0.0.1:5000");
        assert!(matches!(
            classify_artifact_uri("/tmp/art/1/a/artifacts/model", None),
            ArtifactLocation::Local { .. }
        ));
        assert_eq!(
            classify_artifact_uri("file:///tmp/a%20b", None),
            ArtifactLocation::Local {
                uri: "file:///tmp/a%20b".into(),
                path: "/tmp/a b".into()
            }
        );
        assert_eq!(
            classify_artifact_uri("mlflow-artifacts:/1/abc/artifacts/model", server),
            ArtifactLocation::Proxied {
                uri: "mlflow-artifacts:/1/abc/artifacts/model".into(),
                base: "http://127.0.0.1:5000".into(),
                path: "1/abc/artifacts/model".into()
            }
        );
        let ArtifactLocation::Proxied { base, path, .. } =
            classify_artifact_uri("mlflow-artifacts://other:6000/2/x", server)
        else {
            panic!("proxied")
        };
        assert_eq!((base.as_str(), path.as_str()), ("http://other:6000", "2/x"));
        for unreadable in ["s3://bucket/model", "gs://b/m", "dbfs:/m", "relative/path"] {
            assert!(matches!(
                classify_artifact_uri(unreadable, server),
                ArtifactLocation::Unreadable { .. }
            ));
        }
        assert!(matches!(
            classify_artifact_uri("mlflow-artifacts:/1/x", None),
            ArtifactLocation::Unreadable { .. }
        ));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("https://me:secret@mlflow.example.com/x"),
            "https://me:***@mlflow.example.com/x"
        );
        assert_eq!(redact("http://host:5000"), "http://host:5000");
        assert_eq!(percent_encode_path("a b/c%"), "a%20b/c%25");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
