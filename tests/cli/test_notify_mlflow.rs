//! Webhook targets with `signature = "mlflow"` get MLflow 3's webhook payloads,
//! checked against MLflow's own payload types (issue 14, item 7).

use crate::common::TestEnv;
use crate::common::lifecycle::{act, churn_registry, configure};
use crate::test_notify::{Listener, webhook};

/// What MLflow 3's `mlflow.webhooks.types` says each event's payload holds: every
/// body omgreg sends an `mlflow` target names an (entity, action) MLflow knows and
/// carries every key of its payload type.
#[test]
fn mlflow_targets_get_mlflows_event_names_and_payloads() {
    let Some(python) = crate::common::tools::tool("python") else {
        return;
    };
    let env = TestEnv::new();
    let (reg, _) = churn_registry(&env, &["1.0.0"]);
    let listener = Listener::start();
    configure(
        &env,
        &reg,
        &webhook("mlflow-hook", &listener, "signature = \"mlflow\"\n"),
    );
    act(&env, &reg, &["register", "churn", "--version", "1.1.0"]);
    act(&env, &reg, &["alias", "set", "churn@1.1.0", "champion"]);
    act(&env, &reg, &["alias", "rm", "churn", "champion"]);
    act(
        &env,
        &reg,
        &["promote", "churn@1.1.0", "--stage", "Staging"],
    );
    let bodies: Vec<String> = listener.requests().iter().map(|r| r.body.clone()).collect();
    let names: Vec<String> = bodies
        .iter()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(b).expect("JSON");
            format!(
                "{}.{}",
                v["entity"].as_str().unwrap(),
                v["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "model_version.created",
            "model_version_alias.created",
            "model_version_alias.deleted",
            "model_version_tag.set"
        ]
    );
    let script = r#"
import json, sys
from mlflow.entities.webhook import WebhookAction, WebhookEntity
from mlflow.webhooks.types import EVENT_TO_PAYLOAD_CLASS
for line in sys.stdin:
    body = json.loads(line)
    key = (WebhookEntity(body["entity"]), WebhookAction(body["action"]))
    payload = EVENT_TO_PAYLOAD_CLASS[key]
    missing = set(payload.__annotations__) - set(body["data"])
    assert not missing, (key, missing)
    print("ok", body["entity"], body["action"])
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for body in &bodies {
            writeln!(stdin, "{body}").expect("write");
        }
    }
    let output = child.wait_with_output().expect("python ends");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 4);
}
