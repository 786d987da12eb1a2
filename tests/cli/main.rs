//! Integration tests: the real `omgreg` binary on real Git repositories in temp
//! folders, judged by real `git` (fsck, log, lfs ls-files / fsck).

mod common;
mod golden;

mod test_bad_input;
mod test_bad_state;
mod test_check;
mod test_check_artifacts;
mod test_check_gitlab;
mod test_check_judge;
mod test_check_limits;
mod test_check_range;
mod test_checkout_safety;
mod test_ci_templates;
mod test_concurrency;
// The crash suite needs the failpoints (`cargo test --features failpoints`); the
// guard fails in CI when they are off, so the suite is never skipped silently.
#[cfg(feature = "failpoints")]
mod test_crash;
mod test_crash_guard;
#[cfg(feature = "failpoints")]
mod test_crash_pull;
mod test_demote;
mod test_doctor;
mod test_endpoint_gate;
mod test_event_index;
mod test_event_index_props;
mod test_event_index_repos;
mod test_event_index_upkeep;
mod test_exact_values;
mod test_expected;
mod test_git_beside;
mod test_history;
mod test_hook_scripts;
mod test_hooks;
mod test_hooks_bypass;
mod test_hooks_folders;
mod test_hooks_judge;
mod test_hooks_pr;
mod test_http_remote;
mod test_import_gto;
mod test_import_mlflow;
mod test_import_mlflow_server;
mod test_import_policy;
mod test_init;
mod test_lifecycle;
mod test_merge_judge;
mod test_mlflow_reader;
mod test_mlflow_reader_errors;
mod test_notify;
mod test_notify_budget;
mod test_notify_commands;
mod test_notify_mlflow;
mod test_notify_retries;
mod test_oms;
mod test_portable_paths;
mod test_read;
mod test_recovery;
mod test_register;
mod test_render;
mod test_rollback;
mod test_rough_edges;
mod test_rules_guard;
mod test_schemas;
mod test_shell;
mod test_signer_trust;
mod test_signer_trust_names;
mod test_signer_trust_reasons;
mod test_signer_trust_x509;
mod test_signing;
mod test_signing_policy;
mod test_sync;
mod test_sync_conflicts;
mod test_sync_errors;
mod test_sync_replay;
mod test_templates;
mod test_templates_hostile;
mod test_terminal_escapes;
mod test_transcript_diagnostics;
mod test_transcript_diagnostics_import;
mod test_transcript_diagnostics_oms;
mod test_transcript_diagnostics_store;
mod test_transcript_docs;
mod test_transcript_help;
mod test_transcript_read;
mod test_verify;
