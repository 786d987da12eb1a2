//! Stages: the configured ladder, and the stage/alias pointers of one model.

use std::collections::BTreeMap;

use crate::schema::{SchemaError, StageSlot, StagesDoc};

use super::{RegistryError, VersionId};

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDef {
    /// The configured spelling, used on output.
    pub name: String,
    /// A shared stage may hold several versions.
    pub shared: bool,
}

/// The configured stages, lowest rung first. `None` and `Archived` are implicit and
/// cannot be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLadder {
    stages: Vec<StageDef>,
}

const RESERVED: [&str; 3] = ["none", "archived", "latest"];

impl StageLadder {
    pub fn new(stages: Vec<StageDef>) -> Result<Self, RegistryError> {
        let invalid = |reason: String| RegistryError::InvalidStageConfig { reason };
        if stages.is_empty() {
            return Err(invalid("the ladder is empty".to_owned()));
        }
        for (index, stage) in stages.iter().enumerate() {
            let name = &stage.name;
            let mut chars = name.chars();
            let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            if !starts_with_letter
                || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(invalid(format!(
                    "stage `{name}` must start with a letter and hold only letters, digits, `_` and `-`"
                )));
            }
            if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(invalid(format!(
                    "`{name}` is reserved and cannot be a configured stage"
                )));
            }
            if stages[..index]
                .iter()
                .any(|other| other.name.eq_ignore_ascii_case(name))
            {
                return Err(invalid(format!("stage `{name}` appears twice")));
            }
        }
        Ok(Self { stages })
    }

    /// The stage named `input`, matched case-insensitively.
    pub fn find(&self, input: &str) -> Option<&StageDef> {
        self.stages
            .iter()
            .find(|stage| stage.name.eq_ignore_ascii_case(input))
    }

    pub fn iter(&self) -> impl Iterator<Item = &StageDef> {
        self.stages.iter()
    }
}

/// Which versions hold which stage and alias, for one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignments {
    /// Stage (configured spelling, ladder order) to the versions it holds.
    pub stages: Vec<(String, Vec<VersionId>)>,
    pub aliases: BTreeMap<String, VersionId>,
}

impl Assignments {
    /// Validates a stages document against the ladder; `text` locates errors.
    pub fn from_doc(
        doc: &StagesDoc,
        ladder: &StageLadder,
        path: &str,
        text: &str,
    ) -> Result<Self, RegistryError> {
        let parse_version = |raw: &str| -> Result<VersionId, RegistryError> {
            raw.parse().map_err(|err: RegistryError| {
                SchemaError::value(path, text, raw, err.to_string()).into()
            })
        };
        let mut stages: Vec<(String, Vec<VersionId>)> = Vec::new();
        for (name, slot) in &doc.stages {
            let stage = ladder.find(name).ok_or_else(|| {
                SchemaError::value(
                    path,
                    text,
                    name,
                    format!("`{name}` is not a configured stage"),
                )
            })?;
            let versions = slot
                .versions()
                .into_iter()
                .map(parse_version)
                .collect::<Result<Vec<_>, _>>()?;
            if !stage.shared && versions.len() > 1 {
                return Err(SchemaError::value(
                    path,
                    text,
                    name,
                    format!(
                        "stage `{}` is exclusive but holds {} versions",
                        stage.name,
                        versions.len()
                    ),
                )
                .into());
            }
            stages.push((stage.name.clone(), versions));
        }
        stages.sort_by_key(|(name, _)| ladder.iter().position(|stage| &stage.name == name));
        let aliases = doc
            .aliases
            .iter()
            .map(|(alias, version)| Ok((alias.clone(), parse_version(version)?)))
            .collect::<Result<_, RegistryError>>()?;
        Ok(Self { stages, aliases })
    }

    /// The wire form, stages in ladder order, empty stages dropped.
    pub fn to_doc(&self, ladder: &StageLadder) -> StagesDoc {
        let mut doc = StagesDoc::default();
        for (name, versions) in &self.stages {
            let shared = ladder.find(name).is_some_and(|stage| stage.shared);
            let slot = match versions.as_slice() {
                [] => continue,
                [one] if !shared => StageSlot::One(one.to_string()),
                many => StageSlot::Many(many.iter().map(ToString::to_string).collect()),
            };
            doc.stages.insert(name.clone(), slot);
        }
        doc.aliases = self
            .aliases
            .iter()
            .map(|(alias, v)| (alias.clone(), v.to_string()))
            .collect();
        doc
    }

    /// The stage `version` holds, if any.
    pub fn stage_of(&self, version: &VersionId) -> Option<&str> {
        self.stages
            .iter()
            .find(|(_, versions)| versions.contains(version))
            .map(|(name, _)| name.as_str())
    }

    /// The aliases pointing at `version`.
    pub fn aliases_of(&self, version: &VersionId) -> Vec<&str> {
        self.aliases
            .iter()
            .filter(|(_, v)| *v == version)
            .map(|(a, _)| a.as_str())
            .collect()
    }

    /// The versions `stage` (configured spelling) holds.
    pub fn holders(&self, stage: &str) -> &[VersionId] {
        self.stages
            .iter()
            .find(|(name, _)| name == stage)
            .map_or(&[], |(_, versions)| versions.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema;

    fn ladder() -> StageLadder {
        StageLadder::new(vec![
            StageDef {
                name: "Staging".into(),
                shared: true,
            },
            StageDef {
                name: "Production".into(),
                shared: false,
            },
        ])
        .unwrap()
    }

    #[test]
    fn stage_names_match_case_insensitively() {
        assert_eq!(ladder().find("production").unwrap().name, "Production");
        assert!(ladder().find("prod").is_none());
    }

    #[test]
    fn reserved_and_duplicate_stages_are_refused() {
        let def = |name: &str| StageDef {
            name: name.into(),
            shared: false,
        };
        assert!(StageLadder::new(vec![def("None")]).is_err());
        assert!(StageLadder::new(vec![def("Prod"), def("prod")]).is_err());
        assert!(StageLadder::new(vec![def("1x")]).is_err());
        assert!(StageLadder::new(vec![]).is_err());
    }

    #[test]
    fn stages_round_trip_in_ladder_order() {
        let text = "stages:\n  production: 2.0.0\n  Staging: [2.1.0, 2.2.0]\naliases:\n  champion: 2.0.0\n";
        let doc: StagesDoc = schema::from_yaml("s.yaml", text).unwrap();
        let assignments = Assignments::from_doc(&doc, &ladder(), "s.yaml", text).unwrap();
        let v: VersionId = "2.0.0".parse().unwrap();
        assert_eq!(assignments.stage_of(&v), Some("Production"));
        assert_eq!(assignments.aliases_of(&v), ["champion"]);
        let written = schema::to_yaml(&assignments.to_doc(&ladder()));
        assert_eq!(
            written,
            "stages:\n  Staging:\n  - 2.1.0\n  - 2.2.0\n  Production: 2.0.0\naliases:\n  champion: 2.0.0\n"
        );
    }

    #[test]
    fn exclusive_stage_with_two_versions_names_the_line() {
        let text = "stages:\n  Production: [1.0.0, 2.0.0]\n";
        let doc: StagesDoc = schema::from_yaml("s.yaml", text).unwrap();
        let err = Assignments::from_doc(&doc, &ladder(), "s.yaml", text).unwrap_err();
        match err {
            RegistryError::Schema(err) => assert_eq!(err.line, Some(2)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
