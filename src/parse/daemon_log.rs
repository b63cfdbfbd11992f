//! dockerd, containerd and kubelet logs.
//!
//! A daemon log line is a framing and a message. The framing is read by
//! [`crate::parse::framing`], as for every log: none (a file of bare messages, such as
//! `/var/log/docker` of sysvinit hosts), syslog (`Jan 23 20:10:01 host dockerd[1234]: ...`, the
//! host possibly left out, also with fractional seconds as `journalctl -o short-precise` prints),
//! ISO syslog and `journalctl -o short-iso` (`2018-01-23T20:10:01+0800 host dockerd[1234]: ...`),
//! RFC 5424, short-monotonic, `journalctl -o json` and `-o export`, and a ticket's quoting.
//! `journalctl`'s `-- Logs begin at ... --` and `-- Reboot --` lines and pasted prompts are
//! skipped.
//!
//! Messages read by [`parse_message`]:
//! - logrus text: `time="2018-01-23T20:10:01.288012345+08:00" level=error msg="..." k=v`, with
//!   Go-quoted values (`\"`, `\\`, `\n`, `\u00e9`);
//! - logrus JSON: `{"level":"error","msg":"...","time":"..."}`;
//! - klog (kubelet, node-problem-detector): `E0123 20:10:01.288012    1234 file.go:186] msg`,
//!   whose stamp has no year;
//! - logrus' terminal form: `ERRO[0001] msg`;
//! - anything else, as a message without a level.
//!
//! The logrus `time=` is exact and wins over the framing's stamp; a klog stamp (no year, but
//! microseconds) wins over a syslog stamp (no year, seconds), not over an exact journal time.
//!
//! Records of level warning and above are kept, and info (or level-less) records that matter to
//! a postmortem: daemon start and stop, container start, exit, OOM and shim events, kills, and
//! any line holding a runtime error. Debug and trace records and routine info lines are dropped.
//!
//! A kubelet or CRI message that says what happened to a pod or a container (a kill with its
//! grace period, a failed probe, an eviction, a `TaskOOM`) is read into [`DaemonRecord::kube`]
//! by [`crate::parse::kube::log`], whatever its level, and kept whole; a failing probe's
//! repeats are folded.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::facts::{
    write_summary, DaemonRecord, KubeAction, KubeLogEvent, Line, RuntimeError, WallClock, Warning,
};
use crate::parse::docker_events::parse_rfc3339;
use crate::parse::framing::{Frame, Framer, Held, Syntax};
use crate::parse::literals::Literals;
use crate::parse::runtime_error;
use crate::parse::text::numbered_lines;
use crate::retention::{place, Folder};
use crate::sources::sniff::Framing as LogFraming;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// Records and runtime errors of a daemon log file.
#[derive(Debug, Clone, Default)]
pub struct DaemonLogOutput {
    pub records: Vec<DaemonRecord>,
    pub runtime_errors: Vec<RuntimeError>,
    pub warnings: Vec<Warning>,
}

fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(r) => r,
        // The patterns are constants of this file; the tests compile every one of them.
        Err(e) => panic!("invalid built-in pattern {pattern:?}: {e}"),
    }
}

/// `ERRO[0001] message`.
static LOGRUS_TTY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(INFO|WARN|ERRO|FATA|PANI|DEBU|TRAC)\[([0-9]+)\] ?(.*)$"));

/// Substrings of info (or level-less) messages worth keeping.
const NOTABLE: &[&str] = &[
    // Daemon life.
    "API listen on",
    "Daemon has completed initialization",
    "Loading containers: start",
    "Loading containers: done",
    "Docker daemon",
    "Starting up",
    "Processing signal",
    "Daemon shutdown complete",
    "stopping event stream",
    "starting containerd",
    "containerd successfully booted",
    "Started Docker",
    "Starting Docker",
    "Stopping Docker",
    "Stopped Docker",
    "Started containerd",
    "Stopped containerd",
    "Started kubelet",
    "Started Kubernetes",
    "Stopped Kubernetes",
    "Main process exited",
    "Failed to start",
    "start request repeated too quickly",
    // Container life.
    "containerd: container",
    "shim reaped",
    "shim disconnected",
    "cleaning up dead shim",
    "TaskOOM",
    "TaskExit",
    "received exit event",
    "OOM",
    "out of memory",
    "failed to exit within",
    "Killing container",
    "killed",
    "Killed",
    "StartContainer",
    "StopContainer",
    "RunPodSandbox",
    "StopPodSandbox",
    "ContainerDied",
    "exit status",
    "exitCode",
];

/// Parse a whole daemon log file (logrus text, journald short, syslog framing).
pub fn parse(text: &str) -> DaemonLogOutput {
    let mut parser = LineParser::default();
    for (no, raw) in numbered_lines(text) {
        parser.push_line(no, raw);
    }
    parser.finish()
}

/// [`parse`] fed one line at a time, for logs too large to hold.
#[derive(Debug)]
pub struct LineParser {
    framer: Framer,
    out: DaemonLogOutput,
    /// Reused evidence line, so that dropped lines allocate nothing.
    scratch: Line,
    /// Repeats of routine records, folded as they are read.
    routine: Folder,
}

impl Default for LineParser {
    fn default() -> LineParser {
        LineParser {
            framer: Framer::new(SourceKind::DaemonLog),
            out: DaemonLogOutput::default(),
            scratch: Line::default(),
            routine: Folder::default(),
        }
    }
}

impl LineParser {
    /// Read line `no` (1-based, without its line end).
    pub fn push_line(&mut self, no: u32, raw: &str) {
        self.push_scanned_line(no, raw, false);
    }

    /// [`LineParser::push_line`] for a line known to hold none of [`chatter_breakers`] in any
    /// case (when `no_breakers`).
    pub fn push_scanned_line(&mut self, no: u32, raw: &str, no_breakers: bool) {
        match self.framer.frame(no, raw) {
            Frame::Blank | Frame::JournalMeta | Frame::Prompt => {}
            Frame::Continuation(text) => self.record(no, raw, "", None, text.trim(), no_breakers),
            Frame::Entry(e) => {
                // A journal record's message is decoded: what is known of the raw line does not
                // hold for it.
                let known = no_breakers && e.syntax != Syntax::JournalRecord;
                let daemon = e.tag.as_deref().unwrap_or_default();
                self.record(no, raw, daemon, e.stamp.wall, e.body.trim(), known);
            }
            Frame::Held(held) => self.held(*held),
        }
    }

    fn held(&mut self, held: Held) {
        let Held { no, text, entry } = held;
        let daemon = entry.tag.as_deref().unwrap_or_default();
        self.record(
            no,
            &text,
            daemon,
            entry.stamp.wall,
            entry.body.trim(),
            false,
        );
    }

    /// Read one message: `daemon` wrote it at `time` (the framing's), on line `no`.
    fn record(
        &mut self,
        no: u32,
        raw: &str,
        daemon: &str,
        time: Option<WallClock>,
        message: &str,
        no_breakers: bool,
    ) {
        let out = &mut self.out;
        if message.is_empty() {
            return;
        }
        self.scratch.no = no;
        self.scratch.text.clear();
        self.scratch.text.push_str(raw);
        let line = &self.scratch;
        if let Some(time) = logrus_time_problem(message) {
            out.warnings.push(Warning::at(
                no,
                format!("logrus time {time:?} is not an RFC 3339 time; the framing's time is used"),
            ));
        }
        if no_breakers && is_logrus_chatter(message) {
            return;
        }
        let Some(reading) = read(daemon, time, message, line) else {
            return;
        };
        let found = runtime_error::scan_line(line, &reading.message).or_else(|| {
            reading
                .error
                .as_deref()
                .and_then(|e| runtime_error::scan_line(line, e))
        });
        match found {
            // A runtime error is an incident: its record is kept whole.
            Some(mut e) => {
                e.time = reading.time.clone();
                out.runtime_errors.push(e);
                out.records.push(reading.record(line));
            }
            None if reading.is_kube_incident() => out.records.push(reading.record(line)),
            None => keep(&mut out.records, &mut self.routine, reading, line),
        }
    }

    pub fn finish(mut self) -> DaemonLogOutput {
        if let Some(held) = self.framer.finish() {
            self.held(held);
        }
        self.out
    }
}

/// Parse the message part of one daemon line whose framing (syslog or journal) was already
/// removed by the caller: `daemon` is the syslog tag (`dockerd`, `containerd`, `kubelet`),
/// `time` the framing's stamp. Returns `None` when the message is not worth keeping (debug
/// chatter); the caller decides that tags are daemon tags.
pub fn parse_message(
    daemon: &str,
    time: Option<WallClock>,
    message: &str,
    line: &Line,
) -> Option<DaemonRecord> {
    read(daemon, time, message, line).map(|reading| reading.record(line))
}

/// A message worth keeping, read as far as its summary: its level, text, `error` field and
/// time, borrowed from the line where it can be. The record is built only once it is known to
/// be kept (see [`keep`]): a flood's records fold into earlier ones, and building each of
/// them, its logrus fields most of all, cost more than the rest of its reading.
pub struct Reading<'a> {
    daemon: &'a str,
    time: Option<WallClock>,
    level: Option<Cow<'a, str>>,
    /// The message, trimmed.
    message: Cow<'a, str>,
    /// The `error` field.
    error: Option<Cow<'a, str>>,
    fields: Fields<'a>,
    /// What the message says happened to a pod or container.
    kube: Option<KubeLogEvent>,
}

/// The fields of a [`Reading`]'s record.
enum Fields<'a> {
    /// Logrus text, whose fields are read when the record is built.
    Logfmt(&'a str),
    Read(BTreeMap<String, String>),
}

/// [`parse_message`] up to the record: `None` when the message is not worth keeping.
pub fn read<'a>(
    daemon: &'a str,
    time: Option<WallClock>,
    message: &'a str,
    line: &Line,
) -> Option<Reading<'a>> {
    let m = message.trim();
    if m.is_empty() {
        return None;
    }
    // `read_message` reads a `{` line as logrus JSON first.
    let (level, text, error, own_time, fields) = if !m.starts_with('{') && is_logrus_text(m) {
        let (mut level, mut text, mut error, mut own_time) = (None, Cow::Borrowed(""), None, None);
        for (key, value) in (LogfmtPairs { rest: m }) {
            match key {
                "level" => level = Some(value),
                "msg" => text = value,
                "time" => own_time = Some(value),
                "error" => error = Some(value),
                _ => {}
            }
        }
        let text = match text {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
        };
        let own_time = own_time.and_then(|t| parse_rfc3339(&t));
        (level, text, error, own_time, Fields::Logfmt(m))
    } else {
        let parsed = read_message(m);
        let error = parsed.fields.get("error").cloned().map(Cow::Owned);
        let level = parsed.level.map(Cow::Owned);
        let fields = Fields::Read(parsed.fields);
        (
            level,
            Cow::Owned(parsed.message),
            error,
            parsed.time,
            fields,
        )
    };
    let kube = crate::parse::kube::log::read(&text);
    let keep = kube.is_some()
        || match kept_by_level(level.as_deref()) {
            Some(kept) => kept,
            None => is_notable(&text) || runtime_error::scan_line(line, m).is_some(),
        };
    if !keep {
        return None;
    }
    let time = match (own_time, time) {
        (Some(own @ WallClock::Instant { .. }), _) => Some(own),
        (_, Some(framing @ WallClock::Instant { .. })) => Some(framing),
        (Some(own), _) => Some(own),
        (None, framing) => framing,
    };
    Some(Reading {
        daemon,
        time,
        level,
        message: text,
        error,
        fields,
        kube,
    })
}

impl Reading<'_> {
    /// The record of line `line`.
    pub fn record(self, line: &Line) -> DaemonRecord {
        let fields = match self.fields {
            Fields::Read(fields) => fields,
            Fields::Logfmt(m) => (LogfmtPairs { rest: m })
                .filter(|(key, _)| !matches!(*key, "level" | "msg" | "time"))
                .map(|(key, value)| (key.to_string(), value.into_owned()))
                .collect(),
        };
        let mut kube = self.kube;
        // dockerd names the container of its message in a field (`container=<id>`).
        if let Some(k) = kube.as_mut().filter(|k| k.container_id.is_none()) {
            k.container_id = fields.get("container").filter(|c| !c.is_empty()).cloned();
        }
        DaemonRecord {
            daemon: self.daemon.to_string(),
            time: self.time,
            level: self.level.map(Cow::into_owned),
            message: self.message.into_owned(),
            fields,
            line: line.clone(),
            repeat: None,
            kube,
        }
    }

    /// Whether the message tells what happened to a pod or a container: an incident, whose
    /// record is kept whole. A failing probe repeats every few seconds, the kubelet's back-off
    /// of a crash-looping container every few minutes, and the daemon's forced kill comes with
    /// every stop that runs out of grace, beside the `kill` events that `docker events` keeps:
    /// their repeats fold.
    pub fn is_kube_incident(&self) -> bool {
        self.kube.as_ref().is_some_and(|k| {
            !matches!(
                k.action,
                KubeAction::ProbeFailed { .. }
                    | KubeAction::BackOff { .. }
                    | KubeAction::RuntimeForcedKill { .. }
            )
        })
    }

    /// The record's [`DaemonRecord::summary`], appended to `out`.
    fn summary_into(&self, out: &mut String) {
        write_summary(
            out,
            self.daemon,
            self.level.as_deref(),
            &self.message,
            self.error.as_deref(),
        );
    }
}

/// Keep the record of `reading` (line `line`) at the end of `records`, or fold it into a kept
/// record of its signature ([`keep_record`](crate::retention::keep_record), deciding before the record is built).
pub fn keep(
    records: &mut Vec<DaemonRecord>,
    folder: &mut Folder,
    reading: Reading<'_>,
    line: &Line,
) {
    let placement = folder.place_record(reading.time.as_ref(), records.len(), |text| {
        reading.summary_into(text)
    });
    place(records, placement, line.no, || reading.record(line));
}

/// The words whose presence, in any case, can make [`parse_message`] keep a logrus text line:
/// the kept level names, the notable phrases, `oom` and the runtime error triggers; lower-cased,
/// without those that hold a shorter one. A line holding none of them in any case is chatter
/// when [`is_logrus_chatter`] says so.
static CHATTER_BREAKERS: LazyLock<Literals> = LazyLock::new(|| {
    const KEPT_WORDS: [&str; 7] = ["panic", "fatal", "err", "warn", "crit", "alert", "emerg"];
    let mut words: Vec<String> = KEPT_WORDS
        .iter()
        .chain(NOTABLE)
        .chain(&["oom"])
        .chain(runtime_error::TRIGGER_LITERALS)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    words.sort();
    words.dedup();
    let kept: Vec<&str> = words
        .iter()
        .filter(|w| !words.iter().any(|o| o != *w && w.contains(o.as_str())))
        .map(String::as_str)
        .collect();
    Literals::new(&kept)
});

/// The searcher of the chatter breakers, to be run over lower-cased text.
pub fn chatter_breakers() -> Option<&'static aho_corasick::packed::Searcher> {
    CHATTER_BREAKERS.packed()
}

/// Whether [`parse_message`] would drop `message` as chatter, judged without reading it: it is
/// logrus text ([`is_logrus_chatter`]) and holds none of [`chatter_breakers`] in any case.
/// `lowered` is room for its lower-cased copy. For the daemon lines of a syslog file, which
/// the line splitter does not search folded.
pub fn is_dropped_chatter(message: &str, lowered: &mut Vec<u8>) -> bool {
    let Some(breakers) = chatter_breakers() else {
        return false;
    };
    if !is_logrus_chatter(message) {
        return false;
    }
    lowered.clear();
    lowered.extend(message.bytes().map(|b| b.to_ascii_lowercase()));
    breakers.find(lowered.as_slice()).is_none()
}

/// Whether the message `m`, known to hold none of [`chatter_breakers`] in any case, is logrus
/// text that [`parse_message`] drops. It is when it is logrus text whose only escapes are `\"`
/// and `\\`: their unquoting never joins letters, so neither the level nor the message read
/// from the fields can hold a word the raw text lacks.
pub fn is_logrus_chatter(m: &str) -> bool {
    let m = m.trim();
    if !m.starts_with("time=\"") {
        return false;
    }
    let bytes = m.as_bytes();
    let mut at = 0;
    while let Some(off) = bytes.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        match bytes.get(at + off + 1) {
            Some(b'"' | b'\\') => at += off + 2,
            _ => return false,
        }
    }
    true
}

/// Whether `m` is read as logrus text (after logrus JSON, when it starts with `{`).
fn is_logrus_text(m: &str) -> bool {
    m.starts_with("time=\"")
        || m.starts_with("level=")
        || (m.contains(" level=") && m.contains("msg="))
}

/// A record of this level is kept (`Some(true)`), dropped (`Some(false)`), or kept only when
/// its message matters (`None`: info and unknown levels, or none).
fn kept_by_level(level: Option<&str>) -> Option<bool> {
    const KEPT: [&str; 10] = [
        "panic", "fatal", "error", "err", "warning", "warn", "crit", "critical", "alert", "emerg",
    ];
    let level = level?;
    if KEPT.iter().any(|k| level.eq_ignore_ascii_case(k)) {
        Some(true)
    } else if level.eq_ignore_ascii_case("debug") || level.eq_ignore_ascii_case("trace") {
        Some(false)
    } else {
        None
    }
}

/// [`NOTABLE`] as one searcher, so that a line is scanned once rather than once per phrase.
static NOTABLE_ANY: LazyLock<Literals> = LazyLock::new(|| Literals::new(NOTABLE));

fn is_notable(msg: &str) -> bool {
    if NOTABLE_ANY.is_match(msg.as_bytes()) {
        return true;
    }
    // `oom` in any case as a word or word start (`oom`, `oom_kill`, `OOM-kill`), not `room`.
    let bytes = msg.as_bytes();
    memchr::memchr2_iter(b'o', b'O', bytes).any(|i| {
        bytes
            .get(i..i + 3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"oom"))
            && (i == 0 || !bytes[i - 1].is_ascii_alphabetic())
    })
}

/// The logrus `time="..."` of a message, when it is there but cannot be read.
fn logrus_time_problem(message: &str) -> Option<String> {
    let rest = message.trim_start().strip_prefix("time=\"")?;
    let (stamp, _) = rest.split_once('"')?;
    parse_rfc3339(stamp).is_none().then(|| stamp.to_string())
}

/// Nanoseconds from a fraction of 1 to 9 digits (`288012` = 288 012 000 ns).
fn fraction_nanos(frac: Option<&str>) -> Option<i32> {
    let Some(f) = frac else {
        return Some(0);
    };
    let v: i32 = f.parse().ok()?;
    let scale = 10i32.checked_pow(9u32.checked_sub(u32::try_from(f.len()).ok()?)?)?;
    v.checked_mul(scale)
}

fn valid_no_year(
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    nanosecond: i32,
) -> Option<WallClock> {
    let ok = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..=23).contains(&hour)
        && (0..=59).contains(&minute)
        && (0..=60).contains(&second);
    ok.then_some(WallClock::NoYear {
        month,
        day,
        hour,
        minute,
        second,
        nanosecond,
    })
}

/// What a message said about itself.
struct Message {
    level: Option<String>,
    message: String,
    fields: BTreeMap<String, String>,
    time: Option<WallClock>,
}

fn read_message(m: &str) -> Message {
    if m.starts_with('{') {
        if let Some(msg) = read_logrus_json(m) {
            return msg;
        }
    }
    if is_logrus_text(m) {
        return read_logrus_text(m);
    }
    if let Some(k) = klog(m) {
        let level = match k.severity {
            b'E' => "error",
            b'W' => "warning",
            b'F' => "fatal",
            _ => "info",
        };
        let time = fraction_nanos(k.fraction).and_then(|nanos| {
            let [month, day, hour, minute, second] = k.numbers;
            valid_no_year(month, day, hour, minute, second, nanos)
        });
        let mut fields = BTreeMap::new();
        fields.insert("source".to_string(), k.source.to_string());
        return Message {
            level: Some(level.to_string()),
            message: k.message.trim().to_string(),
            fields,
            time,
        };
    }
    if let Some(c) = LOGRUS_TTY.captures(m) {
        let level = match &c[1] {
            "INFO" => "info",
            "WARN" => "warning",
            "ERRO" => "error",
            "FATA" => "fatal",
            "PANI" => "panic",
            "DEBU" => "debug",
            _ => "trace",
        };
        return Message {
            level: Some(level.to_string()),
            message: c[3].trim().to_string(),
            fields: BTreeMap::new(),
            time: None,
        };
    }
    Message {
        level: None,
        message: m.to_string(),
        fields: BTreeMap::new(),
        time: None,
    }
}

/// A klog line: `E0123 20:10:01.288012    1234 pod_workers.go:186] message`.
#[derive(Debug, PartialEq)]
struct Klog<'a> {
    /// `I`, `W`, `E` or `F`.
    severity: u8,
    /// Month, day, hour, minute and second, as printed (two digits each).
    numbers: [i8; 5],
    /// The digits after the seconds' point.
    fraction: Option<&'a str>,
    pid: &'a str,
    /// `pod_workers.go:186`.
    source: &'a str,
    message: &'a str,
}

/// Read a klog line by hand: kubelet writes most of a container host's daemon lines, and a
/// regular expression with captures took longer than the rest of their reading.
fn klog(m: &str) -> Option<Klog<'_>> {
    let b = m.as_bytes();
    let severity = *b.first()?;
    if !matches!(severity, b'I' | b'W' | b'E' | b'F') || b.len() < 14 {
        return None;
    }
    let two = |at: usize| -> Option<i8> {
        let (x, y) = (b[at], b[at + 1]);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as i8)
    };
    if b[5] != b' ' || b[8] != b':' || b[11] != b':' {
        return None;
    }
    let numbers = [two(1)?, two(3)?, two(6)?, two(9)?, two(12)?];
    let mut rest = &m[14..];
    let mut fraction = None;
    if let Some(after) = rest.strip_prefix('.') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        fraction = Some(&after[..digits]);
        rest = &after[digits..];
    }
    let spaced = rest.trim_start();
    if spaced.len() == rest.len() {
        return None;
    }
    let digits = spaced.bytes().take_while(u8::is_ascii_digit).count();
    let pid = &spaced[..digits];
    let rest = spaced[digits..].strip_prefix(' ').filter(|_| digits > 0)?;
    let end = rest.find(|c: char| c == ']' || c.is_whitespace())?;
    if end == 0 || !rest[end..].starts_with(']') {
        return None;
    }
    let source = &rest[..end];
    let message = &rest[end + 1..];
    let message = message.strip_prefix(' ').unwrap_or(message);
    // The whole line is one line of text: a message holding a newline is no klog line.
    if memchr::memchr(b'\n', message.as_bytes()).is_some() {
        return None;
    }
    Some(Klog {
        severity,
        numbers,
        fraction,
        pid,
        source,
        message,
    })
}

fn read_logrus_json(m: &str) -> Option<Message> {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(m) else {
        return None;
    };
    let text_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let message = obj.get("msg").or_else(|| obj.get("message")).map(text_of)?;
    let mut fields = BTreeMap::new();
    for (k, v) in &obj {
        if !matches!(k.as_str(), "msg" | "message" | "level" | "time") {
            fields.insert(k.clone(), text_of(v));
        }
    }
    Some(Message {
        level: obj.get("level").map(text_of),
        message: message.trim().to_string(),
        fields,
        time: obj
            .get("time")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339),
    })
}

fn read_logrus_text(m: &str) -> Message {
    let mut level = None;
    let mut message = String::new();
    let mut time = None;
    let mut fields = BTreeMap::new();
    for (k, v) in logfmt_pairs(m) {
        match k.as_str() {
            "level" => level = Some(v),
            "msg" => message = v,
            "time" => time = parse_rfc3339(&v),
            _ => {
                fields.insert(k, v);
            }
        }
    }
    Message {
        level,
        message: message.trim().to_string(),
        fields,
        time,
    }
}

/// Split logfmt (`k=v k="quoted \"v\""`), unquoting Go-quoted values. Bare words are skipped.
pub(crate) fn logfmt_pairs(s: &str) -> Vec<(String, String)> {
    LogfmtPairs { rest: s }
        .map(|(k, v)| (k.to_string(), v.into_owned()))
        .collect()
}

/// The pairs of a logfmt text in order, borrowed where no escape had to be undone.
struct LogfmtPairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for LogfmtPairs<'a> {
    type Item = (&'a str, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest.trim_start();
            if rest.is_empty() {
                self.rest = rest;
                return None;
            }
            let key_end = find_space_or(rest, Some(b'=')).unwrap_or(rest.len());
            let key = &rest[..key_end];
            let after_key = &rest[key_end..];
            let Some(after_eq) = after_key.strip_prefix('=') else {
                self.rest = after_key;
                continue;
            };
            let (value, tail) = if let Some(quoted) = after_eq.strip_prefix('"') {
                unquote_go(quoted)
            } else {
                let end = find_space_or(after_eq, None).unwrap_or(after_eq.len());
                (Cow::Borrowed(&after_eq[..end]), &after_eq[end..])
            };
            self.rest = tail;
            if !key.is_empty() {
                return Some((key, value));
            }
        }
    }
}

/// The offset of the first white space (as `char::is_whitespace` has it) or `byte` in `s`,
/// reading ASCII a byte at a time: logfmt lines are scanned by the million.
fn find_space_or(s: &str, byte: Option<u8>) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c.is_ascii() {
            if Some(c) == byte || matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
                return Some(i);
            }
            i += 1;
        } else {
            // `i` is on a char boundary: it only ever moves by whole chars.
            let ch = s.get(i..)?.chars().next()?;
            if ch.is_whitespace() {
                return Some(i);
            }
            i += ch.len_utf8();
        }
    }
    None
}

/// Read a Go-quoted string body (after the opening quote) up to its closing quote; returns the
/// value and the text after the quote. An unterminated string runs to the end of the line.
pub(crate) fn unquote_go(s: &str) -> (Cow<'_, str>, &str) {
    // Most values have no escape: they are borrowed.
    if let Some(end) = memchr::memchr2(b'"', b'\\', s.as_bytes()) {
        if s.as_bytes()[end] == b'"' {
            return (Cow::Borrowed(&s[..end]), &s[end + 1..]);
        }
    }
    let (value, rest) = unquote_go_escaped(s);
    (Cow::Owned(value), rest)
}

fn unquote_go_escaped(s: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &s[i + 1..]),
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    break;
                };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    'x' | 'u' | 'U' => {
                        let len = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(len).map(|(_, h)| h).collect();
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) => out.push(ch),
                            None => {
                                out.push('\\');
                                out.push(e);
                                out.push_str(&hex);
                            }
                        }
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    (out, "")
}

/// dockerd, containerd, kubelet and cri-o logs: logrus text and JSON, klog, and the journal or
/// syslog lines that carry them.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::DaemonLog,
    paths: Paths {
        sosreport: &[
            "sos_commands/*/journalctl*docker*",
            "sos_commands/*/journalctl*containerd*",
            "sos_commands/*/journalctl*kubelet*",
            "sos_commands/*/journalctl*crio*",
            "sos_commands/*/journalctl*cri-o*",
            "sos_commands/*/journalctl*podman*",
            "sos_commands/docker/journalctl*",
            "sos_commands/containerd/journalctl*",
            "sos_commands/kubernetes/journalctl*",
            "sos_commands/crio/journalctl*",
            "sos_commands/podman/journalctl*",
            "sos_commands/docker_distribution/journalctl*",
            "var/log/upstart/docker*",
            "var/log/upstart/containerd*",
        ],
        collector: &["journal-daemons.txt"],
        supportconfig: &["journalctl*docker*", "/var/log/docker*"],
        plain: &[
            "dockerd*",
            "docker.log*",
            "docker-daemon*",
            "docker_daemon*",
            "containerd*",
            "kubelet*",
            "crio*",
            "journalctl*docker*",
            "journalctl*containerd*",
            "journalctl*kubelet*",
            "journalctl*crio*",
            "journalctl*podman*",
            "journal*docker*",
        ],
    },
    sniff: Some(|head| {
        if head.has_key("level") && head.has_key("msg") {
            return Some(Strength::Strong);
        }
        let logs = head.logs();
        if logs.winner() == Some(LogFraming::Daemon) {
            return Some(Strength::Strong);
        }
        (logs.lines_in(LogFraming::Daemon)
            + logs.lines_in(LogFraming::Syslog)
            + logs.lines_in(LogFraming::JournalOnly)
            + logs.lines_in(LogFraming::IsoHostTag)
            > 0)
        .then_some(Strength::Plausible)
    }),
    parse: Parse::Lines(|| crate::parse::LineParser::Daemon(LineParser::default())),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::RuntimeErrorKind;
    use jiff::Timestamp;

    const AKS: &str =
        include_str!("../../tests/data/dmesg_oom/aks-syslog-cgroupv2-memcg-oom-5.15-azure.txt");

    /// A stop that runs out of grace is logged with every container stopped: past a log's first
    /// routine records its lines fold, and every one is still counted.
    #[test]
    fn forced_kills_by_the_thousand_fold_and_are_counted() {
        let total = 5000;
        let text: String = (0..total)
            .map(|i| {
                format!(
                    "time=\"2018-01-23T20:{:02}:{:02}.902871406+08:00\" level=info \
                     msg=\"Container {i:012x} failed to exit within 10 seconds of signal 15 - \
                     using the force\"\n",
                    i / 60 % 60,
                    i % 60
                )
            })
            .collect();
        let out = parse(&text);
        let forced: Vec<&DaemonRecord> = out
            .records
            .iter()
            .filter(|r| matches!(r.kube_action(), Some(KubeAction::RuntimeForcedKill { .. })))
            .collect();
        assert!(forced.len() < total / 2, "{} kept whole", forced.len());
        let counted: u64 = forced
            .iter()
            .map(|r| 1 + r.repeat.as_ref().map_or(0, |rep| rep.count))
            .sum();
        assert_eq!(counted, total as u64);
    }

    fn instant(w: &Option<WallClock>) -> Timestamp {
        match w {
            Some(WallClock::Instant { at }) => *at,
            other => panic!("expected an instant, got {other:?}"),
        }
    }

    /// The message read whole, as [`parse_message`] first did: every form by [`read_message`].
    fn whole_reading(
        daemon: &str,
        time: Option<WallClock>,
        message: &str,
        line: &Line,
    ) -> Option<DaemonRecord> {
        let m = message.trim();
        if m.is_empty() {
            return None;
        }
        let parsed = read_message(m);
        let mut kube = crate::parse::kube::log::read(&parsed.message);
        if let Some(k) = kube.as_mut().filter(|k| k.container_id.is_none()) {
            k.container_id = parsed
                .fields
                .get("container")
                .filter(|c| !c.is_empty())
                .cloned();
        }
        let keep = kube.is_some()
            || match kept_by_level(parsed.level.as_deref()) {
                Some(kept) => kept,
                None => is_notable(&parsed.message) || runtime_error::scan_line(line, m).is_some(),
            };
        if !keep {
            return None;
        }
        let time = match (parsed.time, time) {
            (Some(own @ WallClock::Instant { .. }), _) => Some(own),
            (_, Some(framing @ WallClock::Instant { .. })) => Some(framing),
            (Some(own), _) => Some(own),
            (None, framing) => framing,
        };
        Some(DaemonRecord {
            daemon: daemon.to_string(),
            time,
            level: parsed.level,
            message: parsed.message,
            fields: parsed.fields,
            line: line.clone(),
            repeat: None,
            kube,
        })
    }

    #[test]
    fn all_patterns_compile() {
        assert!(!LOGRUS_TTY.as_str().is_empty());
        assert!(!KLOG.as_str().is_empty());
    }

    /// The klog framing as a regular expression: the oracle of [`klog`].
    static KLOG: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"^([IWEF])([0-9]{2})([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?\s+([0-9]+) ([^\]\s]+)\] ?(.*)$",
        )
    });

    fn klog_oracle(m: &str) -> Option<Klog<'_>> {
        let c = KLOG.captures(m)?;
        let text = |i: usize| c.get(i).map_or("", |x| x.as_str());
        let num = |i: usize| text(i).parse::<i8>().ok();
        Some(Klog {
            severity: text(1).as_bytes()[0],
            numbers: [num(2)?, num(3)?, num(4)?, num(5)?, num(6)?],
            fraction: c.get(7).map(|x| x.as_str()),
            pid: text(8),
            source: text(9),
            message: text(10),
        })
    }

    #[test]
    fn klog_lines_read_as_the_oracle_reads_them() {
        for line in [
            "E0123 20:10:01.288012    1234 pod_workers.go:186] Error syncing pod",
            "W0118 07:00:17.812453    1702 prober.go:108] Readiness probe failed",
            "I0118 07:00:29 1702 kuberuntime_manager.go:640]computePodActions",
            "I0118 07:00:29.1234567890 1702 a.go:1] ten digits",
            "I0118 07:00:29.\t1702 a.go:1] no digits",
            "I0118 07:00:29\u{3000}1702 a.go:1] ideographic space",
            "I0118 07:00:29 1702  a.go:1] two spaces",
            "I0118 07:00:29 1702 a go:1] space in the source",
            "I0118 07:00:29 1702 a.go:1]",
            "I0118 07:00:29 1702 a.go:1] two\nlines",
            "F0118 07:00:29 1702 ]empty source",
            "X0118 07:00:29 1702 a.go:1] level",
            "I0118",
        ] {
            assert_eq!(klog(line), klog_oracle(line), "{line:?}");
        }
        assert!(klog("E0123 20:10:01.288012    1234 pod_workers.go:186] x").is_some());
    }

    #[test]
    fn incident_dockerd_journal() {
        let text = r#"-- Logs begin at Mon 2018-01-01 00:00:01 CST, end at Tue 2018-01-23 20:12:40 CST. --
Jan 23 20:09:58 beta_004 dockerd[1234]: time="2018-01-23T20:09:58.101934000+08:00" level=debug msg="Calling POST /v1.24/containers/web/start"
Jan 23 20:10:01 beta_004 dockerd[1234]: time="2018-01-23T20:10:01.288012345+08:00" level=error msg="containerd: start container" error="oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"\n" id=0fdb48ad1c3e
Jan 23 20:10:01 beta_004 dockerd[1234]: time="2018-01-23T20:10:01.289123456+08:00" level=error msg="Handler for POST /v1.24/containers/web/start returned error: oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"\n"
Jan 23 20:10:02 beta_004 dockerd[1234]: time="2018-01-23T20:10:02.000000000+08:00" level=info msg="Container 0fdb48ad1c3e exec session closed"
Jan 23 20:10:03 beta_004 systemd[1]: Started Docker Application Container Engine.
"#;
        let out = parse(text);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.records.len(), 3);
        let first = &out.records[0];
        assert_eq!(first.daemon, "dockerd");
        assert_eq!(first.level.as_deref(), Some("error"));
        assert_eq!(first.message, "containerd: start container");
        assert_eq!(
            first.fields.get("id").map(String::as_str),
            Some("0fdb48ad1c3e")
        );
        assert_eq!(
            first.fields.get("error").map(String::as_str),
            Some("oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"\n")
        );
        assert_eq!(first.line.no, 3);
        assert_eq!(
            instant(&first.time),
            "2018-01-23T12:10:01.288012345Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        let handler = &out.records[1];
        assert!(handler.message.starts_with(
            "Handler for POST /v1.24/containers/web/start returned error: oci runtime error"
        ));
        assert_eq!(out.records[2].daemon, "systemd");
        assert!(matches!(
            out.records[2].time,
            Some(WallClock::NoYear {
                month: 1,
                day: 23,
                hour: 20,
                minute: 10,
                second: 3,
                ..
            })
        ));

        assert_eq!(out.runtime_errors.len(), 2);
        for e in &out.runtime_errors {
            assert_eq!(e.kind, RuntimeErrorKind::StartFailure);
            assert_eq!(e.exit_status, Some(34));
            assert_eq!(
                e.go_locations,
                ["container_linux.go:262", "process_linux.go:247"]
            );
        }
        assert_eq!(out.runtime_errors[1].container.as_deref(), Some("web"));
        assert_eq!(out.runtime_errors[1].line.no, 4);
        assert!(out.runtime_errors[1].time.is_some());
    }

    #[test]
    fn aks_syslog_containerd_lines() {
        let out = parse(AKS);
        let containerd: Vec<_> = out
            .records
            .iter()
            .filter(|r| r.daemon == "containerd")
            .collect();
        // `Container exec ... stdin closed` is routine; TaskOOM and the exit event are kept.
        assert_eq!(containerd.len(), 2);
        assert_eq!(
            containerd[0].message,
            "TaskOOM event container_id:\"9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987\""
        );
        assert_eq!(containerd[0].level.as_deref(), Some("info"));
        assert_eq!(containerd[0].line.no, 105);
        assert_eq!(
            instant(&containerd[0].time),
            "2025-05-19T18:14:43.578084676Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert!(containerd[1].message.contains("exit_status:137"));
        // klog lines of node-problem-detector carry the OOM text: kept, with the klog stamp.
        let npd: Vec<_> = out
            .records
            .iter()
            .filter(|r| r.daemon == "node-problem-detector-startup.sh")
            .collect();
        assert!(!npd.is_empty());
        assert_eq!(npd[0].level.as_deref(), Some("info"));
        assert_eq!(
            npd[0].fields.get("source").map(String::as_str),
            Some("log_monitor.go:159")
        );
        assert_eq!(
            npd[0].time,
            Some(WallClock::NoYear {
                month: 5,
                day: 19,
                hour: 18,
                minute: 14,
                second: 43,
                nanosecond: 767_687_000
            })
        );
        // Kernel lines of this syslog are not daemon records, save those that say OOM: the
        // file is read here as a daemon log only in this test.
        assert!(out.runtime_errors.is_empty());
    }

    #[test]
    fn logrus_json_klog_and_tty() {
        let line = Line::new(7, "x");
        let r = parse_message(
            "dockerd",
            None,
            r#"{"level":"error","msg":"Error running exec in container: OCI runtime exec failed","time":"2018-01-23T20:10:01.288Z","container":"web"}"#,
            &line,
        )
        .unwrap();
        assert_eq!(r.level.as_deref(), Some("error"));
        assert_eq!(r.fields.get("container").map(String::as_str), Some("web"));
        assert_eq!(
            instant(&r.time),
            "2018-01-23T20:10:01.288Z".parse::<Timestamp>().unwrap()
        );

        let framing = WallClock::NoYear {
            month: 1,
            day: 23,
            hour: 20,
            minute: 10,
            second: 1,
            nanosecond: 0,
        };
        let r = parse_message(
            "kubelet",
            Some(framing),
            "E0123 20:10:01.288012    1234 pod_workers.go:186] Error syncing pod 5a7c (\"web_default(5a7c)\"), skipping: failed to \"StartContainer\" for \"web\" with RunContainerError",
            &line,
        )
        .unwrap();
        assert_eq!(r.level.as_deref(), Some("error"));
        assert_eq!(
            r.fields.get("source").map(String::as_str),
            Some("pod_workers.go:186")
        );
        assert!(r.message.starts_with("Error syncing pod 5a7c"));
        assert_eq!(
            r.time,
            Some(WallClock::NoYear {
                month: 1,
                day: 23,
                hour: 20,
                minute: 10,
                second: 1,
                nanosecond: 288_012_000
            })
        );

        let r = parse_message(
            "kubelet",
            None,
            "I0123 20:10:01.1    1234 server.go:1] Started kubelet",
            &line,
        )
        .unwrap();
        assert_eq!(r.level.as_deref(), Some("info"));
        assert!(parse_message(
            "kubelet",
            None,
            "I0123 20:10:01.1    1234 reconciler.go:1] volume mounted",
            &line
        )
        .is_none());

        let r = parse_message(
            "docker",
            None,
            "ERRO[0000] error waiting for container: context canceled",
            &line,
        )
        .unwrap();
        assert_eq!(r.level.as_deref(), Some("error"));
        assert_eq!(r.message, "error waiting for container: context canceled");
    }

    #[test]
    fn logrus_time_beats_framing_and_escapes_are_read() {
        let framing = WallClock::NoYear {
            month: 1,
            day: 23,
            hour: 20,
            minute: 10,
            second: 1,
            nanosecond: 0,
        };
        let line = Line::new(1, "x");
        let r = parse_message(
            "dockerd",
            Some(framing),
            r#"time="2018-01-23T20:10:01.288012345+08:00" level=warning msg="a \"quoted\" word, a tab\there, \u00e9, back\\slash" module=libcontainerd"#,
            &line,
        )
        .unwrap();
        assert_eq!(r.message, "a \"quoted\" word, a tab\there, é, back\\slash");
        assert_eq!(
            r.fields.get("module").map(String::as_str),
            Some("libcontainerd")
        );
        assert!(matches!(r.time, Some(WallClock::Instant { .. })));
    }

    #[test]
    fn kept_and_dropped() {
        let line = Line::new(1, "x");
        let keep = |m: &str| parse_message("dockerd", None, m, &line).is_some();
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="API listen on /var/run/docker.sock""#
        ));
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="Daemon has completed initialization""#
        ));
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="Loading containers: done.""#
        ));
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="shim reaped" id=abc"#
        ));
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="containerd: container exited" id=abc"#
        ));
        assert!(keep(
            r#"time="2018-01-23T20:00:00Z" level=warning msg="Your kernel does not support swap memory limit""#
        ));
        assert!(keep(
            "nsenter: failed to unshare namespaces: Cannot allocate memory"
        ));
        assert!(!keep(
            r#"time="2018-01-23T20:00:00Z" level=debug msg="containerd: container exited" id=abc"#
        ));
        assert!(!keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="Graph migration to content-addressability took 0.00 seconds""#
        ));
        assert!(!keep(
            r#"time="2018-01-23T20:00:00Z" level=info msg="loading plugin \"io.containerd.room.v1\"""#
        ));
        assert!(!keep("   "));
    }

    #[test]
    fn journal_json_framing_and_bad_time() {
        let text = concat!(
            r#"{"__REALTIME_TIMESTAMP":"1516709401288012","SYSLOG_IDENTIFIER":"dockerd","MESSAGE":"time=\"2018-01-23T20:10:01.288012345+08:00\" level=error msg=\"boom\""}"#,
            "\n",
            r#"time="yesterday" level=error msg="boom""#,
            "\n",
        );
        let out = parse(text);
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[0].daemon, "dockerd");
        assert_eq!(
            instant(&out.records[0].time),
            "2018-01-23T12:10:01.288012345Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert_eq!(out.records[1].time, None);
        assert_eq!(out.warnings.len(), 1);
        assert_eq!(out.warnings[0].line, Some(2));
    }

    #[test]
    fn iso_framing() {
        let out = parse("2018-01-23T20:10:01+0800 beta_004 dockerd[1234]: time=\"2018-01-23T20:10:01.5+08:00\" level=error msg=\"x\"\n2018-01-23T20:10:02.000001+08:00 beta_004 containerd[99]: level=error msg=\"y\"\n");
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[1].daemon, "containerd");
        assert_eq!(
            instant(&out.records[1].time),
            "2018-01-23T12:10:02.000001Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn monotonic_framing() {
        let out = parse("[ 2751018.239907] beta_004 dockerd[1234]: time=\"2018-01-23T20:10:01Z\" level=error msg=\"x\"\n");
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].daemon, "dockerd");
        assert!(out.records[0].time.is_some());
    }

    /// Every line with what a chunk search would find in it, to compare with plain parsing.
    fn parse_scanned(text: &str) -> DaemonLogOutput {
        let mut parser = LineParser::default();
        for (no, raw) in numbered_lines(text) {
            let clear =
                chatter_breakers().is_some_and(|s| s.find(raw.to_ascii_lowercase()).is_none());
            parser.push_scanned_line(no, raw, clear);
        }
        parser.finish()
    }

    #[test]
    fn chatter_skip_changes_nothing_on_the_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = 0;
        for dir in ["tests/data", "samples"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let Ok(entry) = entry else { continue };
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                files += 1;
                assert_eq!(
                    format!("{:?}", parse_scanned(&text)),
                    format!("{:?}", parse(&text)),
                    "{}",
                    entry.path().display()
                );
            }
        }
        assert!(files > 100);
        let chatter = "Jan  7 03:41:03 beta dockerd[1375]: time=\"2018-01-07T03:41:03.49+08:00\" \
                       level=info msg=\"ignoring event\" module=libcontainerd";
        assert!(chatter_breakers().is_some_and(|s| s.find(chatter.to_ascii_lowercase()).is_none()));
        assert!(is_logrus_chatter(
            "time=\"2018-01-07T03:41:03+08:00\" level=info msg=\"a \\\"b\\\"\""
        ));
        assert!(!is_logrus_chatter("time=\"x\" level=info msg=\"a\\nb\""));
    }

    #[test]
    fn deeply_nested_json_does_not_crash() {
        let line = format!("{{\"msg\":{}", "[".repeat(10_000));
        let out = parse(&line);
        assert!(out.records.is_empty());
        assert!(parse_message("dockerd", None, &line, &Line::new(1, "x")).is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
            let _ = parse_message("dockerd", None, &s, &Line::new(1, "x"));
        }

        /// The logfmt scan finds what `str::find` with `char::is_whitespace` finds.
        #[test]
        fn find_space_or_agrees_with_str_find(s in "[a-z= \t\u{a0}\u{2009}\u{e9}\u{3000}\u{b}\u{1c}]{0,12}") {
            proptest::prop_assert_eq!(
                find_space_or(&s, Some(b'=')),
                s.find(|c: char| c == '=' || c.is_whitespace())
            );
            proptest::prop_assert_eq!(find_space_or(&s, None), s.find(char::is_whitespace));
        }

        /// Lines skipped as chatter are lines the full reading drops.
        #[test]
        fn chatter_is_dropped(
            s in "(time=\"[0-9T:.+-]{0,12}\" ?|level=(info|Error|debug|WARN|x) ?|msg=|\"|\\\\[nux\"]?|[a-zA-Z_ ]{0,6}|oom|Started Docker|nsenter| level=| ){0,20}"
        ) {
            let clear = chatter_breakers().is_some_and(|b| b.find(s.to_ascii_lowercase()).is_none());
            if clear && is_logrus_chatter(&s) {
                proptest::prop_assert!(parse_message("dockerd", None, &s, &Line::new(1, &s)).is_none(), "{s:?}");
            }
            // The same judgement on one message, as the syslog parser makes it.
            proptest::prop_assert_eq!(is_dropped_chatter(&s, &mut Vec::new()), clear && is_logrus_chatter(&s));
        }

        /// A message read in one pass, its record built only when kept, gives the record of
        /// the whole reading, and the summary the record gives.
        #[test]
        fn one_pass_reading_agrees_with_the_whole_reading(
            s in "(time=\"[0-9T:.+-]{0,12}\" ?|time=\"2018-01-23T20:10:01Z\" |level=(info|Error|debug|WARN|x) ?|msg=|error=|\"|\\\\[nux\"]?|[a-zA-Z_ ]{0,6}|oom|OOM|Started Docker|nsenter|exit status 1| level=| ){0,20}"
        ) {
            let line = Line::new(1, &s);
            let framing = Some(WallClock::NoYear { month: 1, day: 23, hour: 20, minute: 10, second: 1, nanosecond: 0 });
            let reading = read("dockerd", framing.clone(), &s, &line);
            let whole = whole_reading("dockerd", framing, &s, &line);
            proptest::prop_assert_eq!(reading.is_some(), whole.is_some());
            if let (Some(reading), Some(whole)) = (reading, whole) {
                let mut summary = String::new();
                reading.summary_into(&mut summary);
                proptest::prop_assert_eq!(&summary, &whole.summary());
                let record = reading.record(&line);
                proptest::prop_assert_eq!(
                    (&record.time, &record.level, &record.message, &record.fields),
                    (&whole.time, &whole.level, &whole.message, &whole.fields)
                );
            }
        }

        #[test]
        fn never_panics_on_logfmt(s in "(time=|level=|msg=|\"|\\\\[nux\"]?|[a-f0-9 ]|E0123 20:10:01\\.1 +1 a\\.go:1\\] ){0,30}") {
            let _ = parse(&s);
            let _ = parse_message("dockerd", None, &s, &Line::new(1, "x"));
        }
    }
}
