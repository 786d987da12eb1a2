//! Lifecycle commands: `promote`, `alias set` / `alias rm`, `archive`, `unarchive`
//! (rollback has its own file). Each action must be exactly one commit touching the
//! stage pointers, the model card and the endpoints that follow them, judged by `git`.

use crate::common::TestEnv;
use crate::common::lifecycle::*;
use crate::common::refusal::*;

#[test]
fn promote_defaults_to_the_next_rung_and_moves_the_version() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);

    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_eq!(resolve(&env, &reg, "churn@Staging"), "1.0.0");
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: promote",
            "Omgreg-Model: churn",
            "Omgreg-Version: 1.0.0",
            "Omgreg-Stage: Staging",
        ]
    );
    assert_eq!(
        changed(&env, &reg),
        ["models/churn/README.md", "models/churn/stages.yaml"]
    );

    // The next rung from Staging is Production; the Staging slot is emptied.
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    let stages = stages_yaml(&env, &reg, "churn");
    assert!(!stages.contains("Staging"), "{stages}");
    assert_eq!(show(&env, &reg, "churn@1.0.0")["stage"], "Production");
    let listed = env.json(&reg, &["list"]);
    assert_eq!(
        listed["models"][0]["stages"]["Staging"],
        serde_json::json!([])
    );

    // Any case on input, the configured form on disk; the replaced version goes
    // back to None and stays active.
    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--to", "production"],
    );
    let stages = stages_yaml(&env, &reg, "churn");
    assert!(stages.contains("Production: 2.0.0"), "{stages}");
    assert!(!stages.contains("production"), "{stages}");
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: promote",
            "Omgreg-Model: churn",
            "Omgreg-Version: 2.0.0",
            "Omgreg-Stage: Production",
            "Omgreg-Previous: 1.0.0",
        ]
    );
    let replaced = show(&env, &reg, "churn@1.0.0");
    assert_eq!(replaced["stage"], "None");
    assert_eq!(replaced["status"], "active");

    // The flag style names the same thing.
    act(
        &env,
        &reg,
        &[
            "promote",
            "--model",
            "churn",
            "--version",
            "1.0.0",
            "--stage",
            "STAGING",
        ],
    );
    assert_eq!(resolve(&env, &reg, "churn@staging"), "1.0.0");
    env.assert_fsck_clean(&reg);
}

#[test]
fn promote_dry_run_prints_the_change_and_writes_nothing() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let before = env.state(&reg);
    let stdout = run(
        &env,
        &reg,
        &[
            "promote",
            "churn@1.0.0",
            "--stage",
            "Production",
            "--dry-run",
        ],
    );
    assert!(stdout.contains("models/churn/stages.yaml"), "{stdout}");
    assert_eq!(env.state(&reg), before);
}

#[test]
fn promote_of_several_models_is_one_commit() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    register_ok(&env, &reg, &["fraud", "--version", "0.1.0"]);
    act(
        &env,
        &reg,
        &[
            "promote",
            "churn@1.0.0",
            "fraud@0.1.0",
            "--stage",
            "Production",
        ],
    );
    assert_eq!(
        changed(&env, &reg),
        [
            "models/churn/README.md",
            "models/churn/stages.yaml",
            "models/fraud/README.md",
            "models/fraud/stages.yaml",
        ]
    );
    let trailers = trailers(&env, &reg);
    assert!(
        trailers.contains(&"Omgreg-Model: churn".to_owned()),
        "{trailers:?}"
    );
    assert!(
        trailers.contains(&"Omgreg-Model: fraud".to_owned()),
        "{trailers:?}"
    );
    assert_eq!(resolve(&env, &reg, "churn@Production"), "1.0.0");
    assert_eq!(resolve(&env, &reg, "fraud@Production"), "0.1.0");
    env.assert_fsck_clean(&reg);
}

#[test]
fn allowed_sources_and_archive_on_replace_follow_the_config() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(
        &env,
        &reg,
        "[stages.options.Production]\nfrom = [\"Staging\"]\non_replace = \"archive\"\n",
    );

    let stderr = refused(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
        1,
    );
    assert_mentions(
        &stderr,
        &["omgreg::stage::transition_not_allowed", "None", "Staging"],
    );

    for version in ["1.0.0", "1.0.0", "2.0.0", "2.0.0"] {
        act(&env, &reg, &["promote", &format!("churn@{version}")]);
    }
    assert_eq!(resolve(&env, &reg, "churn@Production"), "2.0.0");
    assert_eq!(
        changed(&env, &reg),
        [
            "models/churn/README.md",
            "models/churn/stages.yaml",
            "models/churn/versions/1.0.0.yaml",
        ]
    );
    let replaced = show(&env, &reg, "churn@1.0.0");
    assert_eq!(replaced["status"], "archived");
    assert_eq!(replaced["stage"], "Archived");
    assert!(
        !replaced["archived"]["reason"].as_str().unwrap().is_empty(),
        "{replaced}"
    );
    env.assert_fsck_clean(&reg);
}

#[test]
fn promote_and_rollback_rewrite_the_endpoint_in_the_same_commit() {
    let env = TestEnv::new();
    let (reg, shas) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(&env, &reg, KSERVE_ENDPOINT);

    // Staging is not followed by the endpoint: no deploy file yet.
    act(&env, &reg, &["promote", "churn@1.0.0"]);
    assert_eq!(
        changed(&env, &reg),
        ["models/churn/README.md", "models/churn/stages.yaml"]
    );
    assert!(!reg.join("deploy/churn-prod.yaml").exists());

    act(&env, &reg, &["promote", "churn@1.0.0"]);
    let three = [
        "deploy/churn-prod.yaml",
        "models/churn/README.md",
        "models/churn/stages.yaml",
    ];
    assert_eq!(changed(&env, &reg), three);
    let deploy = env.git(&reg, &["show", "HEAD:deploy/churn-prod.yaml"]);
    assert!(deploy.contains("kind: InferenceService"), "{deploy}");
    assert!(deploy.contains("omgreg/version: \"1.0.0\""), "{deploy}");
    assert!(deploy.contains(&shas[0]), "{deploy}");
    assert!(
        deploy.contains("storageUri: s3://b/models/churn/1.0.0/model.pt"),
        "{deploy}"
    );
    assert_eq!(
        std::fs::read_to_string(reg.join("deploy/churn-prod.yaml")).unwrap(),
        deploy
    );

    act(
        &env,
        &reg,
        &["promote", "churn@2.0.0", "--stage", "Production"],
    );
    assert_eq!(changed(&env, &reg), three);
    let deploy = std::fs::read_to_string(reg.join("deploy/churn-prod.yaml")).unwrap();
    assert!(deploy.contains("omgreg/version: \"2.0.0\""), "{deploy}");
    assert!(deploy.contains(&shas[1]), "{deploy}");

    act(&env, &reg, &["rollback", "churn"]);
    assert_eq!(changed(&env, &reg), three);
    let deploy = std::fs::read_to_string(reg.join("deploy/churn-prod.yaml")).unwrap();
    assert!(deploy.contains("omgreg/version: \"1.0.0\""), "{deploy}");
    assert!(deploy.contains(&shas[0]), "{deploy}");
    assert!(!deploy.contains(&shas[1]), "{deploy}");
    env.assert_fsck_clean(&reg);
}

#[test]
fn an_endpoint_following_an_alias_moves_with_it() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(
        &env,
        &reg,
        "[[endpoint]]\nname = \"churn-champion\"\nmodel = \"churn\"\nalias = \"champion\"\n",
    );
    act(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: alias-set",
            "Omgreg-Model: churn",
            "Omgreg-Version: 1.0.0",
            "Omgreg-Alias: champion",
        ]
    );
    let three = [
        "deploy/churn-champion.yaml",
        "models/churn/README.md",
        "models/churn/stages.yaml",
    ];
    assert_eq!(changed(&env, &reg), three);
    let deploy = std::fs::read_to_string(reg.join("deploy/churn-champion.yaml")).unwrap();
    assert!(deploy.contains("version: 1.0.0"), "{deploy}");

    act(&env, &reg, &["alias", "set", "churn@2.0.0", "champion"]);
    assert!(trailers(&env, &reg).contains(&"Omgreg-Previous: 1.0.0".to_owned()));
    assert_eq!(resolve(&env, &reg, "churn@champion"), "2.0.0");
    let deploy = std::fs::read_to_string(reg.join("deploy/churn-champion.yaml")).unwrap();
    assert!(deploy.contains("version: 2.0.0"), "{deploy}");

    act(&env, &reg, &["alias", "rm", "churn", "champion"]);
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: alias-rm",
            "Omgreg-Model: churn",
            "Omgreg-Alias: champion",
            "Omgreg-Previous: 2.0.0",
        ]
    );
    assert_eq!(changed(&env, &reg), three);
    assert!(!stages_yaml(&env, &reg, "churn").contains("champion"));
    assert!(!reg.join("deploy/churn-champion.yaml").exists());
    env.assert_fsck_clean(&reg);
}

#[test]
fn archive_and_unarchive_record_the_reason_and_force_clears_stage_and_alias() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    configure(&env, &reg, KSERVE_ENDPOINT);

    act(
        &env,
        &reg,
        &["archive", "churn@2.0.0", "--reason", "bad calibration"],
    );
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: archive",
            "Omgreg-Model: churn",
            "Omgreg-Version: 2.0.0",
        ]
    );
    assert_eq!(
        changed(&env, &reg),
        ["models/churn/README.md", "models/churn/versions/2.0.0.yaml"]
    );
    let archived = show(&env, &reg, "churn@2.0.0");
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["archived"]["reason"], "bad calibration");
    // The artifacts are kept.
    assert_eq!(archived["artifacts"].as_array().unwrap().len(), 1);

    act(&env, &reg, &["unarchive", "churn@2.0.0"]);
    assert_eq!(
        trailers(&env, &reg),
        [
            "Omgreg-Action: unarchive",
            "Omgreg-Model: churn",
            "Omgreg-Version: 2.0.0",
        ]
    );
    assert_eq!(show(&env, &reg, "churn@2.0.0")["status"], "active");

    // --force clears the stage, the alias and the endpoint in the same commit.
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    act(&env, &reg, &["alias", "set", "churn@1.0.0", "champion"]);
    act(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--reason", "leak", "--force"],
    );
    assert_eq!(
        changed(&env, &reg),
        [
            "deploy/churn-prod.yaml",
            "models/churn/README.md",
            "models/churn/stages.yaml",
            "models/churn/versions/1.0.0.yaml",
        ]
    );
    let stages = stages_yaml(&env, &reg, "churn");
    assert!(!stages.contains("1.0.0"), "{stages}");
    assert!(!reg.join("deploy/churn-prod.yaml").exists());
    assert_eq!(show(&env, &reg, "churn@1.0.0")["stage"], "Archived");
    env.assert_fsck_clean(&reg);
}

#[test]
fn refused_actions_change_nothing() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0", "3.0.0"]);
    configure(&env, &reg, "[stages.options.Staging]\nshared = true\n");
    act(
        &env,
        &reg,
        &["promote", "churn@1.0.0", "--stage", "Production"],
    );
    act(
        &env,
        &reg,
        &["promote", "churn@3.0.0", "--stage", "Staging"],
    );
    act(&env, &reg, &["archive", "churn@2.0.0", "--reason", "bad"]);
    act(&env, &reg, &["alias", "set", "churn@3.0.0", "champion"]);

    let cases: &[(&[&str], &[&str])] = &[
        (
            &["promote", "churn@2.0.0", "--stage", "Production"],
            &["omgreg::version::archived", "churn@2.0.0", "unarchive"],
        ),
        (
            &["promote", "churn@3.0.0", "--stage", "Prod"],
            &["omgreg::stage::unknown", "Prod", "Production"],
        ),
        (
            &["promote", "churn@1.0.0", "--stage", "production"],
            &["omgreg::stage::already_there", "churn@1.0.0"],
        ),
        (
            &["promote", "churn@1.0.0"],
            &["omgreg::stage::top_of_ladder", "--stage"],
        ),
        (
            &["promote", "churn@9.0.0"],
            &["omgreg::version::not_found", "churn@9.0.0"],
        ),
        (
            &["archive", "churn@1.0.0", "--reason", "x"],
            &["omgreg::version::holds_stage", "Production", "--force"],
        ),
        (
            &["archive", "churn@3.0.0", "--reason", "x"],
            &["omgreg::version::holds_stage", "--force"],
        ),
        (
            &["unarchive", "churn@1.0.0"],
            &["omgreg::version::not_archived", "churn@1.0.0"],
        ),
        (
            &["alias", "set", "churn@1.0.0", "production"],
            &["omgreg::alias::invalid", "production"],
        ),
        (
            &["alias", "set", "churn@1.0.0", "v2"],
            &["omgreg::alias::invalid", "v2", "version"],
        ),
        (
            &["alias", "set", "churn@3.0.0", "champion"],
            &["omgreg::alias::unchanged", "champion"],
        ),
        (
            &["alias", "rm", "churn", "canary"],
            &["omgreg::alias::not_found", "canary"],
        ),
        (&["rollback", "nope"], &["omgreg::model::not_found", "nope"]),
        (
            &["rollback", "churn", "--stage", "staging"],
            &["omgreg::rollback::shared_stage", "Staging"],
        ),
        (&["rollback", "churn", "--stage", "Bogus"], &["Bogus"]),
        (
            &["rollback", "churn", "--to-version", "2.0.0"],
            &["omgreg::version::archived", "churn@2.0.0"],
        ),
    ];
    for (args, needles) in cases {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(&stderr, needles);
    }
    env.assert_fsck_clean(&reg);
}

#[test]
fn list_rev_shows_earlier_stages_and_the_card_shows_the_present() {
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0", "2.0.0"]);
    promote_each(&env, &reg, &["1.0.0", "2.0.0"]);
    act(
        &env,
        &reg,
        &["archive", "churn@1.0.0", "--reason", "calibration drift"],
    );

    let production = |rev: &str| {
        env.json(&reg, &["list", "--rev", rev])["models"][0]["stages"]["Production"].clone()
    };
    assert_eq!(production("HEAD"), serde_json::json!(["2.0.0"]));
    assert_eq!(production("HEAD~1"), serde_json::json!(["2.0.0"]));
    assert_eq!(production("HEAD~2"), serde_json::json!(["1.0.0"]));
    assert_eq!(production("HEAD~3"), serde_json::json!([]));
    let then = env.json(&reg, &["list", "churn", "--rev", "HEAD~2"]);
    assert_eq!(then["versions"][0]["version"], "1.0.0");
    assert_eq!(then["versions"][0]["stage"], "Production");

    let card = std::fs::read_to_string(reg.join("models/churn/README.md")).unwrap();
    assert_eq!(
        card,
        env.git(&reg, &["show", "HEAD:models/churn/README.md"]),
        "the card on disk is the committed one"
    );
    assert!(card.contains("| Production | 2.0.0 |"), "{card}");
    assert!(card.contains("| 1.0.0 | Archived |"), "{card}");
    assert!(card.contains("1.0.0: calibration drift"), "{card}");

    // The card of an earlier commit showed the Production of its time.
    let earlier = env.git(&reg, &["show", "HEAD~2:models/churn/README.md"]);
    assert!(earlier.contains("| Production | 1.0.0 |"), "{earlier}");
    assert!(!earlier.contains("calibration drift"), "{earlier}");
}
