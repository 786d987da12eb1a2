//! Installing `omgreg check` as Git hooks: choosing the hooks folder, refusing to
//! overwrite hooks omgreg did not write, writing the executable scripts.

use std::path::{Path, PathBuf};

use crate::store::{Store, registry_folder};

use super::{CommandError, Progress};

/// Marks the hooks omgreg wrote (and may rewrite).
const MARKER: &str = "# installed by `omgreg hooks install`";

/// Hooks Git LFS installs, which the pre-push hook calls itself.
const LFS_MARKER: &str = "git lfs pre-push";

/// Writes the hooks into `store`'s hooks folder: `pre-receive` with `server` (a
/// bare repository), otherwise `pre-commit` and `pre-push`. The server hook judges
/// the registries in `folders` (paths from the repository root); when none are
/// named, those HEAD holds, or the root on an empty server. Hooks omgreg did not
/// write are refused unless `force`; nothing is written then. Reports each hook
/// installed through `progress`; returns their paths.
pub fn install(
    store: &Store,
    server: bool,
    folders: &[String],
    force: bool,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, CommandError> {
    if server != store.is_bare() {
        return Err(HookError::WrongKind { server }.into());
    }
    let mut prefixes = folders
        .iter()
        .map(|folder| registry_folder(folder))
        .collect::<Result<Vec<_>, _>>()?;
    if server && prefixes.is_empty() {
        prefixes = store.registry_folders("HEAD")?;
        if prefixes.is_empty() {
            prefixes.push(String::new());
        }
    }
    prefixes.sort();
    prefixes.dedup();
    let dir = hooks_dir(store);
    std::fs::create_dir_all(&dir).map_err(|err| HookError::Write {
        path: dir.clone(),
        reason: err.to_string(),
    })?;
    let program = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.canonicalize().ok())
        .map_or_else(|| "omgreg".to_owned(), |exe| exe.display().to_string());
    let registry = store
        .root_dir()
        .unwrap_or_else(|| store.git_dir().to_owned())
        .canonicalize()
        .unwrap_or_else(|_| store.git_dir().to_owned())
        .display()
        .to_string();
    let hooks: Vec<(&str, String)> = if server {
        for prefix in &prefixes {
            let folder = match prefix.trim_end_matches('/') {
                "" => "the repository root",
                folder => folder,
            };
            progress.status(&format!("Judging the registry in {folder}"));
        }
        vec![("pre-receive", pre_receive(&program, &registry, &prefixes))]
    } else {
        vec![
            ("pre-commit", pre_commit(&program, &registry)),
            ("pre-push", pre_push(&program, &registry)),
        ]
    };
    for (name, _) in &hooks {
        let path = dir.join(name);
        if let Ok(existing) = std::fs::read_to_string(&path)
            && !existing.contains(MARKER)
            && !existing.contains(LFS_MARKER)
            && !force
        {
            return Err(HookError::Exists { path }.into());
        }
    }
    let mut installed = Vec::new();
    for (name, script) in hooks {
        let path = dir.join(name);
        write_executable(&path, &script)?;
        progress.status(&format!("Installed `{}`", path.display()));
        installed.push(path);
    }
    Ok(installed)
}

fn hooks_dir(store: &Store) -> PathBuf {
    let configured = store
        .git_config()
        .ok()
        .and_then(|config| config.path("core.hooksPath"));
    match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => store
            .workdir()
            .unwrap_or_else(|| store.git_dir())
            .join(path),
        None => store.common_dir().join("hooks"),
    }
}

/// A single-quoted shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The hook scripts, with `@OMGREG@` and `@REGISTRY@` where the quoted program and
/// registry paths go. CI runs `shellcheck` on them as installed.
const PRE_COMMIT: &str = include_str!("pre-commit.sh");
const PRE_PUSH: &str = include_str!("pre-push.sh");
const PRE_RECEIVE: &str = include_str!("pre-receive.sh");

/// `script` with each `@NAME@` placeholder replaced by its text, in one pass: a
/// path holding a placeholder's text is inserted as is, never substituted again.
fn fill(script: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(start) = rest.find('@') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match values.iter().find(|(name, _)| after.starts_with(name)) {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len()..];
            }
            None => {
                out.push('@');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn pre_commit(program: &str, registry: &str) -> String {
    fill(
        PRE_COMMIT,
        &[
            ("@OMGREG@", &quote(program)),
            ("@REGISTRY@", &quote(registry)),
        ],
    )
}

fn pre_push(program: &str, registry: &str) -> String {
    fill(
        PRE_PUSH,
        &[
            ("@OMGREG@", &quote(program)),
            ("@REGISTRY@", &quote(registry)),
        ],
    )
}

/// The server hook judging each registry folder (prefixes `""` or `a/b/`).
fn pre_receive(program: &str, registry: &str, folders: &[String]) -> String {
    let judge: Vec<String> = folders
        .iter()
        .map(|prefix| match prefix.trim_end_matches('/') {
            "" => "judge .".to_owned(),
            folder => format!("judge {}", quote(folder)),
        })
        .collect();
    fill(
        PRE_RECEIVE,
        &[
            ("@OMGREG@", &quote(program)),
            ("@REGISTRY@", &quote(registry)),
            ("@JUDGE@", &judge.join("\n")),
        ],
    )
}

fn write_executable(path: &Path, script: &str) -> Result<(), CommandError> {
    let fail = |err: std::io::Error| HookError::Write {
        path: path.to_owned(),
        reason: err.to_string(),
    };
    std::fs::write(path, script).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    Ok(())
}

/// Why hooks could not be installed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HookError {
    #[error("{}", if *server { "`--server` installs a pre-receive hook in a bare repository; this one has a working tree" } else { "this is a bare repository" })]
    #[diagnostic(
        code(omgreg::hooks::wrong_kind),
        help(
            "use `omgreg hooks install` in working repositories and `omgreg hooks install --server` in bare ones"
        )
    )]
    WrongKind { server: bool },

    #[error("`{}` exists and was not written by omgreg", path.display())]
    #[diagnostic(
        code(omgreg::hooks::exists),
        help("merge it by hand, or replace it with `--force`")
    )]
    Exists { path: PathBuf },

    #[error("cannot write `{}`: {reason}", path.display())]
    #[diagnostic(code(omgreg::hooks::write_failed))]
    Write { path: PathBuf, reason: String },
}

impl From<HookError> for CommandError {
    fn from(err: HookError) -> Self {
        Self::User(err.into())
    }
}
