//! The Git side: snapshots read from committed trees, the one write transaction,
//! the Git LFS object store and the working-tree refresh.
//!
//! This module never prints; progress is reported through callbacks. It depends on
//! `registry` and `schema`, never on `cli` or `render`.

mod artifacts;
mod error;
mod events;
mod history;
mod identity;
mod lfs;
mod list_cache;
mod open;
mod replay;
mod snapshot;
mod tx;
mod walk;
mod worktree;

pub use artifacts::{ArtifactSource, collect_artifacts, hash_file};
pub use error::StoreError;
pub use events::{History, HistoryEntry};
pub use history::SlotHistory;
pub use identity::{Identity, parse_date};
pub use lfs::{LfsPointer, LfsStore};
pub use open::Store;
pub use snapshot::TreeSnapshot;
pub use tx::{CommitSigner, Committed, SigningFailed, TxOptions};
