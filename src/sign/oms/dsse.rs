//! DSSE v1: the pre-authentication encoding signed over, and the ECDSA signature of
//! it (DER, as the reference writes it), with the hash the curve calls for: SHA-256
//! on P-256, SHA-384 on P-384, SHA-512 on P-521.

use p256::ecdsa::signature::{Signer as _, Verifier as _};

use super::key::{EcSigning, EcVerifying};
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

/// The DER signature of `payload`'s PAE. P-256 and P-384 use RFC 6979 nonces (the
/// same key and payload always give the same bytes); P-521's signer draws its nonce.
pub fn sign(key: &SigningKey, payload: &[u8]) -> Vec<u8> {
    let message = pae(payload);
    match key.ecdsa() {
        EcSigning::P256(key) => {
            let signature: p256::ecdsa::Signature = key.sign(&message);
            signature.to_der().as_bytes().to_vec()
        }
        EcSigning::P384(key) => {
            let signature: p384::ecdsa::Signature = key.sign(&message);
            signature.to_der().as_bytes().to_vec()
        }
        EcSigning::P521(key) => {
            let signature: p521::ecdsa::Signature = key.sign(&message);
            signature.to_der().as_bytes().to_vec()
        }
    }
}

/// Whether `signature` (DER, or raw `r || s`) signs `payload`'s PAE under `key`.
pub fn verify(key: &PublicKey, payload: &[u8], signature: &[u8]) -> bool {
    let message = pae(payload);
    match key.ecdsa() {
        EcVerifying::P256(key) => p256::ecdsa::Signature::from_der(signature)
            .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
            .is_ok_and(|sig| key.verify(&message, &sig).is_ok()),
        EcVerifying::P384(key) => p384::ecdsa::Signature::from_der(signature)
            .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
            .is_ok_and(|sig| key.verify(&message, &sig).is_ok()),
        EcVerifying::P521(key) => p521::ecdsa::Signature::from_der(signature)
            .or_else(|_| p521::ecdsa::Signature::from_slice(signature))
            .is_ok_and(|sig| key.verify(&message, &sig).is_ok()),
    }
}
