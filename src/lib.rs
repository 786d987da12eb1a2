//! omgreg: a model registry that lives in a Git repository.
//!
//! Layers, arrows pointing down only:
//! `cli` → `ops` → `import`, `render`, `policy`, `sign`, `store` → `registry`, `schema`.
//! (`import` reads other registries; its GTO reader uses `store::SourceRepo`.)
//! `registry` is the pure domain (no I/O); `schema` is the only module that knows
//! the serde wire formats of the files on disk.

// Functions stay under 80 lines (the threshold is in clippy.toml).
#![warn(clippy::too_many_lines)]

pub mod cli;
#[cfg(test)]
mod fuzz_support;
pub mod import;
pub mod ops;
pub mod policy;
pub mod registry;
pub mod render;
pub mod schema;
pub mod sign;
pub mod store;
