//! The pure domain: validated names, stages, versions, actions and queries.
//!
//! Nothing here does I/O. Registry state is read through the [`Snapshot`] trait
//! (implemented by `store` over a Git tree, and by an in-memory map in tests), and an
//! action is a pure function from a snapshot and a request to a [`Change`].
//! Must not depend on `store`, `cli` or `render`; knows `schema` for the wire types.

mod alias_gate;
mod change;
mod compare;
mod config;
mod demote;
mod error;
mod events;
#[cfg(test)]
mod fuzz_tests;
mod gate;
mod init;
mod layout;
mod lifecycle;
mod merge;
mod names;
mod overlay;
mod portable;
mod query;
mod reference;
mod register;
mod replay;
mod replay_run;
mod rollback;
mod snapshot;
mod stage;
pub mod suggest;
mod version;

pub use change::{Change, Event, FileChange, Slot, StageMove};
pub use compare::{FieldDiff, compare};
pub use config::{Endpoint, Follows, RegistryConfig};
pub use demote::{DemoteRequest, demote};
pub use error::RegistryError;
pub use events::{EventKind, ModelEvent, stage_events, version_events};
pub use gate::{GateOp, MetricGate, describe_gate_failures, failed_gates};
pub use init::init;
pub use layout::{ARTIFACT_KEYS_DIR, signature_file, signatures_dir};
pub use layout::{
    MODELS_DIR, MODELS_PREFIX, SCHEMAS_DIR, artifact_path, artifacts_dir, card_file, model_dir,
    model_file, model_of_path, stages_file, validate_relative_path, version_artifacts_dir,
    version_file, versions_dir,
};
pub(crate) use lifecycle::write_stages;
pub use lifecycle::{
    Actor, ArchiveRequest, PromoteRequest, archive, promote, remove_alias, set_alias, unarchive,
    unknown_stage,
};
pub use merge::{SlotConflict, merge_stages};
pub use names::{Bump, Digest, ModelName, VersionId};
pub use overlay::Overlay;
pub use portable::{
    MAX_PART_BYTES, PartProblem, PathFinding, PortabilityError, check_new_paths, describe_problems,
    judge_paths, part_problems, shown,
};
pub use query::{
    ModelSummary, VersionRow, list_models, list_versions, model_not_found, resolve, sort_models,
    summarize_model,
};
pub use reference::{ModelRef, RefTarget};
pub use register::{ArtifactInput, RegisterRequest, VersionSpec, register};
pub use replay::{ReplayAction, ReplayMove, ReplayRefusal, action_of};
pub use replay_run::{ReplayInputs, register_paths, replay, reproduces};
pub use rollback::{SlotChange, resolve_slot, rollback, rollback_target};
pub use snapshot::load_model;
pub use snapshot::{
    CONFIG_FILE, MemorySnapshot, Snapshot, SnapshotError, load_assignments, load_config,
    load_version, model_exists, model_names, version_ids,
};
pub use stage::{Assignments, OnReplace, StageDef, StageLadder, VersionStage, validate_alias};
pub use version::{Artifact, ModelVersion, Status};
