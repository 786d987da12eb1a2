//! Reading a model's file newest first, a chunk at a time from its end: a read that
//! stops early (`history -n 10` over every model, a rollback whose target is the
//! previous holder) costs what it returns, not the size of the history.
//!
//! Each line carries its own checksum, so the lines read are checked as they come;
//! lines never read cannot change the answer. The order is checked on the way:
//! change points come in decreasing positions, and events, read before the change
//! point they derive from (they were appended after it), wait for it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::format::{ChangePoint, Corrupt, Derived, Record, decode};

/// The first chunk read from a file's end; each next one is twice as long.
const FIRST_CHUNK: u64 = 8 << 10;
const MAX_CHUNK: u64 = 1 << 20;

/// A model's change points, newest first, with their events when derived.
pub(super) struct ModelStream {
    /// Change points not written to the file (newer than all of it), oldest first.
    pending: Vec<ChangePoint>,
    tail: Option<Tail>,
}

/// The part of a model's file not read yet.
struct Tail {
    file: File,
    /// Bytes `[0, start)` are not read yet.
    start: u64,
    chunk: u64,
    /// The earliest line read so far, cut: its beginning lies before `start`.
    carry: Vec<u8>,
    /// Complete lines read, not handled yet; the next one is last.
    lines: Vec<Vec<u8>>,
    /// Events seen before their change point.
    waiting: HashMap<u64, Derived>,
    /// The position of the last change point given (the next must be lower).
    last: u64,
    /// Nothing was read yet.
    at_end: bool,
}

impl ModelStream {
    /// The stream of the file `file`, trusted for its first `len` bytes, followed by
    /// (in time) the change points `pending`.
    pub fn new(
        file: Option<File>,
        len: u64,
        seq: u64,
        pending: Vec<ChangePoint>,
    ) -> Result<Self, Corrupt> {
        Self::reading(file, len, seq, pending, FIRST_CHUNK)
    }

    /// [`Self::new`], reading `first_chunk` bytes first.
    fn reading(
        file: Option<File>,
        len: u64,
        seq: u64,
        pending: Vec<ChangePoint>,
        first_chunk: u64,
    ) -> Result<Self, Corrupt> {
        let tail = match file {
            Some(file) if len > 0 => {
                let cut = Corrupt("the file is shorter than the tip says".to_owned());
                if file.metadata().map_err(|_| cut.clone())?.len() < len {
                    return Err(cut);
                }
                Some(Tail {
                    file,
                    start: len,
                    chunk: first_chunk.max(1),
                    carry: Vec::new(),
                    lines: Vec::new(),
                    waiting: HashMap::new(),
                    last: seq.saturating_add(1),
                    at_end: true,
                })
            }
            None if len > 0 => return Err(Corrupt("the file is missing".to_owned())),
            _ => None,
        };
        Ok(Self { pending, tail })
    }

    /// The next change point, newest first, and its events when they were derived.
    pub fn next(&mut self) -> Result<Option<(ChangePoint, Option<Derived>)>, Corrupt> {
        if let Some(point) = self.pending.pop() {
            return Ok(Some((point, None)));
        }
        match &mut self.tail {
            Some(tail) => tail.next(),
            None => Ok(None),
        }
    }
}

impl Tail {
    fn next(&mut self) -> Result<Option<(ChangePoint, Option<Derived>)>, Corrupt> {
        loop {
            let Some(line) = self.line()? else {
                if let Some(n) = self.waiting.keys().next() {
                    return Err(Corrupt(format!(
                        "events of position {n} follow no change point"
                    )));
                }
                return Ok(None);
            };
            match decode::<Record>(&line) {
                Some(Record::Change {
                    n,
                    commit,
                    old,
                    new,
                }) => {
                    if n == 0 || n >= self.last {
                        return Err(Corrupt(format!("a change point out of order at {n}")));
                    }
                    self.last = n;
                    let point = ChangePoint {
                        n,
                        commit: commit.0,
                        old: old.map(|id| id.0),
                        new: new.map(|id| id.0),
                    };
                    return Ok(Some((point, self.waiting.remove(&n))));
                }
                Some(Record::Events(derived)) => {
                    let n = derived.n;
                    let valid = derived.events.iter().all(|e| e.event().is_some());
                    if n >= self.last || !valid || self.waiting.insert(n, derived).is_some() {
                        return Err(Corrupt(format!("events out of place at {n}")));
                    }
                }
                None => return Err(Corrupt("a line fails its checksum".to_owned())),
            }
        }
    }

    /// The next complete line going backwards (without its `\n`).
    fn line(&mut self) -> Result<Option<Vec<u8>>, Corrupt> {
        loop {
            if let Some(line) = self.lines.pop() {
                return Ok(Some(line));
            }
            if self.start == 0 {
                return Ok(None);
            }
            self.read_chunk()?;
        }
    }

    /// Reads the chunk before `start` and splits what is complete into lines.
    fn read_chunk(&mut self) -> Result<(), Corrupt> {
        let unreadable = |_| Corrupt("the file cannot be read".to_owned());
        let size = self.chunk.min(self.start);
        let from = self.start - size;
        let mut bytes = vec![0; usize::try_from(size).expect("chunks are small")];
        self.file.seek(SeekFrom::Start(from)).map_err(unreadable)?;
        self.file.read_exact(&mut bytes).map_err(unreadable)?;
        if self.at_end {
            // The trusted bytes end where a line ends.
            if bytes.pop() != Some(b'\n') {
                return Err(Corrupt("its last line is cut short".to_owned()));
            }
            self.at_end = false;
        }
        // What follows this chunk is the end of the line it ends in.
        bytes.append(&mut self.carry);
        let mut pieces = bytes.split(|&b| b == b'\n');
        if from > 0 {
            // The first piece may begin in the chunk before: kept for then.
            self.carry = pieces.next().unwrap_or_default().to_vec();
        }
        self.lines.extend(pieces.map(<[u8]>::to_vec));
        self.start = from;
        self.chunk = (self.chunk * 2).min(MAX_CHUNK);
        Ok(())
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
