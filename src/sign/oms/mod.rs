//! OpenSSF model signing (OMS v1.0) bundles, the form in which omgreg vouches for a
//! version's bytes so that other tools (the `model-signing` reference) can check them.
//!
//! A bundle is a Sigstore bundle v0.3 (JSON) holding a DSSE envelope around an in-toto
//! Statement v1 whose predicate (`https://model_signing/signature/v1.0`) lists each
//! file's name and digest and the serialization a verifier re-hashes with; the subject
//! digest is the SHA-256 of the per-file raw digests concatenated in name order. Keys
//! are ECDSA P-256 with SHA-256 (the reference's key method); a key-signed bundle
//! names its key by `publicKey.hint`, the hex SHA-256 of the key's PEM.
//!
//! Pure: bytes in, bytes out; no Git, no files, nothing printed.

mod bundle;
mod dsse;
mod error;
mod key;
mod statement;

pub use bundle::{Verified, inspect, sign, verify};
pub use error::OmsError;
pub use key::{PublicKey, SigningKey};
pub use statement::{FileDigest, Manifest, Resource, Serialization};

#[cfg(test)]
mod tests;
