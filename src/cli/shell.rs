//! `omgreg completions SHELL` and `omgreg man [COMMAND]`, generated from the command
//! definitions themselves, so they say what `--help` says; `omgreg schema`, generated
//! from the file types, so it says what `check` says.

use clap::CommandFactory;

use super::{Cli, CommandError};

/// Print a shell completion script.
///
/// bash: `source <(omgreg completions bash)` (or save it in
/// `~/.local/share/bash-completion/completions/omgreg`); zsh: save it as `_omgreg` in
/// a folder of `$fpath`; fish: `omgreg completions fish >
/// ~/.config/fish/completions/omgreg.fish`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Print a man page (roff) for omgreg or one of its commands.
///
/// `omgreg man | man -l -` reads it; `omgreg man promote` is `omgreg-promote(1)`.
/// To install them: `omgreg man > ~/.local/share/man/man1/omgreg.1`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The command, e.g. `promote`; omgreg itself when omitted.
    command: Option<String>,
}

/// Print the JSON Schema of a file people edit, or write them all.
///
/// `init` keeps them in `.omgreg/schemas/`, where `.vscode/settings.json` (YAML) and
/// `.taplo.toml` (TOML) point editors; after upgrading omgreg, refresh them with
/// `omgreg schema --out .omgreg/schemas` and commit.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  omgreg schema version\n  omgreg schema --out .omgreg/schemas")]
pub struct SchemaArgs {
    /// `config` (omgreg.toml), `model` (model.yaml), `stages` (stages.yaml) or
    /// `version` (versions/<version>.yaml).
    #[arg(value_parser = ["config", "model", "stages", "version"], required_unless_present = "out")]
    kind: Option<String>,
    /// Write every schema into DIR instead.
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    out: Option<std::path::PathBuf>,
}

pub fn schema(ctx: &super::context::Ctx, args: SchemaArgs) -> Result<(), CommandError> {
    use crate::ops::schema;
    match (args.kind, args.out) {
        (Some(kind), _) => {
            let file = schema::schema_of(&kind).expect("clap allows only known kinds");
            ctx.output.json(&file.schema)?;
        }
        (None, Some(dir)) => {
            for path in schema::write_schemas(&ctx.cwd.join(dir))? {
                ctx.output.status(&format!("wrote {}", path.display()));
            }
        }
        (None, None) => unreachable!("clap requires a kind or --out"),
    }
    Ok(())
}

pub fn completions(args: CompletionsArgs) -> Result<(), CommandError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "omgreg", &mut std::io::stdout());
    Ok(())
}

pub fn man(args: ManArgs) -> Result<(), CommandError> {
    let top = Cli::command();
    let page = match &args.command {
        None => top,
        Some(name) => {
            let found = top.find_subcommand(name).cloned();
            let Some(sub) = found else {
                return Err(ManError::UnknownCommand { name: name.clone() }.into());
            };
            sub.name(format!("omgreg-{name}"))
        }
    };
    clap_mangen::Man::new(page).render(&mut std::io::stdout())?;
    Ok(())
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ManError {
    #[error("`{name}` is not an omgreg command")]
    #[diagnostic(
        code(omgreg::args::unknown_command),
        help("`omgreg --help` lists the commands")
    )]
    UnknownCommand { name: String },
}

impl From<ManError> for CommandError {
    fn from(err: ManError) -> Self {
        Self::User(err.into())
    }
}
