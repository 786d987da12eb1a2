//! Files named on the command line (`--metrics-file`, `--params-file`, `--env-file`):
//! regular files under a size limit, read in full into memory.
//!
//! The file's type is checked from its metadata before it is opened, so a FIFO is
//! refused without blocking on it, and a device such as `/dev/zero` without reading
//! forever; at most `limit + 1` bytes are read, so a file that grows while it is read
//! is refused too.

use std::io::Read;
use std::path::Path;

use super::CommandError;

/// The size limit of an input file when `OMGREG_MAX_INPUT_BYTES` is not set: 16 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 << 20;

/// The largest input file accepted, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimit(pub u64);

impl InputLimit {
    /// The limit set by `OMGREG_MAX_INPUT_BYTES` (`value`, a number of bytes), or the
    /// default when it is not set.
    pub fn from_setting(var: &'static str, value: Option<&str>) -> Result<Self, InputError> {
        match value {
            None => Ok(Self(DEFAULT_MAX_INPUT_BYTES)),
            Some(text) => text
                .trim()
                .parse()
                .map(Self)
                .map_err(|_| InputError::InvalidLimit {
                    var,
                    value: text.to_owned(),
                }),
        }
    }
}

/// An input file omgreg refuses to read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InputError {
    #[error("cannot read `{path}`")]
    #[diagnostic(code(omgreg::args::unreadable_file))]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{flag} {path}` is {kind}, not a regular file")]
    #[diagnostic(
        code(omgreg::args::not_a_regular_file),
        help("give a regular file; to pass a pipe's output, save it to a file first")
    )]
    NotRegular {
        flag: &'static str,
        path: String,
        kind: &'static str,
    },

    #[error("`{flag} {path}` is larger than the input limit of {limit} bytes")]
    #[diagnostic(
        code(omgreg::args::input_too_large),
        help("raise the limit for this command, e.g. `OMGREG_MAX_INPUT_BYTES=67108864` (64 MiB)")
    )]
    TooLarge {
        flag: &'static str,
        path: String,
        limit: u64,
    },

    #[error("`{var}` holds `{value}`, which is not a number of bytes")]
    #[diagnostic(
        code(omgreg::args::invalid_input_limit),
        help("set it to a whole number of bytes, e.g. `{var}=67108864` (64 MiB), or unset it")
    )]
    InvalidLimit { var: &'static str, value: String },
}

impl From<InputError> for CommandError {
    fn from(err: InputError) -> Self {
        Self::User(err.into())
    }
}

/// The bytes of the regular file `path`, given to `flag`, when it holds at most
/// `limit` bytes.
pub fn read_input(
    flag: &'static str,
    path: &Path,
    limit: InputLimit,
) -> Result<Vec<u8>, InputError> {
    let shown = || path.display().to_string();
    let unreadable = |source| InputError::Unreadable {
        path: shown(),
        source,
    };
    // Follows symbolic links, as opening would; never opens what is not a file.
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            flag,
            path: shown(),
            kind: kind_of(&meta.file_type()),
        });
    }
    let too_large = || InputError::TooLarge {
        flag,
        path: shown(),
        limit: limit.0,
    };
    if meta.len() > limit.0 {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.0.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit.0 {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_input`] of a text file: the bytes must be UTF-8.
pub fn read_input_text(
    flag: &'static str,
    path: &Path,
    limit: InputLimit,
) -> Result<String, InputError> {
    String::from_utf8(read_input(flag, path, limit)?).map_err(|err| InputError::Unreadable {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, err.utf8_error()),
    })
}

/// What a file that is not a regular file is, in words.
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_from_the_setting() {
        let limit = |value| InputLimit::from_setting("V", value);
        assert_eq!(limit(None).unwrap(), InputLimit(16 * 1024 * 1024));
        assert_eq!(limit(Some("42")).unwrap(), InputLimit(42));
        assert!(matches!(
            limit(Some("16M")),
            Err(InputError::InvalidLimit { .. })
        ));
    }

    #[test]
    fn files_over_the_limit_and_non_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.json");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read_input("--f", &file, InputLimit(10)).unwrap().len(), 10);
        assert!(matches!(
            read_input("--f", &file, InputLimit(9)),
            Err(InputError::TooLarge { limit: 9, .. })
        ));
        assert!(matches!(
            read_input("--f", dir.path(), InputLimit(9)),
            Err(InputError::NotRegular {
                kind: "a folder",
                ..
            })
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_input("--f", Path::new("/dev/zero"), InputLimit(9)),
            Err(InputError::NotRegular {
                kind: "a character device",
                ..
            })
        ));
    }
}
