//! The only door to Git: snapshots read from committed trees, walks of the commit
//! graph, the one [`Writer`] (commits, references, index and working tree), the Git
//! LFS object store.
//!
//! This module never prints; progress is reported through callbacks. It depends on
//! `registry` and `schema`, never on `cli` or `render`. No `git2` type crosses its
//! public interface: commits are [`CommitId`]s.

mod artifacts;
mod config;
mod error;
mod event_index;
mod events;
mod failpoint;
#[cfg(test)]
mod fuzz_tests;
mod graph;
mod history;
mod id;
mod identity;
mod import_log;
mod lfs;
mod list_cache;
mod maintenance;
mod open;
mod snapshot;
mod source_repo;
mod tempfiles;
mod walk;
mod writer;

pub use artifacts::{ArtifactSource, collect_artifacts, hash_file, hash_file_reporting};
pub use config::GitConfig;
pub use error::StoreError;
pub use event_index::OMGREG_NO_EVENT_INDEX;
pub use events::{History, HistoryEntry};
pub use failpoint::{OMGREG_FAILPOINT, OMGREG_FAILPOINT_DIR, failpoint};
pub use graph::{ChangedFile, SignedCommit};
pub use history::SlotHistory;
pub use id::CommitId;
pub use identity::{Identity, parse_date};
pub use import_log::SOURCE_TRAILER;
pub use lfs::{LfsPointer, LfsStore};
pub use maintenance::Leftover;
pub use open::{Store, registry_folder};
pub use snapshot::TreeSnapshot;
pub use source_repo::SourceRepo;
pub use writer::{
    ChainCommitted, ChainStep, CommitSigner, Committed, SigningFailed, Stamp, TxOptions, Writer,
};
