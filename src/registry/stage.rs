//! Stages: the configured ladder, and the stage/alias pointers of one model.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use crate::schema::{SchemaError, StageSlot, StagesDoc};

use super::{RegistryError, Slot, Status, VersionId};

/// Where a version stands: a configured stage, or one of the two implicit stages.
///
/// This is the one place that spells the implicit stages `None` and `Archived`.
///
/// ```
/// use omgreg::registry::VersionStage;
///
/// assert_eq!("none".parse(), Ok(VersionStage::Unassigned));
/// assert_eq!(VersionStage::Archived.to_string(), "Archived");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionStage {
    /// The implicit `None` stage: an active version in no configured stage.
    Unassigned,
    /// A configured stage, in its configured spelling.
    Named(String),
    /// The implicit `Archived` stage: an archived version.
    Archived,
}

impl VersionStage {
    /// The stage a version stands in: the configured stage it holds, else the
    /// implicit stage its status gives.
    pub fn of(held: Option<&str>, status: Status) -> Self {
        match (held, status) {
            (Some(stage), _) => Self::Named(stage.to_owned()),
            (None, Status::Archived) => Self::Archived,
            (None, Status::Active) => Self::Unassigned,
        }
    }

    /// The stage an active version comes from when it moves: the configured stage
    /// it holds, or `None`.
    pub fn held(stage: Option<&str>) -> Self {
        stage.map_or(Self::Unassigned, |stage| Self::Named(stage.to_owned()))
    }

    /// The configured spelling, or the name of the implicit stage.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unassigned => "None",
            Self::Named(stage) => stage,
            Self::Archived => "Archived",
        }
    }
}

impl fmt::Display for VersionStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VersionStage {
    type Err = Infallible;

    /// `None` and `Archived` in any case are the implicit stages; anything else is
    /// taken as a stage name as typed (match it against a [`StageLadder`] with
    /// [`StageLadder::standing`] for the configured spelling).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Ok([Self::Unassigned, Self::Archived]
            .into_iter()
            .find(|implicit| implicit.as_str().eq_ignore_ascii_case(input))
            .unwrap_or_else(|| Self::Named(input.to_owned())))
    }
}

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageDef {
    /// The configured spelling, used on output.
    pub name: String,
    /// A shared stage may hold several versions.
    pub shared: bool,
    /// The stages (configured ones, or the implicit `None`) a version may come from;
    /// any when `None`.
    pub from: Option<Vec<VersionStage>>,
    /// What happens to the version an exclusive stage replaces.
    pub on_replace: OnReplace,
}

/// The fate of the version a promotion replaces in an exclusive stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnReplace {
    /// It goes back to the implicit `None` stage.
    #[default]
    Unassign,
    /// It is archived.
    Archive,
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

    /// The stage `input` names, matched case-insensitively: a configured stage in
    /// its configured spelling, or an implicit one.
    pub fn standing(&self, input: &str) -> Option<VersionStage> {
        if let Some(stage) = self.find(input) {
            return Some(VersionStage::Named(stage.name.clone()));
        }
        match input.parse() {
            Ok(VersionStage::Named(_)) | Err(_) => None,
            Ok(implicit) => Some(implicit),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &StageDef> {
        self.stages.iter()
    }

    /// The rung above `current` (`None`: the lowest rung); `None` at the top.
    pub fn next_after(&self, current: Option<&str>) -> Option<&StageDef> {
        match current {
            None => self.stages.first(),
            Some(name) => {
                let index = self.stages.iter().position(|stage| stage.name == name)?;
                self.stages.get(index + 1)
            }
        }
    }
}

/// Checks an alias name: lowercase `^[a-z][a-z0-9_-]{0,62}$`, not a stage (in any
/// case), not `latest`/`none`/`archived`, and so never mistaken for a version.
pub fn validate_alias(alias: &str, ladder: &StageLadder) -> Result<(), RegistryError> {
    let invalid = |reason: &str| RegistryError::InvalidAlias {
        alias: alias.to_owned(),
        reason: reason.to_owned(),
    };
    let mut chars = alias.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Err(invalid("it must start with a lowercase letter"));
    }
    if alias.len() > 63
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(invalid(
            "it may hold only lowercase letters, digits, `_` and `-` (63 at most)",
        ));
    }
    if alias.starts_with('v') && alias[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid("it looks like a version"));
    }
    if ladder.find(alias).is_some() || RESERVED.contains(&alias) {
        return Err(invalid("it is a stage name or reserved"));
    }
    Ok(())
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
            if stages.iter().any(|(held, _)| *held == stage.name) {
                return Err(SchemaError::value(
                    path,
                    text,
                    name,
                    format!("stage `{}` appears twice", stage.name),
                )
                .into());
            }
            for version in &versions {
                if let Some((other, _)) = stages.iter().find(|(_, held)| held.contains(version)) {
                    let message = format!("`{version}` holds both `{other}` and `{}`", stage.name);
                    return Err(SchemaError::value(path, text, name, message).into());
                }
            }
            stages.push((stage.name.clone(), versions));
        }
        stages.sort_by_key(|(name, _)| ladder.iter().position(|stage| &stage.name == name));
        let mut aliases = BTreeMap::new();
        for (alias, version) in &doc.aliases {
            validate_alias(alias, ladder)
                .map_err(|err| SchemaError::value(path, text, alias, err.to_string()))?;
            aliases.insert(alias.clone(), parse_version(version)?);
        }
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

    /// The version a slot points at; for a shared stage, the greatest it holds.
    pub fn holder(&self, slot: &Slot) -> Option<&VersionId> {
        match slot {
            Slot::Stage(stage) => self.holders(stage).iter().max(),
            Slot::Alias(alias) => self.aliases.get(alias),
        }
    }

    /// Makes `stage` hold exactly `versions`.
    pub fn set_stage(&mut self, stage: &str, ladder: &StageLadder, mut versions: Vec<VersionId>) {
        versions.sort();
        match self.stages.iter_mut().find(|(name, _)| name == stage) {
            Some(entry) => entry.1 = versions,
            None => self.stages.push((stage.to_owned(), versions)),
        }
        self.stages.retain(|(_, held)| !held.is_empty());
        self.stages
            .sort_by_key(|(name, _)| ladder.iter().position(|def| &def.name == name));
    }

    /// Takes `version` out of every stage and alias it holds; returns those slots.
    pub fn clear_version(&mut self, version: &VersionId, ladder: &StageLadder) -> Vec<Slot> {
        let mut cleared = Vec::new();
        for (stage, held) in &mut self.stages {
            if held.contains(version) {
                held.retain(|v| v != version);
                cleared.push(Slot::Stage(stage.clone()));
            }
        }
        self.stages.retain(|(_, held)| !held.is_empty());
        self.stages
            .sort_by_key(|(name, _)| ladder.iter().position(|def| &def.name == name));
        self.aliases.retain(|alias, v| {
            let keep = v != version;
            if !keep {
                cleared.push(Slot::Alias(alias.clone()));
            }
            keep
        });
        cleared
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
                ..StageDef::default()
            },
            StageDef {
                name: "Production".into(),
                ..StageDef::default()
            },
        ])
        .unwrap()
    }

    #[test]
    fn aliases_cannot_shadow_stages_or_versions() {
        for bad in ["production", "Champion", "v2", "latest", "", "a b", "1x"] {
            assert!(validate_alias(bad, &ladder()).is_err(), "{bad:?}");
        }
        for good in ["champion", "canary-eu", "blue_2", "va"] {
            assert!(validate_alias(good, &ladder()).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn a_stage_twice_or_a_version_in_two_stages_is_refused() {
        for text in [
            "stages:\n  Production: 1.0.0\n  production: 2.0.0\n",
            "stages:\n  Staging: [1.0.0]\n  Production: 1.0.0\n",
            "aliases:\n  production: 1.0.0\n",
        ] {
            let doc: StagesDoc = schema::from_yaml("s.yaml", text).unwrap();
            assert!(
                Assignments::from_doc(&doc, &ladder(), "s.yaml", text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn stage_names_match_case_insensitively() {
        assert_eq!(ladder().find("production").unwrap().name, "Production");
        assert!(ladder().find("prod").is_none());
    }

    #[test]
    fn implicit_stages_parse_in_any_case_and_display_capitalised() {
        let ladder = ladder();
        let standing = |input: &str| ladder.standing(input).map(|s| s.to_string());
        assert_eq!(standing("NONE").as_deref(), Some("None"));
        assert_eq!(standing("archived").as_deref(), Some("Archived"));
        assert_eq!(standing("production").as_deref(), Some("Production"));
        assert_eq!(standing("prod"), None);
        assert_eq!("Dev".parse(), Ok(VersionStage::Named("Dev".into())));
        assert_eq!(
            VersionStage::of(None, Status::Active),
            VersionStage::held(None)
        );
        assert_eq!(
            VersionStage::of(None, Status::Archived),
            VersionStage::Archived
        );
    }

    #[test]
    fn reserved_and_duplicate_stages_are_refused() {
        let def = |name: &str| StageDef {
            name: name.into(),
            ..StageDef::default()
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
