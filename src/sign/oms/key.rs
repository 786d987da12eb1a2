//! ECDSA keys from PEM — P-256, P-384 and P-521, the curves the model-signing
//! reference accepts — and the key hint a bundle names its key by.

use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use sha2::Digest as _;

use super::OmsError;

/// The private half of an ECDSA key, by curve.
pub(crate) enum EcSigning {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

/// The public half of an ECDSA key, by curve.
#[derive(Clone)]
pub(crate) enum EcVerifying {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

/// A private key that signs bundles.
pub struct SigningKey {
    key: EcSigning,
    public: PublicKey,
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`, what
    /// `openssl ecparam -genkey` writes), on P-256, P-384 or P-521. `name` is for
    /// messages.
    pub fn from_pem(name: &str, pem: &str) -> Result<Self, OmsError> {
        let bad = |why: &str| OmsError::Key {
            path: name.to_owned(),
            why: why.to_owned(),
        };
        if pem.contains("ENCRYPTED") {
            return Err(bad("it is encrypted"));
        }
        let key = if pem.contains("-----BEGIN EC PRIVATE KEY-----") {
            p256::SecretKey::from_sec1_pem(pem)
                .ok()
                .map(|k| EcSigning::P256(k.into()))
                .or_else(|| {
                    p384::SecretKey::from_sec1_pem(pem)
                        .ok()
                        .map(|k| EcSigning::P384(k.into()))
                })
                .or_else(|| p521::SecretKey::from_sec1_pem(pem).ok().map(p521_signing))
        } else {
            p256::SecretKey::from_pkcs8_pem(pem)
                .ok()
                .map(|k| EcSigning::P256(k.into()))
                .or_else(|| {
                    p384::SecretKey::from_pkcs8_pem(pem)
                        .ok()
                        .map(|k| EcSigning::P384(k.into()))
                })
                .or_else(|| p521::SecretKey::from_pkcs8_pem(pem).ok().map(p521_signing))
        }
        .ok_or_else(|| bad("not an EC private key on P-256, P-384 or P-521"))?;
        let verifying = match &key {
            EcSigning::P256(k) => EcVerifying::P256(*k.verifying_key()),
            EcSigning::P384(k) => EcVerifying::P384(*k.verifying_key()),
            EcSigning::P521(k) => EcVerifying::P521(p521::ecdsa::VerifyingKey::from(k)),
        };
        let public = PublicKey::new(name, verifying)?;
        Ok(Self { key, public })
    }

    pub(crate) fn ecdsa(&self) -> &EcSigning {
        &self.key
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

fn p521_signing(secret: p521::SecretKey) -> EcSigning {
    let key = p521::ecdsa::SigningKey::from_bytes(&secret.to_bytes())
        .expect("a secret key is a valid scalar");
    EcSigning::P521(key)
}

/// A public key trusted to sign artifacts, with the name it was read under.
#[derive(Clone)]
pub struct PublicKey {
    name: String,
    key: EcVerifying,
    hint: String,
}

impl PublicKey {
    /// Reads a PEM public key (`PUBLIC KEY`, SubjectPublicKeyInfo) on P-256, P-384 or
    /// P-521.
    pub fn from_pem(name: &str, pem: &str) -> Result<Self, OmsError> {
        let key = p256::ecdsa::VerifyingKey::from_public_key_pem(pem)
            .map(EcVerifying::P256)
            .or_else(|_| p384::ecdsa::VerifyingKey::from_public_key_pem(pem).map(EcVerifying::P384))
            .or_else(|_| {
                p521::PublicKey::from_public_key_pem(pem).and_then(|key| {
                    p521::ecdsa::VerifyingKey::from_affine(*key.as_affine())
                        .map(EcVerifying::P521)
                        .map_err(|_| p256::pkcs8::spki::Error::KeyMalformed)
                })
            })
            .map_err(|_| OmsError::Key {
                path: name.to_owned(),
                why: "not a PEM EC public key on P-256, P-384 or P-521".to_owned(),
            })?;
        Self::new(name, key)
    }

    fn new(name: &str, key: EcVerifying) -> Result<Self, OmsError> {
        // The reference hashes the key's canonical PEM (64-column lines, `\n`), not
        // the file as given: re-encode so that any spelling of the key agrees.
        let pem = match &key {
            EcVerifying::P256(k) => k.to_public_key_pem(LineEnding::LF),
            EcVerifying::P384(k) => k.to_public_key_pem(LineEnding::LF),
            EcVerifying::P521(k) => p521::PublicKey::from_affine(*k.as_affine())
                .map_err(|_| p256::pkcs8::spki::Error::KeyMalformed)
                .and_then(|public| public.to_public_key_pem(LineEnding::LF)),
        }
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

    pub(crate) fn ecdsa(&self) -> &EcVerifying {
        &self.key
    }
}
