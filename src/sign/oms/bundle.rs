//! The Sigstore bundle v0.3 around the DSSE envelope: written for a key, read back and
//! verified against the trusted keys.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::statement::{self, FileDigest, Manifest};
use super::{OmsError, PublicKey, SigningKey, dsse};

const MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BundleDoc {
    media_type: String,
    verification_material: MaterialDoc,
    dsse_envelope: Option<EnvelopeDoc>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaterialDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key: Option<PublicKeyDoc>,
    #[serde(default)]
    tlog_entries: Vec<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct PublicKeyDoc {
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeDoc {
    payload: String,
    payload_type: String,
    signatures: Vec<SignatureDoc>,
}

#[derive(Serialize, Deserialize)]
struct SignatureDoc {
    sig: String,
    #[serde(default)]
    keyid: String,
}

/// The bundle (compact JSON, as the reference writes it) signing `files` under
/// `model_name` with `key`. Deterministic: the same input gives the same bytes.
pub fn sign(model_name: &str, files: &[FileDigest], key: &SigningKey) -> Vec<u8> {
    let payload = statement::build(model_name, files);
    let signature = dsse::sign(key, &payload);
    let doc = BundleDoc {
        media_type: MEDIA_TYPE.to_owned(),
        verification_material: MaterialDoc {
            public_key: Some(PublicKeyDoc {
                hint: Some(key.public().hint().to_owned()),
            }),
            tlog_entries: Vec::new(),
        },
        dsse_envelope: Some(EnvelopeDoc {
            payload: STANDARD.encode(&payload),
            payload_type: dsse::PAYLOAD_TYPE.to_owned(),
            signatures: vec![SignatureDoc {
                sig: STANDARD.encode(signature),
                keyid: String::new(),
            }],
        }),
    };
    serde_json::to_vec(&doc).expect("a bundle always serializes")
}

/// A bundle whose signature verified, and what it vouches for.
#[derive(Debug)]
pub struct Verified {
    pub manifest: Manifest,
    /// The name of the trusted key that verified it.
    pub key: String,
}

/// The parts of a bundle, before any key judges it.
struct Opened {
    hint: Option<String>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

fn open(bytes: &[u8]) -> Result<Opened, OmsError> {
    let doc: BundleDoc = serde_json::from_slice(bytes)
        .map_err(|err| OmsError::malformed(format!("it does not parse: {err}")))?;
    if doc.media_type != MEDIA_TYPE {
        return Err(OmsError::MediaType {
            found: doc.media_type,
        });
    }
    let Some(public_key) = doc.verification_material.public_key else {
        return Err(OmsError::NotKeySigned);
    };
    let envelope = doc
        .dsse_envelope
        .ok_or_else(|| OmsError::malformed("it holds no DSSE envelope"))?;
    if envelope.payload_type != dsse::PAYLOAD_TYPE {
        return Err(OmsError::malformed(format!(
            "the payload type is `{}`",
            envelope.payload_type
        )));
    }
    let [signature] = envelope.signatures.as_slice() else {
        return Err(OmsError::malformed("it has not exactly one signature"));
    };
    let decode = |what: &str, text: &str| {
        STANDARD
            .decode(text)
            .map_err(|_| OmsError::malformed(format!("its {what} is not base64")))
    };
    Ok(Opened {
        hint: public_key.hint.filter(|h| !h.is_empty()),
        payload: decode("payload", &envelope.payload)?,
        signature: decode("signature", &signature.sig)?,
    })
}

/// Reads what a bundle says without judging its signature (for messages and for
/// refusing a serialization before asking for keys).
pub fn inspect(bytes: &[u8]) -> Result<Manifest, OmsError> {
    statement::parse(&open(bytes)?.payload)
}

/// Verifies the bundle's signature with the trusted key its hint names (each trusted
/// key in turn when it names none), then reads its statement.
pub fn verify(bytes: &[u8], trusted: &[PublicKey]) -> Result<Verified, OmsError> {
    let opened = open(bytes)?;
    // The statement first: a bundle that contradicts itself is named so whatever
    // signed it (and nothing is trusted before the signature below is good).
    let manifest = statement::parse(&opened.payload)?;
    let candidates: Vec<&PublicKey> = match &opened.hint {
        Some(hint) => trusted
            .iter()
            .filter(|k| k.hint().eq_ignore_ascii_case(hint))
            .collect(),
        None => trusted.iter().collect(),
    };
    let Some(first) = candidates.first() else {
        return Err(OmsError::UntrustedKey {
            hint: opened.hint.unwrap_or_else(|| "none".to_owned()),
        });
    };
    let key = candidates
        .iter()
        .find(|k| dsse::verify(k, &opened.payload, &opened.signature))
        .ok_or_else(|| OmsError::BadSignature {
            key: first.name().to_owned(),
        })?;
    Ok(Verified {
        manifest,
        key: key.name().to_owned(),
    })
}
