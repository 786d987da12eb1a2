//! A registry with a long history of promotions: one commit registering every model,
//! then one commit per step moving one model's `Production` (or one of the subject's
//! aliases), with the subject and trailers `omgreg promote` (`omgreg alias set`) writes.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use super::{
    ATTRIBUTES, CONFIG, EPOCH, commit_header, fast_import, file, model, thousands, version,
};

/// A registry with a long history of promotions.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub models: usize,
    /// Versions per model (`1.0.0` to `1.<n-1>.0`), all registered in the first commit.
    pub versions: usize,
    /// Promotion commits after the first commit.
    pub commits: usize,
    /// The model whose figures are measured (`m7`).
    pub subject: usize,
}

impl History {
    pub fn label(self) -> String {
        format!(
            "{} × {}, {} commits",
            thousands(self.models),
            thousands(self.versions),
            thousands(self.commits + 2)
        )
    }
}

/// What [`generate_history`] wrote about the subject model.
#[derive(Debug, Clone)]
pub struct HistoryFacts {
    /// Its `Production` version at the tip.
    pub current: String,
    /// The version a rollback of its `Production` lands on.
    pub rollback_target: String,
    /// How many commits back (1 = the tip) the promotion to `rollback_target` is.
    pub target_depth: usize,
    /// How many commits back the promotion to `current` is.
    pub current_depth: usize,
    /// How many promotion commits changed its `Production`.
    pub promotions: usize,
    /// Its aliases, each set once far back and moved once near the tip.
    pub aliases: Vec<AliasFacts>,
    /// How many commits set or moved one of its aliases.
    pub alias_moves: usize,
}

/// One alias of the subject: `rollback --alias <alias>` lands on `target`, set
/// `depth` commits back.
#[derive(Debug, Clone)]
pub struct AliasFacts {
    pub alias: &'static str,
    pub target: String,
    pub depth: usize,
}

/// How far from the tip the subject's last two promotions are: the rollback target is
/// among the last 100 commits, and no other promotion of the subject is.
const SUBJECT_RECENT: [usize; 2] = [80, 30];

/// The subject's aliases, so that a rollback's target can be far back: each is set to
/// version `from` at a depth (a function of the number of commits `n`), moved to
/// version `to` at `moved_at` commits from the tip, and changed nowhere else.
struct AliasMove {
    alias: &'static str,
    set_at: fn(usize) -> usize,
    moved_at: usize,
    from: usize,
    to: usize,
}

const ALIASES: [AliasMove; 2] = [
    // Half the history back.
    AliasMove {
        alias: "half",
        set_at: |n| n / 2,
        moved_at: 20,
        from: 2,
        to: 3,
    },
    // The first commit after the registration: the root is two commits further.
    AliasMove {
        alias: "root",
        set_at: |n| n,
        moved_at: 10,
        from: 0,
        to: 1,
    },
];

/// The fewest promotion commits: the aliases' far ends must lie beyond the last 100.
pub const MIN_COMMITS: usize = 1_000;

/// Creates a registry at `dir` (a new folder) with `history.models` models of
/// `history.versions` versions, then `history.commits` commits each moving one model's
/// `Production` to another of its versions, like `omgreg promote` (subject
/// `promote m<i>@<v> to Production`, `Omgreg-*` trailers). Which model moves is
/// pseudo-random, except that the subject model moves exactly at 80 and 30 commits
/// from the tip and not otherwise in the last 100, and that the commits setting and
/// moving its aliases ([`ALIASES`]) are alias commits (`omgreg alias set`).
pub fn generate_history(
    dir: &Path,
    history: History,
    git: &dyn Fn() -> Command,
) -> Result<HistoryFacts, String> {
    assert!(history.versions >= 4 && history.models > history.subject + 1);
    assert!(history.commits >= MIN_COMMITS);
    let facts = std::cell::RefCell::new(None);
    fast_import(dir, git, &|out| {
        let written = write_history(out, history)?;
        *facts.borrow_mut() = Some(written);
        Ok(())
    })?;
    Ok(facts.into_inner().expect("the stream was written"))
}

fn write_history(out: &mut impl Write, history: History) -> std::io::Result<HistoryFacts> {
    let n = history.commits;
    commit_header(out, EPOCH, "Initialize registry")?;
    file(out, "omgreg.toml", CONFIG.as_bytes())?;
    file(out, ".gitattributes", ATTRIBUTES.as_bytes())?;
    let mut production: Vec<usize> = (0..history.models).map(|m| m % history.versions).collect();
    commit_header(
        out,
        EPOCH + 60,
        &format!(
            "Register {} models × {} versions (generated)",
            history.models, history.versions
        ),
    )?;
    for (m, &held) in production.iter().enumerate() {
        let name = model(m);
        let dir = format!("models/{name}");
        file(
            out,
            &format!("{dir}/model.yaml"),
            format!("model: {name}\n").as_bytes(),
        )?;
        file(
            out,
            &format!("{dir}/stages.yaml"),
            stages_yaml(held, &[]).as_bytes(),
        )?;
        for v in 0..history.versions {
            let ver = version(v);
            let text = format!(
                "model: {name}\nversion: {ver}\ncreated: 2026-01-01T00:00:00Z\n\
                 created_by: B <b@x>\nmetrics:\n  acc: 0.9\nstatus: active\n"
            );
            file(out, &format!("{dir}/versions/{ver}.yaml"), text.as_bytes())?;
        }
    }

    let subject = history.subject;
    let subject_name = model(subject);
    // The subject's aliases as they are at each point (sorted by name, as omgreg
    // writes them).
    let mut aliases: Vec<(&str, usize)> = Vec::new();
    let mut alias_moves = 0;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut promotions = 0;
    let mut previous_of_subject = production[subject];
    for k in 0..n {
        let from_tip = n - k;
        let time = EPOCH + 120 + k as u64 * 60;
        let alias_move = ALIASES.iter().find_map(|a| {
            if (a.set_at)(n) == from_tip {
                Some((a.alias, a.from))
            } else if a.moved_at == from_tip {
                Some((a.alias, a.to))
            } else {
                None
            }
        });
        if let Some((alias, to)) = alias_move {
            let previous = aliases.iter().find(|(a, _)| *a == alias).map(|&(_, v)| v);
            aliases.retain(|(a, _)| *a != alias);
            aliases.push((alias, to));
            aliases.sort();
            alias_moves += 1;
            let new = version(to);
            let mut message = format!(
                "set alias {subject_name}@{alias} -> {new}\n\nOmgreg-Action: alias-set\n\
                 Omgreg-Model: {subject_name}\nOmgreg-Version: {new}\nOmgreg-Alias: {alias}\n"
            );
            if let Some(previous) = previous {
                message.push_str(&format!("Omgreg-Previous: {}\n", version(previous)));
            }
            commit_header(out, time, &message)?;
            file(
                out,
                &format!("models/{subject_name}/stages.yaml"),
                stages_yaml(production[subject], &aliases).as_bytes(),
            )?;
            continue;
        }
        let mut m = (next() % history.models as u64) as usize;
        if SUBJECT_RECENT.contains(&from_tip) {
            m = subject;
        } else if from_tip <= 100 && m == subject {
            m = subject + 1;
        }
        let old = production[m];
        let new = (old + 1 + (next() % (history.versions as u64 - 1)) as usize) % history.versions;
        production[m] = new;
        if m == subject {
            promotions += 1;
            if from_tip == SUBJECT_RECENT[1] {
                previous_of_subject = old;
            }
        }
        let (name, old, new) = (model(m), version(old), version(new));
        let message = format!(
            "promote {name}@{new} to Production\n\nOmgreg-Action: promote\nOmgreg-Model: {name}\n\
             Omgreg-Version: {new}\nOmgreg-Stage: Production\nOmgreg-Previous: {old}\n"
        );
        commit_header(out, time, &message)?;
        let held = if m == subject { &aliases[..] } else { &[] };
        file(
            out,
            &format!("models/{name}/stages.yaml"),
            stages_yaml(production[m], held).as_bytes(),
        )?;
    }
    out.write_all(b"done\n")?;
    out.flush()?;
    Ok(HistoryFacts {
        current: version(production[subject]),
        rollback_target: version(previous_of_subject),
        target_depth: SUBJECT_RECENT[0],
        current_depth: SUBJECT_RECENT[1],
        promotions,
        aliases: ALIASES
            .iter()
            .map(|a| AliasFacts {
                alias: a.alias,
                target: version(a.from),
                depth: (a.set_at)(n),
            })
            .collect(),
        alias_moves,
    })
}

/// `stages.yaml` as omgreg writes it: `Production` only, then the aliases.
fn stages_yaml(production: usize, aliases: &[(&str, usize)]) -> String {
    let mut text = format!("stages:\n  Production: {}\n", version(production));
    if aliases.is_empty() {
        text.push_str("aliases: {}\n");
    } else {
        text.push_str("aliases:\n");
        for (alias, v) in aliases {
            text.push_str(&format!("  {alias}: {}\n", version(*v)));
        }
    }
    text
}
