//! The body a target with `signature = "mlflow"` receives: MLflow 3's webhook
//! payload (`{"entity", "action", "timestamp", "data"}`, as `mlflow.webhooks`
//! sends it), so a receiver written for MLflow's events understands omgreg's.
//!
//! MLflow 3 has no stages in its webhooks; omgreg's stage and status changes are sent
//! as the version tags MLflow users keep them in (`omgreg.stage`, `omgreg.status`).
//! The omgreg event itself rides along in `data.omgreg`.

use serde_json::{Value, json};

use super::EventPayload;

/// The tag a version's stage is sent as.
pub const STAGE_TAG: &str = "omgreg.stage";
/// The tag a version's status (`archived`, `active`) is sent as.
pub const STATUS_TAG: &str = "omgreg.status";

/// MLflow's `entity.action` and `data` for `event`; `None` for an event MLflow has no
/// counterpart of (a hand edit of a version file, a removed version).
pub fn mlflow_event(event: &EventPayload) -> Option<(&'static str, &'static str, Value)> {
    let version = || json!({ "name": event.model, "version": event.version });
    let tag = |key: &str, value: Option<&str>| {
        let mut data = version();
        data["key"] = json!(key);
        if let Some(value) = value {
            data["value"] = json!(value);
        }
        data
    };
    Some(match (event.event, &event.stage, &event.alias) {
        ("registered", ..) => {
            let mut data = version();
            data["source"] = json!(format!("models:/{}/{}", event.model, event.version));
            data["run_id"] = Value::Null;
            data["tags"] = json!({});
            data["description"] = Value::Null;
            ("model_version", "created", data)
        }
        ("alias_set" | "rolled_back", None, Some(alias)) => {
            let mut data = version();
            data["alias"] = json!(alias);
            ("model_version_alias", "created", data)
        }
        ("alias_removed", None, Some(alias)) => (
            "model_version_alias",
            "deleted",
            json!({ "name": event.model, "alias": alias }),
        ),
        ("promoted" | "rolled_back", Some(stage), None) => {
            ("model_version_tag", "set", tag(STAGE_TAG, Some(stage)))
        }
        ("unassigned", Some(_), None) => ("model_version_tag", "deleted", tag(STAGE_TAG, None)),
        ("archived", ..) => (
            "model_version_tag",
            "set",
            tag(STATUS_TAG, Some("archived")),
        ),
        ("unarchived", ..) => ("model_version_tag", "set", tag(STATUS_TAG, Some("active"))),
        _ => return None,
    })
}

/// The MLflow-shaped body of `event`, or `None` when MLflow has no such event.
pub fn mlflow_body(event: &EventPayload) -> Option<String> {
    let (entity, action, mut data) = mlflow_event(event)?;
    data["omgreg"] = serde_json::to_value(event).expect("payloads serialize");
    let body = json!({
        "entity": entity,
        "action": action,
        "timestamp": event.time,
        "data": data,
    });
    Some(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &'static str, stage: Option<&str>, alias: Option<&str>) -> EventPayload {
        EventPayload {
            kind: "event",
            schema_version: 1,
            id: "c-0".into(),
            registry: "reg".into(),
            event: kind,
            model: "churn".into(),
            version: "1.2.0".into(),
            stage: stage.map(str::to_owned),
            alias: alias.map(str::to_owned),
            previous: None,
            commit: "c".into(),
            author: "Ada".into(),
            author_email: "ada@example.com".into(),
            time: "2026-12-03T00:00:00Z".into(),
            subject: "s".into(),
        }
    }

    #[test]
    fn omgreg_events_are_mlflow_events() {
        let name = |e: EventPayload| {
            mlflow_event(&e).map(|(entity, action, _)| format!("{entity}.{action}"))
        };
        assert_eq!(
            name(event("registered", None, None)).as_deref(),
            Some("model_version.created")
        );
        assert_eq!(
            name(event("alias_set", None, Some("champion"))).as_deref(),
            Some("model_version_alias.created")
        );
        assert_eq!(
            name(event("alias_removed", None, Some("champion"))).as_deref(),
            Some("model_version_alias.deleted")
        );
        assert_eq!(
            name(event("promoted", Some("Production"), None)).as_deref(),
            Some("model_version_tag.set")
        );
        assert_eq!(
            name(event("unassigned", Some("Production"), None)).as_deref(),
            Some("model_version_tag.deleted")
        );
        assert_eq!(name(event("edited", None, None)), None);
    }

    #[test]
    fn the_body_has_mlflows_envelope_and_data() {
        let body = mlflow_body(&event("alias_set", None, Some("champion"))).unwrap();
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["entity"], "model_version_alias");
        assert_eq!(value["action"], "created");
        assert_eq!(value["data"]["name"], "churn");
        assert_eq!(value["data"]["alias"], "champion");
        assert_eq!(value["data"]["version"], "1.2.0");
        assert_eq!(value["data"]["omgreg"]["event"], "alias_set");
        let promoted = mlflow_body(&event("promoted", Some("Staging"), None)).unwrap();
        let value: Value = serde_json::from_str(&promoted).unwrap();
        assert_eq!(value["data"]["key"], STAGE_TAG);
        assert_eq!(value["data"]["value"], "Staging");
    }
}
