//! Crash injection for the crash suite: named points on the write path where a test
//! can make omgreg die, or pause it while something else runs.
//!
//! Compiled to nothing unless the cargo feature `failpoints` is on (release builds
//! leave it off). With the feature, [`OMGREG_FAILPOINT`] is read once: a
//! comma-separated list of `NAME` (abort at that point: no destructors, no cleanup,
//! as a crash) or `NAME:pause` (create `NAME.reached` in [`OMGREG_FAILPOINT_DIR`] and
//! wait until `NAME.go` appears there, at most 60 s). Depends on nothing but `std`.

/// Which failpoints are active: `NAME` or `NAME:pause`, comma-separated.
pub const OMGREG_FAILPOINT: &str = "OMGREG_FAILPOINT";
/// The folder of a paused failpoint's `NAME.reached` / `NAME.go` files (default: the
/// system temp folder).
pub const OMGREG_FAILPOINT_DIR: &str = "OMGREG_FAILPOINT_DIR";

/// Marks the point `name` of the write path; does nothing unless the feature
/// `failpoints` is on and [`OMGREG_FAILPOINT`] names it.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn failpoint(_name: &'static str) {}

/// Marks the point `name` of the write path: aborts, pauses or does nothing, as
/// [`OMGREG_FAILPOINT`] says.
#[cfg(feature = "failpoints")]
pub fn failpoint(name: &'static str) {
    match active::action(name) {
        None => {}
        Some(active::Action::Abort) => std::process::abort(),
        Some(active::Action::Pause) => active::pause(name),
    }
}

#[cfg(feature = "failpoints")]
mod active {
    use std::path::PathBuf;
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) enum Action {
        Abort,
        Pause,
    }

    /// The active failpoints, parsed once per process.
    fn configured() -> &'static [(String, Action)] {
        static CONFIGURED: OnceLock<Vec<(String, Action)>> = OnceLock::new();
        CONFIGURED.get_or_init(|| {
            std::env::var(super::OMGREG_FAILPOINT)
                .map(|spec| parse(&spec))
                .unwrap_or_default()
        })
    }

    pub(super) fn parse(spec: &str) -> Vec<(String, Action)> {
        spec.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| match entry.strip_suffix(":pause") {
                Some(name) => (name.to_owned(), Action::Pause),
                None => (entry.to_owned(), Action::Abort),
            })
            .collect()
    }

    pub(super) fn action(name: &str) -> Option<Action> {
        configured()
            .iter()
            .find(|(active, _)| active == name)
            .map(|&(_, action)| action)
    }

    /// Announces `name` as reached and waits for the go-ahead (at most 60 s).
    pub(super) fn pause(name: &str) {
        let dir = std::env::var_os(super::OMGREG_FAILPOINT_DIR)
            .map_or_else(std::env::temp_dir, PathBuf::from);
        // A failpoint must not change what the write path does: if the marker cannot
        // be written, the test times out waiting for it and says so.
        let _ = std::fs::write(dir.join(format!("{name}.reached")), b"");
        let go = dir.join(format!("{name}.go"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !go.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(all(test, feature = "failpoints"))]
mod tests {
    use super::active::{Action, parse};

    #[test]
    fn the_failpoint_list_names_aborts_and_pauses() {
        assert_eq!(
            parse("ref-updated, index-written:pause,,"),
            [
                ("ref-updated".to_owned(), Action::Abort),
                ("index-written".to_owned(), Action::Pause)
            ]
        );
        assert!(parse("").is_empty());
    }
}
