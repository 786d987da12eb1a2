//! Reporting a lifecycle action on the command line: the commit, then the
//! notifications it triggers.

use crate::render::{self, ActionReport};
use crate::store::{Committed, Store, Writer};

use super::{CommandError, Ctx};

/// Renders what an action committed and, when it moved the registry branch (not a
/// dry run, not a `new_branch`), delivers the pending notifications.
pub fn report(
    ctx: &Ctx,
    store: &Store,
    committed: &Committed,
    new_branch: bool,
) -> Result<(), CommandError> {
    render::action(&ctx.output, &ActionReport::new(committed))?;
    if committed.commit.is_some() && !new_branch {
        super::notify::after_action(ctx, &Writer::for_refs(store));
    }
    Ok(())
}
