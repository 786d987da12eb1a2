//! Imports from other registries into omgreg (issue 13).
//!
//! Each source has a reader that turns the other tool's store into plain Rust values
//! and a mapper that turns those into an [`plan::ImportPlan`]; `ops::import` applies
//! the plan to the registry. Readers touch nothing of omgreg's.

pub mod apply;
pub mod gto;
pub mod mlflow;
pub mod plan;
