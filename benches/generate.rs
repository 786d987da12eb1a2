//! Writes schema-1 registries of any size straight into Git objects.
//!
//! One `git fast-import` process receives the whole registry as a stream and writes it
//! as a single pack: an initial commit with `omgreg.toml` and `.gitattributes`, then
//! one commit adding every model. No `omgreg` process runs, so generating 23,000 files
//! takes a few seconds, most of it the checkout. The branch is then checked out
//! (`git reset --hard`), so the working tree and the index look like those of a fresh
//! clone.
//!
//! [`generate_history`] (in `generate/history.rs`) writes a registry with a long
//! history instead: one commit with every model, then one promotion (or alias) commit
//! per step, as `omgreg promote` (`omgreg alias set`) would have made them.

mod history;

pub use history::{History, HistoryFacts, MIN_COMMITS, generate_history};

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

/// How big a registry is.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub models: usize,
    pub versions: usize,
}

impl Shape {
    pub fn label(self) -> String {
        format!("{} × {}", thousands(self.models), thousands(self.versions))
    }

    /// The greatest version each model starts with.
    pub fn latest(self) -> String {
        version(self.versions - 1)
    }
}

/// `1,000` for 1000.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The i-th version of every model: `1.<i>.0`.
pub fn version(i: usize) -> String {
    format!("1.{i}.0")
}

/// The name of the i-th model: `m<i>`.
pub fn model(i: usize) -> String {
    format!("m{i}")
}

const CONFIG: &str =
    "schema = 1\nname = \"bench\"\n\n[stages]\nladder = [\"Staging\", \"Production\"]\n";
const ATTRIBUTES: &str = "models/*/artifacts/** filter=lfs diff=lfs merge=lfs -text\n";
const AUTHOR: &str = "Bench <bench@example.com>";
/// 2026-01-02T03:04:05Z.
const EPOCH: u64 = 1_767_323_045;

/// Creates a registry of `shape` at `dir` (a new folder). `git` runs through `git()`,
/// which must give a hermetic command.
pub fn generate(dir: &Path, shape: Shape, git: &dyn Fn() -> Command) -> Result<(), String> {
    fast_import(dir, git, &|out| write_stream(out, shape))
}

/// `git init` at `dir`, feeds `stream` to `git fast-import`, checks the branch out.
fn fast_import(
    dir: &Path,
    git: &dyn Fn() -> Command,
    stream: &dyn Fn(&mut BufWriter<std::process::ChildStdin>) -> std::io::Result<()>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    run(git().arg("init").arg("-q").arg("-b").arg("main").arg(dir))?;

    let mut child = git()
        .current_dir(dir)
        .args(["fast-import", "--quiet", "--date-format=raw"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting git fast-import: {e}"))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let written = stream(&mut BufWriter::with_capacity(1 << 20, stdin));
    let status = child
        .wait()
        .map_err(|e| format!("waiting for git fast-import: {e}"))?;
    written.map_err(|e| format!("feeding git fast-import: {e}"))?;
    if !status.success() {
        return Err(format!("git fast-import failed: {status}"));
    }
    run(git().current_dir(dir).args(["reset", "-q", "--hard"]))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn write_stream(out: &mut impl Write, shape: Shape) -> std::io::Result<()> {
    commit_header(out, EPOCH, "Initialize registry")?;
    file(out, "omgreg.toml", CONFIG.as_bytes())?;
    file(out, ".gitattributes", ATTRIBUTES.as_bytes())?;

    let message = format!(
        "Register {} models × {} versions (generated)",
        shape.models, shape.versions
    );
    commit_header(out, EPOCH + 60, &message)?;
    let mut text = String::new();
    for m in 0..shape.models {
        let name = model(m);
        let dir = format!("models/{name}");
        file(
            out,
            &format!("{dir}/model.yaml"),
            format!("model: {name}\n").as_bytes(),
        )?;
        file(
            out,
            &format!("{dir}/stages.yaml"),
            stages(m, shape).as_bytes(),
        )?;
        file(
            out,
            &format!("{dir}/README.md"),
            model_card(m, shape).as_bytes(),
        )?;
        for v in 0..shape.versions {
            let ver = version(v);
            let sha = hex::encode(Sha256::digest(format!("{name}@{ver}")));
            text.clear();
            version_yaml(&mut text, &name, &ver, m, v, &sha);
            file(out, &format!("{dir}/versions/{ver}.yaml"), text.as_bytes())?;
            let pointer = format!(
                "version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize 1024\n"
            );
            file(
                out,
                &format!("{dir}/artifacts/{ver}/model.bin"),
                pointer.as_bytes(),
            )?;
        }
    }
    out.write_all(b"done\n")?;
    out.flush()
}

fn commit_header(out: &mut impl Write, time: u64, message: &str) -> std::io::Result<()> {
    write!(
        out,
        "commit refs/heads/main\nauthor {AUTHOR} {time} +0000\ncommitter {AUTHOR} {time} +0000\ndata {}\n{message}\n",
        message.len()
    )
}

fn file(out: &mut impl Write, path: &str, content: &[u8]) -> std::io::Result<()> {
    write!(out, "M 100644 inline {path}\ndata {}\n", content.len())?;
    out.write_all(content)?;
    out.write_all(b"\n")
}

/// The latest version is in Staging, the one before in Production; every tenth model
/// has a `champion` alias on its first version.
fn stages(m: usize, shape: Shape) -> String {
    let mut text = String::from("stages:\n");
    text.push_str(&format!("  Staging: {}\n", version(shape.versions - 1)));
    if shape.versions > 1 {
        text.push_str(&format!("  Production: {}\n", version(shape.versions - 2)));
    }
    if m.is_multiple_of(10) {
        text.push_str(&format!("aliases:\n  champion: {}\n", version(0)));
    } else {
        text.push_str("aliases: {}\n");
    }
    text
}

/// Deterministic but varied metrics of version `v` of model `m`: accuracy, latency.
fn metrics(m: usize, v: usize) -> (f64, f64) {
    let seed = (m * 7919 + v * 104_729) as u64;
    (
        0.7 + (seed % 2900) as f64 / 10_000.0,
        5.0 + (seed % 400) as f64 / 8.0,
    )
}

fn created(m: usize, v: usize) -> String {
    rfc3339(EPOCH + (m as u64 * 24 + v as u64) * 3600)
}

/// `models/m<i>/README.md` as omgreg renders it (src/render/card.rs), so that the
/// generated registry passes `omgreg check`. The harness checks that it does.
fn model_card(m: usize, shape: Shape) -> String {
    use std::fmt::Write as _;
    let name = model(m);
    let latest = shape.versions - 1;
    let production = shape.versions.checked_sub(2);
    let mut card = format!(
        "<!-- Generated by omgreg from models/{name}/: do not edit, it is rewritten by every action. -->\n\
         # {name}\n\n## Stages\n\n| Stage | Version |\n|---|---|\n| Staging | {} |\n| Production | {} |\n",
        version(latest),
        production.map_or_else(|| "-".to_owned(), version)
    );
    if m.is_multiple_of(10) {
        let _ = writeln!(card, "| @champion | {} |", version(0));
    }
    card.push_str(
        "\n## Versions\n\n| Version | Stage | Created | Created by | accuracy | latency_ms | Parent |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for v in (0..shape.versions).rev() {
        let stage = if v == latest {
            "Staging"
        } else if Some(v) == production {
            "Production"
        } else {
            "None"
        };
        let (accuracy, latency) = metrics(m, v);
        let _ = writeln!(
            card,
            "| {} | {stage} | {} | Bench &lt;bench@example.com&gt; | {} | {} | - |",
            version(v),
            created(m, v),
            metric_cell(accuracy),
            metric_cell(latency)
        );
    }
    card.push('\n');
    card
}

/// A metric in a model card: four decimals at most, trailing zeros dropped.
fn metric_cell(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

fn version_yaml(out: &mut String, model: &str, ver: &str, m: usize, v: usize, sha: &str) {
    use std::fmt::Write as _;
    let (accuracy, latency) = metrics(m, v);
    let created = created(m, v);
    let _ = write!(
        out,
        "model: {model}\nversion: {ver}\ncreated: {created}\ncreated_by: {AUTHOR}\n\
         metrics:\n  accuracy: {accuracy}\n  latency_ms: {latency}\n\
         params:\n  lr: 0.001\n  epochs: {}\n\
         artifacts:\n- path: model.bin\n  sha256: {sha}\n  size: 1024\n\
         status: active\n",
        10 + v % 20
    );
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
