//! The crash suite (`test_crash.rs`) compiles only with the cargo feature
//! `failpoints`; this guard makes sure CI never skips it silently.

/// CI sets `CI=true`: there, a test run without the failpoints is a mistake (the
/// README's test command is `cargo test --locked --features failpoints`).
#[test]
fn ci_runs_the_crash_suite() {
    let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    assert!(
        !in_ci || cfg!(feature = "failpoints"),
        "CI=true but the crash suite is compiled out: run `cargo test --locked --features failpoints`"
    );
}
