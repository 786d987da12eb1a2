//! Bundles built and verified without Git, and a bundle the reference wrote.

use sha2::Digest as _;

use super::*;

/// A throwaway test key (`openssl ecparam -name prime256v1 -genkey -noout`, SEC1) and
/// a bundle `model_signing sign key` 1.1.1 made with it over two files.
const KEY: &str = include_str!("testdata/key.pem");
const PUBLIC: &str = include_str!("testdata/pub.pem");
const REFERENCE: &[u8] = include_bytes!("testdata/reference.sig");

fn file(name: &str, content: &[u8]) -> FileDigest {
    FileDigest {
        name: name.to_owned(),
        sha256: sha2::Sha256::digest(content).into(),
    }
}

fn key() -> SigningKey {
    SigningKey::from_pem("key.pem", KEY).unwrap()
}

#[test]
fn a_bundle_verifies_with_its_key_and_lists_files_by_name() {
    let key = key();
    let files = [file("sub/b.txt", b"world\n"), file("a.bin", b"hello\n")];
    let bundle = sign("churn", &files, &key);
    let verified = verify(&bundle, &[key.public().clone()]).unwrap();
    assert_eq!(verified.key, "key.pem");
    let names: Vec<&str> = verified
        .manifest
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["a.bin", "sub/b.txt"]);
    let digests = verified.manifest.file_digests().unwrap();
    assert_eq!(digests["a.bin"], files[1].sha256);
    assert_eq!(verified.manifest.serialization, Serialization::omgreg());
    // Deterministic: RFC 6979 nonces.
    assert_eq!(bundle, sign("churn", &files, &key));
}

#[test]
fn the_bundle_has_the_reference_shape() {
    let bundle = sign(
        "m",
        &[file("a.bin", b"hello\n"), file("sub/b.txt", b"world\n")],
        &key(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    assert_eq!(
        doc["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        doc["verificationMaterial"]["tlogEntries"],
        serde_json::json!([])
    );
    assert_eq!(
        doc["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    assert_eq!(doc["dsseEnvelope"]["signatures"][0]["keyid"], "");
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(doc["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://model_signing/signature/v1.0"
    );
    // The reference's own figure for these two files (model_signing 1.1.1).
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        "96cb8058ed58b58f8fc0ad459bacf81108599b403e91674460ccb089f8ebb9db"
    );
    assert_eq!(
        statement["predicate"]["serialization"],
        serde_json::json!({"method": "files", "hash_type": "sha256", "allow_symlinks": false,
            "ignore_paths": [".git", ".gitattributes", ".github", ".gitignore"]})
    );
    assert_eq!(
        statement["predicate"]["resources"][0],
        serde_json::json!({"name": "a.bin", "algorithm": "sha256",
            "digest": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"})
    );
}

#[test]
fn the_hint_is_the_sha256_of_the_canonical_pem() {
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    let key = key();
    let super::key::EcVerifying::P256(public) = key.public().ecdsa() else {
        panic!("the test key is P-256");
    };
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    assert_eq!(
        key.public().hint(),
        hex::encode(sha2::Sha256::digest(pem.as_bytes()))
    );
    // CRLF spelling of the same key: the same hint.
    let crlf = pem.replace('\n', "\r\n");
    assert_eq!(
        PublicKey::from_pem("k", &crlf).unwrap().hint(),
        key.public().hint()
    );
}

#[test]
fn another_key_is_untrusted_and_a_forged_hint_does_not_verify() {
    let key = key();
    let other = SigningKey::from_pem(
        "other.pem",
        &p256::SecretKey::from_slice(&[7; 32])
            .unwrap()
            .to_sec1_pem(p256::pkcs8::LineEnding::LF)
            .unwrap(),
    )
    .unwrap();
    let bundle = sign("m", &[file("a", b"x")], &other);
    let err = verify(&bundle, &[key.public().clone()]).unwrap_err();
    assert!(matches!(err, OmsError::UntrustedKey { .. }), "{err:?}");
    // A bundle claiming the trusted key's hint but signed by another key.
    let text = String::from_utf8(bundle).unwrap();
    let forged = text.replace(other.public().hint(), key.public().hint());
    let err = verify(forged.as_bytes(), &[key.public().clone()]).unwrap_err();
    assert!(matches!(err, OmsError::BadSignature { .. }), "{err:?}");
}

#[test]
fn an_altered_payload_is_refused() {
    let key = key();
    let bundle = sign("m", &[file("a", b"x")], &key);
    let mut doc: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    use base64::Engine as _;
    let other = statement::build("m", &[file("a", b"y")]);
    doc["dsseEnvelope"]["payload"] = base64::engine::general_purpose::STANDARD
        .encode(other)
        .into();
    let err = verify(&serde_json::to_vec(&doc).unwrap(), &[key.public().clone()]).unwrap_err();
    assert!(matches!(err, OmsError::BadSignature { .. }), "{err:?}");
}

#[test]
fn other_serializations_and_media_types_are_named() {
    let key = key();
    let bundle = sign("m", &[file("a", b"x")], &key);
    let text = String::from_utf8(bundle.clone()).unwrap();
    let err = verify(text.replace("v0.3+json", "v0.2+json").as_bytes(), &[]).unwrap_err();
    assert!(matches!(err, OmsError::MediaType { .. }), "{err:?}");
    let mut manifest = inspect(&bundle).unwrap();
    manifest.serialization.method = "shards".to_owned();
    let err = manifest.file_digests().unwrap_err();
    assert!(matches!(err, OmsError::Serialization { .. }), "{err:?}");
    assert!(matches!(
        verify(b"{}", &[]).unwrap_err(),
        OmsError::Malformed { .. }
    ));
}

#[test]
fn the_pae_is_dsse_v1() {
    assert_eq!(
        dsse::pae(b"{}"),
        b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
    );
}

#[test]
fn a_bundle_the_reference_signed_verifies() {
    let public = PublicKey::from_pem("pub.pem", PUBLIC).unwrap();
    assert_eq!(public.hint(), key().public().hint());
    let verified = verify(REFERENCE, &[public]).unwrap();
    let digests = verified.manifest.file_digests().unwrap();
    assert_eq!(digests.len(), 2);
    assert_eq!(digests["sub/b.txt"], file("sub/b.txt", b"world\n").sha256);
    assert_eq!(verified.manifest.model_name, "m");
}

/// P-384 and P-521 keys, which the reference also accepts (with SHA-384 and SHA-512):
/// a bundle each signs verifies under its public key only, and its hint is the
/// SHA-256 of its canonical PEM.
#[test]
fn p384_and_p521_keys_sign_and_verify() {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let p384 = p384::SecretKey::from_slice(&[5; 48]).unwrap();
    let mut wide = [0u8; 66];
    wide[65] = 9;
    let p521 = p521::SecretKey::from_slice(&wide).unwrap();
    let keys = [
        (
            p384.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            p384.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
        ),
        (
            p521.to_sec1_pem(LineEnding::LF).unwrap().to_string(),
            p521.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
        ),
    ];
    let p256 = key();
    for (private, public_pem) in keys {
        let signer = SigningKey::from_pem("k.pem", &private).unwrap();
        let public = PublicKey::from_pem("k.pub", &public_pem).unwrap();
        assert_eq!(signer.public().hint(), public.hint());
        assert_eq!(
            public.hint(),
            hex::encode(sha2::Sha256::digest(public_pem.as_bytes()))
        );
        let bundle = sign("m", &[file("a", b"x")], &signer);
        assert!(verify(&bundle, std::slice::from_ref(&public)).is_ok());
        let err = verify(&bundle, &[p256.public().clone()]).unwrap_err();
        assert!(matches!(err, OmsError::UntrustedKey { .. }), "{err:?}");
    }
}
