//! A directory bundle's file, read wherever the visitor chooses: at once on the reading
//! thread, or later on a thread of its own, so that several files are read and parsed at once.
//!
//! The bundle reader opens the file, checks it and reads its first bytes (to tell a nested
//! archive); a [`DiskFile`] then carries the open file, those bytes, the per-entry cap and the
//! bundle's shared counters, so its bytes count against the total limit as they are read,
//! wherever that is. Dropped, it reports how the read went; the reader files the reports in
//! bundle order ([`super::session::Session::settle`]).

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::sync::mpsc::Sender;

use super::limits::{Budget, EntryReader, Replay};
use super::session::is_limit;

/// A regular file of a directory bundle, open and ready to be read from its first byte.
///
/// It yields the file's bytes up to the per-entry limit (an error past it, as
/// [`super::EntryVisitor::file`]'s reader does) and counts them against the bundle's total.
/// It can be sent to another thread; the bundle reader waits for every `DiskFile` it handed
/// out to be dropped before it finishes.
pub struct DiskFile {
    reader: EntryReader<'static, Replay<Counted>>,
    /// Bytes promised to the budget for this file, released when it is dropped.
    promised: u64,
    /// A read met a tripped limit.
    limited: bool,
    /// Its place among the files handed out since the reader last settled.
    slot: usize,
    done: Sender<DiskOutcome>,
}

/// How the read of a [`DiskFile`] went, sent when it is dropped.
#[derive(Debug)]
pub(crate) struct DiskOutcome {
    pub(crate) slot: usize,
    /// Bytes the visitor read.
    pub(crate) read: u64,
    /// The file was longer than the per-entry limit.
    pub(crate) truncated: bool,
    /// A limit tripped while it was read.
    pub(crate) limited: bool,
}

/// The file's bytes past the head, counted against the bundle's total.
struct Counted {
    file: File,
    budget: Budget,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.budget.add_read(n as u64)?;
        Ok(n)
    }
}

/// Where a [`DiskFile`] starts: the open file, and its first bytes already read (and counted)
/// with the error that stopped that read, if any.
pub(crate) struct Opened {
    pub(crate) file: File,
    pub(crate) head: Vec<u8>,
    pub(crate) head_error: Option<io::Error>,
}

impl DiskFile {
    /// `promised` bytes were promised to `budget` for this file ([`Budget::promise`]); they are
    /// released when it is dropped.
    pub(crate) fn new(
        opened: Opened,
        budget: Budget,
        cap: u64,
        promised: u64,
        slot: usize,
        done: Sender<DiskOutcome>,
    ) -> DiskFile {
        let Opened {
            file,
            head,
            head_error,
        } = opened;
        let replay = Replay {
            head: Cursor::new(head),
            error: head_error,
            rest: Counted { file, budget },
        };
        DiskFile {
            reader: EntryReader::new(replay, None, Some(cap), None),
            promised,
            limited: false,
            slot,
            done,
        }
    }
}

impl Read for DiskFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.reader.read(buf);
        if let Err(e) = &result {
            self.limited |= is_limit(e);
        }
        result
    }
}

impl Drop for DiskFile {
    fn drop(&mut self) {
        self.reader.inner.rest.budget.fulfil(self.promised);
        // The reader is gone only when the whole read was abandoned; nobody needs the outcome.
        let _ = self.done.send(DiskOutcome {
            slot: self.slot,
            read: self.reader.read,
            truncated: self.reader.truncated,
            limited: self.limited,
        });
    }
}
