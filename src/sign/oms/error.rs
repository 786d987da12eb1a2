//! Why a bundle cannot be read, trusted or used.

use miette::Diagnostic;

/// A bundle or key omgreg cannot use; nothing is written when one is returned.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum OmsError {
    #[error("the signature bundle is not an OMS bundle: {why}")]
    #[diagnostic(
        code(omgreg::oms::malformed),
        help(
            "sign with `omgreg sign MODEL@VERSION --key KEY.pem` or `model_signing sign key DIR --private_key KEY.pem`"
        )
    )]
    Malformed { why: String },

    #[error(
        "the bundle's media type is `{found}`, not `application/vnd.dev.sigstore.bundle.v0.3+json`"
    )]
    #[diagnostic(
        code(omgreg::oms::media_type),
        help("omgreg reads Sigstore bundles v0.3 as model_signing 1.x writes them")
    )]
    MediaType { found: String },

    #[error("the bundle is signed with a certificate or by Sigstore, not with a key")]
    #[diagnostic(
        code(omgreg::oms::not_key_signed),
        help(
            "omgreg verifies key-signed bundles (`model_signing sign key`); keyless Sigstore needs the network and is out of scope"
        )
    )]
    NotKeySigned,

    #[error("the bundle is signed by a key that is not trusted (key hint `{hint}`)")]
    #[diagnostic(
        code(omgreg::oms::untrusted_key),
        help(
            "add the signer's PEM public key to `.omgreg/artifact_keys/` (a signed commit), or sign with a trusted key"
        )
    )]
    UntrustedKey { hint: String },

    #[error("the bundle's signature does not verify against the trusted key `{key}`")]
    #[diagnostic(
        code(omgreg::oms::bad_signature),
        help("the bundle was altered or signed by another key; sign the version again")
    )]
    BadSignature { key: String },

    #[error(
        "the bundle's subject digest `{subject}` is not the digest of its resources `{computed}`"
    )]
    #[diagnostic(
        code(omgreg::oms::inconsistent),
        help("the bundle was assembled by hand or altered; sign the version again")
    )]
    Inconsistent { subject: String, computed: String },

    #[error(
        "the bundle uses the serialization `{method}` with `{hash_type}`; omgreg compares `files` with `sha256` against its records"
    )]
    #[diagnostic(
        code(omgreg::oms::serialization),
        help(
            "pass `--rehash` to check it against the artifacts' bytes, or sign the folder with `model_signing sign key` (its default: files, sha256)"
        )
    )]
    Serialization { method: String, hash_type: String },

    #[error("cannot use the key `{path}`: {why}")]
    #[diagnostic(
        code(omgreg::oms::key),
        help(
            "give an unencrypted PEM EC key on P-256, P-384 or P-521: `openssl ecparam -name prime256v1 -genkey -noout -out key.pem` (public: `openssl ec -in key.pem -pubout`)"
        )
    )]
    Key { path: String, why: String },
}

impl OmsError {
    pub(crate) fn malformed(why: impl Into<String>) -> Self {
        Self::Malformed { why: why.into() }
    }
}
