//! The command line: clap definitions, one file per subcommand, and the dispatch.
//!
//! Each subcommand resolves its arguments into domain values, runs (through one
//! store transaction when it writes) and hands a report to `render`. Only this
//! module and `render` touch the terminal.

mod action;
mod alias;
mod archive;
mod check;
mod checkout;
mod context;
mod demote;
mod diff;
mod doctor;
mod env_vars;
mod error;
mod events;
mod history;
mod hooks;
mod import;
mod init;
mod input;
mod lineage;
mod list;
mod notify;
mod promote;
mod read;
mod register;
mod render_cmd;
mod resolve;
mod rollback;
mod shell;
mod show;
mod sign;
mod sync;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Ctx;
pub use error::{ArgError, CommandError};

/// A model registry that lives in a Git repository.
///
/// Every action is one Git commit; artifacts are Git LFS objects; read commands read
/// the committed tree (`--rev`, default HEAD).
#[derive(Debug, Parser)]
#[command(
    name = "omgreg",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if omgreg was started in <PATH> (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "PATH")]
    directory: Option<PathBuf>,

    /// The registry to use, when it is not around the working folder: relative
    /// paths and `--code-commit auto` still refer to the working folder.
    #[arg(long, global = true, value_name = "PATH", env = env_vars::OMGREG_REGISTRY)]
    registry: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (see docs/json.md).
    #[arg(long, global = true)]
    json: bool,

    #[command(flatten)]
    sign: SignArgs,

    /// Print no status lines on stderr (data on stdout is still printed).
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

/// `--sign` / `--no-sign`: before the command, or after a command that writes
/// commits; refused with any other command.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub(crate) struct SignArgs {
    /// Sign the commit even when `commit.gpgsign` is off.
    #[arg(long, conflicts_with = "no_sign")]
    sign: bool,

    /// Do not sign the commit (refused when the registry requires signatures).
    #[arg(long)]
    no_sign: bool,
}

impl SignArgs {
    fn given(self) -> bool {
        self.sign || self.no_sign
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(init::InitArgs),
    #[command(disable_version_flag = true)]
    Register(register::RegisterArgs),
    List(list::ListArgs),
    Show(show::ShowArgs),
    Resolve(resolve::ResolveArgs),
    #[command(disable_version_flag = true)]
    Promote(promote::PromoteArgs),
    Alias(alias::AliasArgs),
    Archive(archive::ArchiveArgs),
    Unarchive(archive::UnarchiveArgs),
    Sign(sign::SignArtifactsArgs),
    Demote(demote::DemoteArgs),
    Rollback(rollback::RollbackArgs),
    History(history::HistoryArgs),
    Lineage(lineage::LineageArgs),
    Diff(diff::DiffArgs),
    Verify(verify::VerifyArgs),
    Check(check::CheckArgs),
    Hooks(hooks::HooksArgs),
    Checkout(checkout::CheckoutArgs),
    Import(import::ImportArgs),
    Push(sync::PushArgs),
    Pull(sync::PullArgs),
    Events(events::EventsArgs),
    Notify(notify::NotifyArgs),
    Render(render_cmd::RenderArgs),
    Doctor(doctor::DoctorArgs),
    Completions(shell::CompletionsArgs),
    Man(shell::ManArgs),
    Schema(shell::SchemaArgs),
    #[command(hide = true, subcommand)]
    Debug(crate::ops::debug::DebugCommand),
}

/// Runs omgreg with the process arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    install_miette_hook();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => error::report(err),
        Err(_) => {
            eprintln!("omgreg: internal error (a bug); please report it with the message above");
            ExitCode::from(255)
        }
    }
}

impl Command {
    /// The `--sign` / `--no-sign` after the command; `None` for a command that writes
    /// no commit.
    fn sign(&self) -> Option<SignArgs> {
        Some(match self {
            Self::Init(args) => args.sign,
            Self::Register(args) => args.sign,
            Self::Promote(args) => args.sign,
            Self::Alias(args) => args.sign(),
            Self::Archive(args) => args.sign,
            Self::Unarchive(args) => args.sign,
            Self::Sign(args) => args.sign,
            Self::Demote(args) => args.sign,
            Self::Rollback(args) => args.sign,
            Self::Import(args) => args.sign(),
            Self::Pull(args) => args.sign,
            Self::Render(args) => args.sign,
            _ => return None,
        })
    }
}

fn run(cli: Cli) -> Result<(), CommandError> {
    let mut ctx = Ctx::new(cli.directory, cli.registry, cli.json, cli.quiet)?;
    let after = match cli.command.sign() {
        Some(after) => after,
        None if cli.sign.given() => return Err(ArgError::SignNotApplicable.into()),
        None => SignArgs::default(),
    };
    ctx.sign_mode = crate::sign::SignMode::from_flags(
        cli.sign.sign || after.sign,
        cli.sign.no_sign || after.no_sign,
    );
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Register(args) => register::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Resolve(args) => resolve::run(&ctx, args),
        Command::Promote(args) => promote::run(&ctx, args),
        Command::Alias(args) => alias::run(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Unarchive(args) => archive::run_unarchive(&ctx, args),
        Command::Sign(args) => sign::run(&ctx, args),
        Command::Demote(args) => demote::run(&ctx, args),
        Command::Rollback(args) => rollback::run(&ctx, args),
        Command::History(args) => history::run(&ctx, args),
        Command::Lineage(args) => lineage::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Hooks(args) => hooks::run(&ctx, args),
        Command::Checkout(args) => checkout::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Push(args) => sync::push(&ctx, args),
        Command::Pull(args) => sync::pull(&ctx, args),
        Command::Events(args) => events::run(&ctx, args),
        Command::Notify(args) => notify::run(&ctx, args),
        Command::Render(args) => render_cmd::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
        Command::Schema(args) => shell::schema(&ctx, args),
        Command::Debug(cmd) => crate::ops::debug::run(&ctx.cwd, cmd, |out| ctx.output.json(out)),
    }
}

fn install_miette_hook() {
    use std::io::IsTerminal;
    let color = std::io::stderr().is_terminal() && !env_vars::is_set(env_vars::NO_COLOR);
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .terminal_links(false)
                .context_lines(1)
                .build(),
        )
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
