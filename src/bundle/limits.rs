//! Counting readers that enforce [`Limits`] on the bytes that really flow, whatever the headers
//! claim.

use crate::units;
use std::cell::Cell;
use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Limits;

/// Decompressed bytes a stream may produce before its compression ratio is judged: small files
/// compress oddly well and prove nothing.
pub(crate) const RATIO_GRACE_BYTES: u64 = 1 << 20;

/// The limit an io error stands for; the message is what the user reads.
#[derive(Debug)]
pub(crate) struct LimitHit(pub String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

/// Counters shared by every reader of one bundle, on whatever thread it runs (a directory
/// bundle's files may be read on several). A limit that trips is remembered here, so a visitor
/// that swallows the io error cannot make the reader carry on. Clones share the counters.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    /// Size of the bundle file, for the whole-bundle ratio; `None` for a directory.
    file_size: Option<u64>,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// Uncompressed bytes read out of entries (by the visitor or to open nested archives).
    read: AtomicU64,
    entries: AtomicU64,
    /// Bytes that files being read elsewhere may still add to `read`: their sizes on disk,
    /// until each is read.
    promised: AtomicU64,
    tripped: Mutex<Option<String>>,
}

impl Budget {
    pub(crate) fn new(limits: Limits, file_size: Option<u64>) -> Budget {
        Budget {
            limits,
            file_size,
            counters: Arc::default(),
        }
    }

    pub(crate) fn tripped(&self) -> Option<String> {
        self.slot().clone()
    }

    fn slot(&self) -> MutexGuard<'_, Option<String>> {
        // A thread that panicked while holding the slot left a value that is still whole.
        self.counters
            .tripped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn trip(&self, detail: String) -> io::Error {
        let mut slot = self.slot();
        if slot.is_none() {
            *slot = Some(detail.clone());
        }
        io::Error::other(LimitHit(detail))
    }

    /// Count one more entry of any kind.
    pub(crate) fn count_entry(&self) -> Result<(), String> {
        let n = self
            .counters
            .entries
            .fetch_add(1, Ordering::SeqCst)
            .saturating_add(1);
        if n > self.limits.max_entries {
            let detail = format!(
                "more than {} entries (the --max-entries limit); raise it with --max-entries if the bundle is genuine",
                self.limits.max_entries
            );
            let _ = self.trip(detail.clone());
            return Err(detail);
        }
        Ok(())
    }

    pub(crate) fn entries(&self) -> u64 {
        self.counters.entries.load(Ordering::SeqCst)
    }

    /// Check that `more` declared entries still fit (zip knows its count up front).
    pub(crate) fn entries_fit(&self, more: u64) -> Result<(), String> {
        let n = self.entries().saturating_add(more);
        if n > self.limits.max_entries {
            let detail = format!(
                "the archive lists {more} entries, more than the --max-entries limit of {}; raise it with --max-entries if the bundle is genuine",
                self.limits.max_entries
            );
            let _ = self.trip(detail.clone());
            return Err(detail);
        }
        Ok(())
    }

    /// Count `n` bytes read out of an entry, failing once a limit trips.
    pub(crate) fn add_read(&self, n: u64) -> io::Result<()> {
        let total = self
            .counters
            .read
            .fetch_add(n, Ordering::SeqCst)
            .saturating_add(n);
        if total > self.limits.max_total_bytes {
            return Err(self.trip(format!(
                "more than {} of uncompressed data (the --max-bytes limit); raise it with --max-bytes if the bundle is genuine",
                units::bytes(self.limits.max_total_bytes)
            )));
        }
        if let Some(size) = self.file_size {
            if total > RATIO_GRACE_BYTES && total > size.saturating_mul(self.limits.max_ratio) {
                return Err(self.trip(format!(
                    "the bundle expands to more than {} times its size of {} ({} read so far), which looks like a decompression bomb",
                    self.limits.max_ratio,
                    units::bytes(size),
                    units::bytes(total)
                )));
            }
        }
        Ok(())
    }

    /// Whether `more` bytes are sure to stay under the total limit, counting the bytes read so
    /// far and those promised by files being read elsewhere (some of which may already be
    /// counted in both: the answer errs on the side of no).
    pub(crate) fn surely_fits(&self, more: u64) -> bool {
        // Promised first: a file that finished between the two loads has its bytes in `read`.
        let promised = self.counters.promised.load(Ordering::SeqCst);
        let read = self.counters.read.load(Ordering::SeqCst);
        read.saturating_add(promised).saturating_add(more) <= self.limits.max_total_bytes
    }

    /// Note that a file of `bytes` is going to be read elsewhere.
    pub(crate) fn promise(&self, bytes: u64) {
        self.counters.promised.fetch_add(bytes, Ordering::SeqCst);
    }

    /// A file promised with [`Budget::promise`] was read: its bytes are in `read` now.
    pub(crate) fn fulfil(&self, bytes: u64) {
        // Saturating, so that a mismatched call cannot wrap the counter round.
        let _ = self
            .counters
            .promised
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| {
                Some(p.saturating_sub(bytes))
            });
    }
}

/// Counts the bytes pulled from an inner reader (compressed input of a decoder).
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// Fails once a decoder produced more than `max_ratio` times the compressed bytes it consumed.
pub(crate) struct RatioGuard<'b, R> {
    pub(crate) inner: R,
    pub(crate) consumed: Rc<Cell<u64>>,
    pub(crate) produced: u64,
    pub(crate) budget: &'b Budget,
    /// What is being decompressed, for the message.
    pub(crate) label: String,
}

impl<R: Read> Read for RatioGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        let consumed = self.consumed.get().max(1);
        let max_ratio = self.budget.limits.max_ratio;
        if self.produced > RATIO_GRACE_BYTES && self.produced > consumed.saturating_mul(max_ratio) {
            return Err(self.budget.trip(format!(
                "{} expands more than {max_ratio} times ({} from {} compressed), which looks like a decompression bomb",
                self.label,
                units::bytes(self.produced),
                units::bytes(consumed)
            )));
        }
        Ok(n)
    }
}

/// Turns a panic inside a third-party decoder into an io error, so hostile input cannot take
/// the process down. After a panic the decoder's state is unknown, so it is not used again.
pub(crate) struct PanicGuard<R> {
    pub(crate) inner: R,
    pub(crate) poisoned: bool,
}

impl<R: Read> Read for PanicGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.poisoned {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "decoder failed earlier",
            ));
        }
        match catch_unwind(AssertUnwindSafe(|| self.inner.read(buf))) {
            Ok(result) => result,
            Err(_) => {
                self.poisoned = true;
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "decoder failed on malformed data",
                ))
            }
        }
    }
}

/// Bounds what the tar reader may pull on its own between two entries (headers, GNU long
/// names, PAX records), which it would otherwise buffer whole in memory.
pub(crate) struct HeaderWindow<R> {
    pub(crate) inner: R,
    /// Bytes still allowed while the window is open; `None` while entry data is being read.
    pub(crate) allowance: Rc<Cell<Option<u64>>>,
}

/// Headers and extension records a tar may carry between two entries.
pub(crate) const MAX_HEADER_BYTES: u64 = 8 << 20;

impl<R: Read> Read for HeaderWindow<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(left) = self.allowance.get() {
            match left.checked_sub(n as u64) {
                Some(rest) => self.allowance.set(Some(rest)),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "tar header records larger than {}",
                            units::bytes(MAX_HEADER_BYTES)
                        ),
                    ))
                }
            }
        }
        Ok(n)
    }
}

/// The reader a visitor gets: counts into the budget, stops at the per-entry limit, and turns
/// an early end of a tar entry's data into an error instead of a silent short file.
pub(crate) struct EntryReader<'b, R> {
    pub(crate) inner: R,
    /// Where the bytes are counted; `None` for a reader that only caps.
    pub(crate) budget: Option<&'b Budget>,
    /// Per-entry cap; `None` when the bytes are an archive streamed further (its own entries
    /// are capped one by one).
    pub(crate) cap: Option<u64>,
    /// Size the container promised, when a short read means truncation.
    pub(crate) declared: Option<u64>,
    pub(crate) read: u64,
    pub(crate) truncated: bool,
}

impl<'b, R: Read> EntryReader<'b, R> {
    pub(crate) fn new(
        inner: R,
        budget: Option<&'b Budget>,
        cap: Option<u64>,
        declared: Option<u64>,
    ) -> Self {
        EntryReader {
            inner,
            budget,
            cap,
            declared,
            read: 0,
            truncated: false,
        }
    }

    fn cap_error(&self, cap: u64) -> io::Error {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("entry truncated at {cap} bytes, the per-entry limit"),
        )
    }
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut want = buf.len();
        if let Some(cap) = self.cap {
            if self.truncated {
                return Err(self.cap_error(cap));
            }
            let left = cap.saturating_sub(self.read);
            if left == 0 {
                // At the cap: one more byte tells a file of exactly `cap` bytes from a longer one.
                let mut probe = [0u8; 1];
                if self.inner.read(&mut probe)? == 0 {
                    return Ok(0);
                }
                self.truncated = true;
                return Err(self.cap_error(cap));
            }
            want = want.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        let Some(slice) = buf.get_mut(..want) else {
            return Ok(0);
        };
        let n = self.inner.read(slice)?;
        if n == 0 {
            if let Some(declared) = self.declared {
                if self.read < declared {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("entry data ends after {} of {declared} bytes", self.read),
                    ));
                }
            }
            return Ok(0);
        }
        self.read = self.read.saturating_add(n as u64);
        if let Some(budget) = self.budget {
            budget.add_read(n as u64)?;
        }
        Ok(n)
    }
}

/// Yields the bytes already peeked, then the error the peek met (if any), then the rest.
pub(crate) struct Replay<R> {
    pub(crate) head: io::Cursor<Vec<u8>>,
    pub(crate) error: Option<io::Error>,
    pub(crate) rest: R,
}

impl<R: Read> Read for Replay<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.rest.read(buf)
    }
}

/// Read up to `len` bytes, stopping at end of stream or at the first error (returned beside
/// what arrived).
pub(crate) fn peek(reader: &mut dyn Read, len: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut head = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        let Some(slot) = head.get_mut(filled..) else {
            break;
        };
        match reader.read(slot) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                head.truncate(filled);
                return (head, Some(e));
            }
        }
    }
    head.truncate(filled);
    (head, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limits: Limits) -> Budget {
        Budget::new(limits, None)
    }

    #[test]
    fn entry_reader_truncates_at_cap_and_keeps_first_bytes() {
        let b = budget(Limits::default());
        let mut src: &[u8] = b"0123456789";
        let mut r = EntryReader::new(&mut src, Some(&b), Some(4), Some(10));
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, b"0123");
        assert!(err.to_string().contains("truncated at 4 bytes"));
        assert!(r.truncated);
    }

    #[test]
    fn entry_reader_exactly_at_cap_is_complete() {
        let b = budget(Limits::default());
        let mut src: &[u8] = b"0123";
        let mut r = EntryReader::new(&mut src, Some(&b), Some(4), Some(4));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"0123");
        assert!(!r.truncated);
    }

    #[test]
    fn entry_reader_reports_short_data() {
        let b = budget(Limits::default());
        let mut src: &[u8] = b"012";
        let mut r = EntryReader::new(&mut src, Some(&b), None, Some(10));
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, b"012");
        assert!(err.to_string().contains("ends after 3 of 10 bytes"));
    }

    #[test]
    fn total_limit_trips_and_is_remembered() {
        let b = budget(Limits {
            max_total_bytes: 5,
            ..Limits::default()
        });
        let mut src: &[u8] = b"0123456789";
        let mut r = EntryReader::new(&mut src, Some(&b), None, None);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(b.tripped().unwrap().contains("--max-bytes"));
    }

    #[test]
    fn entry_count_limit() {
        let b = budget(Limits {
            max_entries: 2,
            ..Limits::default()
        });
        assert!(b.count_entry().is_ok());
        assert!(b.count_entry().is_ok());
        assert!(b.count_entry().unwrap_err().contains("--max-entries"));
    }

    #[test]
    fn ratio_guard_trips_after_grace() {
        let b = budget(Limits::default());
        let consumed = Rc::new(Cell::new(10));
        let zeros = io::repeat(0).take(4 << 20);
        let mut g = RatioGuard {
            inner: zeros,
            consumed,
            produced: 0,
            budget: &b,
            label: "x.gz".into(),
        };
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(err
            .to_string()
            .contains("x.gz expands more than 1000 times"));
        assert!(g.produced > RATIO_GRACE_BYTES);
        assert!(g.produced < 2 * RATIO_GRACE_BYTES);
    }

    #[test]
    fn header_window_bounds_reads() {
        let allowance = Rc::new(Cell::new(Some(4)));
        let mut w = HeaderWindow {
            inner: &b"0123456789"[..],
            allowance: allowance.clone(),
        };
        let mut buf = [0u8; 3];
        assert_eq!(w.read(&mut buf).unwrap(), 3);
        assert!(w.read(&mut buf).is_err());
        allowance.set(None);
        assert_eq!(w.read(&mut buf).unwrap(), 3);
    }

    #[test]
    fn peek_and_replay_keep_bytes_and_error() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("boom"))
            }
        }
        let mut src = (&b"abc"[..]).chain(Failing);
        let (head, err) = peek(&mut src, 512);
        assert_eq!(head, b"abc");
        let mut rest = io::empty();
        let mut replay = Replay {
            head: io::Cursor::new(head),
            error: err,
            rest: &mut rest,
        };
        let mut out = Vec::new();
        assert!(replay.read_to_end(&mut out).is_err());
        assert_eq!(out, b"abc");
    }
}
