//! Endpoints that follow an alias can be gated by a stage (`[[endpoint]] gate =
//! "Production"`): the alias then decides what production serves, so moving it needs
//! what entering that stage needs — the stage's signers sign the move, and the version
//! it points at passes the stage's metric gates (not its `from` rule: an alias is not a
//! rung of the ladder). Otherwise whoever may move an alias could route around the
//! stage's policy by pointing a production endpoint at an alias they control.

use std::collections::BTreeMap;

use super::lifecycle::check_signers;
use super::{
    ModelName, RegistryConfig, RegistryError, VersionId, describe_gate_failures, failed_gates,
};

impl RegistryConfig {
    /// The stage whose rights moving `alias` of `model` needs: the `gate` of an
    /// endpoint that follows that alias, if any.
    pub fn alias_gate(&self, model: &ModelName, alias: &str) -> Option<&str> {
        self.endpoints
            .iter()
            .find_map(|endpoint| match &endpoint.follows {
                super::Follows::Alias(followed)
                    if &endpoint.model == model && followed.eq_ignore_ascii_case(alias) =>
                {
                    endpoint.gate.as_deref()
                }
                _ => None,
            })
    }
}

/// Refuses a move of `alias` of `model` that its gate stage's policy forbids: a signer
/// that stage does not list, or (when the alias is pointed at `entering`, with its
/// metrics) a version failing the stage's metric gates. Aliases without a gate pass.
pub(crate) fn check_alias_move(
    config: &RegistryConfig,
    model: &ModelName,
    alias: &str,
    entering: Option<(&VersionId, &BTreeMap<String, f64>)>,
    principals: Option<&[String]>,
) -> Result<(), RegistryError> {
    let Some(stage) = config.alias_gate(model, alias) else {
        return Ok(());
    };
    check_signers(config, stage, principals).map_err(|err| match err {
        RegistryError::SignerNotAllowed {
            stage: _,
            signer,
            allowed,
        } => RegistryError::SignerNotAllowed {
            stage: format!("alias `{alias}` (an endpoint follows it, gated by `{stage}`)"),
            signer,
            allowed,
        },
        other => other,
    })?;
    if let (Some((version, metrics)), Some(gates)) = (entering, config.metric_gates.get(stage)) {
        let failed = failed_gates(gates, metrics);
        if !failed.is_empty() {
            return Err(RegistryError::AliasGateFailed {
                model: model.to_string(),
                version: version.to_string(),
                alias: alias.to_owned(),
                stage: stage.to_owned(),
                failures: describe_gate_failures(&failed),
            });
        }
    }
    Ok(())
}
