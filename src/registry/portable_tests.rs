use super::*;
use crate::registry::MemorySnapshot;

#[test]
fn each_rule_is_judged_on_one_part() {
    let long = "a".repeat(256);
    let cases: [(&str, PartProblem); 9] = [
        (&long, PartProblem::TooLong { bytes: 256 }),
        ("CON", PartProblem::ReservedName),
        ("nul.txt", PartProblem::ReservedName),
        ("Lpt9.tar.gz", PartProblem::ReservedName),
        ("com1", PartProblem::ReservedName),
        ("a:b", PartProblem::ForbiddenCharacter(':')),
        ("tab\there", PartProblem::ForbiddenCharacter('\t')),
        ("model.", PartProblem::TrailingDotOrSpace),
        ("model ", PartProblem::TrailingDotOrSpace),
    ];
    for (part, problem) in cases {
        assert_eq!(part_problems(part), [problem], "{part:?}");
    }
    for bad in ['<', '>', '"', '|', '?', '*', '\\', '\u{7f}'] {
        assert_eq!(
            part_problems(&format!("a{bad}b")),
            [PartProblem::ForbiddenCharacter(bad)]
        );
    }
    for good in [
        "a".repeat(255).as_str(),
        "console",
        "com0",
        "com10",
        "nullable.txt",
        "lpt",
        ".hidden",
        "1.0.0-rc.1.yaml",
        "é",
        "modèle.pt",
    ] {
        assert!(part_problems(good).is_empty(), "{good:?}");
    }
}

#[test]
fn collisions_fold_case_and_unicode_normalization() {
    let found = judge_paths(&[
        "a/Model.pt",
        "a/model.pt",
        "b/caf\u{e9}.txt",
        "b/cafe\u{301}.txt",
        "c/x",
    ]);
    assert_eq!(
        found,
        [
            PathFinding::Collision {
                path: "a/model.pt".into(),
                other: "a/Model.pt".into(),
            },
            PathFinding::Collision {
                path: "b/cafe\u{301}.txt".into(),
                other: "b/caf\u{e9}.txt".into(),
            },
        ]
    );
}

#[test]
fn folders_shared_with_the_previous_path_are_still_judged_right() {
    let found = judge_paths(&[
        "d/e/f", "d/e/g", "d/E/h", "d/e/F", "x/y", "x/nul/a", "x/nul/b",
    ]);
    let paths: Vec<&str> = found.iter().map(PathFinding::path).collect();
    assert_eq!(paths, ["d/E", "d/e/F", "x/nul"]);
}

#[test]
fn a_bad_folder_is_reported_once_not_for_each_file() {
    let found = judge_paths(&["M/a", "M/b", "m/a", "m/b", "nul/x", "nul/y", "ok/z."]);
    assert_eq!(
        found,
        [
            PathFinding::Collision {
                path: "m".into(),
                other: "M".into(),
            },
            PathFinding::Unportable {
                path: "nul".into(),
                problems: vec![PartProblem::ReservedName],
            },
            PathFinding::Unportable {
                path: "ok/z.".into(),
                problems: vec![PartProblem::TrailingDotOrSpace],
            },
        ]
    );
}

#[test]
fn new_paths_are_judged_against_their_existing_siblings_only() {
    let snap = MemorySnapshot::default()
        .with("omgreg.toml", "")
        .with("zoo/churn/versions/1.0.0-RC.1.yaml", "")
        .with("zoo/old/x/A", "")
        .with("zoo/old/x/a", "");
    let new = |path: &str| check_new_paths(&snap, &[path.to_owned()]);
    assert!(matches!(
        new("zoo/churn/versions/1.0.0-rc.1.yaml"),
        Err(PortabilityError::Collision { path, other })
            if path == "zoo/churn/versions/1.0.0-rc.1.yaml"
                && other == "zoo/churn/versions/1.0.0-RC.1.yaml"
    ));
    assert!(matches!(
        new("zoo/Old/y"),
        Err(PortabilityError::Collision { path, .. }) if path == "zoo/Old"
    ));
    assert!(matches!(
        new("zoo/aux/versions/1.0.0.yaml"),
        Err(PortabilityError::NotPortable { path, .. }) if path == "zoo/aux"
    ));
    // The collision already in `models/old/x` is `check`'s to report, not a reason
    // to refuse a path elsewhere.
    assert!(new("zoo/churn/versions/1.0.0.yaml").is_ok());
    assert!(new("zoo/old/y").is_ok());
}

#[test]
fn shown_paths_escape_control_characters_and_cut_long_parts() {
    assert_eq!(shown("a/b\u{7}c"), "a/b\\u{7}c");
    let long = format!("v/{}", "x".repeat(300));
    assert_eq!(shown(&long), format!("v/{}…", "x".repeat(40)));
}
