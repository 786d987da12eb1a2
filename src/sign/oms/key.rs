//! ECDSA P-256 keys from PEM, and the key hint a bundle names its key by.

use p256::ecdsa::{SigningKey as EcSigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use sha2::Digest as _;

use super::OmsError;

/// A private key that signs bundles.
pub struct SigningKey {
    key: EcSigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`, what
    /// `openssl ecparam -genkey` writes). `name` is for messages.
    pub fn from_pem(name: &str, pem: &str) -> Result<Self, OmsError> {
        let bad = |why: &str| OmsError::Key {
            path: name.to_owned(),
            why: why.to_owned(),
        };
        if pem.contains("ENCRYPTED") {
            return Err(bad("it is encrypted"));
        }
        let secret = if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
            p256::SecretKey::from_sec1_pem(pem).map_err(|_| bad("not a P-256 EC private key"))?
        } else {
            p256::SecretKey::from_pkcs8_pem(pem).map_err(|_| bad("not a P-256 private key"))?
        };
        let key = EcSigningKey::from(secret);
        let public = PublicKey::new(name, *key.verifying_key())?;
        Ok(Self { key, public })
    }

    pub(crate) fn ecdsa(&self) -> &EcSigningKey {
        &self.key
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

/// A public key trusted to sign artifacts, with the name it was read under.
#[derive(Clone)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
    hint: String,
}

impl PublicKey {
    /// Reads a PEM public key (`PUBLIC KEY`, SubjectPublicKeyInfo).
    pub fn from_pem(name: &str, pem: &str) -> Result<Self, OmsError> {
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|_| OmsError::Key {
            path: name.to_owned(),
            why: "not a PEM P-256 public key".to_owned(),
        })?;
        Self::new(name, key)
    }

    fn new(name: &str, key: VerifyingKey) -> Result<Self, OmsError> {
        // The reference hashes the key's canonical PEM (64-column lines, `\n`), not
        // the file as given: re-encode so that any spelling of the key agrees.
        let pem = key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|_| OmsError::Key {
                path: name.to_owned(),
                why: "cannot encode the public key".to_owned(),
            })?;
        Ok(Self {
            name: name.to_owned(),
            key,
            hint: hex::encode(sha2::Sha256::digest(pem.as_bytes())),
        })
    }

    /// Where the key was read from (a file name), for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The hex SHA-256 of the key's PEM: `verificationMaterial.publicKey.hint`.
    pub fn hint(&self) -> &str {
        &self.hint
    }

    pub(crate) fn ecdsa(&self) -> &VerifyingKey {
        &self.key
    }
}
