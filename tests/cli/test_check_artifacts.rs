//! `omgreg check --artifacts`: every LFS pointer is well formed and matches its
//! version's record, and every object is in the local store with the right content.
//! Without `--artifacts`, objects are not read.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_check::*;

/// The path of the LFS object of `model@version`'s (single) artifact.
fn lfs_object(env: &TestEnv, reg: &Path, model: &str, version: &str) -> (PathBuf, String) {
    let doc = env.git(
        reg,
        &[
            "show",
            &format!("HEAD:models/{model}/versions/{version}.yaml"),
        ],
    );
    let sha = doc
        .lines()
        .find_map(|line| line.trim().strip_prefix("sha256: "))
        .expect("an artifact sha256")
        .to_owned();
    let path = reg
        .join(".git/lfs/objects")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    assert!(path.is_file(), "{} is stored", path.display());
    (path, sha)
}

#[test]
fn artifacts_a_missing_lfs_object_is_found_with_artifacts_only() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let (object, sha) = lfs_object(&env, &reg, "churn", "1.0.0");
    std::fs::remove_file(&object).expect("remove the object");

    check_json(&env, &reg, &[], 0);
    let pointer = "models/churn/artifacts/1.0.0/model.bin";
    let found = assert_violation(&env, &reg, &["--artifacts"], "artifact", pointer, None);
    assert_mentions(
        found["message"].as_str().unwrap(),
        &[&sha, "not in the local store"],
    );
    assert_eq!(
        rules(&check_json(&env, &reg, &["--artifacts"], 3)),
        ["artifact"]
    );
}

#[test]
fn artifacts_a_corrupted_lfs_object_is_found_by_its_hash() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let (object, sha) = lfs_object(&env, &reg, "churn", "2.0.0");
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[10] ^= 0xff;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&object, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::write(&object, &bytes).unwrap();

    check_json(&env, &reg, &[], 0);
    let pointer = "models/churn/artifacts/2.0.0/model.bin";
    let found = assert_violation(&env, &reg, &["--artifacts"], "artifact", pointer, None);
    assert_mentions(found["message"].as_str().unwrap(), &[&sha, "corrupt"]);
}

#[test]
fn artifacts_a_pointer_that_disagrees_with_the_version_record() {
    let env = TestEnv::new();
    let reg = example_registry(&env);
    let pointer = "models/fraud/artifacts/0.1.0/model.bin";
    let text = std::fs::read_to_string(reg.join(pointer)).unwrap();
    assert!(text.starts_with("version https://git-lfs"), "{text}");
    let size = text.lines().find(|l| l.starts_with("size ")).unwrap();
    edit(&env, &reg, pointer, size, "size 1");

    let found = assert_violation(&env, &reg, &["--artifacts"], "artifact", pointer, None);
    assert_mentions(found["message"].as_str().unwrap(), &["fraud@0.1.0"]);
}
