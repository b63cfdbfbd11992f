//! The pipeline from a bundle path to a [`Report`](crate::report::Report): read, detect, parse, align, analyse.
//!
//! This is the only module that knows every stage; each stage knows only the one before it.
//! Loading (reading the bundle and parsing every source into [`Facts`]) is here; report
//! assembly (deriving, the timeline, the analysis, masking) is in `assemble.rs`.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};

use indicatif::ProgressBar;

use crate::bundle::{self, BundleError, BundleSummary, DiskFile, EntryMeta, EntryVisitor, Limits};
use crate::facts::{Facts, SourceInfo, Warning};
use crate::parse::{self, LineParser};
use crate::sources::{self, Detection, SourceKind};

use jobs::{Jobs, Taker};
use lines::LineSplitter;

/// A bundle read and parsed.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub summary: BundleSummary,
    pub facts: Facts,
}

mod assemble;
mod decode;
mod jobs;
mod lines;
mod progress;

pub use assemble::{build_report, bundle_info, source_entries, ReportOptions};
pub use progress::Progress;

/// Read the bundle at `path` and parse every source in it.
pub fn load(path: &Path, limits: &Limits) -> Result<Loaded, BundleError> {
    load_with(path, limits, Progress::Off)
}

/// [`load`], showing `progress` on stderr.
///
/// The bundle is read in one pass. With more than one core, the reading thread (which also
/// decompresses) hands each archive entry's bytes in chunks to a parsing thread through a short
/// queue, so decompression and parsing overlap; a directory's files are handed over open, and
/// each parsing thread reads its own, so several files are read and parsed at once, the
/// largest first (`jobs`). Memory stays at a few chunks per thread plus the facts.
pub fn load_with(path: &Path, limits: &Limits, progress: Progress) -> Result<Loaded, BundleError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A load on a thread of a rayon pool (a batch of bundles) already runs beside other loads
    // that keep the cores busy: more threads would only contend with them.
    let parsers = if rayon::current_thread_index().is_some() {
        1
    } else {
        cores.min(MAX_PARSERS)
    };
    load_on(path, limits, progress, parsers)
}

/// [`load_with`] on `parsers` parsing threads besides the reading one; none with 1 (or 0).
fn load_on(
    path: &Path,
    limits: &Limits,
    progress: Progress,
    parsers: usize,
) -> Result<Loaded, BundleError> {
    let bar = progress.start(path);
    let read = if parsers > 1 {
        load_threaded(path, limits, bar.as_ref(), parsers)
    } else {
        let mut collector = Collector {
            facts: Facts::default(),
            chunk: vec![0; CHUNK_BYTES],
            bar: bar.as_ref(),
        };
        bundle::read_bundle(path, limits, &mut collector).map(|summary| (summary, collector.facts))
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (summary, mut facts) = read?;
    parse::free::settle_units(&mut facts);
    if summary.container == bundle::Container::Directory {
        // A folder's file times say when it was unpacked, checked out or copied, not when it
        // was collected: they would make the same bundle give another report in another place.
        for s in &mut facts.sources {
            s.mtime = None;
        }
    }
    for link in &summary.links {
        if let Some(problem) = &link.problem {
            facts.sources.push(SourceInfo {
                path: link.path.clone(),
                size: 0,
                kind: SourceKind::Unknown,
                detection: Detection::None,
                records: 0,
                warnings: Vec::new(),
                problem: Some(format!("link to {}: {problem}", link.target)),
                mtime: None,
            });
        }
    }
    for p in &summary.problems {
        facts.sources.push(SourceInfo {
            path: p.path.clone(),
            size: 0,
            kind: SourceKind::Unknown,
            detection: Detection::None,
            records: 0,
            warnings: Vec::new(),
            problem: Some(p.problem.clone()),
            mtime: None,
        });
    }
    Ok(Loaded { summary, facts })
}

/// Bytes handed from the reader to the parser at a time.
const CHUNK_BYTES: usize = 256 * 1024;
/// Most bytes set aside up front for a file read whole, whatever size its entry declares.
const MAX_WHOLE_RESERVE: usize = 64 << 20;
/// Chunks in flight to a parsing thread: enough to absorb jitter, little memory.
const QUEUE_CHUNKS: usize = 8;
/// Parsing threads at most; more would only hold more entries in flight.
const MAX_PARSERS: usize = 4;
/// A directory's files that may wait for a parsing thread, each with its file open: enough for
/// the walk to get ahead, so that the largest are parsed first.
const WAITING_FILES: usize = 64;

/// One entry's bytes on their way to a parsing thread.
enum Chunk {
    /// A buffer and how many of its bytes are data (the buffer goes back for reuse), with the
    /// matches of the kernel log literals in them when the reading thread found them.
    Data(Vec<u8>, usize, Option<Vec<aho_corasick::Match>>),
    /// The entry ended; with the read error when it ended early.
    End(Option<String>),
}

/// An entry handed to whichever parsing thread is free: its place in the bundle, its
/// metadata, and where its bytes come from.
struct Job {
    index: usize,
    meta: EntryMeta,
    bytes: Bytes,
}

/// Jobs are taken largest first, then in bundle order.
impl Ord for Job {
    fn cmp(&self, other: &Job) -> std::cmp::Ordering {
        self.meta
            .size
            .cmp(&other.meta.size)
            .then(other.index.cmp(&self.index))
    }
}

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Job) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Job) -> bool {
        self.index == other.index
    }
}

impl Eq for Job {}

enum Bytes {
    /// From the reading thread, on the entry's own queue (an archive's entry).
    Queue(Receiver<Chunk>),
    /// Read by the parsing thread itself (a directory bundle's file), so that several files
    /// are read and parsed at once.
    Disk(DiskFile),
}

fn load_threaded(
    path: &Path,
    limits: &Limits,
    bar: Option<&ProgressBar>,
    workers: usize,
) -> Result<(BundleSummary, Facts), BundleError> {
    let jobs = Jobs::new();
    let (spare_to_reader, spare_from_parser) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                // Counted in before the first job comes.
                let taker = jobs.taker();
                let spare = spare_to_reader.clone();
                scope.spawn(move || parse_jobs(&taker, &spare, bar))
            })
            .collect();
        drop(spare_to_reader);
        let mut feeder = Feeder {
            jobs: &jobs,
            current: None,
            entries: 0,
            spare: spare_from_parser,
            bar,
            ahead: false,
        };
        let summary = bundle::read_bundle(path, limits, &mut feeder);
        drop(feeder);
        let mut parsed: Vec<(usize, Facts)> = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(part) => parsed.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        // Entries were parsed on several threads: their facts are filed in bundle order, as a
        // single thread would have filed them.
        parsed.sort_by_key(|(index, _)| *index);
        let mut facts = Facts::default();
        for (_, part) in parsed {
            facts.append(part);
        }
        summary.map(|s| (s, facts))
    })
}

/// A parsing thread: takes the next entry, parses it to its end, and so on.
fn parse_jobs(
    jobs: &Taker<'_, Job>,
    spare: &mpsc::Sender<Vec<u8>>,
    bar: Option<&ProgressBar>,
) -> Vec<(usize, Facts)> {
    let mut parsed = Vec::new();
    // For the files this thread reads itself.
    let mut chunk = Vec::new();
    while let Some(job) = jobs.take() {
        let mut facts = Facts::default();
        let mut entry = Entry::new(job.meta);
        let error = match job.bytes {
            Bytes::Queue(chunks) => {
                let mut error = Some("the bundle reader stopped".to_string());
                for chunk in chunks {
                    match chunk {
                        Chunk::Data(buf, len, found) => {
                            entry.feed_found(buf.get(..len).unwrap_or(&buf), found.as_deref());
                            // The reader may be gone already; the buffer is then simply dropped.
                            let _ = spare.send(buf);
                        }
                        Chunk::End(e) => {
                            error = e;
                            break;
                        }
                    }
                }
                error
            }
            Bytes::Disk(mut data) => {
                chunk.resize(CHUNK_BYTES, 0);
                read_entry(&mut entry, &mut data, &mut chunk, bar)
            }
        };
        entry.finish(error, &mut facts);
        parsed.push((job.index, facts));
    }
    parsed
}

/// Feed `entry` with everything `data` yields, `chunk` bytes at a time; the read error that
/// ended it early, if one did.
fn read_entry(
    entry: &mut Entry,
    data: &mut dyn Read,
    chunk: &mut [u8],
    bar: Option<&ProgressBar>,
) -> Option<String> {
    loop {
        let (len, error) = fill(data, chunk);
        if let Some(bar) = bar {
            bar.inc(len as u64);
        }
        entry.feed(chunk.get(..len).unwrap_or_default());
        if error.is_some() || len < chunk.len() {
            return error.map(|e| e.to_string());
        }
    }
}

/// The reading side of the threaded load: each entry becomes a job. An archive's entry's bytes
/// follow in chunks on the job's own queue; a directory's file goes to the job whole, to be
/// read by the parsing thread.
struct Feeder<'a> {
    jobs: &'a Jobs<Job>,
    current: Option<SyncSender<Chunk>>,
    entries: usize,
    spare: Receiver<Vec<u8>>,
    bar: Option<&'a ProgressBar>,
    /// The last chunk found the parser's queue full: the reading thread has time to spare.
    ahead: bool,
}

impl Feeder<'_> {
    /// Queue the entry for the next free parsing thread.
    fn hand_over(&mut self, meta: &EntryMeta, bytes: Bytes) -> std::io::Result<()> {
        // An archive's entry waits with its chunks queued behind it: one at a time, or the
        // memory held would grow with the bundle. A directory's file waits with an open file.
        let room = match bytes {
            Bytes::Queue(_) => 1,
            Bytes::Disk(_) => WAITING_FILES,
        };
        let job = Job {
            index: self.entries,
            meta: meta.clone(),
            bytes,
        };
        self.jobs
            .push(job, room)
            .map_err(|_| std::io::Error::other("the parsing threads stopped"))?;
        self.entries += 1;
        Ok(())
    }

    fn send(&mut self, chunk: Chunk) -> std::io::Result<()> {
        let stopped = || std::io::Error::other("the parsing threads stopped");
        let queue = self.current.as_ref().ok_or_else(stopped)?;
        match queue.try_send(chunk) {
            Ok(()) => {
                self.ahead = false;
                Ok(())
            }
            Err(mpsc::TrySendError::Full(chunk)) => {
                self.ahead = true;
                queue.send(chunk).map_err(|_| stopped())
            }
            Err(mpsc::TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }
}

/// The parsing threads end once the bundle is read, also when reading it panicked.
impl Drop for Feeder<'_> {
    fn drop(&mut self) {
        self.jobs.close();
    }
}

impl EntryVisitor for Feeder<'_> {
    fn disk_file(&mut self, meta: &EntryMeta, data: DiskFile) -> std::io::Result<()> {
        self.hand_over(meta, Bytes::Disk(data))
    }

    fn file(&mut self, meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let (to_parser, chunks) = mpsc::sync_channel(QUEUE_CHUNKS);
        self.hand_over(meta, Bytes::Queue(chunks))?;
        self.current = Some(to_parser);
        loop {
            let mut buf = self.spare.try_recv().unwrap_or_default();
            buf.resize(CHUNK_BYTES, 0);
            let (len, error) = fill(data, &mut buf);
            if let Some(bar) = self.bar {
                bar.inc(len as u64);
            }
            if len > 0 {
                // When the parser is the slower side (a fast decompressor, a slow log), the
                // reading thread takes over the search for the kernel log literals, a good part
                // of a log's parsing; behind a slow decompressor it leaves it to the parser.
                // The facts are the same either way.
                let found = self
                    .ahead
                    .then(parse::kernel_log::literals)
                    .flatten()
                    .map(|s| s.find_iter(buf.get(..len).unwrap_or_default()).collect());
                self.send(Chunk::Data(buf, len, found))?;
            }
            if error.is_some() || len < CHUNK_BYTES {
                // A truncated entry: what arrived is parsed and the entry says what is missing.
                let ended = self.send(Chunk::End(error.map(|e| e.to_string())));
                self.current = None;
                return ended;
            }
        }
    }
}

/// Read into `buf` until it is full or the reader ends; the error, if the reader failed.
fn fill(data: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<std::io::Error>) {
    let mut len = 0;
    while len < buf.len() {
        match data.read(buf.get_mut(len..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (len, Some(e)),
        }
    }
    (len, None)
}

/// The single-threaded load: the visitor parses as it reads.
struct Collector<'a> {
    facts: Facts,
    chunk: Vec<u8>,
    bar: Option<&'a ProgressBar>,
}

impl EntryVisitor for Collector<'_> {
    fn file(&mut self, meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let mut entry = Entry::new(meta.clone());
        let error = read_entry(&mut entry, data, &mut self.chunk, self.bar);
        entry.finish(error, &mut self.facts);
        Ok(())
    }
}

/// One entry being parsed, from its first bytes to its end.
struct Entry {
    meta: EntryMeta,
    bytes: u64,
    stage: Stage,
    /// The entry is UTF-16: its chunks are decoded before anything reads them.
    decoder: Option<Box<decode::Decoder>>,
}

enum Stage {
    /// Collecting the first bytes, which decide the kind.
    Head(Vec<u8>),
    /// A log kind: fed line by line.
    Lines {
        kind: SourceKind,
        detection: Detection,
        parser: Box<LineParser>,
        splitter: LineSplitter,
    },
    /// A supportconfig file: read whole, then each section as its own source.
    Sectioned(Vec<u8>),
    /// A table kind (small: `/proc` files, command output, JSON): read whole.
    Whole {
        kind: SourceKind,
        detection: Detection,
        bytes: Vec<u8>,
    },
}

impl Entry {
    fn new(meta: EntryMeta) -> Entry {
        Entry {
            meta,
            bytes: 0,
            stage: Stage::Head(Vec::new()),
            decoder: None,
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        self.feed_found(chunk, None);
    }

    /// [`Entry::feed`] with the matches of the kernel log literals in `chunk`, when known.
    fn feed_found(&mut self, chunk: &[u8], found: Option<&[aho_corasick::Match]>) {
        let first = self.bytes == 0 && !chunk.is_empty();
        self.bytes = self.bytes.saturating_add(chunk.len() as u64);
        if first {
            match decode::start(chunk) {
                decode::Start::Utf8 => {}
                // What was found is at offsets of the raw chunk: left for the parser to find.
                decode::Start::Utf8Bom(mark) => {
                    return self.read(chunk.get(mark..).unwrap_or_default(), None)
                }
                decode::Start::Utf16(decoder) => self.decoder = Some(Box::new(decoder)),
            }
        }
        if let Some(mut decoder) = self.decoder.take() {
            self.read(decoder.decode(chunk), None);
            self.decoder = Some(decoder);
            return;
        }
        self.read(chunk, found);
    }

    /// Read UTF-8 text (or what passes for it) of the entry.
    fn read(&mut self, chunk: &[u8], found: Option<&[aho_corasick::Match]>) {
        match &mut self.stage {
            Stage::Head(head) => {
                head.extend_from_slice(chunk);
                if head.len() >= sources::SNIFF_BYTES {
                    self.decide();
                }
            }
            Stage::Lines {
                parser, splitter, ..
            } => {
                let search = parser.chunk_search();
                // What was found is of the kernel log literals: of use to that search only.
                let found = found.filter(|_| {
                    search
                        .exact
                        .zip(parse::kernel_log::literals())
                        .is_some_and(|(a, b)| std::ptr::eq(a, b))
                });
                splitter.feed_found(chunk, search, found, &mut |no, line, scanned| {
                    parser.push_scanned_line(no, line, scanned)
                })
            }
            Stage::Whole { bytes, .. } | Stage::Sectioned(bytes) => bytes.extend_from_slice(chunk),
        }
    }

    /// Detect the kind from the head and move to the stage that reads it.
    fn decide(&mut self) {
        let Stage::Head(head) = &mut self.stage else {
            return;
        };
        let head = std::mem::take(head);
        if sources::sections::is_sectioned(&head, self.meta.size) {
            self.stage = Stage::Sectioned(head);
            return;
        }
        let (kind, detection) = sources::detect(
            &self.meta.path,
            head.get(..sources::SNIFF_BYTES).unwrap_or(&head),
        );
        self.stage = match LineParser::for_kind(kind) {
            Some(mut parser) => {
                let mut splitter = LineSplitter::default();
                let search = parser.chunk_search();
                splitter.feed(&head, search, &mut |no, line, scanned| {
                    parser.push_scanned_line(no, line, scanned)
                });
                Stage::Lines {
                    kind,
                    detection,
                    parser: Box::new(parser),
                    splitter,
                }
            }
            None => {
                // Room for the whole table at once: growing by doubling would hold a large one
                // (`docker events` of a busy day) one and a half times over. The declared size
                // may lie, so it is only a hint, and a bounded one.
                let mut bytes = head;
                let declared = usize::try_from(self.meta.size).unwrap_or(usize::MAX);
                bytes.reserve_exact(declared.min(MAX_WHOLE_RESERVE).saturating_sub(bytes.len()));
                Stage::Whole {
                    kind,
                    detection,
                    bytes,
                }
            }
        };
    }

    fn finish(mut self, error: Option<String>, facts: &mut Facts) {
        let mut decoding = None;
        if let Some(mut decoder) = self.decoder.take() {
            self.read(decoder.finish(), None);
            decoding = decoder.warning.take();
        }
        self.decide();
        let path = self.meta.path.as_str();
        let (kind, detection, outcome) = match self.stage {
            Stage::Head(_) => (SourceKind::Unknown, Detection::None, Default::default()),
            Stage::Lines {
                kind,
                detection,
                mut parser,
                mut splitter,
            } => {
                splitter
                    .finish(&mut |no, line, scanned| parser.push_scanned_line(no, line, scanned));
                let mut outcome = parser.finish_into(facts, path);
                // A file of unknown kind is often binary: only a log's bytes are text to decode.
                if let Some(w) = splitter
                    .undecodable_warning()
                    .filter(|_| kind != SourceKind::Unknown)
                {
                    outcome.warnings.push(w);
                }
                outcome
                    .warnings
                    .extend(splitter.cut_lines.iter().map(|&no| {
                        Warning::at(
                            no,
                            format!(
                                "line longer than {} bytes: the rest of it was not read",
                                lines::MAX_LINE_BYTES
                            ),
                        )
                    }));
                (kind, detection, outcome)
            }
            Stage::Whole {
                kind,
                detection,
                bytes,
            } => (
                kind,
                detection,
                parse::parse_into(facts, path, kind, &bytes),
            ),
            Stage::Sectioned(bytes) => {
                let read = parse_sections(facts, &self.meta, &bytes);
                if read > 0 && error.is_none() {
                    return;
                }
                (SourceKind::Unknown, Detection::None, Default::default())
            }
        };
        let parse::Outcome {
            records,
            mut warnings,
        } = outcome;
        warnings.splice(0..0, decoding);
        facts.sources.push(SourceInfo {
            path: self.meta.path,
            size: self.bytes,
            kind,
            detection,
            records,
            warnings,
            problem: error.map(|e| format!("read only {} bytes: {e}", self.bytes)),
            mtime: self.meta.mtime,
        });
    }
}

/// Parse each section of a supportconfig file as a source of its own, cited by the file's path
/// and its real line numbers; how many sections were recognised.
fn parse_sections(facts: &mut Facts, meta: &EntryMeta, bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let mut read = 0;
    for section in sources::sections::split(&text) {
        let by_label = sources::kind_by_label(section.label, section.command);
        let head = section
            .text
            .as_bytes()
            .get(..sources::SNIFF_BYTES)
            .unwrap_or(section.text.as_bytes());
        let (kind, detection) =
            sources::sniff::with_head(head, |head| sources::decide(by_label, head));
        if kind == SourceKind::Unknown {
            continue;
        }
        read += 1;
        let before = section.first_line.saturating_sub(1);
        let outcome = match LineParser::for_kind(kind) {
            Some(mut parser) => {
                for (no, line) in parse::text::numbered_lines(section.text) {
                    parser.push_line(no.saturating_add(before), line);
                }
                parser.finish_into(facts, &meta.path)
            }
            None => {
                // Table parsers number lines from the text's start: blank lines before the
                // section keep its numbers those of the file.
                let mut padded = "\n".repeat(before as usize);
                padded.push_str(section.text);
                parse::parse_into(facts, &meta.path, kind, padded.as_bytes())
            }
        };
        facts.sources.push(SourceInfo {
            path: meta.path.clone(),
            size: section.text.len() as u64,
            kind,
            detection,
            records: outcome.records,
            warnings: outcome.warnings,
            problem: None,
            mtime: meta.mtime,
        });
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_json(parsers: usize) -> String {
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/seed-runc-unshare-enomem");
        let loaded = load_on(&seed, &Limits::default(), Progress::Off, parsers).unwrap();
        serde_json::to_string(&loaded.facts).unwrap()
    }

    #[test]
    fn facts_do_not_depend_on_the_number_of_parsing_threads() {
        let single = facts_json(1);
        assert!(single.contains("page allocation failure"));
        assert_eq!(facts_json(2), single);
        assert_eq!(facts_json(4), single);
    }

    /// A directory of many files: copies of the seed sample, files past a small per-entry
    /// limit, a socket (a problem of the walk between files read elsewhere) and a nested
    /// archive.
    fn many_files(root: &Path) {
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/seed-runc-unshare-enomem");
        for copy in ["a", "b", "c", "d"] {
            for entry in std::fs::read_dir(&seed).unwrap() {
                let entry = entry.unwrap();
                let to = root.join(copy).join(entry.file_name());
                if entry.file_type().unwrap().is_dir() {
                    std::fs::create_dir_all(&to).unwrap();
                    for inner in std::fs::read_dir(entry.path()).unwrap() {
                        let inner = inner.unwrap();
                        std::fs::copy(inner.path(), to.join(inner.file_name())).unwrap();
                    }
                } else {
                    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                    std::fs::copy(entry.path(), &to).unwrap();
                }
            }
        }
        #[cfg(unix)]
        std::os::unix::net::UnixListener::bind(root.join("b/proc/socket")).unwrap();
        let mut tar = ::tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        tar.append_dir_all("inner", seed.join("proc")).unwrap();
        let gz = tar.into_inner().unwrap().finish().unwrap();
        std::fs::write(root.join("c/nested.tar.gz"), gz).unwrap();
    }

    /// The summary and facts of a load, or its error, as text.
    fn loaded_json(path: &Path, limits: &Limits, parsers: usize) -> String {
        match load_on(path, limits, Progress::Off, parsers) {
            Ok(loaded) => serde_json::to_string(&(&loaded.summary, &loaded.facts)).unwrap(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn directory_read_on_several_threads_gives_the_same_facts_and_limits() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("bundle");
        many_files(&root);
        let all = loaded_json(&root, &Limits::default(), 1);
        let cases = [
            (Limits::default(), "nested.tar.gz/inner/buddyinfo"),
            (
                Limits {
                    max_entry_bytes: 3000,
                    ..Limits::default()
                },
                "truncated at 3000 bytes",
            ),
            (
                Limits {
                    max_total_bytes: 300_000,
                    ..Limits::default()
                },
                "reading stopped: more than 293 KiB",
            ),
            (
                Limits {
                    max_entries: 50,
                    ..Limits::default()
                },
                "reading stopped: more than 50 entries",
            ),
            (
                Limits {
                    max_total_bytes: 1000,
                    ..Limits::default()
                },
                "--max-bytes",
            ),
        ];
        // The problems come in walk order (by file name), as reading in place puts them, even
        // though those of the files read elsewhere are known only once these were read.
        let capped = Limits {
            max_entry_bytes: 3000,
            ..Limits::default()
        };
        let loaded = load_on(&root, &capped, Progress::Off, 2).unwrap();
        let paths: Vec<Vec<&str>> = loaded
            .summary
            .problems
            .iter()
            .map(|p| p.path.split('/').collect())
            .collect();
        assert!(paths.len() > 8, "{paths:?}");
        assert!(paths.is_sorted(), "{paths:?}");
        for (limits, expected) in cases {
            let single = loaded_json(&root, &limits, 1);
            assert!(single.contains(expected), "{limits:?}: {single}");
            assert!(single.contains("socket skipped") || single.len() < all.len());
            for parsers in [2, 4] {
                assert_eq!(
                    loaded_json(&root, &limits, parsers),
                    single,
                    "{limits:?}, {parsers} threads"
                );
            }
        }
    }
}
