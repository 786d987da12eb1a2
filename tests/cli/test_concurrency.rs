//! Concurrent writers and interrupted writers.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::TestEnv;

#[test]
fn eight_concurrent_registers_all_land() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, _) = env.make_file("w.bin", 200_000);
    let before = env.commit_count(&reg);
    let children: Vec<_> = (0..8)
        .map(|i| {
            env.omgreg_std(&reg)
                .args([
                    "register",
                    "m",
                    "--version",
                    &format!("1.{i}.0"),
                    "--artifact",
                ])
                .arg(&artifact)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn omgreg")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(env.commit_count(&reg), before + 8);
    let listed = env.json(&reg, &["list", "m"]);
    assert_eq!(listed["versions"].as_array().unwrap().len(), 8);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
}

#[test]
fn concurrent_bumps_get_distinct_versions() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let children: Vec<_> = (0..4)
        .map(|_| {
            env.omgreg_std(&reg)
                .args(["register", "m"])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut versions: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success());
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        })
        .collect();
    versions.sort();
    assert_eq!(versions, ["m@1.0.0", "m@1.1.0", "m@1.2.0", "m@1.3.0"]);
}

#[test]
fn a_register_killed_midway_leaves_no_trace_and_the_next_succeeds() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    let (artifact, sha256) = env.make_file("big.bin", 400 * 1024 * 1024);
    let before = env.state(&reg);
    let mut child = env
        .omgreg_std(&reg)
        .args(["register", "m", "--artifact"])
        .arg(&artifact)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the copy into the LFS temp folder is under way, then SIGKILL.
    let tmp = reg.join(".git/lfs/tmp");
    let started = Instant::now();
    loop {
        let partial = std::fs::read_dir(&tmp)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| entry.metadata().is_ok_and(|m| m.len() > 0));
        if partial {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "ingest never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "register finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let object = reg.join(format!(
        ".git/lfs/objects/{}/{}/{sha256}",
        &sha256[..2],
        &sha256[2..4]
    ));
    assert!(!object.exists(), "a partial object reached its final path");
    assert_eq!(env.state(&reg), before);
    env.assert_fsck_clean(&reg);

    env.omgreg(&reg)
        .args(["register", "m", "--artifact"])
        .arg(&artifact)
        .assert()
        .success();
    assert!(object.exists());
    assert!(env.git(&reg, &["lfs", "fsck"]).contains("OK"));
    env.assert_fsck_clean(&reg);
}
