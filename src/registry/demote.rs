//! `omgreg demote`: a version leaves the stage it holds for the implicit `None`
//! stage, without being archived; it stays active and keeps its aliases.
//!
//! Pure, like every action: a snapshot and a request in, one change out. Emptying a
//! stage needs the rights of that stage, as entering it does.

use super::lifecycle::{check_signers, write_stages};
use super::{
    Change, Event, ModelRef, RegistryError, Snapshot, Status, load_assignments, load_config, query,
};

/// `omgreg demote MODEL@REF`.
#[derive(Debug, Clone)]
pub struct DemoteRequest {
    /// The version (a stage or alias reference resolves to the version it names).
    pub target: ModelRef,
    /// Free text for the commit message.
    pub message: Option<String>,
    /// The names the commit's signing key goes by; `None` when the commit will not
    /// be signed. Checked against `[policy.<Stage>] signers` of the stage left.
    pub signer_principals: Option<Vec<String>>,
}

/// Takes the target version out of the stage it holds.
pub fn demote(snapshot: &dyn Snapshot, request: &DemoteRequest) -> Result<Change, RegistryError> {
    let config = load_config(snapshot)?;
    let row = query::resolve(snapshot, &config, &request.target)?;
    let model = row.version.model.clone();
    let version = row.version.version.clone();
    if row.version.status == Status::Archived {
        return Err(RegistryError::VersionArchived {
            model: model.to_string(),
            version: version.to_string(),
        });
    }
    let mut assignments = load_assignments(snapshot, &config, &model)?;
    let Some(stage) = assignments.stage_of(&version).map(str::to_owned) else {
        return Err(RegistryError::HoldsNoStage {
            model: model.to_string(),
            version: version.to_string(),
        });
    };
    check_signers(&config, &stage, request.signer_principals.as_deref())?;
    let remaining = assignments
        .holders(&stage)
        .iter()
        .filter(|v| **v != version)
        .cloned()
        .collect();
    assignments.set_stage(&stage, &config.ladder, remaining);
    let mut change = Change {
        files: Vec::new(),
        event: Event::Demoted {
            model: model.clone(),
            version,
            stage,
        },
        message: request.message.clone(),
    };
    write_stages(&mut change, &config, &model, &assignments);
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{FileChange, MemorySnapshot, stages_file, version_file};

    const CONFIG: &str = "[stages]\nladder = [\"Staging\", \"Production\"]\n\n\
        [stages.options.Staging]\nshared = true\n\n\
        [policy.Production]\nsigners = [\"alice@example.com\"]\n";

    /// Model `m` with 1.0.0 in Production, 2.0.0 and 3.0.0 sharing Staging, 4.0.0 in
    /// `None` with alias `champion` on 1.0.0, and 5.0.0 archived.
    fn registry() -> MemorySnapshot {
        let mut snap = MemorySnapshot::default().with("omgreg.toml", CONFIG);
        for v in ["1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0"] {
            let status = if v == "5.0.0" { "archived" } else { "active" };
            let doc = format!(
                "model: m\nversion: {v}\ncreated: 2026-01-01T00:00:00Z\nstatus: {status}\n"
            );
            snap = snap.with(&version_file(&m(), &v.parse().unwrap()), &doc);
        }
        snap.with(
            &stages_file(&m()),
            "stages:\n  Staging:\n  - 2.0.0\n  - 3.0.0\n  Production: 1.0.0\n\
             aliases:\n  champion: 1.0.0\n",
        )
    }

    fn m() -> crate::registry::ModelName {
        "m".parse().unwrap()
    }

    fn request(target: &str, principals: Option<&[&str]>) -> DemoteRequest {
        DemoteRequest {
            target: target.parse().unwrap(),
            message: None,
            signer_principals: principals.map(|p| p.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    fn stages_after(change: &Change) -> String {
        let path = stages_file(&m());
        let (_, file) = change.files.iter().find(|(p, _)| *p == path).unwrap();
        let FileChange::Write(bytes) = file else {
            panic!("{file:?}")
        };
        String::from_utf8(bytes.clone()).unwrap()
    }

    #[test]
    fn demoting_from_a_shared_stage_keeps_the_other_holders() {
        let change = demote(&registry(), &request("m@2.0.0", None)).unwrap();
        assert_eq!(
            stages_after(&change),
            "stages:\n  Staging:\n  - 3.0.0\n  Production: 1.0.0\naliases:\n  champion: 1.0.0\n"
        );
        assert_eq!(change.event.subject(), "demote m@2.0.0 from Staging");
        assert_eq!(
            change.files.len(),
            1,
            "only stages.yaml: {:?}",
            change.files
        );
    }

    #[test]
    fn demoting_from_production_needs_its_signer_and_keeps_aliases() {
        let snap = registry();
        let unsigned = demote(&snap, &request("m@Production", None)).unwrap_err();
        assert!(
            matches!(unsigned, RegistryError::SignerNotAllowed { ref stage, .. } if stage == "`Production`"),
            "{unsigned:?}"
        );
        let bob = demote(&snap, &request("m@1.0.0", Some(&["bob@example.com"]))).unwrap_err();
        assert!(matches!(bob, RegistryError::SignerNotAllowed { .. }));
        let change = demote(
            &snap,
            &request("m@production", Some(&["alice@example.com"])),
        )
        .unwrap();
        assert_eq!(
            stages_after(&change),
            "stages:\n  Staging:\n  - 2.0.0\n  - 3.0.0\naliases:\n  champion: 1.0.0\n"
        );
        let trailers = change.event.trailers();
        assert_eq!(
            trailers,
            [
                ("Omgreg-Action", "demote".to_owned()),
                ("Omgreg-Model", "m".to_owned()),
                ("Omgreg-Version", "1.0.0".to_owned()),
                ("Omgreg-Stage", "Production".to_owned()),
            ]
        );
    }

    #[test]
    fn a_version_without_a_stage_or_archived_is_refused() {
        let snap = registry();
        let none = demote(&snap, &request("m@4.0.0", None)).unwrap_err();
        assert!(
            matches!(none, RegistryError::HoldsNoStage { .. }),
            "{none:?}"
        );
        let archived = demote(&snap, &request("m@5.0.0", None)).unwrap_err();
        assert!(
            matches!(archived, RegistryError::VersionArchived { .. }),
            "{archived:?}"
        );
        let missing = demote(&snap, &request("m@9.0.0", None)).unwrap_err();
        assert!(
            matches!(missing, RegistryError::VersionNotFound { .. }),
            "{missing:?}"
        );
    }
}
