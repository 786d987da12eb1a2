//! Imports from other registries into omgreg (issue 13).
//!
//! Each source has a reader that turns the other tool's store into plain Rust values
//! and touches nothing of omgreg's; what becomes of them is decided above the readers.

pub mod mlflow;
