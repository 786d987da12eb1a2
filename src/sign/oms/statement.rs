//! The in-toto Statement v1 with the OMS v1.0 predicate: what a bundle says about a
//! model's files, built from digests and read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::OmsError;

const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";

/// The paths the reference leaves out of a folder by default (Git's own files), which
/// omgreg's bundles name too, so that `model_signing verify` of a checked-out folder
/// hashes what omgreg signed. Sorted (the reference writes them in set order).
const IGNORE_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// One file of a model folder: its `/`-separated path in the folder and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub name: String,
    pub sha256: [u8; 32],
}

/// How the signer turned the folder into resources (`predicate.serialization`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serialization {
    pub method: String,
    pub hash_type: String,
    #[serde(default)]
    pub allow_symlinks: bool,
    /// The shard size of `shards` (the reference writes it as a float, `4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_size: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_paths: Vec<String>,
}

impl Serialization {
    /// What omgreg writes: files, sha256, no symlinks, Git's files ignored.
    pub fn omgreg() -> Self {
        Self {
            method: "files".to_owned(),
            hash_type: "sha256".to_owned(),
            allow_symlinks: false,
            shard_size: None,
            ignore_paths: IGNORE_PATHS.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    /// Whether the resources are whole files hashed with SHA-256 (comparable with a
    /// version record's digests without reading bytes).
    pub fn is_files_sha256(&self) -> bool {
        self.method == "files" && self.hash_type == "sha256"
    }
}

/// One resource of the predicate: a file (or a shard, `path:start:end`) and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub name: String,
    pub algorithm: String,
    pub digest: Vec<u8>,
}

/// What a verified bundle vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The subject's name (the signed folder's name for the reference).
    pub model_name: String,
    pub serialization: Serialization,
    pub resources: Vec<Resource>,
}

impl Manifest {
    /// The files and their SHA-256, for a `files`/`sha256` bundle; the serialization
    /// error otherwise (comparing it needs the bytes: `--rehash`).
    pub fn file_digests(&self) -> Result<BTreeMap<&str, [u8; 32]>, OmsError> {
        let refuse = || OmsError::Serialization {
            method: self.serialization.method.clone(),
            hash_type: self.serialization.hash_type.clone(),
        };
        if !self.serialization.is_files_sha256() {
            return Err(refuse());
        }
        let mut files = BTreeMap::new();
        for resource in &self.resources {
            let digest: [u8; 32] = resource
                .digest
                .as_slice()
                .try_into()
                .map_err(|_| refuse())?;
            if resource.algorithm != "sha256" {
                return Err(refuse());
            }
            files.insert(resource.name.as_str(), digest);
        }
        Ok(files)
    }
}

#[derive(Serialize, Deserialize)]
struct StatementDoc {
    #[serde(rename = "_type")]
    kind: String,
    subject: Vec<SubjectDoc>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    predicate: PredicateDoc,
}

#[derive(Serialize, Deserialize)]
struct SubjectDoc {
    name: String,
    digest: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct PredicateDoc {
    serialization: Serialization,
    resources: Vec<ResourceDoc>,
}

#[derive(Serialize, Deserialize)]
struct ResourceDoc {
    name: String,
    algorithm: String,
    digest: String,
}

/// The statement for `files` (any order; written sorted by name), as pretty JSON.
pub fn build(model_name: &str, files: &[FileDigest]) -> Vec<u8> {
    let mut files: Vec<&FileDigest> = files.iter().collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let resources: Vec<Resource> = files
        .iter()
        .map(|f| Resource {
            name: f.name.clone(),
            algorithm: "sha256".to_owned(),
            digest: f.sha256.to_vec(),
        })
        .collect();
    let doc = StatementDoc {
        kind: STATEMENT_TYPE.to_owned(),
        subject: vec![SubjectDoc {
            name: model_name.to_owned(),
            digest: BTreeMap::from([("sha256".to_owned(), root_digest(&resources))]),
        }],
        predicate_type: PREDICATE_TYPE.to_owned(),
        predicate: PredicateDoc {
            serialization: Serialization::omgreg(),
            resources: resources
                .iter()
                .map(|r| ResourceDoc {
                    name: r.name.clone(),
                    algorithm: r.algorithm.clone(),
                    digest: hex::encode(&r.digest),
                })
                .collect(),
        },
    };
    serde_json::to_vec_pretty(&doc).expect("a statement always serializes")
}

/// Reads a statement: its types, one subject whose digest is that of the resources.
pub fn parse(payload: &[u8]) -> Result<Manifest, OmsError> {
    let doc: StatementDoc = serde_json::from_slice(payload)
        .map_err(|err| OmsError::malformed(format!("its statement does not parse: {err}")))?;
    if doc.kind != STATEMENT_TYPE {
        return Err(OmsError::malformed(format!(
            "the statement type is `{}`",
            doc.kind
        )));
    }
    if doc.predicate_type != PREDICATE_TYPE {
        return Err(OmsError::malformed(format!(
            "the predicate type is `{}`, not `{PREDICATE_TYPE}`",
            doc.predicate_type
        )));
    }
    let [subject] = doc.subject.as_slice() else {
        return Err(OmsError::malformed("it has not exactly one subject"));
    };
    let subject_digest = subject
        .digest
        .get("sha256")
        .ok_or_else(|| OmsError::malformed("its subject has no sha256 digest"))?;
    let mut resources = Vec::new();
    for r in doc.predicate.resources {
        let digest = hex::decode(&r.digest)
            .map_err(|_| OmsError::malformed(format!("the digest of `{}` is not hex", r.name)))?;
        resources.push(Resource {
            name: r.name,
            algorithm: r.algorithm,
            digest,
        });
    }
    let computed = root_digest(&resources);
    if !computed.eq_ignore_ascii_case(subject_digest) {
        return Err(OmsError::Inconsistent {
            subject: subject_digest.clone(),
            computed,
        });
    }
    Ok(Manifest {
        model_name: subject.name.clone(),
        serialization: doc.predicate.serialization,
        resources,
    })
}

/// The SHA-256 of the resources' raw digests, concatenated in their order.
fn root_digest(resources: &[Resource]) -> String {
    let mut hasher = sha2::Sha256::new();
    for resource in resources {
        hasher.update(&resource.digest);
    }
    hex::encode(hasher.finalize())
}
