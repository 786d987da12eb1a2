//! The validated registry configuration.

use crate::schema::{ConfigDoc, SCHEMA_VERSION};

use super::{RegistryError, StageDef, StageLadder};

/// `omgreg.toml`, validated.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    pub name: String,
    pub ladder: StageLadder,
}

impl TryFrom<ConfigDoc> for RegistryConfig {
    type Error = RegistryError;

    fn try_from(doc: ConfigDoc) -> Result<Self, Self::Error> {
        if doc.schema != SCHEMA_VERSION {
            return Err(RegistryError::UnsupportedSchema { found: doc.schema });
        }
        let stages = doc
            .stages
            .ladder
            .iter()
            .map(|name| StageDef {
                name: name.clone(),
                shared: doc
                    .stages
                    .options
                    .get(name)
                    .is_some_and(|options| options.shared),
            })
            .collect();
        let ladder = StageLadder::new(stages)?;
        if let Some(unknown) = doc
            .stages
            .options
            .keys()
            .find(|name| ladder.find(name).is_none())
        {
            return Err(RegistryError::InvalidStageConfig {
                reason: format!(
                    "`[stages.options.{unknown}]` names a stage that is not in the ladder"
                ),
            });
        }
        Ok(Self {
            name: doc.name,
            ladder,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_has_staging_then_production() {
        let config =
            RegistryConfig::try_from(ConfigDoc::parse("omgreg.toml", "").unwrap()).unwrap();
        let names: Vec<_> = config.ladder.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Staging", "Production"]);
    }

    #[test]
    fn options_for_unknown_stage_are_refused() {
        let doc =
            ConfigDoc::parse("omgreg.toml", "[stages.options.Prod]\nshared = true\n").unwrap();
        assert!(RegistryConfig::try_from(doc).is_err());
    }

    #[test]
    fn newer_schema_is_refused() {
        let doc = ConfigDoc::parse("omgreg.toml", "schema = 2\n").unwrap();
        assert!(matches!(
            RegistryConfig::try_from(doc),
            Err(RegistryError::UnsupportedSchema { found: 2 })
        ));
    }
}
