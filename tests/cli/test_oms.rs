//! Signed artifacts in the OpenSSF model-signing format (issue 15), judged both ways by
//! the reference CLI (`model_signing` 1.1.1 from `.ci/setup-tools`) and by real git:
//! omgreg's bundles verify with `model_signing verify key` on the folder `checkout`
//! wrote, `model_signing`'s bundles attach and verify in omgreg, untrusted keys and
//! corrupt bytes are refused, and every action commit still passes `git verify-commit`.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::common::lifecycle::{act, changed, trailers};
use crate::common::refusal::commit_by_hand;
use crate::common::signing::{allowed_signers_file, pub_path, ssh_key, ssh_registry};
use crate::common::tools::{program_on_path, tool};
use crate::common::{TestEnv, stderr_of};

/// A PEM P-256 key pair `keys/<name>.pem` / `keys/<name>.pub.pem` made by openssl.
pub(crate) fn ec_key(env: &TestEnv, name: &str) -> (PathBuf, PathBuf) {
    ec_key_on(env, name, "prime256v1")
}

/// A PEM key pair on `curve` (openssl's name: `prime256v1`, `secp384r1`, `secp521r1`).
pub(crate) fn ec_key_on(env: &TestEnv, name: &str, curve: &str) -> (PathBuf, PathBuf) {
    let dir = env.path().join("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let (private, public) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.pub.pem")),
    );
    for args in [
        vec![
            "ecparam",
            "-name",
            curve,
            "-genkey",
            "-noout",
            "-out",
            private.to_str().unwrap(),
        ],
        vec![
            "ec",
            "-in",
            private.to_str().unwrap(),
            "-pubout",
            "-out",
            public.to_str().unwrap(),
        ],
    ] {
        let out = StdCommand::new("openssl")
            .args(&args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (private, public)
}

/// An SSH-signing registry (every commit signed, `git verify-commit` can judge) that
/// trusts the artifact key `ci`, and a model folder `out/m` of two files. `None`
/// when openssl or model_signing is missing (skipped; a failure under CI=true).
pub(crate) struct Fixture {
    pub(crate) env: TestEnv,
    pub(crate) reg: PathBuf,
    pub(crate) key: PathBuf,
    pub(crate) public: PathBuf,
    pub(crate) folder: PathBuf,
    pub(crate) model_signing: PathBuf,
}

pub(crate) fn fixture() -> Option<Fixture> {
    let model_signing = tool("model_signing")?;
    if !program_on_path("openssl", "apt-get install openssl") {
        return None;
    }
    let env = TestEnv::new();
    let ssh = ssh_key(&env, "ada");
    let allowed = allowed_signers_file(&env, &[("ada@example.com", &ssh)]);
    let reg = ssh_registry(&env, "reg", &pub_path(&ssh), Some(&allowed));
    let (key, public) = ec_key(&env, "ci");
    let pem = std::fs::read_to_string(&public).unwrap();
    commit_by_hand(&env, &reg, ".omgreg/artifact_keys/ci.pem", &pem);
    env.make_file("out/m/a.bin", 3000);
    env.make_file("out/m/sub/b.txt", 700);
    let folder = env.path().join("out/m");
    Some(Fixture {
        env,
        reg,
        key,
        public,
        folder,
        model_signing,
    })
}

impl Fixture {
    pub(crate) fn omgreg(&self, args: &[&str]) -> std::process::Output {
        self.env.omgreg(&self.reg).args(args).output().unwrap()
    }

    pub(crate) fn register(&self, version: &str, extra: &[&str]) -> String {
        let mut args = vec!["register", "churn", "--version", version, "--artifact"];
        args.push(self.folder.to_str().unwrap());
        args.extend(extra);
        act(&self.env, &self.reg, &args)
    }

    /// `model_signing ARGS` in the env root, which must succeed.
    pub(crate) fn model_signing(&self, args: &[&str]) {
        let out = StdCommand::new(&self.model_signing)
            .current_dir(self.env.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "model_signing {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `model_signing sign key` of the model folder with `key`, into `bundle`.
    pub(crate) fn sign_folder(&self, key: &Path, bundle: &Path) {
        let args = ["sign", "key", s(&self.folder), "--private_key", s(key)];
        self.model_signing(&[&args[..], &["--signature", s(bundle)]].concat());
    }

    pub(crate) fn assert_verify_commit(&self) {
        self.env.git(&self.reg, &["verify-commit", "HEAD"]);
    }

    fn lfs_object(&self, sha: &str) -> PathBuf {
        self.reg.join(format!(
            ".git/lfs/objects/{}/{}/{sha}",
            &sha[..2],
            &sha[2..4]
        ))
    }

    fn sha_of(&self, name: &str) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(self.folder.join(name)).unwrap(),
        ))
    }
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_omgreg_bundle_verifies_with_model_signing_on_the_checked_out_folder() {
    let Some(f) = fixture() else { return };
    f.register("1.0.0", &["--sign-artifacts", "--key", s(&f.key)]);
    assert!(changed(&f.env, &f.reg).contains(&"models/churn/signatures/1.0.0.sig".to_owned()));
    f.assert_verify_commit();
    let dest = f.env.path().join("co");
    act_free(&f, &["checkout", "churn@1.0.0", "--dest", s(&dest)]);
    let bundle = f.reg.join("models/churn/signatures/1.0.0.sig");
    f.model_signing(&[
        "verify",
        "key",
        s(&dest),
        "--signature",
        s(&bundle),
        "--public_key",
        s(&f.public),
    ]);
    let out = f.omgreg(&["verify", "churn@1.0.0", "--artifacts"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(".omgreg/artifact_keys/ci.pem") && stdout.contains("2 file(s)"),
        "{stdout}"
    );
}

/// Runs a command that writes no commit and must succeed.
pub(crate) fn act_free(f: &Fixture, args: &[&str]) {
    let out = f.omgreg(args);
    assert!(out.status.success(), "omgreg {args:?}: {}", stderr_of(&out));
}

#[test]
fn a_model_signing_bundle_attaches_at_registration_and_later() {
    let Some(f) = fixture() else { return };
    let bundle = f.env.path().join("model.sig");
    f.sign_folder(&f.key, &bundle);
    f.register("1.0.0", &["--signature", s(&bundle)]);
    f.assert_verify_commit();
    act_free(&f, &["verify", "churn@1.0.0", "--artifacts"]);
    f.register("1.1.0", &[]);
    let out = f.omgreg(&["verify", "churn@1.1.0", "--artifacts"]);
    assert_eq!(out.status.code(), Some(3), "unsigned: {}", stderr_of(&out));
    assert!(stderr_of(&out).contains("omgreg::oms::unsigned"));
    act(
        &f.env,
        &f.reg,
        &["sign", "churn@1.1.0", "--signature", s(&bundle)],
    );
    assert_eq!(
        trailers(&f.env, &f.reg),
        [
            "Omgreg-Action: sign",
            "Omgreg-Model: churn",
            "Omgreg-Version: 1.1.0"
        ]
    );
    f.assert_verify_commit();
    act_free(&f, &["verify", "churn@1.1.0", "--artifacts"]);
    // The audit log shows both signings: at registration and later.
    let history = f.env.json(&f.reg, &["history", "churn"]);
    let signed: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "signed")
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(signed, ["1.1.0", "1.0.0"], "{history}");
    act_free(
        &f,
        &[
            "checkout",
            "churn@1.1.0",
            "--dest",
            s(&f.env.path().join("co")),
        ],
    );
}

#[test]
fn a_bundle_of_an_untrusted_key_is_refused() {
    let Some(f) = fixture() else { return };
    let (other, _) = ec_key(&f.env, "mallory");
    f.register("1.0.0", &[]);
    let before = f.env.commit_count(&f.reg);
    let out = f.omgreg(&["sign", "churn@1.0.0", "--key", s(&other)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("omgreg::oms::untrusted_key"),
        "{}",
        stderr_of(&out)
    );
    let bundle = f.env.path().join("mallory.sig");
    f.sign_folder(&other, &bundle);
    let out = f.omgreg(&["sign", "churn@1.0.0", "--signature", s(&bundle)]);
    assert!(
        stderr_of(&out).contains("omgreg::oms::untrusted_key"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        f.env.commit_count(&f.reg),
        before,
        "a refusal writes nothing"
    );
    // Committed by hand: verify and checkout refuse it (exit 3).
    let text = std::fs::read_to_string(&bundle).unwrap();
    commit_by_hand(&f.env, &f.reg, "models/churn/signatures/1.0.0.sig", &text);
    for args in [
        vec!["verify", "churn@1.0.0", "--artifacts"],
        vec!["checkout", "churn@1.0.0", "--dest", "co"],
    ] {
        let out = f.omgreg(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("untrusted_key"),
            "{}",
            stderr_of(&out)
        );
    }
    assert!(!f.reg.join("co").exists(), "nothing checked out");
}

#[test]
fn a_corrupt_lfs_object_fails_checkout_and_verify_naming_the_file() {
    let Some(f) = fixture() else { return };
    f.register("1.0.0", &["--sign-artifacts", "--key", s(&f.key)]);
    let object = f.lfs_object(&f.sha_of("a.bin"));
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, vec![0u8; 3000]).unwrap();
    for args in [
        vec!["verify", "churn@1.0.0", "--artifacts"],
        vec!["checkout", "churn@1.0.0", "--dest", "co"],
    ] {
        let out = f.omgreg(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("m/a.bin"),
            "{args:?} names the file: {}",
            stderr_of(&out)
        );
    }
    // `--rehash` reads the bytes again and refuses.
    let before = f.env.commit_count(&f.reg);
    let out = f.omgreg(&["sign", "churn@1.0.0", "--key", s(&f.key), "--rehash"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("omgreg::oms::bytes_mismatch"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(f.env.commit_count(&f.reg), before);
}

#[test]
fn rehash_signs_after_reading_the_bytes() {
    let Some(f) = fixture() else { return };
    f.register("1.0.0", &[]);
    let before = f.env.commit_count(&f.reg);
    act_free(
        &f,
        &["sign", "churn@1.0.0", "--key", s(&f.key), "--dry-run"],
    );
    assert_eq!(
        f.env.commit_count(&f.reg),
        before,
        "--dry-run writes nothing"
    );
    let sign = ["sign", "churn@1.0.0", "--key", s(&f.key), "--rehash"];
    act(
        &f.env,
        &f.reg,
        &[&sign[..], &["-m", "release 1.0"]].concat(),
    );
    f.assert_verify_commit();
    let message = f.env.git(&f.reg, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("sign the artifacts of churn@1.0.0\n\nrelease 1.0\n"),
        "{message}"
    );
    act_free(&f, &["verify", "churn@1.0.0", "--artifacts"]);
}

/// A `shards` bundle (`model_signing`'s shard serialization) cannot be compared with
/// the record's whole-file digests: refused, then accepted with `--rehash`, which
/// hashes each shard of the stored bytes; `verify --artifacts` and `checkout` (which
/// read the bytes anyway) check it the same way.
#[test]
fn a_shards_bundle_is_checked_against_the_bytes_with_rehash() {
    let env = TestEnv::new();
    let reg = crate::test_transcript_diagnostics_oms::oms_registry(&env);
    let attach = ["sign", "churn@1.0.0", "--signature", "../shards.sig"];
    let out = env.omgreg(&reg).args(attach).output().unwrap();
    assert!(
        stderr_of(&out).contains("omgreg::oms::serialization"),
        "{}",
        stderr_of(&out)
    );
    act(&env, &reg, &[&attach[..], &["--rehash"]].concat());
    let out = env
        .omgreg(&reg)
        .args(["verify", "churn@1.0.0", "--artifacts"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let dest = env.path().join("co");
    let out = env
        .omgreg(&reg)
        .args(["checkout", "churn@1.0.0", "--dest", s(&dest)])
        .output();
    assert!(out.unwrap().status.success());
    assert_eq!(
        std::fs::read_to_string(dest.join("m/sub/b.txt")).unwrap(),
        "world\n"
    );
}

/// `model_signing sign key DIR` writes `model.sig` into the folder by default (and
/// ignores it); registering that folder with it as `--signature` does not store the
/// bundle as an artifact.
#[test]
fn a_bundle_inside_the_registered_folder_is_not_an_artifact() {
    let Some(f) = fixture() else { return };
    let bundle = f.folder.join("model.sig");
    f.sign_folder(&f.key, &bundle);
    f.register("1.0.0", &["--signature", s(&bundle)]);
    let show = f.env.json(&f.reg, &["show", "churn@1.0.0"]);
    let paths: Vec<&str> = show["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["m/a.bin", "m/sub/b.txt"]);
    act_free(&f, &["verify", "churn@1.0.0", "--artifacts"]);
}
