//! Rule `portable-path`: every path of the registry checks out on Linux, macOS and
//! Windows (see `registry::judge_paths` for the rules).
//!
//! One pass over the tree's paths, one finding per offending path: a bad folder is
//! named once, not once per file inside it.

use crate::registry::{PathFinding, Snapshot, describe_problems, judge_paths, shown};

use super::{Finding, Rule};

/// Checks every path of the registry tree.
pub fn check_portability(snapshot: &dyn Snapshot) -> Vec<Finding> {
    let paths = match snapshot.files_under("") {
        Ok(paths) => paths,
        Err(err) => return vec![Finding::new(Rule::PortablePath, err.to_string())],
    };
    judge_paths(&paths)
        .into_iter()
        .map(|finding| {
            let message = match &finding {
                PathFinding::Unportable { path, problems } => format!(
                    "`{}` cannot be checked out on every system: its last part {}",
                    shown(path),
                    describe_problems(problems)
                ),
                PathFinding::Collision { path, other } => format!(
                    "`{}` and `{}` are the same path on case-insensitive file systems (macOS, Windows)",
                    shown(path),
                    shown(other)
                ),
            };
            Finding::new(Rule::PortablePath, message).at(finding.path(), None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::MemorySnapshot;

    #[test]
    fn each_bad_path_is_one_finding_with_its_path() {
        let snap = MemorySnapshot::default()
            .with("omgreg.toml", "")
            .with("zoo/m/artifacts/1.0.0/Model.pt", "")
            .with("zoo/m/artifacts/1.0.0/model.pt", "")
            .with("zoo/m/artifacts/1.0.0/nul.txt", "")
            .with("zoo/m/versions/1.0.0.yaml", "");
        let findings = check_portability(&snap);
        let files: Vec<_> = findings.iter().map(|f| f.file.as_deref()).collect();
        assert_eq!(
            files,
            [
                Some("zoo/m/artifacts/1.0.0/model.pt"),
                Some("zoo/m/artifacts/1.0.0/nul.txt")
            ]
        );
        assert!(findings.iter().all(|f| f.rule == Rule::PortablePath));
    }
}
