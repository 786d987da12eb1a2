//! Bytes leave the registry only as they were registered, and only where asked
//! (issue 12, findings 9 and 10): `checkout --dest` never writes through a link planted
//! in the destination, and `push` hashes every LFS object it would upload, refusing a
//! corrupt one (exit 3, the object named) before anything reaches the server.

use std::path::Path;

use crate::common::TestEnv;
use crate::test_sync::{published, register, remote};

/// `churn@1.0.0` with one stored artifact `model.pt`; returns the registry.
fn registry_with_artifact(env: &TestEnv) -> std::path::PathBuf {
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("out/model.pt", 4096);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    reg
}

fn checkout_refused(env: &TestEnv, reg: &Path, dest: &Path, code: &str) {
    let output = env
        .omgreg(reg)
        .args(["checkout", "churn@1.0.0", "--dest"])
        .arg(dest)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = crate::common::stderr_of(&output);
    assert!(stderr.contains(code), "{stderr}");
}

#[test]
fn checkout_never_writes_through_a_link_to_a_file() {
    let env = TestEnv::new();
    let reg = registry_with_artifact(&env);
    let outside = env.path().join("precious.txt");
    std::fs::write(&outside, "keep me\n").expect("write");
    let dest = env.path().join("dest");
    std::fs::create_dir(&dest).expect("mkdir");
    std::os::unix::fs::symlink(&outside, dest.join("model.pt")).expect("symlink");

    checkout_refused(&env, &reg, &dest, "omgreg::checkout::link_in_destination");
    assert_eq!(
        std::fs::read_to_string(&outside).expect("read"),
        "keep me\n"
    );
    assert!(
        dest.join("model.pt").is_symlink(),
        "the link is left as it was"
    );
}

#[test]
fn checkout_never_writes_through_a_linked_folder() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (_, _) = env.make_file("out/dir/sub/w.bin", 2048);
    env.omgreg(&reg)
        .args(["register", "churn", "--version", "1.0.0", "--artifact"])
        .arg(env.path().join("out/dir"))
        .assert()
        .success();
    let outside = env.path().join("elsewhere");
    std::fs::create_dir(&outside).expect("mkdir");
    let dest = env.path().join("dest");
    std::fs::create_dir(&dest).expect("mkdir");
    std::os::unix::fs::symlink(&outside, dest.join("dir")).expect("symlink");

    checkout_refused(&env, &reg, &dest, "omgreg::checkout::link_in_destination");
    assert_eq!(
        std::fs::read_dir(&outside).expect("read").count(),
        0,
        "nothing written outside the destination"
    );

    // Without the link, the same checkout writes the file, bytes verified.
    std::fs::remove_file(dest.join("dir")).expect("unlink");
    env.omgreg(&reg)
        .args(["checkout", "churn@1.0.0", "--dest"])
        .arg(&dest)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(dest.join("dir/sub/w.bin")).expect("checked out"),
        std::fs::read(env.path().join("out/dir/sub/w.bin")).expect("source")
    );
}

#[test]
fn push_refuses_a_corrupt_lfs_object_and_uploads_nothing() {
    let env = TestEnv::new();
    let (a, _) = published(&env);
    let artifact = register(&env, &a, "churn", "1.0.0", 20_000);
    let sha = crate::test_sync::hex_sha256(&artifact);
    let object = a
        .join(".git/lfs/objects")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha);
    let mut bytes = std::fs::read(&object).expect("the stored object");
    bytes[0] ^= 0xff;
    std::fs::write(&object, &bytes).expect("overwrite");
    let remote_tip = env.git(&remote(&env), &["rev-parse", "master"]);

    let output = env
        .omgreg(&a)
        .arg("push")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = crate::common::stderr_of(&output);
    assert!(stderr.contains("omgreg::lfs::object_corrupt"), "{stderr}");
    assert!(stderr.contains(&sha), "the object is named: {stderr}");
    assert!(
        !remote(&env).join("lfs/objects").join(&sha[..2]).exists(),
        "nothing uploaded"
    );
    assert_eq!(
        env.git(&remote(&env), &["rev-parse", "master"]),
        remote_tip,
        "the branch was not pushed"
    );
}
