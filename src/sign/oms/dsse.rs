//! DSSE v1: the pre-authentication encoding signed over, and the ECDSA P-256 /
//! SHA-256 signature of it (DER, as the reference writes it).

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature};

use super::{PublicKey, SigningKey};

/// The payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// `DSSEv1 <len(type)> <type> <len(payload)> <payload>`.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {PAYLOAD_TYPE} {} ",
        PAYLOAD_TYPE.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The DER signature of `payload`'s PAE (RFC 6979 nonces: the same key and payload
/// always give the same bytes).
pub fn sign(key: &SigningKey, payload: &[u8]) -> Vec<u8> {
    let signature: Signature = key.ecdsa().sign(&pae(payload));
    signature.to_der().as_bytes().to_vec()
}

/// Whether `signature` (DER, or raw `r || s`) signs `payload`'s PAE under `key`.
pub fn verify(key: &PublicKey, payload: &[u8], signature: &[u8]) -> bool {
    let message = pae(payload);
    if let Ok(der) = DerSignature::from_bytes(signature) {
        return key.ecdsa().verify(&message, &der).is_ok();
    }
    Signature::from_slice(signature).is_ok_and(|raw| key.ecdsa().verify(&message, &raw).is_ok())
}
