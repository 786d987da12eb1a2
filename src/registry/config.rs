//! The validated registry configuration.

use crate::schema::{
    ConfigDoc, EndpointDoc, PolicyDoc, SCHEMA_VERSION, StageOptionsDoc, StagesSection,
};

use super::{
    ModelName, OnReplace, RegistryError, StageDef, StageLadder, VersionStage,
    validate_relative_path,
};

/// `omgreg.toml`, validated.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    pub name: String,
    pub ladder: StageLadder,
    pub endpoints: Vec<Endpoint>,
    /// `[signing] require`: every commit must be signed.
    pub signing_required: bool,
    /// `[signing] admins`: who may change the rules themselves.
    pub admins: Vec<String>,
    /// `[policy.<Stage>] signers`, keyed by the stage's configured spelling.
    pub stage_signers: std::collections::BTreeMap<String, Vec<String>>,
    /// `[policy.<Stage>] require`: metric gates, keyed by the stage's configured spelling.
    pub metric_gates:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, super::MetricGate>>,
    /// `[policy.<Stage>] require_verified_artifacts`: the stages (configured spelling)
    /// that refuse a version recorded with `verified: false`.
    pub verified_stages: std::collections::BTreeSet<String>,
    /// `[policy.<Stage>] require_artifact_signature`: the stages (configured spelling)
    /// that refuse a version without a trusted OMS signature bundle.
    pub signed_stages: std::collections::BTreeSet<String>,
}

impl RegistryConfig {
    /// Whether `stage` refuses versions without trusted signed artifacts.
    pub fn requires_artifact_signature(&self, stage: &str) -> bool {
        self.signed_stages
            .iter()
            .any(|s| s.eq_ignore_ascii_case(stage))
    }

    /// Whether `stage` refuses versions whose artifacts were never read.
    pub fn requires_verified(&self, stage: &str) -> bool {
        self.verified_stages
            .iter()
            .any(|s| s.eq_ignore_ascii_case(stage))
    }
}

/// A deployment manifest that follows a stage or alias of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub model: ModelName,
    pub follows: Follows,
    /// Registry-relative output path.
    pub output: String,
    /// Registry-relative template path; the built-in template when `None`.
    pub template: Option<String>,
    /// Extra template values.
    pub vars: std::collections::BTreeMap<String, String>,
    /// For an endpoint that follows an alias: the stage (configured spelling) whose
    /// rights moving the alias needs.
    pub gate: Option<String>,
}

/// What an endpoint follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follows {
    /// A stage, in its configured spelling.
    Stage(String),
    Alias(String),
}

impl TryFrom<ConfigDoc> for RegistryConfig {
    type Error = RegistryError;

    fn try_from(doc: ConfigDoc) -> Result<Self, Self::Error> {
        if doc.schema != SCHEMA_VERSION {
            return Err(RegistryError::UnsupportedSchema { found: doc.schema });
        }
        if let Some(min) = &doc.min_version {
            check_min_version(min, env!("CARGO_PKG_VERSION"))?;
        }
        let ladder = stage_ladder(&doc.stages)?;
        let endpoints = endpoints(doc.endpoints, &ladder)?;
        let policies = stage_policies(doc.policy, &ladder)?;
        Ok(Self {
            name: doc.name,
            ladder,
            endpoints,
            signing_required: doc.signing.require,
            admins: doc.signing.admins,
            stage_signers: policies.signers,
            metric_gates: policies.gates,
            verified_stages: policies.verified,
            signed_stages: policies.signed,
        })
    }
}

/// `[policy.<Stage>]` tables, keyed by the stage's configured spelling.
struct StagePolicies {
    signers: std::collections::BTreeMap<String, Vec<String>>,
    gates:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, super::MetricGate>>,
    verified: std::collections::BTreeSet<String>,
    signed: std::collections::BTreeSet<String>,
}

/// Builds the ladder from `[stages]`, refusing options for stages it does not name.
fn stage_ladder(section: &StagesSection) -> Result<StageLadder, RegistryError> {
    let names = StageLadder::new(
        section
            .ladder
            .iter()
            .map(|name| StageDef {
                name: name.clone(),
                ..StageDef::default()
            })
            .collect(),
    )?;
    if let Some(unknown) = section
        .options
        .keys()
        .find(|name| names.find(name).is_none())
    {
        return Err(invalid_stage(format!(
            "`[stages.options.{unknown}]` names a stage that is not in the ladder"
        )));
    }
    let mut stages = Vec::new();
    for def in names.iter() {
        let options = section
            .options
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(&def.name))
            .map(|(_, options)| options.clone())
            .unwrap_or_default();
        stages.push(configured_stage(&names, def, options)?);
    }
    StageLadder::new(stages)
}

/// Applies `[stages.options.<Stage>]` to the bare stage `def` of the ladder `names`.
fn configured_stage(
    names: &StageLadder,
    def: &StageDef,
    options: StageOptionsDoc,
) -> Result<StageDef, RegistryError> {
    let from = match options.from {
        None => None,
        Some(list) => Some(
            list.iter()
                .map(|source| match names.find(source) {
                    Some(stage) => Ok(VersionStage::Named(stage.name.clone())),
                    None if source.parse() == Ok(VersionStage::Unassigned) => {
                        Ok(VersionStage::Unassigned)
                    }
                    None => Err(invalid_stage(format!(
                        "`from` of stage `{}` names `{source}`, which is not a stage",
                        def.name
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let on_replace = match options.on_replace.as_deref() {
        None | Some("none") => OnReplace::Unassign,
        Some("archive") => OnReplace::Archive,
        Some(other) => {
            return Err(invalid_stage(format!(
                "`on_replace` of stage `{}` is `{other}`; use `none` or `archive`",
                def.name
            )));
        }
    };
    Ok(StageDef {
        name: def.name.clone(),
        shared: options.shared,
        from,
        on_replace,
    })
}

/// An `InvalidStageConfig` error with `reason`.
fn invalid_stage(reason: String) -> RegistryError {
    RegistryError::InvalidStageConfig { reason }
}

/// Validates every `[[endpoint]]`, refusing two with the same name or output.
fn endpoints(docs: Vec<EndpointDoc>, ladder: &StageLadder) -> Result<Vec<Endpoint>, RegistryError> {
    let endpoints = docs
        .into_iter()
        .map(|e| endpoint(e, ladder))
        .collect::<Result<Vec<_>, _>>()?;
    for (index, endpoint) in endpoints.iter().enumerate() {
        if endpoints[..index]
            .iter()
            .any(|other| other.name == endpoint.name || other.output == endpoint.output)
        {
            return Err(RegistryError::InvalidEndpoint {
                name: endpoint.name.clone(),
                reason: "another endpoint has the same name or output".to_owned(),
            });
        }
    }
    Ok(endpoints)
}

/// Validates the `[policy.<Stage>]` tables: signers and metric gates per stage.
fn stage_policies(
    policy: std::collections::BTreeMap<String, PolicyDoc>,
    ladder: &StageLadder,
) -> Result<StagePolicies, RegistryError> {
    let mut stage_signers = std::collections::BTreeMap::new();
    let mut metric_gates = std::collections::BTreeMap::new();
    let mut verified = std::collections::BTreeSet::new();
    let mut signed = std::collections::BTreeSet::new();
    for (name, policy) in policy {
        let stage = ladder
            .find(&name)
            .ok_or_else(|| RegistryError::InvalidStageConfig {
                reason: format!("`[policy.{name}]` names a stage that is not in the ladder"),
            })?;
        if !policy.signers.is_empty() {
            stage_signers.insert(stage.name.clone(), policy.signers);
        }
        if policy.require_verified_artifacts {
            verified.insert(stage.name.clone());
        }
        if policy.require_artifact_signature {
            signed.insert(stage.name.clone());
        }
        if !policy.require.is_empty() {
            let gates = policy
                .require
                .iter()
                .map(|(metric, gate)| Ok((metric.clone(), gate.parse()?)))
                .collect::<Result<_, RegistryError>>()?;
            metric_gates.insert(stage.name.clone(), gates);
        }
    }
    Ok(StagePolicies {
        signers: stage_signers,
        gates: metric_gates,
        verified,
        signed,
    })
}

/// Refuses a registry whose `min_version` is newer than `running` (this omgreg).
fn check_min_version(min: &str, running: &str) -> Result<(), RegistryError> {
    let needed =
        semver::Version::parse(min.trim()).map_err(|_| RegistryError::InvalidMinVersion {
            found: min.to_owned(),
        })?;
    let running_version = semver::Version::parse(running).expect("the crate version is SemVer");
    if needed > running_version {
        return Err(RegistryError::UpgradeNeeded {
            needed: needed.to_string(),
            running: running.to_owned(),
        });
    }
    Ok(())
}

/// Validates one `[[endpoint]]` against the ladder.
fn endpoint(doc: EndpointDoc, ladder: &StageLadder) -> Result<Endpoint, RegistryError> {
    let invalid = |reason: &str| RegistryError::InvalidEndpoint {
        name: doc.name.clone(),
        reason: reason.to_owned(),
    };
    // Endpoint names follow the model-name rules: they become file names.
    doc.name
        .parse::<ModelName>()
        .map_err(|_| invalid("the name must match the model-name rules"))?;
    let model = doc
        .model
        .parse::<ModelName>()
        .map_err(|err| invalid(&err.to_string()))?;
    let follows = match (&doc.stage, &doc.alias) {
        (Some(stage), None) => Follows::Stage(
            ladder
                .find(stage)
                .ok_or_else(|| invalid(&format!("`{stage}` is not a stage")))?
                .name
                .clone(),
        ),
        (None, Some(alias)) => Follows::Alias(alias.clone()),
        _ => return Err(invalid("give exactly one of `stage` and `alias`")),
    };
    let gate = match (&follows, &doc.gate) {
        (_, None) => None,
        (Follows::Stage(_), Some(_)) => {
            return Err(invalid(
                "`gate` is for endpoints that follow an alias (a stage has its own rights)",
            ));
        }
        (Follows::Alias(_), Some(stage)) => Some(
            ladder
                .find(stage)
                .ok_or_else(|| invalid(&format!("`gate` names `{stage}`, which is not a stage")))?
                .name
                .clone(),
        ),
    };
    let output = doc
        .output
        .clone()
        .unwrap_or_else(|| format!("deploy/{}.yaml", doc.name));
    validate_relative_path(&output).map_err(|err| invalid(&err.to_string()))?;
    // Generated files must never overwrite what the registry itself is made of.
    let reserved = [super::MODELS_PREFIX, ".omgreg/", "templates/"];
    let owned = [super::CONFIG_FILE, ".gitattributes"];
    if reserved.iter().any(|dir| output.starts_with(dir)) || owned.contains(&output.as_str()) {
        return Err(invalid(
            "`output` must not be inside `models/`, `.omgreg/` or `templates/`, or a registry file",
        ));
    }
    if let Some(template) = &doc.template {
        validate_relative_path(template).map_err(|err| invalid(&err.to_string()))?;
    }
    Ok(Endpoint {
        name: doc.name.clone(),
        model,
        follows,
        output,
        template: doc.template.clone(),
        vars: doc.vars.clone(),
        gate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_version_refuses_older_omgreg_and_bad_versions() {
        assert!(check_min_version("0.1.0", "0.1.0").is_ok());
        assert!(check_min_version("0.0.9", "0.1.0").is_ok());
        assert!(matches!(
            check_min_version("0.2.0", "0.1.0"),
            Err(RegistryError::UpgradeNeeded { .. })
        ));
        assert!(matches!(
            check_min_version("0.1.1-rc.1", "0.1.0"),
            Err(RegistryError::UpgradeNeeded { .. })
        ));
        assert!(matches!(
            check_min_version("one", "0.1.0"),
            Err(RegistryError::InvalidMinVersion { .. })
        ));
    }

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
    fn stage_options_and_endpoints_are_validated() {
        let text = "[stages.options.production]\nfrom = [\"staging\", \"none\"]\non_replace = \"archive\"\n\n\
                    [[endpoint]]\nname = \"churn-prod\"\nmodel = \"churn\"\nstage = \"production\"\n";
        let config =
            RegistryConfig::try_from(ConfigDoc::parse("omgreg.toml", text).unwrap()).unwrap();
        let production = config.ladder.find("Production").unwrap();
        assert_eq!(
            production.from,
            Some(vec![
                VersionStage::Named("Staging".to_owned()),
                VersionStage::Unassigned
            ])
        );
        assert_eq!(production.on_replace, OnReplace::Archive);
        assert_eq!(
            config.endpoints[0].follows,
            Follows::Stage("Production".into())
        );
        assert_eq!(config.endpoints[0].output, "deploy/churn-prod.yaml");
        for bad in [
            "[stages.options.Production]\nfrom = [\"Dev\"]\n",
            "[stages.options.Production]\non_replace = \"delete\"\n",
            "[[endpoint]]\nname = \"e\"\nmodel = \"m\"\n",
            "[[endpoint]]\nname = \"e\"\nmodel = \"m\"\nstage = \"Prod\"\n",
            "[[endpoint]]\nname = \"e\"\nmodel = \"m\"\nalias = \"a\"\noutput = \"../x\"\n",
        ] {
            let doc = ConfigDoc::parse("omgreg.toml", bad).unwrap();
            assert!(RegistryConfig::try_from(doc).is_err(), "{bad}");
        }
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
