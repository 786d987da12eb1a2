//! `omgreg hooks install`: `check` as Git hooks, on laptops and on the server.

use std::path::{Path, PathBuf};

use crate::store::Store;

use super::{CommandError, Ctx};

/// Install Git hooks that run `omgreg check`.
///
/// In a working repository: `pre-commit` (checks the staged registry) and `pre-push`
/// (checks each pushed range; Git LFS's own pre-push still runs after it). With
/// `--server`, in a bare repository: `pre-receive`, which refuses pushes that break
/// the policy and tells the pusher why; refused pushes change no ref.
#[derive(Debug, clap::Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    command: HooksCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HooksCommand {
    /// Write the hooks into the repository's hooks folder.
    Install {
        /// Install the server-side `pre-receive` hook (bare repositories).
        #[arg(long)]
        server: bool,
        /// Replace hooks omgreg did not write.
        #[arg(long)]
        force: bool,
    },
}

/// Marks the hooks omgreg wrote (and may rewrite).
const MARKER: &str = "# installed by `omgreg hooks install`";

/// Hooks Git LFS installs, which the pre-push hook calls itself.
const LFS_MARKER: &str = "git lfs pre-push";

pub fn run(ctx: &Ctx, args: HooksArgs) -> Result<(), CommandError> {
    let HooksCommand::Install { server, force } = args.command;
    // A server is often empty until its first push: no registry to find yet.
    let store = match ctx.open_store() {
        Ok(store) => store,
        Err(_) if server => Store::open_bare(&ctx.registry_dir)?,
        Err(err) => return Err(err.into()),
    };
    if server != store.is_bare() {
        return Err(HookError::WrongKind { server }.into());
    }
    let dir = hooks_dir(&store);
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
        vec![("pre-receive", pre_receive(&program, &registry))]
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
    for (name, script) in hooks {
        let path = dir.join(name);
        write_executable(&path, &script)?;
        ctx.output
            .status(&format!("Installed `{}`", path.display()));
    }
    Ok(())
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

fn pre_commit(program: &str, registry: &str) -> String {
    format!(
        "#!/bin/sh\n{MARKER}\n# Checks the staged registry (schema, references, generated files) before a commit.\n\
         [ -d {} ] || exit 0\nexec {} -C {} check --staged\n",
        quote(registry),
        quote(program),
        quote(registry)
    )
}

fn pre_push(program: &str, registry: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
# Checks every pushed range with `omgreg check --range`, then lets Git LFS upload.
omgreg={program}
registry={registry}
input=$(cat)
failed=0
[ -d "$registry" ] || exit_check=skip
while read -r local_ref local_sha remote_ref remote_sha; do
    [ -z "$local_sha" ] && continue
    [ "$exit_check" = skip ] && continue
    # A remote that moved on refuses the push anyway (not a fast-forward).
    case "$remote_sha" in *[!0]*) git cat-file -e "$remote_sha^{{commit}}" 2>/dev/null || continue ;; esac
    case "$local_sha" in *[!0]*) ;; *) continue ;; esac
    case "$remote_sha" in
        *[!0]*) range="$remote_sha..$local_sha" ;;
        *)  # A new branch: judge everything it adds to what the remote has.
            base=$(git merge-base "refs/remotes/$1/HEAD" "$local_sha" 2>/dev/null || git merge-base HEAD "$local_sha" 2>/dev/null)
            if [ -n "$base" ] && [ "$base" != "$local_sha" ]; then range="$base..$local_sha"; else range="$local_sha"; fi ;;
    esac
    "$omgreg" -C "$registry" check --range "$range" >&2 || failed=1
done <<OMGREG_REFS
$input
OMGREG_REFS
if [ "$failed" != 0 ]; then
    echo "omgreg: push refused: the registry breaks its policy (see above)" >&2
    exit 1
fi
if command -v git-lfs >/dev/null 2>&1; then
    printf '%s\n' "$input" | git lfs pre-push "$@"
fi
"#,
        program = quote(program),
        registry = quote(registry)
    )
}

fn pre_receive(program: &str, registry: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
# Refuses pushes that break the registry's policy, as judged by `omgreg check`
# against the policy of the commit being replaced (never the one being pushed).
omgreg={program}
registry={registry}
failed=0
while read -r old new ref; do
    # Only commits that hold the registry are judged (other branches pass).
    git cat-file -e "$new:omgreg.toml" 2>/dev/null || continue
    case "$new" in *[!0]*) ;; *) continue ;; esac
    case "$old" in
        *[!0]*) range="$old..$new" ;;
        *)  # A new branch: judge everything it adds to the default branch.
            base=$(git merge-base HEAD "$new" 2>/dev/null)
            if [ -n "$base" ] && [ "$base" != "$new" ]; then range="$base..$new"; else range="$new"; fi ;;
    esac
    echo "omgreg: checking $ref ($range)" >&2
    if ! "$omgreg" -C "$registry" check --range "$range" >&2; then
        failed=1
    fi
done
if [ "$failed" != 0 ]; then
    echo "omgreg: push refused: the registry breaks its policy (see above)" >&2
    exit 1
fi
"#,
        program = quote(program),
        registry = quote(registry)
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
