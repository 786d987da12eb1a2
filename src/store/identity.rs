//! Author and committer the way git picks them: `GIT_AUTHOR_*` / `GIT_COMMITTER_*`
//! environment variables first, then `user.name` / `user.email`, dates from
//! `GIT_AUTHOR_DATE` / `GIT_COMMITTER_DATE` or the clock.

use git2::{Repository, Signature, Time};
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

use super::StoreError;
use super::error::GitContext;

/// Who writes a commit, and when.
#[derive(Clone)]
pub struct Identity {
    pub(crate) author: Signature<'static>,
    pub(crate) committer: Signature<'static>,
}

impl Identity {
    /// Reads the identity from the environment and the repository configuration.
    pub(crate) fn from_git(repo: &Repository) -> Result<Self, StoreError> {
        let config = repo.config().git_context("reading the Git configuration")?;
        Self::from_config(&config)
    }

    /// The identity a commit in `dir` would get: from its repository's configuration
    /// when there is one, else the user's and the system's (`omgreg init` asks before
    /// it creates anything).
    pub fn for_dir(dir: &std::path::Path) -> Result<Self, StoreError> {
        // The folder may not exist yet: its nearest existing parent tells.
        let existing = dir.ancestors().find(|path| path.exists()).unwrap_or(dir);
        match Repository::discover(existing) {
            Ok(repo) => Self::from_git(&repo),
            Err(_) => {
                let config =
                    git2::Config::open_default().git_context("reading the Git configuration")?;
                Self::from_config(&config)
            }
        }
    }

    fn from_config(config: &git2::Config) -> Result<Self, StoreError> {
        let configured = |key: &str| config.get_string(key).ok().filter(|v| !v.is_empty());
        let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        let now = OffsetDateTime::now_utc();
        // Like git without `user.useConfigOnly`: fall back to the login and host names.
        let use_config_only = config.get_bool("user.useConfigOnly").unwrap_or(false);
        let guessed = if use_config_only {
            None
        } else {
            guess_identity()
        };
        let person = |name_var: &'static str, email_var: &'static str, date_var: &'static str| {
            let guess =
                |part: fn(&(String, String)) -> &String| guessed.as_ref().map(|g| part(g).clone());
            let name = env(name_var)
                .or_else(|| configured("user.name"))
                .or_else(|| guess(|g| &g.0))
                .ok_or(StoreError::IdentityUnknown {
                    missing: "user.name",
                })?;
            let email = env(email_var)
                .or_else(|| configured("user.email"))
                .or_else(|| guess(|g| &g.1))
                .ok_or(StoreError::IdentityUnknown {
                    missing: "user.email",
                })?;
            let time = match env(date_var) {
                Some(value) => match parse_git_date(&value) {
                    None => {
                        return Err(StoreError::InvalidDate {
                            var: date_var,
                            value,
                        });
                    }
                    Some(time) if !storable(time.seconds()) => {
                        return Err(StoreError::DateOutOfRange {
                            var: date_var,
                            value,
                        });
                    }
                    Some(time) => time,
                },
                None => Time::new(now.unix_timestamp(), 0),
            };
            Signature::new(&name, &email, &time).git_context("building the commit signature")
        };
        Ok(Self {
            author: person("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE")?,
            committer: person(
                "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL",
                "GIT_COMMITTER_DATE",
            )?,
        })
    }

    /// The author's name, e-mail and time (Unix seconds).
    pub fn author_name(&self) -> String {
        self.author.name().unwrap_or_default().to_owned()
    }

    pub fn author_email(&self) -> String {
        self.author.email().unwrap_or_default().to_owned()
    }

    pub fn author_seconds(&self) -> i64 {
        self.author.when().seconds()
    }

    /// `Name <email>` of the author.
    pub fn author_line(&self) -> String {
        format!(
            "{} <{}>",
            self.author.name().unwrap_or_default(),
            self.author.email().unwrap_or_default()
        )
    }

    /// `Name <email>` of the committer.
    pub fn committer_line(&self) -> String {
        format!(
            "{} <{}>",
            self.committer.name().unwrap_or_default(),
            self.committer.email().unwrap_or_default()
        )
    }

    /// The author time as RFC 3339 UTC, the `created` field of new versions.
    pub fn author_time_rfc3339(&self) -> String {
        let seconds = self.author.when().seconds();
        OffsetDateTime::from_unix_timestamp(seconds)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .format(&Rfc3339)
            .expect("UTC times always format as RFC 3339")
    }
}

/// 9999-12-31T23:59:59Z, the last second RFC 3339 (four-digit years) can write.
const LAST_STORABLE: i64 = 253_402_300_799;

/// Whether a commit time can be stored: Git refuses negative times (`git fsck`:
/// `badDate`), and `created` is RFC 3339, whose years have four digits.
fn storable(seconds: i64) -> bool {
    (0..=LAST_STORABLE).contains(&seconds)
}

/// `login <login@hostname>` from the environment, as git guesses it.
fn guess_identity() -> Option<(String, String)> {
    let login = ["USER", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .or_else(login_from_passwd)?;
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.trim().to_owned())
        .filter(|host| !host.is_empty())?;
    let email = guessed_email(&login, &host)?;
    Some((login, email))
}

/// `login@host` as git guesses an e-mail address, or `None` where git refuses its own
/// guess ("unable to auto-detect email address (got 'root@vm.(none)')"): a host name
/// without a domain. omgreg refuses too, rather than sign the audit log as `root@vm`.
fn guessed_email(login: &str, host: &str) -> Option<String> {
    host.contains('.').then(|| format!("{login}@{host}"))
}

/// The login name of this process's user, from `/etc/passwd` (no libc needed).
fn login_from_passwd() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.get(2) == Some(&uid.as_str())).then(|| fields[0].to_owned())
    })
}

/// Parses the date formats git accepts in `GIT_*_DATE`: `@<secs> <+hhmm>`,
/// `<secs> <+hhmm>`, RFC 3339 / ISO 8601 and RFC 2822.
pub(crate) fn parse_git_date(value: &str) -> Option<Time> {
    let trimmed = value.trim();
    let raw = trimmed.strip_prefix('@').unwrap_or(trimmed);
    let mut parts = raw.split_whitespace();
    if let Some(Ok(seconds)) = parts.next().map(str::parse::<i64>) {
        let offset = match parts.next() {
            Some(zone) => parse_zone(zone)?,
            None => 0,
        };
        return Some(Time::new(seconds, offset));
    }
    let iso = trimmed.replacen(' ', "T", 1);
    if let Ok(parsed) =
        OffsetDateTime::parse(&iso, &Rfc3339).or_else(|_| OffsetDateTime::parse(trimmed, &Rfc2822))
    {
        return Some(Time::new(
            parsed.unix_timestamp(),
            parsed.offset().whole_minutes().into(),
        ));
    }
    // ISO 8601 as git prints it: `2026-03-01 10:00:00 +0200` (zone optional, UTC then).
    let (local, zone) = match iso.rsplit_once(' ') {
        Some((local, zone)) => (local, parse_zone(zone)?),
        None => (iso.as_str(), 0),
    };
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = time::PrimitiveDateTime::parse(local, format).ok()?;
    let utc = local.assume_utc().unix_timestamp() - i64::from(zone) * 60;
    Some(Time::new(utc, zone))
}

fn parse_zone(zone: &str) -> Option<i32> {
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// Parses a date given on the command line (`--at`): git's formats, or a bare
/// `YYYY-MM-DD` (midnight UTC). Returns seconds since the epoch.
pub fn parse_date(text: &str) -> Result<i64, StoreError> {
    let trimmed = text.trim();
    // `2026` is a year to a person and a Unix time to git: ask for `@2026` instead.
    let bare_number = trimmed
        .split_whitespace()
        .next()
        .is_some_and(|word| word.bytes().all(|b| b.is_ascii_digit()));
    if bare_number {
        return Err(StoreError::InvalidAt {
            input: text.to_owned(),
        });
    }
    if let Some(time) = parse_git_date(trimmed) {
        return Ok(time.seconds());
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(trimmed, day)
        .map(|date| date.midnight().assume_utc().unix_timestamp())
        .map_err(|_| StoreError::InvalidAt {
            input: text.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_guessed_only_from_a_host_with_a_domain() {
        assert_eq!(guessed_email("root", "vm"), None);
        assert_eq!(
            guessed_email("ada", "build-7.example.com").as_deref(),
            Some("ada@build-7.example.com")
        );
    }

    #[test]
    fn git_date_formats_parse() {
        let t = parse_git_date("@1700000000 +0130").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 90));
        let t = parse_git_date("1700000000 -0500").unwrap();
        assert_eq!(t.offset_minutes(), -300);
        let t = parse_git_date("2023-11-14T22:13:20Z").unwrap();
        assert_eq!(t.seconds(), 1_700_000_000);
        let t = parse_git_date("2023-11-14 23:13:20+01:00").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 60));
        let t = parse_git_date("2023-11-14 23:13:20 +0100").unwrap();
        assert_eq!((t.seconds(), t.offset_minutes()), (1_700_000_000, 60));
        let t = parse_git_date("2023-11-14 22:13:20").unwrap();
        assert_eq!(t.seconds(), 1_700_000_000);
        assert!(parse_git_date("yesterday").is_none());
        assert_eq!(parse_date("2023-11-14").unwrap(), 1_699_920_000);
        assert!(parse_date("soon").is_err());
        assert!(parse_date("2026").is_err());
        assert_eq!(parse_date("@1700000000").unwrap(), 1_700_000_000);
    }

    // Finding 10: `GIT_AUTHOR_DATE=@253402300800` was written as 1970-01-01.
    #[test]
    fn storable_dates_are_1970_to_9999() {
        assert!(storable(0) && storable(LAST_STORABLE));
        assert!(!storable(-1) && !storable(LAST_STORABLE + 1));
        let last = OffsetDateTime::from_unix_timestamp(LAST_STORABLE).unwrap();
        assert_eq!(last.format(&Rfc3339).unwrap(), "9999-12-31T23:59:59Z");
    }
}
