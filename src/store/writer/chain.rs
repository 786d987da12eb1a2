//! Many commits, one branch move: what an import writes.
//!
//! Each step is a pure function of the snapshot the previous step left, committed
//! with its own author and time (the importer commits them, and signs each). The
//! commits are written as objects only; the branch moves once, by compare-and-swap,
//! at the end, with the working tree and index following under the same journal as
//! any action. A failure or a kill before that move leaves the branch where it was
//! (the written objects are unreachable, for `git gc` to collect).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use git2::{Signature, Time};

use super::super::error::GitContext;
use super::super::{CommitId, Identity, Store, StoreError, TreeSnapshot, failpoint};
use super::{Landing, MAX_ATTEMPTS, PlannedFile, Started, Target, TxOptions, Writer, worktree};
use crate::registry::{Change, Event, FileChange, RegistryError};

/// Who authored one commit of a chain, and when (the committer is the writer's
/// identity, at the time of writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub name: String,
    pub email: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    pub offset_minutes: i32,
}

/// What a chain did.
#[derive(Debug)]
pub struct ChainCommitted {
    /// The commits written, oldest first, with their changes (on a dry run the
    /// commits were never written to the repository).
    pub commits: Vec<(Option<CommitId>, Change)>,
    pub parent: Option<CommitId>,
    pub branch: String,
    pub attempts: u32,
}

/// One step of a chain: the change to commit on `snapshot` and its author, or
/// `None` when the step has nothing to do there.
pub type ChainStep<'a> =
    dyn FnMut(usize, &TreeSnapshot<'_>) -> Result<Option<(Change, Stamp)>, RegistryError> + 'a;

impl Writer<'_> {
    /// Runs `steps` (called with 0..count) one after the other, each on the tree the
    /// previous one made, as one commit each; then moves the branch once.
    pub fn commit_chain(
        &self,
        options: &TxOptions,
        count: usize,
        step: &mut ChainStep<'_>,
    ) -> Result<ChainCommitted, StoreError> {
        let store = self.store;
        let Started {
            base_branch,
            branch,
            touch_worktree,
            _lock,
        } = self.start(options)?;
        for attempt in 1..=MAX_ATTEMPTS {
            let base = store.tip_commit(&base_branch)?;
            let parent_id = base.as_ref().map(|p| CommitId::from(p.id()));
            let written = self.write_chain(
                base.as_ref().map(git2::Commit::id),
                count,
                step,
                options.dry_run,
            )?;
            let done = |commits| ChainCommitted {
                commits,
                parent: parent_id,
                branch: branch.clone(),
                attempts: attempt,
            };
            let Some(head) = written.head.filter(|_| !options.dry_run) else {
                return Ok(done(written.commits));
            };
            if touch_worktree {
                let snapshot = TreeSnapshot::new(&store.repo, base.as_ref(), &store.prefix)?;
                worktree::ensure_clean(&store.repo, &store.prefix, &snapshot, &written.union)?;
            }
            failpoint("chain-written");
            let planned: Vec<PlannedFile> = written.planned.into_values().collect();
            let target = options
                .new_branch
                .map_or(Target::Move(parent_id), Target::Create);
            let landing = Landing {
                branch: &branch,
                target,
                commit: head,
                subject: format!("import ({} commits)", written.commits.len()),
                planned: touch_worktree.then_some(&planned[..]),
            };
            if self.land(&landing)? {
                if options.new_branch.is_none() {
                    store.warm_read_caches(parent_id, head.into());
                }
                return Ok(done(written.commits));
            }
            std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
        }
        Err(store.gave_up(branch))
    }

    /// Writes the chain's commits on `base` into memory, then (unless a dry run) into
    /// the object database as one pack: a failure half-way writes nothing at all.
    fn write_chain(
        &self,
        base: Option<git2::Oid>,
        count: usize,
        step: &mut ChainStep<'_>,
        dry_run: bool,
    ) -> Result<WrittenChain, StoreError> {
        // A second handle on the repository whose writes go to memory first: the
        // store's own handle (and any later writer in this process) never sees them.
        let shadow = Store {
            repo: git2::Repository::open(self.store.repo.path())
                .git_context("opening the repository")?,
            prefix: self.store.prefix.clone(),
        };
        let odb = shadow
            .repo
            .odb()
            .git_context("opening the object database")?;
        let mempack = odb
            .add_new_mempack_backend(1000)
            .git_context("preparing the import's objects")?;
        let written = self.write_steps(&shadow, base, count, step, dry_run)?;
        if !dry_run && written.head.is_some() {
            let target = self
                .store
                .repo
                .odb()
                .git_context("opening the object database")?;
            super::pack::write_pack(&odb, &target, &written.objects, self.store.repo.path())?;
            failpoint("chain-pack-written");
        }
        mempack
            .reset()
            .git_context("dropping the import's objects")?;
        Ok(written)
    }

    /// Runs the steps on `shadow`, each on the tree the previous one left.
    fn write_steps(
        &self,
        shadow: &Store,
        base: Option<git2::Oid>,
        count: usize,
        step: &mut ChainStep<'_>,
        dry_run: bool,
    ) -> Result<WrittenChain, StoreError> {
        let mut tip = base
            .map(|id| shadow.repo.find_commit(id))
            .transpose()
            .git_context("reading the branch tip")?;
        let mut written = WrittenChain::default();
        for index in 0..count {
            let snapshot = TreeSnapshot::new(&shadow.repo, tip.as_ref(), &shadow.prefix)?;
            let Some((change, stamp)) = step(index, &snapshot)? else {
                continue;
            };
            let (tree, planned) = shadow.build_tree_with(&snapshot, &change, !dry_run)?;
            drop(snapshot);
            if tip.as_ref().is_some_and(|tip| tip.tree_id() == tree) {
                // The step changes nothing here (already there by other means).
                continue;
            }
            for (path, _) in &change.files {
                written.union.put(path.clone(), FileChange::Remove);
            }
            written
                .objects
                .extend(planned.iter().filter_map(|file| file.blob));
            written
                .objects
                .extend(new_trees(&shadow.repo, tree, &planned)?);
            for file in planned {
                written.planned.insert(file.repo_path.clone(), file);
            }
            let identity = self.stamped(&stamp)?;
            let commit = shadow.write_commit(
                &identity,
                self.signer(),
                &change.commit_message(),
                tree,
                tip.as_ref(),
            )?;
            failpoint("chain-commit-written");
            tip = Some(
                shadow
                    .repo
                    .find_commit(commit)
                    .git_context("reading the written commit")?,
            );
            written.head = Some(commit);
            written.objects.insert(commit);
            written.commits.push((Some(commit.into()), change));
        }
        Ok(written)
    }

    /// The writer's identity with `stamp` as the author.
    fn stamped(&self, stamp: &Stamp) -> Result<Identity, StoreError> {
        let time = Time::new(stamp.time, stamp.offset_minutes);
        let author = Signature::new(&stamp.name, &stamp.email, &time)
            .git_context("building the author of an imported commit")?;
        Ok(Identity {
            author,
            committer: self.identity().committer.clone(),
        })
    }
}

/// The trees of `root` on the way to each planned file: every tree a step can have
/// written (a tree off those paths is the parent's, already stored).
fn new_trees(
    repo: &git2::Repository,
    root: git2::Oid,
    planned: &[PlannedFile],
) -> Result<BTreeSet<git2::Oid>, StoreError> {
    let mut trees = BTreeSet::from([root]);
    for file in planned {
        let mut tree = repo.find_tree(root).git_context("reading the new tree")?;
        let parts: Vec<&str> = file.repo_path.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            let Some(id) = tree.get_name(part).map(|entry| entry.id()) else {
                break;
            };
            trees.insert(id);
            tree = repo.find_tree(id).git_context("reading the new tree")?;
        }
    }
    Ok(trees)
}

/// The objects of a chain, not yet on any branch.
struct WrittenChain {
    head: Option<git2::Oid>,
    /// Every object the chain wrote (blobs, the trees on changed paths, commits).
    objects: BTreeSet<git2::Oid>,
    commits: Vec<(Option<CommitId>, Change)>,
    /// Every path a step wrote, for the clean-tree check (content unused).
    union: Change,
    /// The final content of each path, for the working tree.
    planned: BTreeMap<String, PlannedFile>,
}

impl Default for WrittenChain {
    fn default() -> Self {
        Self {
            head: None,
            objects: BTreeSet::new(),
            commits: Vec::new(),
            union: Change {
                files: Vec::new(),
                event: Event::Rendered { models: Vec::new() },
                message: None,
            },
            planned: BTreeMap::new(),
        }
    }
}
