//! `omgreg render`: generated files brought up to date after a hand edit.

use crate::common::TestEnv;

#[test]
fn render_commits_stale_cards_after_a_hand_edit_and_then_has_nothing_to_do() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["register", "churn", "--metric", "acc=0.9"])
        .assert()
        .success();
    std::fs::write(
        reg.join("models/churn/stages.yaml"),
        "stages:\n  Production: 1.0.0\naliases: {}\n",
    )
    .unwrap();
    env.git(&reg, &["commit", "-qam", "promote by hand in a web editor"]);
    let stale = env
        .omgreg(&reg)
        .arg("check")
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8_lossy(&stale).contains("error[generated]"),
        "{}",
        String::from_utf8_lossy(&stale)
    );

    let before = env.commit_count(&reg);
    env.omgreg(&reg).arg("render").assert().success();
    assert_eq!(env.commit_count(&reg), before + 1);
    assert_eq!(
        env.git(&reg, &["show", "--name-only", "--format=", "HEAD"]),
        "models/churn/README.md\n"
    );
    assert!(
        env.git(&reg, &["log", "-1", "--format=%B"])
            .contains("Omgreg-Action: render")
    );
    let card = std::fs::read_to_string(reg.join("models/churn/README.md")).unwrap();
    assert!(card.contains("| Production | 1.0.0 |"), "{card}");
    env.omgreg(&reg).arg("check").assert().success();

    let again = env.omgreg(&reg).arg("render").assert().success();
    assert!(String::from_utf8_lossy(&again.get_output().stderr).contains("up to date"));
    assert_eq!(env.commit_count(&reg), before + 1);
    assert_eq!(env.git(&reg, &["status", "--porcelain"]), "");
    env.assert_fsck_clean(&reg);
}
