//! Diagnostic transcripts of signed artifacts (issue 15): every `omgreg::oms::*` code,
//! `omgreg::promote::unsigned_artifacts` and `omgreg::checkout::object_corrupt`, with
//! the fixed keys and `model_signing` bundles of `tests/fixtures/oms/`.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::configure;
use crate::common::refusal::commit_by_hand;
use crate::common::transcript::transcript_env;
use crate::test_transcript_diagnostics::diag;

/// A file of `tests/fixtures/oms/`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oms")
        .join(name)
}

/// A registry `reg` trusting `pub.pem` as `ci.pem`, with `churn@1.0.0` registered from
/// the fixtures' folder `m/` (unsigned), and the fixtures copied beside it.
pub(crate) fn oms_registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    let m = env.path().join("m");
    std::fs::create_dir_all(m.join("sub")).unwrap();
    std::fs::write(m.join("a.bin"), "hello\n").unwrap();
    std::fs::write(m.join("sub/b.txt"), "world\n").unwrap();
    for name in [
        "key.pem",
        "other.pem",
        "files.sig",
        "other.sig",
        "shards.sig",
    ] {
        std::fs::copy(fixture(name), env.path().join(name)).unwrap();
    }
    let public = std::fs::read_to_string(fixture("pub.pem")).unwrap();
    commit_by_hand(env, &reg, ".omgreg/artifact_keys/ci.pem", &public);
    env.omgreg(&reg)
        .args([
            "register",
            "churn",
            "--version",
            "1.0.0",
            "--artifact",
            "../m",
        ])
        .assert()
        .success();
    reg
}

/// `files.sig` with its JSON changed by `edit` (no re-signing), written as `name`.
fn altered(env: &TestEnv, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("files.sig")).unwrap()).unwrap();
    edit(&mut doc);
    std::fs::write(env.path().join(name), serde_json::to_vec(&doc).unwrap()).unwrap();
    format!("../{name}")
}

#[test]
fn bundles_and_keys() {
    let env = transcript_env();
    let reg = oms_registry(&env);
    let d = |code: &str, args: &[&str]| diag(&env, &reg, code, args, 1);
    std::fs::write(env.path().join("junk.sig"), "{}").unwrap();
    d(
        "omgreg::oms::malformed",
        &["sign", "churn@1.0.0", "--signature", "../junk.sig"],
    );
    let v2 = altered(&env, "v2.sig", |doc| {
        doc["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.2+json".into();
    });
    d(
        "omgreg::oms::media_type",
        &["sign", "churn@1.0.0", "--signature", &v2],
    );
    let cert = altered(&env, "cert.sig", |doc| {
        doc["verificationMaterial"] = serde_json::json!({"certificate": {"rawBytes": "AAAA"}});
    });
    d(
        "omgreg::oms::not_key_signed",
        &["sign", "churn@1.0.0", "--signature", &cert],
    );
    d(
        "omgreg::oms::untrusted_key",
        &["sign", "churn@1.0.0", "--key", "../other.pem"],
    );
    // `other.sig` claiming the trusted key's hint.
    let trusted: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("files.sig")).unwrap()).unwrap();
    let forged = {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture("other.sig")).unwrap()).unwrap();
        doc["verificationMaterial"] = trusted["verificationMaterial"].clone();
        std::fs::write(
            env.path().join("forged.sig"),
            serde_json::to_vec(&doc).unwrap(),
        )
        .unwrap();
        "../forged.sig"
    };
    d(
        "omgreg::oms::bad_signature",
        &["sign", "churn@1.0.0", "--signature", forged],
    );
    let inconsistent = altered(&env, "inconsistent.sig", |doc| {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let payload = engine
            .decode(doc["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap();
        let mut statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        statement["subject"][0]["digest"]["sha256"] = "0".repeat(64).into();
        doc["dsseEnvelope"]["payload"] = engine
            .encode(serde_json::to_vec(&statement).unwrap())
            .into();
    });
    d(
        "omgreg::oms::inconsistent",
        &["sign", "churn@1.0.0", "--signature", &inconsistent],
    );
    d(
        "omgreg::oms::serialization",
        &["sign", "churn@1.0.0", "--signature", "../shards.sig"],
    );
    std::fs::write(env.path().join("not-a-key.pem"), "hello\n").unwrap();
    d(
        "omgreg::oms::key",
        &["sign", "churn@1.0.0", "--key", "../not-a-key.pem"],
    );
    // The bundle of `m/` attached to a version holding other files.
    std::fs::write(env.path().join("other.bin"), "other\n").unwrap();
    env.omgreg(&reg)
        .args([
            "register",
            "churn",
            "--version",
            "2.0.0",
            "--artifact",
            "../other.bin",
        ])
        .assert()
        .success();
    d(
        "omgreg::oms::mismatch",
        &["sign", "churn@2.0.0", "--signature", "../files.sig"],
    );
}

#[test]
fn verification_and_policy() {
    let env = transcript_env();
    let reg = oms_registry(&env);
    diag(
        &env,
        &reg,
        "omgreg::oms::unsigned",
        &["verify", "churn@1.0.0", "--artifacts"],
        3,
    );
    configure(
        &env,
        &reg,
        "[policy.Production]\nrequire_artifact_signature = true\n",
    );
    diag(
        &env,
        &reg,
        "omgreg::promote::unsigned_artifacts",
        &["promote", "churn@1.0.0", "--stage", "Production"],
        1,
    );
    env.omgreg(&reg)
        .args(["sign", "churn@1.0.0", "--signature", "../files.sig"])
        .assert()
        .success();
    diag(
        &env,
        &reg,
        "omgreg::oms::already_signed",
        &["sign", "churn@1.0.0", "--signature", "../files.sig"],
        1,
    );
    let object = reg.join(format!(
        ".git/lfs/objects/58/91/{}",
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    ));
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, "jello\n").unwrap();
    diag(
        &env,
        &reg,
        "omgreg::oms::bytes_mismatch",
        &["verify", "churn@1.0.0", "--artifacts"],
        3,
    );
    diag(
        &env,
        &reg,
        "omgreg::checkout::object_corrupt",
        &["checkout", "churn@1.0.0", "--dest", "../out"],
        3,
    );
    commit_by_hand(&env, &reg, ".omgreg/artifact_keys/bad.pem", "not a key\n");
    diag(
        &env,
        &reg,
        "omgreg::oms::trusted_key",
        &["sign", "churn@1.0.0", "--key", "../key.pem"],
        1,
    );
}
