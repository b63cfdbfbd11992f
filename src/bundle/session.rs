//! The state of one bundle read: the visitor, the counters, the trees recorded for link
//! resolution, and the dispatch from an entry to a nested archive or to the visitor.

use std::cell::Cell;
use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};

use super::disk::{DiskFile, DiskOutcome, Opened};
use super::limits::{
    peek, Budget, Counting, EntryReader, LimitHit, PanicGuard, RatioGuard, Replay,
};
use super::links::RawLink;
use super::path::{join, without_compression_suffix, MAX_PATH_BYTES};
use super::sniff::{is_tar_header, sniff, Magic, SNIFF_LEN};
use super::xz::XzStreams;
use super::{tar, zip, BundleError, EntryMeta, EntryProblem, EntryVisitor};

/// Largest zstd window accepted, as a power of two (128 MiB, zstd's own default ceiling).
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Index of a [`Scope`] in [`Session::scopes`].
pub(crate) type ScopeId = usize;

/// One file tree: the bundle itself, or a nested archive inside it.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// Prefix of full bundle paths: empty, or a nested archive's path and `/`.
    pub(crate) prefix: String,
    pub(crate) files: BTreeSet<String>,
    pub(crate) dirs: BTreeSet<String>,
    pub(crate) links: Vec<RawLink>,
}

/// How one archive stream ended.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Entries read from this archive before it ended.
    pub(crate) entries: u64,
    /// Why it ended early, if it did.
    pub(crate) error: Option<String>,
}

/// Where an archive's bytes come from, for nested zip files that need to seek.
pub(crate) enum Origin {
    /// A file on disk (a directory bundle's member), opened once more: zip reads it in place.
    Disk(io::Result<std::fs::File>),
    /// Bytes inside another archive: zip must be buffered.
    Stream,
}

pub(crate) struct Session<'b, 'v> {
    pub(crate) budget: &'b Budget,
    pub(crate) visitor: &'v mut dyn EntryVisitor,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) problems: Vec<EntryProblem>,
    pub(crate) nested: Vec<String>,
    seen: HashSet<String>,
    /// Bytes the visitor read.
    pub(crate) delivered: u64,
    /// Files the visitor was handed with no limit tripping while it read them.
    pub(crate) complete: u64,
    /// Shown in limit errors.
    display: String,
    elsewhere: Elsewhere,
}

/// Files of a directory bundle handed to the visitor as [`DiskFile`]s, which it may read
/// after [`EntryVisitor::disk_file`] returned, and how their reads went.
struct Elsewhere {
    done: Sender<DiskOutcome>,
    outcomes: Receiver<DiskOutcome>,
    /// Handed out since the last [`Session::settle`], in bundle order.
    pending: Vec<Pending>,
    /// Of those, how many were not dropped yet.
    waiting: usize,
}

struct Pending {
    /// Where its problems go among the session's: the number of problems when it was handed
    /// out, so that they come where reading it in place would have put them.
    at: usize,
    full: String,
    cap: u64,
    /// The visitor's error when it was handed the file, and whether it stands for a limit.
    error: Option<(String, bool)>,
    outcome: Option<DiskOutcome>,
}

impl<'b, 'v> Session<'b, 'v> {
    pub(crate) fn new(
        budget: &'b Budget,
        visitor: &'v mut dyn EntryVisitor,
        display: String,
    ) -> Session<'b, 'v> {
        Session {
            budget,
            visitor,
            scopes: vec![Scope::default()],
            problems: Vec::new(),
            nested: Vec::new(),
            seen: HashSet::new(),
            delivered: 0,
            complete: 0,
            display,
            elsewhere: {
                let (done, outcomes) = mpsc::channel();
                Elsewhere {
                    done,
                    outcomes,
                    pending: Vec::new(),
                    waiting: 0,
                }
            },
        }
    }

    pub(crate) fn problem(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.problems.push(EntryProblem {
            path: path.into(),
            problem: problem.into(),
        });
    }

    /// Stop with a limit error if any reader tripped one.
    pub(crate) fn check(&self) -> Result<(), BundleError> {
        match self.budget.tripped() {
            Some(detail) => Err(self.limit(detail)),
            None => Ok(()),
        }
    }

    pub(crate) fn limit(&self, detail: String) -> BundleError {
        BundleError::Limit {
            path: self.display.clone(),
            detail,
        }
    }

    pub(crate) fn count_entry(&self) -> Result<(), BundleError> {
        self.budget.count_entry().map_err(|d| self.limit(d))
    }

    pub(crate) fn full_path(&self, scope: ScopeId, rel: &str) -> String {
        let prefix = self.scopes.get(scope).map_or("", |s| s.prefix.as_str());
        join(prefix, rel)
    }

    fn new_scope(&mut self, prefix: String) -> ScopeId {
        self.scopes.push(Scope {
            prefix,
            ..Scope::default()
        });
        self.scopes.len() - 1
    }

    pub(crate) fn dir(&mut self, scope: ScopeId, rel: String) {
        if rel.is_empty() {
            return;
        }
        if let Some(s) = self.scopes.get_mut(scope) {
            s.dirs.insert(rel);
        }
    }

    /// Note a path and report it when an earlier entry had it too.
    fn mark_seen(&mut self, full: &str) {
        if !self.seen.insert(full.to_string()) {
            self.problem(
                full,
                "duplicate entry: an earlier entry has the same path; the later one is read too",
            );
        }
    }

    pub(crate) fn link(&mut self, scope: ScopeId, rel: String, target: String, hard: bool) {
        let full = self.full_path(scope, &rel);
        self.mark_seen(&full);
        if target.len() > MAX_PATH_BYTES {
            self.problem(
                full,
                format!(
                    "link target of {} bytes is longer than {MAX_PATH_BYTES} bytes; not followed",
                    target.len()
                ),
            );
            return;
        }
        if let Some(s) = self.scopes.get_mut(scope) {
            s.links.push(RawLink {
                path: rel,
                target,
                hard,
            });
        }
    }

    /// A regular file: opened as a nested archive when its content says it is one, else handed
    /// to the visitor.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn file(
        &mut self,
        scope: ScopeId,
        rel: String,
        size: u64,
        mtime: Option<i64>,
        data: &mut dyn Read,
        declared: bool,
        depth: u32,
        origin: Origin,
    ) -> Result<(), BundleError> {
        let full = self.enter_file(scope, &rel);
        let budget = self.budget;
        let declared = declared.then_some(size);
        let mut raw = EntryReader::new(data, Some(budget), None, declared);
        let (head, head_error) = peek(&mut raw, SNIFF_LEN);
        self.check()?;
        let magic = sniff(&head);
        if magic.is_container() {
            if !self.may_nest(&full, depth) {
                return Ok(());
            }
            let replay: Replay<&mut dyn Read> = Replay {
                head: Cursor::new(head),
                error: head_error,
                rest: &mut raw,
            };
            return self.nested(scope, rel, full, magic, replay, depth + 1, origin);
        }
        // An ordinary file: from here on the per-entry cap applies, counted from the start.
        let cap = budget.limits.max_entry_bytes;
        let replay: Replay<&mut dyn Read> = Replay {
            head: Cursor::new(head),
            error: head_error,
            rest: &mut raw,
        };
        self.visit(full, size, mtime, replay, cap)
    }

    /// Record a regular file in its scope; its full path.
    fn enter_file(&mut self, scope: ScopeId, rel: &str) -> String {
        let full = self.full_path(scope, rel);
        self.mark_seen(&full);
        if let Some(s) = self.scopes.get_mut(scope) {
            s.files.insert(rel.to_string());
        }
        full
    }

    /// Whether an archive found at `depth` may be opened; a problem when it may not.
    fn may_nest(&mut self, full: &str, depth: u32) -> bool {
        let max = self.budget.limits.max_nesting;
        if depth >= max {
            self.problem(
                full,
                format!("nested archive not opened: nesting limit of {max} reached"),
            );
            return false;
        }
        true
    }

    /// A regular file of a directory bundle, open on disk: opened as a nested archive when its
    /// content says it is one, else handed to the visitor as a [`DiskFile`], which it may read
    /// on another thread while the walk goes on.
    ///
    /// The facts, problems and limits come out as when files are read one after the other:
    /// the problems of a file read elsewhere are filed at its place ([`Session::settle`]), and a
    /// file or nested archive that might reach the total limit is read alone, once the files
    /// before it were read, so the limit trips at the same byte. (A file that grows while the
    /// bundle is read can still trip it elsewhere; the limit holds, at some other file.)
    pub(crate) fn disk_file(
        &mut self,
        rel: String,
        size: u64,
        mtime: Option<i64>,
        mut file: File,
    ) -> Result<(), BundleError> {
        let full = self.enter_file(0, &rel);
        let budget = self.budget;
        let alone = !budget.surely_fits(size);
        if alone {
            self.settle();
        }
        let mut raw = EntryReader::new(&mut file, Some(budget), None, None);
        let (head, head_error) = peek(&mut raw, SNIFF_LEN);
        self.check()?;
        let magic = sniff(&head);
        if magic.is_container() {
            if !self.may_nest(&full, 0) {
                return Ok(());
            }
            // Its size says nothing of what it expands to.
            self.settle();
            // A second handle on the same open file, for a zip that must seek.
            let again = raw.inner.try_clone();
            let replay: Replay<&mut dyn Read> = Replay {
                head: Cursor::new(head),
                error: head_error,
                rest: &mut raw,
            };
            return self.nested(0, rel, full, magic, replay, 1, Origin::Disk(again));
        }
        let cap = budget.limits.max_entry_bytes;
        let promised = if alone { 0 } else { size };
        budget.promise(promised);
        let slot = self.elsewhere.pending.len();
        let opened = Opened {
            file,
            head,
            head_error,
        };
        let data = DiskFile::new(
            opened,
            budget.clone(),
            cap,
            promised,
            slot,
            self.elsewhere.done.clone(),
        );
        self.elsewhere.pending.push(Pending {
            at: self.problems.len(),
            full: full.clone(),
            cap,
            error: None,
            outcome: None,
        });
        self.elsewhere.waiting += 1;
        let meta = EntryMeta {
            path: full,
            size,
            mtime,
        };
        if let Err(e) = self.visitor.disk_file(&meta, data) {
            if let Some(p) = self.elsewhere.pending.get_mut(slot) {
                p.error = Some((e.to_string(), is_limit(&e)));
            }
        }
        if alone {
            self.settle();
        }
        self.check()
    }

    /// Wait until every [`DiskFile`] handed out was dropped, and file what their reads gave
    /// as if each had been read in its turn.
    pub(crate) fn settle(&mut self) {
        let elsewhere = &mut self.elsewhere;
        while elsewhere.waiting > 0 {
            // The session keeps a sender itself, so this waits for the outstanding files
            // rather than failing.
            let Ok(outcome) = elsewhere.outcomes.recv() else {
                break;
            };
            elsewhere.waiting -= 1;
            if let Some(p) = elsewhere.pending.get_mut(outcome.slot) {
                p.outcome = Some(outcome);
            }
        }
        let pending = std::mem::take(&mut elsewhere.pending);
        if pending.is_empty() {
            return;
        }
        let before = std::mem::take(&mut self.problems);
        let mut before = before.into_iter().enumerate().peekable();
        for p in pending {
            while let Some((_, problem)) = before.next_if(|(i, _)| *i < p.at) {
                self.problems.push(problem);
            }
            let Some(outcome) = p.outcome else {
                continue;
            };
            self.delivered = self.delivered.saturating_add(outcome.read);
            if outcome.limited {
                // The read stopped at a limit: the limit is the problem, reported once.
                continue;
            }
            self.complete = self.complete.saturating_add(1);
            if outcome.truncated {
                self.problems.push(truncated_problem(&p.full, p.cap));
            }
            if let Some((error, false)) = p.error {
                if !outcome.truncated {
                    self.problems.push(unreadable_problem(&p.full, &error));
                }
            }
        }
        self.problems.extend(before.map(|(_, problem)| problem));
    }

    /// Hand bytes to the visitor through the per-entry cap.
    fn visit(
        &mut self,
        full: String,
        size: u64,
        mtime: Option<i64>,
        mut data: Replay<&mut dyn Read>,
        cap: u64,
    ) -> Result<(), BundleError> {
        // The budget already counted these bytes on the way in; this reader only caps.
        let mut capped = EntryReader::new(&mut data, None, Some(cap), None);
        let meta = EntryMeta {
            path: full.clone(),
            size,
            mtime,
        };
        let result = self.visitor.file(&meta, &mut capped);
        self.delivered = self.delivered.saturating_add(capped.read);
        self.check()?;
        self.complete = self.complete.saturating_add(1);
        if capped.truncated {
            self.problems.push(truncated_problem(&full, cap));
        }
        if let Err(e) = result {
            if !is_limit(&e) && !capped.truncated {
                self.problems
                    .push(unreadable_problem(&full, &e.to_string()));
            }
        }
        Ok(())
    }

    /// Open an archive found inside the bundle.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        &mut self,
        scope: ScopeId,
        rel: String,
        full: String,
        magic: Magic,
        mut data: Replay<&mut dyn Read>,
        depth: u32,
        origin: Origin,
    ) -> Result<(), BundleError> {
        self.nested.push(full.clone());
        let prefix = format!("{full}/");
        let outcome = match magic {
            Magic::Zip => match origin {
                Origin::Disk(file) => match file {
                    Ok(file) => {
                        let inner = self.new_scope(prefix);
                        zip::read_zip_from(self, inner, file, depth, &full)?
                    }
                    Err(e) => Outcome {
                        entries: 0,
                        error: Some(e.to_string()),
                    },
                },
                Origin::Stream => {
                    let cap = self.budget.limits.max_entry_bytes;
                    let mut bytes = Vec::new();
                    let read = (&mut data)
                        .take(cap.saturating_add(1))
                        .read_to_end(&mut bytes);
                    self.check()?;
                    match read {
                        Err(e) => Outcome {
                            entries: 0,
                            error: Some(e.to_string()),
                        },
                        Ok(_) if bytes.len() as u64 > cap => {
                            self.problem(
                                &full,
                                format!("nested zip not opened: larger than the per-entry limit of {cap} bytes"),
                            );
                            return Ok(());
                        }
                        Ok(_) => {
                            let inner = self.new_scope(prefix);
                            zip::read_zip_from(self, inner, Cursor::new(bytes), depth, &full)?
                        }
                    }
                }
            },
            _ => {
                let inner = self.new_scope(prefix);
                let single = without_compression_suffix(&rel);
                if single == rel {
                    // The decompressed file keeps the name: not a duplicate of itself.
                    self.seen.remove(&full);
                }
                read_stream(
                    self,
                    Box::new(data),
                    magic,
                    inner,
                    (scope, single),
                    depth,
                    &full,
                )?
            }
        };
        if let Some(error) = outcome.error {
            if outcome.entries == 0 {
                self.problem(&full, format!("nested archive could not be read: {error}"));
            } else {
                self.problem(
                    &full,
                    format!(
                        "nested archive truncated after {} entries: {error}",
                        outcome.entries
                    ),
                );
            }
        }
        Ok(())
    }
}

fn truncated_problem(full: &str, cap: u64) -> EntryProblem {
    EntryProblem {
        path: full.to_string(),
        problem: format!("truncated at {cap} bytes: the entry is larger than the per-entry limit"),
    }
}

fn unreadable_problem(full: &str, error: &str) -> EntryProblem {
    EntryProblem {
        path: full.to_string(),
        problem: format!("could not be read: {error}"),
    }
}

/// Whether an io error stands for a tripped limit.
pub(crate) fn is_limit(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitHit>())
}

/// A decoder for a compression layer, guarded against bombs and decoder panics.
fn decoder<'a>(
    magic: Magic,
    input: Box<dyn Read + 'a>,
    budget: &'a Budget,
    label: &str,
) -> io::Result<Box<dyn Read + 'a>> {
    let consumed = Rc::new(Cell::new(0u64));
    let counted = BufReader::with_capacity(
        64 * 1024,
        Counting {
            inner: input,
            count: consumed.clone(),
        },
    );
    let decoded: Box<dyn Read + 'a> = match magic {
        Magic::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(counted)),
        Magic::Xz => Box::new(XzStreams::new(counted)?),
        Magic::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(counted)?;
            d.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
            Box::new(d)
        }
        Magic::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(counted)),
        Magic::Zip | Magic::Tar | Magic::Unknown => {
            return Err(io::Error::other("not a compression format"))
        }
    };
    Ok(Box::new(RatioGuard {
        inner: PanicGuard {
            inner: decoded,
            poisoned: false,
        },
        consumed,
        produced: 0,
        budget,
        label: label.to_string(),
    }))
}

/// Read a tar, or a compressed stream holding a tar or a single file. `tar_scope` receives a
/// tar's entries; `single` is where a lone compressed file goes (its scope and path).
pub(crate) fn read_stream<'a>(
    session: &mut Session<'_, '_>,
    input: Box<dyn Read + 'a>,
    magic: Magic,
    tar_scope: ScopeId,
    single: (ScopeId, String),
    depth: u32,
    label: &str,
) -> Result<Outcome, BundleError> {
    if magic == Magic::Tar {
        return tar::read_tar(session, tar_scope, input, depth, label);
    }
    let budget = session.budget;
    let mut decoded = match decoder(magic, input, budget, label) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Outcome {
                entries: 0,
                error: Some(e.to_string()),
            })
        }
    };
    let (head, error) = peek(&mut decoded, SNIFF_LEN);
    session.check()?;
    if head.len() == SNIFF_LEN && is_tar_header(&head, true) {
        let replay: Box<dyn Read + '_> = Box::new(Cursor::new(head).chain(decoded));
        return tar::read_tar(session, tar_scope, replay, depth, label);
    }
    if let Some(e) = error {
        if head.is_empty() {
            return Ok(Outcome {
                entries: 0,
                error: Some(e.to_string()),
            });
        }
        // Fewer bytes than a tar header: a short compressed file, truncated.
        let (scope, rel) = single;
        session.count_entry()?;
        let replay: Replay<&mut dyn Read> = Replay {
            head: Cursor::new(head),
            error: Some(e),
            rest: &mut io::empty(),
        };
        let full = session.full_path(scope, &rel);
        session.mark_seen(&full);
        session.visit(full, 0, None, replay, budget.limits.max_entry_bytes)?;
        return Ok(Outcome {
            entries: 1,
            error: None,
        });
    }
    // Not a tar: one compressed file. Its content may itself be an archive (a `.tar.gz.gz`).
    let (scope, rel) = single;
    session.count_entry()?;
    let mut replay = Replay {
        head: Cursor::new(head),
        error: None,
        rest: &mut decoded,
    };
    session.file(
        scope,
        rel,
        0,
        None,
        &mut replay,
        false,
        depth,
        Origin::Stream,
    )?;
    Ok(Outcome {
        entries: 1,
        error: None,
    })
}
