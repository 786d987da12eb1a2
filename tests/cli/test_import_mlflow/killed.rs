//! An import killed half-way (`OMGREG_FAILPOINT`, compiled in by the cargo feature
//! `failpoints`): the chain writer builds every commit in memory, writes them as one
//! pack and moves the branch once, so a crash before the move must leave nothing
//! visible.

use crate::common::TestEnv;
use crate::common::crash::{Findings, check_clean, check_git_fsck, check_no_leftovers, kill_at};

use super::expect::{assert_imported, assert_report_notes};
use super::{build, import};

/// An import killed at each point of the chain writer (a commit written in memory,
/// the pack in the object database, the whole chain before the branch moves)
/// leaves the branch and working tree where they were, `git fsck` clean and
/// `omgreg check` passing; the next import completes.
#[test]
fn import_mlflow_killed_half_way_leaves_the_branch_where_it_was() {
    let env = TestEnv::new();
    let Some((uri, expected)) = build(&env, "sqlite") else {
        return;
    };
    for point in [
        "chain-commit-written",
        "chain-pack-written",
        "chain-written",
    ] {
        let reg = env.init_registry(point);
        let before = env.state(&reg);
        let found = Findings::default();
        let args: Vec<String> = ["import", "mlflow", "--tracking-uri", &uri]
            .map(String::from)
            .to_vec();
        kill_at(&env, &reg, &args, point, &found);
        let after = env.state(&reg);
        found.find(after == before, || {
            format!(
                "HEAD, refs, index or files moved: {:?} -> {:?}",
                (&before.head, &before.refs),
                (&after.head, &after.refs)
            )
        });
        check_git_fsck(&env, &reg, &found);
        let check = env.omgreg(&reg).arg("check").output().expect("runs");
        found.find(check.status.success(), || {
            format!("`omgreg check`: {}", String::from_utf8_lossy(&check.stderr))
        });
        check_clean(&env, &reg, "after the kill", &found);
        check_no_leftovers(&reg, &found);
        found.assert_none(&format!("import killed at `{point}`"));
        let report = import(&env, &reg, &uri, &[]);
        assert_report_notes(&expected, &report);
        assert_imported(&env, &reg, "HEAD", &expected);
    }
}
