//! GTO's tag names, parsed exactly as GTO 1.10 does (`gto/constants.py`, `tag_re`):
//!
//! ```text
//! NAME@vX.Y.Z[#N]     registration          NAME#STAGE[#N]     assignment
//! NAME@vX.Y.Z![#N]    deregistration        NAME#STAGE![#N]    unassignment
//! NAME@deprecated[#N] deprecation           NAME@created[#N]   (creation: unused)
//! ```
//!
//! `NAME` is `[DIR=]N` where `DIR` is `[a-zA-Z0-9-_./]+` and `N` (and `STAGE`) is
//! `[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?`; `=` in a tag stands for the `:` of the
//! artifact name (`nlp:sentiment`). A name that does not match is not GTO's.

/// What a GTO tag records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagAction {
    Register {
        version: String,
    },
    Deregister {
        version: String,
    },
    Assign {
        stage: String,
    },
    Unassign {
        stage: String,
    },
    Deprecate,
    /// `NAME@created`: GTO's tag grammar has it, GTO itself never writes it.
    Create,
}

/// A parsed GTO tag name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagName {
    /// The artifact name as GTO shows it (`dir:name`).
    pub artifact: String,
    pub action: TagAction,
    pub counter: Option<u64>,
}

impl TagAction {
    /// GTO's priority of the event (`gto/base.py`): breaks ties of equal times.
    pub fn priority(&self) -> u8 {
        match self {
            Self::Create => 1,
            Self::Deprecate => 2,
            Self::Register { .. } => 3,
            Self::Deregister { .. } => 4,
            Self::Assign { .. } => 5,
            Self::Unassign { .. } => 6,
        }
    }
}

/// Parses `tag` as GTO does; `None` when it is not a GTO tag.
pub fn parse(tag: &str) -> Option<TagName> {
    let split = tag.find(['@', '#'])?;
    let (artifact, rest) = tag.split_at(split);
    if !is_fullname_in_tag(artifact) {
        return None;
    }
    let (body, counter) = split_counter(rest)?;
    let action = parse_action(body)?;
    Some(TagName {
        artifact: artifact.replace('=', ":"),
        action,
        counter,
    })
}

/// `rest` = `@...` or `#...`, with an optional trailing `#N`: the part before it and N.
fn split_counter(rest: &str) -> Option<(&str, Option<u64>)> {
    // The action part holds at most one `#` of its own (its first character).
    let Some(at) = rest[1..].find('#').map(|i| i + 1) else {
        return Some((rest, None));
    };
    let digits = &rest[at + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // GTO reads it with int(): any length; beyond u64 it is only a very large counter.
    Some((&rest[..at], Some(digits.parse().unwrap_or(u64::MAX))))
}

fn parse_action(body: &str) -> Option<TagAction> {
    if let Some(stage) = body.strip_prefix('#') {
        let (stage, cancel) = match stage.strip_suffix('!') {
            Some(stage) => (stage, true),
            None => (stage, false),
        };
        if !is_name(stage) {
            return None;
        }
        let stage = stage.to_owned();
        return Some(if cancel {
            TagAction::Unassign { stage }
        } else {
            TagAction::Assign { stage }
        });
    }
    let after_at = body.strip_prefix('@')?;
    match after_at {
        "deprecated" => return Some(TagAction::Deprecate),
        "created" => return Some(TagAction::Create),
        _ => {}
    }
    let (version, cancel) = match after_at.strip_suffix('!') {
        Some(version) => (version, true),
        None => (after_at, false),
    };
    if !is_semver_tag(version) {
        return None;
    }
    let version = version.to_owned();
    Some(if cancel {
        TagAction::Deregister { version }
    } else {
        TagAction::Register { version }
    })
}

/// `v` followed by SemVer 2.0 (GTO's regex is the one semver.org gives).
fn is_semver_tag(version: &str) -> bool {
    version
        .strip_prefix('v')
        .is_some_and(|v| semver::Version::parse(v).is_ok() && !has_leading_zero_core(v))
}

/// The semver crate accepts what the regex does, except that it must also refuse
/// `01.0.0` (it does) — kept as an explicit check so the rule is visible here.
fn has_leading_zero_core(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    core.split('.')
        .any(|part| part.len() > 1 && part.starts_with('0'))
}

/// `[DIR=]NAME` as written in a tag.
fn is_fullname_in_tag(text: &str) -> bool {
    match text.split_once('=') {
        Some((dir, name)) => {
            !dir.is_empty()
                && dir
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
                && is_name(name)
        }
        None => is_name(text),
    }
}

/// GTO's `name`: `[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?`.
fn is_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(tag: &str) -> Option<(String, TagAction, Option<u64>)> {
        parse(tag).map(|t| (t.artifact, t.action, t.counter))
    }

    #[test]
    fn every_kind_of_gto_tag_is_read() {
        let v = |s: &str| s.to_owned();
        assert_eq!(
            action("churn@v1.0.0"),
            Some((
                v("churn"),
                TagAction::Register {
                    version: v("v1.0.0")
                },
                None
            ))
        );
        assert_eq!(
            action("churn@v1.0.0-rc.1+b.7!#4"),
            Some((
                v("churn"),
                TagAction::Deregister {
                    version: v("v1.0.0-rc.1+b.7")
                },
                Some(4)
            ))
        );
        assert_eq!(
            action("nlp/x=sent-a#prod#12"),
            Some((
                v("nlp/x:sent-a"),
                TagAction::Assign { stage: v("prod") },
                Some(12)
            ))
        );
        assert_eq!(
            action("a/b=c/d#prod!#3"),
            Some((
                v("a/b:c/d"),
                TagAction::Unassign { stage: v("prod") },
                Some(3)
            ))
        );
        assert_eq!(
            action("m@deprecated#9"),
            Some((v("m"), TagAction::Deprecate, Some(9)))
        );
        assert_eq!(action("m@created"), Some((v("m"), TagAction::Create, None)));
        assert_eq!(
            action("x#st_g/e#0"),
            Some((v("x"), TagAction::Assign { stage: v("st_g/e") }, Some(0)))
        );
    }

    /// The same answers as GTO 1.10.1's `tag_re` (checked with its Python regex).
    #[test]
    fn what_gto_refuses_is_refused() {
        for tag in [
            "a_b.c@v1.0.0",
            "d=x=n@v1.0.0",
            "x@deprecated!",
            "a#b#c",
            "A@v1.0.0-01",
            "a:b@v1.0.0",
            "ab-@v1.0.0",
            "9-_@v1.0.0",
            "d:=n@v1.0.0",
            "x@v1.0.0#",
            "x@1.0.0",
            "x@v01.0.0",
            "x@v1.0",
            "v1.0.0",
            "x#",
            "x#-a",
            "=n@v1.0.0",
        ] {
            assert_eq!(parse(tag), None, "{tag}");
        }
        assert!(parse("a@v1.0.0+001").is_some());
        assert!(parse("d.x=n@v1.0.0").is_some());
    }
}
