//! `omgreg render`: bring generated files up to date after hand edits.

use crate::registry::{Change, Event, ModelName, RegistryError, model_names};

use crate::render;

use super::action::{open_writer, run_action};
use super::{CommandError, Ctx};

/// Re-render model cards and endpoint manifests, as one commit.
///
/// Every action keeps them current; after a hand edit (a stage changed in a web
/// editor, a new `[[endpoint]]`, an edited template) `check` reports them as stale,
/// and this commits what omgreg would render. Without MODEL, every model.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Only this model (its card and the endpoints that follow it).
    #[arg(value_name = "MODEL")]
    model: Option<String>,

    /// Print the change that would be committed, and write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: RenderArgs) -> Result<(), CommandError> {
    let only = args
        .model
        .as_deref()
        .map(str::parse::<ModelName>)
        .transpose()?;
    let store = ctx.open_store()?;
    let (writer, _) = open_writer(ctx, &store)?;
    let head = writer.store().snapshot(None)?;
    let models = match &only {
        Some(model) => vec![model.clone()],
        None => model_names(&head),
    };
    let pending = render::with_derived_files(&head, empty(models))?;
    if pending.files.is_empty() {
        ctx.output
            .status("Model cards and endpoints are up to date");
        return Ok(());
    }
    drop(head);
    run_action(ctx, &writer, args.dry_run, &mut |snapshot| {
        let models = match &only {
            Some(model) if !crate::registry::model_exists(snapshot, model)? => {
                return Err(RegistryError::ModelNotFound {
                    model: model.to_string(),
                });
            }
            Some(model) => vec![model.clone()],
            None => model_names(snapshot),
        };
        // The derived files are added by the action runner; the change itself is empty.
        Ok(empty(models))
    })
}

fn empty(models: Vec<ModelName>) -> Change {
    Change {
        files: Vec::new(),
        event: Event::Rendered { models },
        message: None,
    }
}
