//! `register --artifact` of a large file against `cp` of the same file.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::generate::Shape;
use crate::harness::{Env, Group, Row, Target, load_average, measure_pair, stdout_of, timed};
use crate::plan::Plan;

use super::shapes::generate_verified;

/// `omgreg register big --artifact FILE` against `cp FILE` on the same file system.
pub fn bench_big_artifact(env: &Env, plan: &Plan) -> Row {
    let shape = Shape {
        models: 10,
        versions: 10,
    };
    let dir = env.root.join("big-registry");
    generate_verified(env, &dir, shape);
    let source = env.root.join("artifact.bin");
    let start = Instant::now();
    write_random_file(&source, plan.big_bytes);
    warm_page_cache(&source);
    eprintln!(
        "wrote a {} artifact in {:.2} s",
        size_label(plan.big_bytes),
        start.elapsed().as_secs_f64()
    );
    let copy = env.root.join("artifact-copy.bin");
    let lfs = dir.join(".git").join("lfs");
    let source_arg = source.to_str().expect("a UTF-8 temp path");
    let copy_arg = copy.to_str().expect("a UTF-8 temp path");

    // Before each timed run: no copy, no LFS object, nothing left to write back.
    let clean = || {
        let _ = std::fs::remove_file(&copy);
        let _ = std::fs::remove_dir_all(&lfs);
        timed(Command::new("sync"));
    };
    eprintln!(
        "register big --artifact ({}) vs cp: {} runs",
        size_label(plan.big_bytes),
        plan.big_runs
    );
    let (subject, base) = measure_pair(
        1,
        plan.big_runs,
        &|| env.omgreg(&dir, &["register", "big", "--artifact", source_arg]),
        &|| {
            let mut cp = env.command("cp", &dir);
            cp.args([source_arg, copy_arg]);
            cp
        },
        &clean,
    );
    clean();
    let listed: serde_json::Value =
        serde_json::from_str(&stdout_of(env.omgreg(&dir, &["list", "big", "--json"])))
            .expect("JSON");
    let versions = listed["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1 + plan.big_runs);
    assert_eq!(versions[0]["artifacts"][0]["size"], plan.big_bytes);
    Row {
        group: Group::Artifact,
        bench: format!(
            "`omgreg register big --artifact` ({})",
            size_label(plan.big_bytes)
        ),
        registry: shape.label(),
        subject,
        load: load_average(),
        baseline_name: "`cp` of the same file".to_owned(),
        baseline: base,
        target: Target::Ratio(1.2),
    }
}

fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Incompressible bytes from xorshift64*, so nothing can shortcut the copy.
fn write_random_file(path: &Path, bytes: u64) {
    let mut file = File::create(path).expect("artifact file");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buffer = vec![0u8; 8 << 20];
    let mut left = bytes;
    while left > 0 {
        for chunk in buffer.chunks_exact_mut(8) {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            chunk.copy_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        let n = left.min(buffer.len() as u64) as usize;
        file.write_all(&buffer[..n]).expect("writing the artifact");
        left -= n as u64;
    }
    file.sync_all().expect("syncing the artifact");
}

fn warm_page_cache(path: &Path) {
    let mut file = File::open(path).expect("artifact file");
    let mut buffer = vec![0u8; 8 << 20];
    while file.read(&mut buffer).expect("reading the artifact") > 0 {}
}
