//! Model cards and endpoint manifests rendered from templates: byte-identical to the
//! outputs of the hand-written renderer for ordinary registries (golden files made
//! with it), and values escaped for the output they land in.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;
use crate::common::lifecycle::{act, configure};
use crate::golden::assert_golden;

/// Four endpoints: the shipped KServe template on Production, the built-in template
/// on Production, Staging and the `champion` alias.
const ENDPOINTS: &str = "[[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\n\
     stage = \"Production\"\ntemplate = \"templates/kserve.yaml.j2\"\n\
     vars = { storage = \"s3://acme-models\" }\n\n\
     [[endpoint]]\nname = \"churn-staging\"\nmodel = \"churn\"\nstage = \"Staging\"\n\n\
     [[endpoint]]\nname = \"churn-prod-plain\"\nmodel = \"churn\"\nstage = \"Production\"\n\n\
     [[endpoint]]\nname = \"churn-champion\"\nmodel = \"churn\"\nalias = \"champion\"\n";

const MODEL_YAML: &str = "model: churn\n\
     description: \"Predicts which customers cancel within 30 days (monthly refresh); see the wiki, section 2.\"\n\
     owners:\n  - growth-ml\n  - Ada Lovelace\n\
     tags:\n  team: growth\n  tier: gold\n";

/// A registry as teams have them: two models, metrics, params, tags, a lineage
/// parent, stored and linked artifacts, a folder artifact, stages, an alias, an
/// archived version and four endpoints.
fn realistic_registry(env: &TestEnv) -> PathBuf {
    let reg = env.init_registry("reg");
    configure(env, &reg, ENDPOINTS);
    std::fs::create_dir_all(reg.join("models/churn")).unwrap();
    std::fs::write(reg.join("models/churn/model.yaml"), MODEL_YAML).unwrap();
    env.git(&reg, &["add", "models/churn/model.yaml"]);
    env.git(&reg, &["commit", "-qm", "describe churn"]);

    register_churn(env, &reg);
    // 2.0.0 is linked by URI (parent 1.1.0), 2.1.0 has no artifact.
    act(
        env,
        &reg,
        &[
            "register",
            "churn",
            "--version",
            "2.0.0",
            "--uri",
            "s3://acme-models/churn/2.0.0/model.bin",
            "--sha256",
            "afe937e4a58d183f2c9d9ef2097568f1084ebd920cde8f8fc182bcbf5a79ce21",
            "--metric",
            "accuracy=0.95",
            "--parent",
            "churn@1.1.0",
        ],
    );
    act(
        env,
        &reg,
        &[
            "register",
            "churn",
            "--version",
            "2.1.0",
            "--metric",
            "accuracy=0.5",
        ],
    );
    act(env, &reg, &["promote", "churn@1.0.0", "--stage", "Staging"]);
    act(
        env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Production"],
    );
    act(env, &reg, &["alias", "set", "churn@2.0.0", "champion"]);
    act(
        env,
        &reg,
        &[
            "archive",
            "churn@2.1.0",
            "--reason",
            "latency regression in production",
        ],
    );
    let (f1, _) = env.make_file("out/fraud/model.onnx", 700);
    act(
        env,
        &reg,
        &[
            "register",
            "fraud",
            "--artifact",
            f1.to_str().unwrap(),
            "--metric",
            "auc=0.97",
            "--metric",
            "delta=-0.02",
        ],
    );
    reg
}

/// churn 1.0.0 (stored file) and 1.1.0 (folder, parent 1.0.0).
fn register_churn(env: &TestEnv, reg: &Path) {
    let (v1, _) = env.make_file("out/v1/model.pt", 1500);
    act(
        env,
        reg,
        &[
            "register",
            "churn",
            "--version",
            "1.0.0",
            "--artifact",
            v1.to_str().unwrap(),
            "--metric",
            "val_loss=0.4321",
            "--metric",
            "accuracy=0.9",
            "--param",
            "lr=0.001",
            "--param",
            "epochs=12",
            "--tag",
            "framework=pytorch",
            "--description",
            "Baseline: logistic features, 12 epochs (no tuning).",
        ],
    );
    env.make_file("out/v2/weights.bin", 2048);
    env.make_file("out/v2/config.json", 64);
    let folder = env.path().join("out/v2");
    act(
        env,
        reg,
        &[
            "register",
            "churn",
            "--version",
            "1.1.0",
            "--artifact",
            folder.to_str().unwrap(),
            "--metric",
            "val_loss=0.30",
            "--metric",
            "accuracy=0.935",
            "--metric",
            "f1=0.8812",
            "--parent",
            "churn@1.0.0",
            "--tag",
            "framework=pytorch",
            "--description",
            "Tuned learning rate; fine-tuned from 1.0.0.",
        ],
    );
}

/// Every generated file of the realistic registry, as committed.
fn generated(env: &TestEnv, reg: &Path) -> Vec<(&'static str, String)> {
    [
        ("churn.README.md", "models/churn/README.md"),
        ("fraud.README.md", "models/fraud/README.md"),
        ("churn-prod.yaml", "deploy/churn-prod.yaml"),
        ("churn-staging.yaml", "deploy/churn-staging.yaml"),
        ("churn-prod-plain.yaml", "deploy/churn-prod-plain.yaml"),
        ("churn-champion.yaml", "deploy/churn-champion.yaml"),
    ]
    .into_iter()
    .map(|(golden, path)| (golden, env.git(reg, &["show", &format!("HEAD:{path}")])))
    .collect()
}

/// Guards the move of the model card and manifests to template files: for an
/// ordinary registry they must stay byte-identical to what the hand-written renderer
/// (commit bddc527) wrote, or every registry would churn on its next action.
#[test]
fn cards_and_manifests_of_an_ordinary_registry_are_byte_identical_to_before() {
    let env = TestEnv::new();
    let reg = realistic_registry(&env);
    for (golden, text) in generated(&env, &reg) {
        assert_golden(golden, &text);
    }
    env.omgreg(&reg).arg("check").assert().success();
}
