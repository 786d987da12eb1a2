//! The everyday rough edges of issue 14 (item 6), each the way a user met it.

use crate::common::TestEnv;
use crate::common::refusal::*;
use crate::test_sync::{clone, pull, register};

/// A clone made before the registry's first push (an unborn branch) gets the registry
/// with `omgreg pull`, as cli.md says, instead of `not_a_registry` and a suggestion
/// to `omgreg init` there.
#[test]
fn pull_in_a_clone_made_before_the_first_push_checks_the_registry_out() {
    let env = TestEnv::new();
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let url = format!("file://{}", env.path().join("remote.git").display());
    let early = clone(&env, &url, "early");

    let a = env.init_registry("a");
    env.git(&a, &["remote", "add", "origin", &url]);
    register(&env, &a, "churn", "1.0.0", 100);
    env.omgreg(&a).arg("push").assert().success();

    let said = pull(&env, &early);
    assert_mentions(&said, &["Checked out"]);
    assert_eq!(
        env.git(&early, &["rev-parse", "HEAD"]),
        env.git(&a, &["rev-parse", "HEAD"])
    );
    assert_eq!(env.git(&early, &["status", "--porcelain"]), "");
    env.omgreg(&early)
        .args(["resolve", "churn@latest"])
        .assert()
        .success()
        .stdout("1.0.0\n");

    // Anything else without a registry is still not one.
    let plain = env.path().join("plain");
    env.git(env.path(), &["init", "-q", "plain"]);
    std::fs::write(plain.join("f"), "x").expect("write");
    env.git(&plain, &["add", "f"]);
    env.git(&plain, &["commit", "-qm", "code"]);
    let stderr = refused(&env, &plain, &["pull"], 1);
    assert_mentions(&stderr, &["omgreg::store::not_a_registry"]);
}

/// An endpoint may be declared before its model's first version (format.md): `check`,
/// and so every hook, passes it and says it waits, instead of blocking the commit.
#[test]
fn an_endpoint_for_a_model_not_registered_yet_passes_check_with_a_warning() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    env.omgreg(&reg)
        .args(["hooks", "install"])
        .assert()
        .success();
    let config = std::fs::read_to_string(reg.join("omgreg.toml")).expect("config");
    std::fs::write(
        reg.join("omgreg.toml"),
        format!("{config}\n[[endpoint]]\nname = \"fraud-prod\"\nmodel = \"fraud\"\nstage = \"Production\"\n"),
    )
    .expect("write");
    env.git(&reg, &["add", "omgreg.toml"]);
    // The pre-commit hook runs `check --staged`.
    env.git(
        &reg,
        &["commit", "-qm", "an endpoint for fraud, coming soon"],
    );
    let output = env
        .omgreg(&reg)
        .arg("check")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_mentions(
        &crate::common::stderr_of(&output),
        &["warning: endpoint `fraud-prod` follows model `fraud`, which is not registered yet"],
    );
    // Once registered and promoted, it renders.
    env.omgreg(&reg)
        .args(["register", "fraud"])
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["promote", "fraud@1.0.0", "--stage", "Production"])
        .assert()
        .success();
    assert!(reg.join("deploy/fraud-prod.yaml").is_file());
    let output = env
        .omgreg(&reg)
        .arg("check")
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        !crate::common::stderr_of(&output).contains("warning"),
        "{}",
        crate::common::stderr_of(&output)
    );
}

/// A webhook whose `secret_env` variable is not set gets nothing (never an unsigned
/// event), and both the action and `omgreg notify` say which variable is missing,
/// not that the target "could not be reached".
#[test]
fn an_unset_webhook_secret_is_named_and_nothing_is_sent_unsigned() {
    use crate::test_notify::{Listener, cursor, webhook};
    let env = TestEnv::new();
    let (reg, _) = crate::common::lifecycle::churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    crate::common::lifecycle::configure(
        &env,
        &reg,
        &webhook("hook", &listener, "secret_env = \"OMGREG_UNSET_SECRET\"\n"),
    );
    let config_commit = crate::common::signing::head(&env, &reg);
    let output = env
        .omgreg(&reg)
        .args(["promote", "churn@1.0.0", "--stage", "Production"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&crate::common::stderr_of(&output)),
        &[
            "`OMGREG_UNSET_SECRET` (secret_env) is not set",
            "not sending unsigned",
        ],
    );
    let output = env
        .omgreg(&reg)
        .arg("notify")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = flatten(&crate::common::stderr_of(&output));
    assert_mentions(
        &stderr,
        &[
            "`OMGREG_UNSET_SECRET` (secret_env) is not set",
            "omgreg::notify::failed",
            "were not notified",
        ],
    );
    assert!(!stderr.contains("could not be reached"), "{stderr}");
    assert!(listener.requests().is_empty(), "sent unsigned");
    // The cursor waits before the promotion (a new target starts at the latest commit).
    assert_eq!(cursor(&env, &reg, "hook"), Some(config_commit));
}

/// `register --git-tag` refuses an existing tag before it commits anything, for a given
/// and a bumped version alike, naming the tag; `push` sends the version tags with the
/// branch.
#[test]
fn an_existing_version_tag_is_refused_before_the_commit_and_push_sends_tags() {
    let env = TestEnv::new();
    env.git(env.path(), &["init", "-q", "--bare", "remote.git"]);
    let server = env.path().join("remote.git");
    let reg = env.init_registry("reg");
    env.git(
        &reg,
        &[
            "remote",
            "add",
            "origin",
            &format!("file://{}", server.display()),
        ],
    );
    env.omgreg(&reg)
        .args(["register", "churn", "--git-tag"])
        .assert()
        .success()
        .stdout("churn@1.0.0\n");
    // A stale tag where the next version would go.
    env.git(&reg, &["tag", "churn@1.1.0"]);
    for args in [
        &["register", "churn", "--git-tag"][..],
        &["register", "churn", "--version", "1.1.0", "--git-tag"],
    ] {
        let stderr = refused(&env, &reg, args, 1);
        assert_mentions(
            &stderr,
            &[
                "omgreg::register::tag_exists",
                "tag `churn@1.1.0` exists already",
                "git tag -d",
            ],
        );
        assert!(!stderr.contains("branch"), "{stderr}");
    }
    env.git(&reg, &["tag", "-d", "churn@1.1.0"]);
    env.omgreg(&reg)
        .args(["register", "churn", "--git-tag"])
        .assert()
        .success()
        .stdout("churn@1.1.0\n");
    env.git(&reg, &["tag", "not-a-version-tag"]);

    env.omgreg(&reg).arg("push").assert().success();
    let tags = env.git(&server, &["tag", "--list"]);
    assert_eq!(tags, "churn@1.0.0\nchurn@1.1.0\n");
    assert_eq!(
        env.git(&server, &["rev-parse", "churn@1.1.0^{commit}"]),
        env.git(&reg, &["rev-parse", "HEAD"])
    );
}

/// Without a Git identity git refuses to commit; so does omgreg (it committed as
/// `root <root@host>`), with git's hint, and `init` creates nothing first.
#[test]
fn without_a_git_identity_nothing_is_committed_or_created() {
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    for key in ["AUTHOR", "COMMITTER"] {
        env.set_env(&format!("GIT_{key}_NAME"), "");
        env.set_env(&format!("GIT_{key}_EMAIL"), "");
    }
    // Where the machine's host name has a domain, git would guess from it: make the
    // test not depend on the machine, as git's own `user.useConfigOnly` does.
    std::fs::write(
        env.path().join("home/.gitconfig"),
        "[user]\n\tuseConfigOnly = true\n",
    )
    .expect("write");
    let stderr = refused(&env, &reg, &["register", "churn"], 1);
    assert_mentions(
        &stderr,
        &[
            "omgreg::store::identity_unknown",
            "git config --global user.email",
        ],
    );
    let output = env
        .omgreg(env.path())
        .args(["init", "fresh"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_mentions(
        &flatten(&crate::common::stderr_of(&output)),
        &["omgreg::store::identity_unknown"],
    );
    assert!(
        !env.path().join("fresh").exists(),
        "init created the folder"
    );
}

/// The KServe manifest of a multi-file version points at the version's folder (KServe
/// loads directories) with the digest of its manifest, or at the file the version
/// names `--primary`: never at whichever file sorts first (`config.json`).
#[test]
fn a_multi_file_version_is_served_from_its_folder_or_its_primary_file() {
    use crate::common::lifecycle::{KSERVE_ENDPOINT, configure};
    let env = TestEnv::new();
    let reg = env.init_registry("reg");
    configure(&env, &reg, KSERVE_ENDPOINT);
    let (weights, weights_sha) = env.make_file("out/m/model.pt", 3000);
    let (config, config_sha) = env.make_file("out/m/config.json", 20);
    let folder = weights.parent().expect("folder").to_owned();
    assert_eq!(config.parent(), Some(folder.as_path()));
    let manifest = reg.join("deploy/churn-prod.yaml");

    env.omgreg(&reg)
        .args(["register", "churn", "--artifact"])
        .arg(&folder)
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["promote", "churn@1.0.0", "--stage", "Production"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let listing = format!("{config_sha}  m/config.json\n{weights_sha}  m/model.pt\n");
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(listing.as_bytes()));
    assert_mentions(
        &text,
        &[
            "storageUri: s3://b/models/churn/1.0.0/m/\n",
            &format!("omgreg/manifest-sha256: \"{digest}\""),
        ],
    );
    assert!(!text.contains("config.json"), "{text}");

    env.omgreg(&reg)
        .args(["register", "churn", "--primary", "m/model.pt", "--artifact"])
        .arg(&folder)
        .assert()
        .success();
    env.omgreg(&reg)
        .args(["promote", "churn@1.1.0", "--stage", "Production"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    assert_mentions(
        &text,
        &[
            "storageUri: s3://b/models/churn/1.1.0/m/model.pt\n",
            &format!("omgreg/sha256: \"{weights_sha}\""),
        ],
    );
    let shown = env
        .omgreg(&reg)
        .args(["show", "churn@1.1.0", "--json"])
        .output()
        .expect("show");
    assert!(String::from_utf8_lossy(&shown.stdout).contains("\"primary\": \"m/model.pt\""));

    // A primary that is not one of the files is refused, before anything is stored.
    let folder_arg = folder.to_str().expect("UTF-8");
    let stderr = refused(
        &env,
        &reg,
        &[
            "register",
            "churn",
            "--primary",
            "weights.bin",
            "--artifact",
            folder_arg,
        ],
        1,
    );
    assert_mentions(
        &stderr,
        &[
            "omgreg::register::invalid_primary",
            "weights.bin",
            "m/model.pt",
        ],
    );
}

/// `promote --branch` names the branch after the stage the version enters (it said
/// `-next` without `--stage`), and on a GitLab remote asks for a merge request.
#[test]
fn a_promotion_branch_names_its_stage_and_gitlab_gets_a_merge_request() {
    let env = TestEnv::new();
    let reg = crate::test_check::example_registry(&env);
    env.git(env.path(), &["init", "-q", "--bare", "gitlab.git"]);
    env.git(
        &reg,
        &[
            "remote",
            "add",
            "origin",
            "https://gitlab.com/acme/models.git",
        ],
    );
    // Pushes to gitlab.com land in the local bare repository.
    let local = format!("file://{}/", env.path().join("gitlab.git").display());
    env.git(
        &reg,
        &[
            "config",
            &format!("url.{local}.pushInsteadOf"),
            "https://gitlab.com/acme/models.git",
        ],
    );
    let output = env
        .omgreg(&reg)
        .args(["promote", "churn@1.1.0", "--branch", "--push"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = flatten(&crate::common::stderr_of(&output));
    assert_mentions(
        &stderr,
        &[
            "omgreg/promote-churn-1.1.0-staging",
            "Open a merge request: https://gitlab.com/acme/models/-/merge_requests/new",
        ],
    );
    assert!(!stderr.contains("pull request"), "{stderr}");
    let pushed = env.git(&env.path().join("gitlab.git"), &["branch", "--list"]);
    assert!(
        pushed.contains("omgreg/promote-churn-1.1.0-staging"),
        "{pushed}"
    );
}
