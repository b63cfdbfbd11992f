//! Kernel logs in every form: raw dmesg, `dmesg -T`, syslog, journal.
//!
//! One pass over the text, in two layers:
//! - `framing` unwraps each physical line (stamp, host, tag, message body) whatever the log's
//!   form, and splits rsyslog's `#012` and journal json's embedded newlines into logical lines
//!   that share the physical line number;
//! - `reports` reads the kernel messages as a state machine that recognises multi-line reports
//!   (page allocation failures with their Mem-Info block, OOM kills, slab failures) and the
//!   single-line messages worth keeping.
//!
//! Ordinary lines are not kept, and the common case (a line that matches no signature) costs no
//! allocation, so GB-sized logs stream through in constant memory apart from the reports.
//! Lines of other syslog/journal tags go to the daemon log parser, and every message is offered
//! to the runtime error scanner.

mod alloc_failure;
mod meminfo;
mod messages;
mod oom;
mod prefilter;
mod reports;
mod slab;
mod trace;

use crate::facts::{
    DaemonRecord, KernelLog, KernelLogFormat, KernelMessageKind, Line, RuntimeError, Stamp, Warning,
};
use crate::parse::text::{clean, numbered_lines};
use crate::parse::{daemon_log, gfp, runtime_error};
use crate::retention::{fold_into, Folder, Retain};
use crate::sources::SourceKind;

use crate::parse::framing::{Entry, Frame, Framer, Held};
use crate::sources::sniff::Framing;
use crate::sources::{Format, Head, Parse, Paths, Strength};
use reports::Reports;

/// What a kernel log file gave: the kernel facts, plus the daemon records and runtime errors of
/// other tags in syslog and journal files.
#[derive(Debug, Clone)]
pub struct KernelLogOutput {
    pub log: KernelLog,
    pub daemon: Vec<DaemonRecord>,
    pub runtime_errors: Vec<RuntimeError>,
    pub warnings: Vec<Warning>,
}

/// One logical kernel message line, as the report parsers see it.
#[derive(Debug)]
pub struct LogLine<'a> {
    pub no: u32,
    /// The physical line, verbatim (evidence quotes it).
    pub text: &'a str,
    /// The message without the log prefix.
    pub body: &'a str,
    pub stamp: &'a Stamp,
    /// The line has no stamp of its own and continues the previous message.
    pub continuation: bool,
}

impl LogLine<'_> {
    pub fn line(&self) -> Line {
        Line::new(self.no, self.text)
    }
}

pub fn parse(text: &str, kind: SourceKind) -> KernelLogOutput {
    let mut p = Parser::new(kind);
    for (no, line) in numbered_lines(text) {
        p.line(no, line);
    }
    p.finish()
}

/// The literals of the `prefilter`: a line without any of them (ASCII, without tabs) is
/// ordinary unless a report is open.
pub fn literals() -> Option<&'static aho_corasick::packed::Searcher> {
    prefilter::searcher()
}

/// The pattern of [`literals`] that marks a routine message (a bridge port state change):
/// a line holding it and no other is [`crate::parse::Scanned::routine`].
pub fn routine_literal() -> usize {
    prefilter::bridge_pattern()
}

/// [`parse`] with the [`prefilter`] on or off, for the tests that check it changes nothing.
#[cfg(test)]
fn parse_prefiltered(text: &str, kind: SourceKind, prefilter: bool) -> KernelLogOutput {
    let mut p = Parser::new(kind);
    p.prefilter = prefilter;
    p.reports.literal_shortcut = prefilter;
    for (no, line) in numbered_lines(text) {
        // As the line splitter marks lines, one at a time here.
        let strict = prefilter && line.is_ascii() && !line.contains('\t');
        let found: Vec<usize> = literals()
            .map(|s| s.find_iter(line).map(|m| m.pattern().as_usize()).collect())
            .unwrap_or_default();
        p.scanned.plain = strict && literals().is_some() && found.is_empty();
        p.scanned.routine =
            strict && !found.is_empty() && found.iter().all(|&f| f == routine_literal());
        p.line(no, line);
    }
    p.finish()
}

/// [`parse`] fed one line at a time, for logs too large to hold.
pub struct LineParser(Parser);

impl LineParser {
    pub fn new(kind: SourceKind) -> LineParser {
        LineParser(Parser::new(kind))
    }

    /// Read line `no` (1-based, without its line end).
    pub fn push_line(&mut self, no: u32, raw: &str) {
        self.0.line(no, raw);
    }

    /// [`LineParser::push_line`] with what a search over the line's chunk found: `plain` when
    /// it is ASCII without tabs and holds none of [`literals`].
    pub fn push_scanned_line(&mut self, no: u32, raw: &str, scanned: crate::parse::Scanned) {
        self.0.scanned = scanned;
        self.0.line(no, raw);
        self.0.scanned = crate::parse::Scanned::default();
    }

    pub fn finish(self) -> KernelLogOutput {
        self.0.finish()
    }
}

struct Parser {
    kind: SourceKind,
    framer: Framer,
    /// Lines that framed as log entries (stamped, tagged or, where that is the framing, bare),
    /// and lines that did not (continuation lines, or text without a log's framing).
    entries: u64,
    unframed: u64,
    format: Option<KernelLogFormat>,
    lines: u32,
    kernel_messages: u32,
    first: Option<Stamp>,
    /// The last stamp any line carried (later unstamped lines do not clear it), when it is not
    /// [`Parser::stamp`] itself: kept aside only when an unstamped line replaces it, so that
    /// the common case, stamp after stamp, copies none.
    last: Option<Stamp>,
    stamp: Stamp,
    /// Whether continuation lines belong to a kernel message, or to a daemon's.
    in_kernel_message: bool,
    in_daemon_message: bool,
    hostnames: Vec<String>,
    reports: Reports,
    daemon: Vec<DaemonRecord>,
    runtime_errors: Vec<RuntimeError>,
    /// Reused for the runtime error scanner so that ordinary lines allocate nothing.
    scratch: Line,
    /// Reused for the lower-cased copy of daemon messages.
    lowered: Vec<u8>,
    /// Repeats of routine daemon records and kernel messages, folded as they are read.
    routine_daemon: Folder,
    routine_messages: Folder,
    /// Routine messages kept so far, and those left out past [`MAX_ROUTINE_MESSAGES`].
    routine_kept: usize,
    routine_dropped: u64,
    /// Whether ordinary messages skip the report parsers (see [`prefilter`]); off only in the
    /// tests that check the skip changes nothing.
    prefilter: bool,
    /// What the search over the current line's chunk found in it.
    scanned: crate::parse::Scanned,
}

/// The runtime error triggers a message is searched for.
#[derive(Clone, Copy)]
enum Triggers {
    /// Every one ([`runtime_error::TRIGGER_LITERALS`]): a daemon's messages.
    Daemon,
    /// The runtime's own ([`runtime_error::RUNTIME_TRIGGERS`]): the kernel's messages and
    /// other programs' lines, which the daemon's own errors never come in.
    Runtime,
}

/// Routine messages (bridge port state changes, which a container host logs by the million)
/// kept per log: enough to show the churn around any incident of a normal log, while a GB log
/// cannot fill memory with them. Reports and failures are never capped.
pub const MAX_ROUTINE_MESSAGES: usize = 5000;

impl Parser {
    fn new(kind: SourceKind) -> Parser {
        Parser {
            kind,
            framer: Framer::new(kind),
            entries: 0,
            unframed: 0,
            format: None,
            lines: 0,
            kernel_messages: 0,
            first: None,
            last: None,
            stamp: Stamp::default(),
            in_kernel_message: false,
            in_daemon_message: false,
            hostnames: Vec::new(),
            reports: Reports::new(empty_log()),
            daemon: Vec::new(),
            runtime_errors: Vec::new(),
            scratch: Line::default(),
            lowered: Vec::new(),
            routine_daemon: Folder::default(),
            routine_messages: Folder::default(),
            routine_kept: 0,
            routine_dropped: 0,
            prefilter: true,
            scanned: crate::parse::Scanned::default(),
        }
    }

    /// Whether `body` certainly gives nothing to the reports nor to the runtime error scanner:
    /// no report is open to take it, and it holds no literal any of their patterns needs.
    /// `decoded`: the body was decoded from the line (journal json) rather than cut out of it,
    /// so what is known of the raw line does not hold for it.
    fn is_ordinary(&self, body: &str, decoded: bool) -> bool {
        let plain = self.scanned.plain && !decoded;
        self.prefilter && self.reports.is_idle() && (plain || !prefilter::may_matter(body))
    }

    /// Whether the current line is a routine message past the cap that no report is open to
    /// take: the search found the routine literal in it and nothing else.
    fn is_routine(&self, decoded: bool) -> bool {
        self.prefilter
            && self.scanned.routine
            && !decoded
            && self.reports.is_idle()
            && self.reports.routine_full
    }

    fn line(&mut self, no: u32, raw: &str) {
        let before = self.reports.log.messages.len();
        self.read_line(no, raw);
        if self.reports.log.messages.len() > before {
            self.fold_routine_message();
        }
        let messages = &mut self.reports.log.messages;
        if messages.len() > before
            && matches!(
                messages.last().map(|m| &m.kind),
                Some(KernelMessageKind::BridgePort { .. })
            )
        {
            if self.routine_kept < MAX_ROUTINE_MESSAGES {
                self.routine_kept += 1;
            } else {
                messages.pop();
                self.routine_dropped = self.routine_dropped.saturating_add(1);
            }
            // Past the cap, the reports count such messages without reading them.
            self.reports.routine_full = self.routine_kept >= MAX_ROUTINE_MESSAGES;
        }
    }

    /// Fold the message just read into an earlier one of its signature when it is a routine
    /// one (see [`crate::retention`]): `nf_conntrack: table full` and `net_ratelimit` lines,
    /// which a host under load prints by the thousand. Other messages are incidents and stay.
    fn fold_routine_message(&mut self) {
        let messages = &mut self.reports.log.messages;
        let Some(m) = messages.last() else {
            return;
        };
        // A message that carries its own uptime is placed by it in the timeline.
        if m.message.starts_with('[') {
            return;
        }
        let signature = match &m.kind {
            KernelMessageKind::ConntrackTableFull => "conntrack table full".to_string(),
            // The suppressed counts are summed by the rules: only equal messages fold.
            KernelMessageKind::RateLimited { .. } => m.message.clone(),
            _ => return,
        };
        let next = messages.len() - 1;
        if let Retain::FoldInto(at) = self.routine_messages.retain(&signature, &m.stamp, next) {
            if let Some(m) = messages.pop() {
                if let Some(kept) = messages.get_mut(at) {
                    fold_into(&mut kept.repeat, m.line.no, m.stamp);
                }
            }
        }
    }

    fn read_line(&mut self, no: u32, raw: &str) {
        self.lines = self.lines.saturating_add(1);
        let frame = self.framer.frame(no, raw);
        if let Some(id) = self.framer.take_new_boot() {
            // A journal record of another `_BOOT_ID` than the one before: a new boot begins
            // at its line.
            match &frame {
                Frame::Held(held) => self
                    .reports
                    .note_journal_boot(held.no, &held.text, Some(&id)),
                _ => self.reports.note_journal_boot(no, raw, Some(&id)),
            }
        }
        match frame {
            Frame::Blank => {}
            Frame::JournalMeta => {
                if let Some(id) = crate::parse::framing::journal_boot(raw) {
                    self.reports.note_journal_boot(no, raw, id);
                }
            }
            Frame::Prompt => {
                // A pasted shell prompt ends whatever message was being read.
                self.in_kernel_message = false;
                self.in_daemon_message = false;
            }
            Frame::Continuation(body) => {
                self.unframed = self.unframed.saturating_add(1);
                if self.in_daemon_message {
                    // The daemon's own errors go on over its message's lines too.
                    self.scan_runtime(no, raw, body, Triggers::Daemon);
                    return;
                }
                if self.is_ordinary(body, false) {
                    return;
                }
                if self.in_kernel_message {
                    self.kernel_piece(no, raw, body, true);
                }
                self.scan_runtime(no, raw, body, Triggers::Runtime);
            }
            Frame::Entry(e) => self.entry(no, raw, e),
            Frame::Held(held) => {
                let Held { no, text, entry } = *held;
                self.entry(no, &text, entry);
            }
        }
    }

    fn entry(&mut self, no: u32, raw: &str, e: Entry<'_>) {
        self.entries = self.entries.saturating_add(1);
        self.format.get_or_insert(e.format);
        if is_stamped(&e.stamp) {
            if self.first.is_none() {
                self.first = Some(e.stamp.clone());
            }
            self.stamp = e.stamp;
        } else {
            let previous = std::mem::replace(&mut self.stamp, e.stamp);
            if is_stamped(&previous) {
                self.last = Some(previous);
            }
        }
        if let Some(host) = e.host.as_deref() {
            if !self.hostnames.iter().any(|h| h == host) {
                self.hostnames.push(host.to_string());
            }
        }
        self.in_kernel_message = e.kernel;
        self.in_daemon_message = false;
        if e.kernel {
            self.kernel_messages = self.kernel_messages.saturating_add(1);
            self.reports.note_stamp(no, raw, &self.stamp);
            let body: &str = &e.body;
            let decoded = e.format == KernelLogFormat::JournalJson;
            if self.is_routine(decoded) {
                // What the reports would do with each piece: count it if it is a bridge port
                // message. It holds no other literal, so nothing else can fire on it.
                for piece in split_012(body) {
                    self.reports.count_routine(&clean(piece));
                }
                return;
            }
            if self.is_ordinary(body, decoded) {
                return;
            }
            // Journal json keeps real newlines in MESSAGE; rsyslog writes them as `#012`.
            if e.format == KernelLogFormat::JournalJson {
                for (i, piece) in body.split('\n').enumerate() {
                    self.kernel_piece(no, raw, piece, i > 0);
                    self.scan_runtime(no, raw, piece, Triggers::Runtime);
                }
            } else {
                for (i, piece) in split_012(body).enumerate() {
                    self.kernel_piece(no, raw, piece, i > 0);
                    self.scan_runtime(no, raw, piece, Triggers::Runtime);
                }
            }
            return;
        }
        let body: &str = &e.body;
        let decoded = e.format == KernelLogFormat::JournalJson;
        let daemon_tag = e.tag.as_deref().filter(|tag| is_daemon_tag(tag, body));
        self.in_daemon_message = daemon_tag.is_some();
        let Some(tag) = daemon_tag else {
            // Another program's line: only the runtime's own errors are looked for, and the
            // search found none of their literals in a plain line.
            if !(self.prefilter && self.scanned.plain && !decoded) {
                for piece in split_012(body) {
                    self.scan_runtime(no, raw, piece, Triggers::Runtime);
                }
            }
            return;
        };
        // Most daemon lines are chatter, dropped before they are read (off only in the tests
        // that check the skip changes nothing). Chatter holds none of the chatter breakers in any
        // case, and every runtime error trigger is one: nothing is left to look for in it.
        if self.prefilter && daemon_log::is_dropped_chatter(body, &mut self.lowered) {
            return;
        }
        // The scratch line is reused: most daemon lines are dropped.
        self.scratch.no = no;
        self.scratch.text.clear();
        self.scratch.text.push_str(raw);
        // Each piece of the body is a part of it: a body without a trigger has no error.
        let may_be_error = runtime_error::may_match(body);
        if let Some(reading) = daemon_log::read(tag, self.stamp.wall.clone(), body, &self.scratch) {
            if may_be_error || reading.is_kube_incident() {
                // A runtime error is an incident: its record is kept whole.
                self.daemon.push(reading.record(&self.scratch));
            } else {
                daemon_log::keep(
                    &mut self.daemon,
                    &mut self.routine_daemon,
                    reading,
                    &self.scratch,
                );
            }
        }
        if may_be_error {
            for piece in split_012(body) {
                self.scan_runtime(no, raw, piece, Triggers::Daemon);
            }
        }
    }

    /// Why a log that gave no record gave none, when it did not: said as a warning, since a
    /// file taken for a log and read as nothing would otherwise pass unnoticed.
    fn why_nothing(&self) -> Option<String> {
        let log = &self.reports.log;
        let nothing = self.kernel_messages == 0
            && self.daemon.is_empty()
            && self.runtime_errors.is_empty()
            && log.messages.is_empty();
        // Blank lines, prompts and journal meta lines alone (`-- No entries --`) say nothing.
        if !nothing || self.entries + self.unframed == 0 {
            return None;
        }
        if self.entries > 0 {
            return Some(format!(
                "none of its {} log lines is a kernel message or a container runtime's record",
                self.entries
            ));
        }
        Some(
            match self.kind {
                SourceKind::Syslog => {
                    "no line of this file has a syslog prefix (`Jan 23 20:10:01 host tag: ...`): nothing was read from it"
                }
                SourceKind::Journal => {
                    "no line of this file is a journal entry (`journalctl` short, iso, precise, monotonic, json or export output): nothing was read from it"
                }
                _ => "no line of this file is a kernel message: nothing was read from it",
            }
            .to_string(),
        )
    }

    fn kernel_piece(&mut self, no: u32, raw: &str, body: &str, continuation: bool) {
        // Pasted logs carry non-breaking spaces; this borrows unless the line has one.
        let body = clean(without_caller_id(body));
        let l = LogLine {
            no,
            text: raw,
            body: &body,
            stamp: &self.stamp,
            continuation,
        };
        self.reports.feed(&l);
    }

    fn scan_runtime(&mut self, no: u32, raw: &str, message: &str, triggers: Triggers) {
        // Most lines are not errors: decide that before copying the line.
        let may = match triggers {
            Triggers::Daemon => runtime_error::may_match(message),
            Triggers::Runtime => runtime_error::may_match_runtime(message),
        };
        if !may {
            return;
        }
        self.scratch.no = no;
        self.scratch.text.clear();
        self.scratch.text.push_str(raw);
        if let Some(mut err) = runtime_error::scan_line(&self.scratch, message) {
            if err.time.is_none() {
                err.time = self.stamp.wall.clone();
            }
            self.runtime_errors.push(err);
        }
    }

    fn finish(mut self) -> KernelLogOutput {
        if let Some(Held { no, text, entry }) = self.framer.finish() {
            if let Some(id) = self.framer.take_new_boot() {
                self.reports.note_journal_boot(no, &text, Some(&id));
            }
            self.entry(no, &text, entry);
        }
        self.reports.finish();
        let why_nothing = self.why_nothing();
        let Reports {
            mut log,
            oom_releases,
            mut warnings,
            routine_counted,
            ..
        } = self.reports;
        self.routine_dropped = self.routine_dropped.saturating_add(routine_counted);
        if self.routine_dropped > 0 {
            warnings.push(Warning::file(format!(
                "{} bridge port messages after the first {MAX_ROUTINE_MESSAGES} were counted, not kept",
                self.routine_dropped
            )));
        }
        if let Some(why) = why_nothing {
            warnings.push(Warning::file(why));
        }
        log.format = self.format.unwrap_or(match self.kind {
            SourceKind::Syslog => KernelLogFormat::Syslog,
            SourceKind::Journal => KernelLogFormat::JournalShort,
            _ => KernelLogFormat::DmesgRaw,
        });
        log.lines = self.lines;
        log.kernel_messages = self.kernel_messages;
        log.first = self.first;
        log.last = if is_stamped(&self.stamp) {
            Some(self.stamp)
        } else {
            self.last
        };
        log.hostnames = self.hostnames;
        decode_masks(&mut log, &oom_releases);
        KernelLogOutput {
            log,
            daemon: self.daemon,
            runtime_errors: self.runtime_errors,
            warnings,
        }
    }
}

/// Fill the decoded GFP names once the releases are known: the report's own `CPU:` line first,
/// else the release of the boot it was printed in (the last `Linux version` banner before it;
/// none for a report before the first banner, printed by a boot the log does not name), else,
/// in a log without banners, the log's release. Names the kernel printed itself always win over
/// the table.
fn decode_masks(log: &mut KernelLog, oom_releases: &[Option<String>]) {
    let banners: Vec<(u32, String)> = log
        .messages
        .iter()
        .filter_map(|m| match &m.kind {
            KernelMessageKind::Boot { release } => Some((m.line.no, release.clone())),
            _ => None,
        })
        .collect();
    let log_release = log.kernel_release.clone();
    let release_at = |no: u32| {
        banners
            .iter()
            .rev()
            .find(|(at, _)| *at <= no)
            .map(|(_, r)| r.clone())
            .or_else(|| banners.is_empty().then(|| log_release.clone()).flatten())
    };
    let fill = |g: &mut crate::facts::GfpMask, release: Option<&str>| {
        g.decoded = if g.printed.is_empty() {
            gfp::decode(g.raw, release)
        } else {
            g.printed.clone()
        };
    };
    for a in &mut log.alloc_failures {
        let release = a.kernel_release.clone().or_else(|| release_at(a.header.no));
        fill(&mut a.gfp, release.as_deref());
    }
    for (i, k) in log.oom_kills.iter_mut().enumerate() {
        let own = oom_releases.get(i).cloned().flatten();
        let at = k.header.as_ref().map_or(k.end_line, |h| h.no);
        let release = own.or_else(|| release_at(at));
        if let Some(g) = k.gfp.as_mut() {
            fill(g, release.as_deref());
        }
    }
    for s in &mut log.slub_failures {
        let release = release_at(s.line.no);
        if let Some(g) = s.gfp.as_mut() {
            fill(g, release.as_deref());
        }
    }
}

/// A message without the printk caller id a `CONFIG_PRINTK_CALLER` kernel prints after the
/// stamp (`[    C1] ` for CPU 1 in interrupt context, `[  T123] ` for task 123), so that the
/// message reads as on any other kernel.
fn without_caller_id(body: &str) -> &str {
    let Some(rest) = body.strip_prefix('[') else {
        return body;
    };
    let Some((id, after)) = rest.split_once(']') else {
        return body;
    };
    let id = id.trim_start_matches(' ');
    let is_caller = id.len() >= 2
        && matches!(id.as_bytes()[0], b'C' | b'T')
        && id.bytes().skip(1).all(|b| b.is_ascii_digit());
    if is_caller {
        after.strip_prefix(' ').unwrap_or(after)
    } else {
        body
    }
}

/// rsyslog writes a multi-line printk's embedded newlines as `#012`: the pieces of `body`
/// between them, as `body.split("#012")` gives them, found with `memchr` (a substring search
/// set up for every line cost more than the line's framing).
fn split_012(body: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(body);
    std::iter::from_fn(move || {
        let text = rest?;
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(at) = memchr::memchr(b'#', bytes.get(from..).unwrap_or_default()) {
            let at = from + at;
            if bytes.get(at..at + 4) == Some(b"#012") {
                rest = text.get(at + 4..);
                return text.get(..at);
            }
            from = at + 1;
        }
        rest = None;
        Some(text)
    })
}

/// Tags whose messages the daemon log parser reads.
fn is_stamped(stamp: &Stamp) -> bool {
    stamp.uptime_s.is_some() || stamp.wall.is_some()
}

fn is_daemon_tag(tag: &str, message: &str) -> bool {
    const DAEMONS: [&str; 7] = [
        "docker",
        "containerd",
        "kubelet",
        "crio",
        "podman",
        "runc",
        "cri-o",
    ];
    if DAEMONS.iter().any(|d| tag.starts_with(d)) {
        return true;
    }
    tag == "systemd" && SYSTEMD_DAEMON_WORDS.is_match(message.as_bytes())
}

/// The words that make a systemd line a container daemon's (`docker.service`, `kubepods.slice`),
/// or one that names the unit an OOM kill hit (`<unit>: A process of this unit has been killed
/// by the OOM killer.`, `<unit>: Failed with result 'oom-kill'.`).
static SYSTEMD_DAEMON_WORDS: std::sync::LazyLock<crate::parse::literals::Literals> =
    std::sync::LazyLock::new(|| {
        crate::parse::literals::Literals::new(&[
            "docker",
            "containerd",
            "kubepods",
            "crio",
            "podman",
            "by the OOM killer",
            "'oom-kill'",
        ])
    });

fn empty_log() -> KernelLog {
    KernelLog::empty(KernelLogFormat::DmesgRaw)
}

/// The kernel ring buffer: raw `[ 12.3]`, no prefix, `dmesg -T`, `dmesg -x`, `/dev/kmsg` records.
pub const DMESG: Format = Format {
    kind: SourceKind::Dmesg,
    paths: Paths {
        sosreport: &[
            "sos_commands/kernel/dmesg*",
            "var/log/dmesg*",
            "dev/kmsg",
            "var/crash/*/vmcore-dmesg*",
        ],
        collector: &["dmesg.txt", "dmesg-t.txt"],
        supportconfig: &["dmesg*", "/var/log/boot.msg"],
        plain: &["dmesg*", "kmsg*"],
    },
    sniff: Some(sniff_dmesg),
    parse: Parse::Lines(|| {
        crate::parse::LineParser::Kernel(Box::new(LineParser::new(SourceKind::Dmesg)))
    }),
};

/// syslog files with `host tag:` prefixes (`messages`, `kern.log`, `syslog`).
pub const SYSLOG: Format = Format {
    kind: SourceKind::Syslog,
    paths: Paths {
        sosreport: &[
            "var/log/messages*",
            "var/log/syslog*",
            "var/log/kern.log*",
            "var/log/kern*",
        ],
        collector: &[],
        supportconfig: &[
            "/var/log/messages*",
            "/var/log/warn*",
            "/var/log/localmessages*",
        ],
        plain: &[
            "messages*",
            "syslog*",
            "kern.log*",
            "kernel.log",
            "daemon.log",
            "kern",
        ],
    },
    sniff: Some(sniff_syslog),
    parse: Parse::Lines(|| {
        crate::parse::LineParser::Kernel(Box::new(LineParser::new(SourceKind::Syslog)))
    }),
};

/// `journalctl` output: short, short-iso, short-precise, short-monotonic, json, export.
pub const JOURNAL: Format = Format {
    kind: SourceKind::Journal,
    paths: Paths {
        sosreport: &["sos_commands/*/journalctl*"],
        collector: &["journal-kernel.txt"],
        supportconfig: &["journalctl*"],
        plain: &["journalctl*", "journal*"],
    },
    sniff: Some(sniff_journal),
    parse: Parse::Lines(|| {
        crate::parse::LineParser::Kernel(Box::new(LineParser::new(SourceKind::Journal)))
    }),
};

fn sniff_dmesg(head: &Head<'_>) -> Option<Strength> {
    let logs = head.logs();
    match logs.winner() {
        Some(Framing::Dmesg) => return Some(Strength::Strong),
        // Kernel messages without a stamp, unless the text is a runtime's error.
        None if !head.runtime_marker() && head.kernel_text() => return Some(Strength::Strong),
        _ => {}
    }
    (logs.lines_in(Framing::Dmesg) > 0 || head.kernel_text()).then_some(Strength::Plausible)
}

fn sniff_syslog(head: &Head<'_>) -> Option<Strength> {
    let logs = head.logs();
    if logs.winner() == Some(Framing::Syslog) {
        return Some(Strength::Strong);
    }
    (logs.lines_in(Framing::Syslog) + logs.lines_in(Framing::IsoHostTag) > 0)
        .then_some(Strength::Plausible)
}

fn sniff_journal(head: &Head<'_>) -> Option<Strength> {
    if head.has_key("__REALTIME_TIMESTAMP") || head.has_key("__CURSOR") {
        return Some(Strength::Strong);
    }
    let logs = head.logs();
    if logs.journal_header {
        return Some(Strength::Strong);
    }
    match logs.winner() {
        Some(Framing::JournalOnly) => Some(Strength::Strong),
        Some(Framing::IsoHostTag) => Some(Strength::Weak),
        // journalctl's short output without its header reads like syslog.
        _ => (logs.lines_in(Framing::Syslog)
            + logs.lines_in(Framing::JournalOnly)
            + logs.lines_in(Framing::IsoHostTag)
            > 0)
        .then_some(Strength::Plausible),
    }
}

#[cfg(test)]
mod tests;
