//! What signing adds to `register`, beside what it adds to `git commit`.

use crate::generate::Shape;
use crate::harness::{Env, Group, Row, Target, load_average, measure_pair, stdout_of, timed};
use crate::plan::Plan;

use super::shapes::{generate_verified, subject_model};

/// Signed `register` (an SSH key, `commit.gpgsign`) against `register --no-sign` on the
/// same small registry, and `git commit -S` against an unsigned commit for reference.
pub fn bench_signing(env: &Env, plan: &Plan) -> Vec<Row> {
    let shape = Shape {
        models: 10,
        versions: 10,
    };
    let dir = env.root.join("signing-registry");
    generate_verified(env, &dir, shape);
    let key = env.root.join("signing-key");
    let key_arg = key.to_str().expect("a UTF-8 temp path");
    let mut keygen = env.command("ssh-keygen", &env.root);
    keygen.args([
        "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key_arg,
    ]);
    timed(keygen);
    for (name, value) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", key_arg),
        ("commit.gpgsign", "true"),
    ] {
        timed(env.git(&dir, &["config", name, value]));
    }
    // The newest `count` commits alternate unsigned (older) and signed (newer).
    let check_alternation = |count: usize| {
        let ids = stdout_of(env.git(&dir, &["rev-list", "-n", &count.to_string(), "HEAD"]));
        for (i, id) in ids.lines().enumerate() {
            let raw = stdout_of(env.git(&dir, &["cat-file", "commit", id]));
            let signed = raw.lines().any(|l| l.starts_with("gpgsig "));
            assert_eq!(signed, i % 2 == 0, "commit {id} signed: {signed}");
        }
    };

    let model = subject_model(shape);
    let registry = shape.label();
    let mut rows = Vec::new();
    eprintln!(
        "{registry} signed vs unsigned omgreg register {model}: {} runs",
        plan.runs
    );
    let (subject, base) = measure_pair(
        plan.warmup,
        plan.runs,
        &|| env.omgreg(&dir, &["register", &model]),
        &|| env.omgreg(&dir, &["register", &model, "--no-sign"]),
        &|| {},
    );
    check_alternation(2 * (plan.warmup + plan.runs));
    rows.push(Row {
        group: Group::Signing,
        bench: format!("`omgreg register {model}` (signed, SSH key)"),
        registry: registry.clone(),
        subject,
        load: load_average(),
        baseline_name: format!("`omgreg register {model} --no-sign`"),
        baseline: base,
        target: Target::None,
    });

    eprintln!("{registry} git commit -S vs unsigned: {} runs", plan.runs);
    let (subject, base) = measure_pair(
        plan.warmup,
        plan.runs,
        &|| {
            env.git(
                &dir,
                &["commit", "-q", "--allow-empty", "-S", "-m", "signed"],
            )
        },
        &|| {
            env.git(
                &dir,
                &[
                    "commit",
                    "-q",
                    "--allow-empty",
                    "--no-gpg-sign",
                    "-m",
                    "unsigned",
                ],
            )
        },
        &|| {},
    );
    check_alternation(2 * (plan.warmup + plan.runs));
    rows.push(Row {
        group: Group::Signing,
        bench: "`git commit --allow-empty -S` (reference)".to_owned(),
        registry,
        subject,
        load: load_average(),
        baseline_name: "`git commit --allow-empty --no-gpg-sign`".to_owned(),
        baseline: base,
        target: Target::None,
    });
    rows
}
