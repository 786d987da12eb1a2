//! Metric gates: `[policy.Production] require = { accuracy = ">= 0.9" }`.

use std::fmt;
use std::str::FromStr;

use super::RegistryError;

/// A comparison a metric must pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricGate {
    pub op: GateOp,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateOp {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl MetricGate {
    /// Whether `value` passes.
    pub fn passes(&self, value: f64) -> bool {
        match self.op {
            GateOp::Ge => value >= self.threshold,
            GateOp::Gt => value > self.threshold,
            GateOp::Le => value <= self.threshold,
            GateOp::Lt => value < self.threshold,
            GateOp::Eq => value == self.threshold,
            GateOp::Ne => value != self.threshold,
        }
    }
}

impl FromStr for MetricGate {
    type Err = RegistryError;

    /// `">= 0.9"`, `"<50"`, `"== 1"`; a bare number means `>=`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let (op, rest) = [
            (">=", GateOp::Ge),
            ("<=", GateOp::Le),
            ("==", GateOp::Eq),
            ("!=", GateOp::Ne),
            (">", GateOp::Gt),
            ("<", GateOp::Lt),
        ]
        .into_iter()
        .find_map(|(symbol, op)| trimmed.strip_prefix(symbol).map(|rest| (op, rest)))
        .unwrap_or((GateOp::Ge, trimmed));
        let threshold: f64 =
            rest.trim()
                .parse()
                .map_err(|_| RegistryError::InvalidStageConfig {
                    reason: format!(
                        "metric gate `{text}` is not `<op> <number>` (ops: >= > <= < == !=)"
                    ),
                })?;
        if !threshold.is_finite() {
            return Err(RegistryError::InvalidStageConfig {
                reason: format!("metric gate `{text}` needs a finite number"),
            });
        }
        Ok(Self { op, threshold })
    }
}

impl fmt::Display for MetricGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            GateOp::Ge => ">=",
            GateOp::Gt => ">",
            GateOp::Le => "<=",
            GateOp::Lt => "<",
            GateOp::Eq => "==",
            GateOp::Ne => "!=",
        };
        write!(f, "{op} {}", self.threshold)
    }
}

/// The gates a version's metrics fail: `(metric, gate, value or None when missing)`.
pub fn failed_gates<'a>(
    gates: &'a std::collections::BTreeMap<String, MetricGate>,
    metrics: &std::collections::BTreeMap<String, f64>,
) -> Vec<(&'a str, &'a MetricGate, Option<f64>)> {
    gates
        .iter()
        .filter_map(|(metric, gate)| match metrics.get(metric) {
            Some(value) if gate.passes(*value) => None,
            value => Some((metric.as_str(), gate, value.copied())),
        })
        .collect()
}

/// `accuracy = 0.85 (needs >= 0.9), latency_ms missing (needs <= 50)`.
pub fn describe_gate_failures(failed: &[(&str, &MetricGate, Option<f64>)]) -> String {
    failed
        .iter()
        .map(|(metric, gate, value)| match value {
            Some(value) => format!("`{metric}` = {value} (needs {gate})"),
            None => format!("`{metric}` missing (needs {gate})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_parse_and_compare() {
        let gate: MetricGate = ">= 0.9".parse().unwrap();
        assert!(gate.passes(0.9) && !gate.passes(0.89));
        assert!("<=50".parse::<MetricGate>().unwrap().passes(50.0));
        assert!(!"< 50".parse::<MetricGate>().unwrap().passes(50.0));
        assert!("0.5".parse::<MetricGate>().unwrap().passes(0.7));
        assert!("!= 0".parse::<MetricGate>().unwrap().passes(1.0));
        for bad in ["~ 1", ">= high", "", ">= inf"] {
            assert!(bad.parse::<MetricGate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_metrics_fail_their_gate() {
        let gates = [
            ("acc".to_owned(), ">= 0.9".parse().unwrap()),
            ("lat".to_owned(), "<= 50".parse().unwrap()),
        ]
        .into_iter()
        .collect();
        let metrics = [("acc".to_owned(), 0.95)].into_iter().collect();
        let failed = failed_gates(&gates, &metrics);
        assert_eq!(failed.len(), 1);
        assert_eq!((failed[0].0, failed[0].2), ("lat", None));
    }
}
