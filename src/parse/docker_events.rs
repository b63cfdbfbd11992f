//! `docker events` output in all the forms it has had.
//!
//! - Current text (docker 1.10+): `<RFC 3339 nano with offset> <type> <action> <id> (<k=v, ...>)`.
//!   The CLI sorts the attributes by key and joins them with `, `; values are printed raw, so
//!   they may themselves hold `, `, `=`, parentheses and JSON. The attribute list is therefore
//!   read from the known shape: it is the parenthesised group at the end of the line, and it is
//!   split on `, ` only where the next piece starts with a `key=`. The action may hold spaces
//!   (`exec_create: sh -c date`); the id is the last word before the attributes.
//! - Pre-1.10 text: `<stamp> <id>: (from <image>) <action>`; there is no type word.
//! - JSON lines (`--format '{{json .}}'`, the `/events` API): current
//!   `{"Type":..,"Action":..,"Actor":{"ID":..,"Attributes":{..}},"time":..,"timeNano":..}` and
//!   pre-1.10 `{"status":..,"id":..,"from":..,"time":..,"timeNano":..}`. `timeNano` is used when
//!   present because it is exact; `from` is filed as the `image` attribute, which is what it
//!   names.
//!
//! A line cut by a terminal or a ticket's width (the attribute group opened but not closed, and
//! the next line not starting an event) is joined with the lines that continue it. A stamp
//! that cannot be read (the docs' own `...999999999Z07:00`) gives a warning; the event is kept
//! without a time.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

use crate::facts::{DockerEvent, Line, WallClock, Warning};
use crate::parse::text::{is_prompt_line, numbered_lines};
use crate::parse::Parsed;
use crate::retention::{fold_into, wall_stamp, Folder, Retain};
use crate::sources::sniff::Framing;
use crate::sources::{Format, Parse, Paths, SourceKind, Strength};

/// How many physical lines one wrapped event may span before the parser gives up joining.
const MAX_CONTINUATION_LINES: usize = 16;

pub fn parse(text: &str) -> Parsed<Vec<DockerEvent>> {
    let mut parser = LineParser::default();
    for (no, raw) in numbered_lines(text) {
        parser.push_line(no, raw);
    }
    parser.finish()
}

/// A text event whose attribute list is still open at the end of its line: the lines that
/// follow may continue it.
#[derive(Debug)]
struct OpenEvent {
    no: u32,
    /// The lines joined, trimmed.
    joined: String,
    /// The lines joined as they are (the evidence).
    joined_raw: String,
    /// Lines joined after the first.
    taken: usize,
}

/// [`parse`] fed one line at a time: `docker events` of a busy host run to tens of MB.
#[derive(Debug, Default)]
pub struct LineParser {
    events: Vec<DockerEvent>,
    warnings: Vec<Warning>,
    /// Repeats of routine events, folded as they are read.
    routine: Folder,
    strings: Strings,
    open: Option<OpenEvent>,
}

impl LineParser {
    /// Read line `no` (1-based, without its line end).
    pub fn push_line(&mut self, no: u32, raw: &str) {
        // Quoted in a ticket: no event starts with `>`.
        let raw = crate::parse::text::unquote_line(raw);
        if let Some(open) = &mut self.open {
            // Join the lines that continue an event cut inside its attribute list.
            let next_trim = raw.trim();
            let continues = !(next_trim.is_empty()
                || next_trim.starts_with('{')
                || starts_with_stamp(next_trim)
                || is_prompt_line(next_trim));
            if continues {
                open.joined.push_str(next_trim);
                open.joined_raw.push_str(raw);
                open.taken += 1;
                if !attribute_group_is_open(&open.joined) || open.taken >= MAX_CONTINUATION_LINES {
                    self.close();
                }
                return;
            }
            self.close();
        }
        let trimmed = raw.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() {
            return;
        }
        // JSON and stamped lines first: their values may look like a prompt (`a@b# c`).
        if trimmed.starts_with('{') {
            match parse_json_line(trimmed, no, raw) {
                Ok(ev) => self.keep(ev, None),
                Err(w) => self.warnings.push(w),
            }
            return;
        }
        if !starts_with_stamp(trimmed) {
            if !is_prompt_line(trimmed) {
                self.warnings
                    .push(Warning::at(no, "not a docker event line"));
            }
            return;
        }
        self.open = Some(OpenEvent {
            no,
            joined: trimmed.to_string(),
            joined_raw: raw.to_string(),
            taken: 0,
        });
        if !self
            .open
            .as_ref()
            .is_some_and(|o| attribute_group_is_open(&o.joined))
        {
            self.close();
        }
    }

    /// Read the open event, whatever lines it has.
    fn close(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        if attribute_group_is_open(&open.joined) {
            self.warnings.push(Warning::at(
                open.no,
                "docker event attribute list is not closed (truncated line); attributes read as far as they go",
            ));
        }
        let line = Line::new(open.no, open.joined_raw);
        match parse_text_event(&open.joined, line) {
            Ok((ev, stamp_warning, attributes)) => {
                if let Some(w) = stamp_warning {
                    self.warnings.push(w);
                }
                self.keep(ev, attributes);
            }
            Err(w) => self.warnings.push(w),
        }
    }

    /// Keep `ev` with its `attributes` (the text of its attribute list, read only now), or
    /// fold it into the first events of its signature (type, action and actor) when it is
    /// routine and its samples are already kept (see [`crate::retention`]).
    fn keep(&mut self, mut ev: DockerEvent, attributes: Option<&str>) {
        if ev.time.is_some() && is_routine(&ev) {
            let stamp = wall_stamp(ev.time.as_ref());
            let signature = format!("{} {} {}", ev.object_type, ev.action, ev.actor_id);
            let next = self.events.len();
            if let Retain::FoldInto(at) = self.routine.retain(&signature, &stamp, next) {
                if let Some(kept) = self.events.get_mut(at) {
                    fold_into(&mut kept.repeat, ev.line.no, stamp);
                    return;
                }
            }
        }
        if let Some(text) = attributes {
            ev.attributes = parse_attributes(text, &mut self.strings);
        }
        self.events.push(ev);
    }

    pub fn finish(mut self) -> Parsed<Vec<DockerEvent>> {
        self.close();
        // Routine events folded away, the list is kept for the whole run: no spare room.
        self.events.shrink_to_fit();
        Parsed::new(self.events, self.warnings)
    }
}

/// Container actions that say nothing of a container's life: a health check runs three exec
/// events a container every few seconds.
const ROUTINE_CONTAINER_ACTIONS: &[&str] = &[
    "exec_create",
    "exec_start",
    "exec_die",
    "exec_detach",
    "attach",
    "detach",
    "resize",
    "top",
    "archive-path",
    "extract-to-dir",
    "copy",
    "commit",
    "export",
];

/// Whether an event is routine: an exec, attach or copy of a container, or an event of an
/// image, network or volume. Container life (create, start, die, oom, kill...) never is.
fn is_routine(ev: &DockerEvent) -> bool {
    if !(ev.object_type.is_empty() || ev.object_type == "container") {
        return true;
    }
    let action = ev.action.split(':').next().unwrap_or("").trim();
    ROUTINE_CONTAINER_ACTIONS.contains(&action)
}

/// Parse an RFC 3339 stamp with an offset (`2017-01-05T00:35:58.859401177+08:00`, `...Z`) into
/// an exact instant. Shared with the other container parsers.
pub(crate) fn parse_rfc3339(s: &str) -> Option<WallClock> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    common_rfc3339(s)
        .or_else(|| s.parse::<Timestamp>().ok())
        .map(|at| WallClock::Instant { at })
}

/// The instant of a stamp of the form daemons write by the million,
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, read by hand: parsing it with `jiff` was
/// a tenth of a daemon log's reading. `None` for any other form (a leap second, a comma before
/// the fraction, `-00:00`, a lower-case `t`...), which `jiff` reads.
fn common_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let digits = |at: usize, len: usize| -> Option<i64> {
        let mut value = 0;
        for &d in b.get(at..at + len)? {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(d - b'0');
        }
        Some(value)
    };
    let at = |i: usize| b.get(i).copied();
    if at(4)? != b'-' || at(7)? != b'-' || at(10)? != b'T' || at(13)? != b':' || at(16)? != b':' {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0;
    if at(i) == Some(b'.') {
        i += 1;
        let start = i;
        while let Some(d) = at(i).filter(u8::is_ascii_digit) {
            if i - start == 9 {
                return None;
            }
            nanos = nanos * 10 + i32::from(d - b'0');
            i += 1;
        }
        if i == start {
            return None;
        }
        nanos *= 10_i32.pow(9 - (i - start) as u32);
    }
    let offset = match (at(i)?, b.len() - i) {
        (b'Z', 1) => 0,
        (sign @ (b'+' | b'-'), 6) if at(i + 3)? == b':' => {
            let (h, m) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if h > 23 || m > 59 || (sign == b'-' && h == 0 && m == 0) {
                return None;
            }
            let offset = h * 3600 + m * 60;
            if sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    // Days since 1970-01-01 of the civil date (the proleptic Gregorian calendar).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Timestamp::new(seconds, nanos).ok()
}

/// Whether a token looks like the start of an RFC 3339 date (`2017-01-05T`), readable or not.
fn starts_with_stamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b[10] == b'T' || b[10] == b't' || b[10] == b' ')
}

/// Where the attribute group starts: the first ` (` followed by `key=`. Found from each `(`
/// with `memchr` (a substring search set up for each line cost more than the line's parsing).
fn attribute_group_start(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b'(', bytes)
        .filter(|&open| open > 0 && bytes[open - 1] == b' ')
        .find(|&open| s.get(open + 1..).and_then(key_len).is_some())
        .map(|open| open - 1)
}

fn attribute_group_is_open(s: &str) -> bool {
    // Only the current format has an attribute group; `(from image)` of pre-1.10 lines is
    // closed on the same line and has no `=`.
    attribute_group_start(s).is_some() && !s.trim_end().ends_with(')')
}

/// Length of a leading `key=` (without the `=`), when `s` starts with one.
fn key_len(s: &str) -> Option<usize> {
    let end = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/')))?;
    if end > 0 && s.as_bytes()[end] == b'=' {
        Some(end)
    } else {
        None
    }
}

/// Split `k=v, k=v` where values may hold `, ` themselves.
fn parse_attributes(s: &str, strings: &mut Strings) -> BTreeMap<Arc<str>, Arc<str>> {
    let mut pieces: Vec<String> = Vec::new();
    for piece in s.split(", ") {
        match pieces.last_mut() {
            Some(last) if key_len(piece).is_none() => {
                last.push_str(", ");
                last.push_str(piece);
            }
            _ => pieces.push(piece.to_string()),
        }
    }
    let mut out = BTreeMap::new();
    for p in pieces {
        if let Some((k, v)) = p.split_once('=') {
            out.insert(strings.get(k), strings.get(v));
        }
    }
    out
}

/// One copy of each attribute string of a file: the events of a container share theirs.
#[derive(Debug, Default)]
struct Strings(HashSet<Arc<str>>);

impl Strings {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(found) = self.0.get(s) {
            return Arc::clone(found);
        }
        let new: Arc<str> = s.into();
        self.0.insert(Arc::clone(&new));
        new
    }
}

/// The id and what follows `<id>: ` when a line's first word is an id and a colon, as
/// `split_once(": ")` splits it when no space is before the colon (found without a substring
/// search of the whole line).
fn id_and_tail(rest: &str) -> Option<(&str, &str)> {
    let space = memchr::memchr(b' ', rest.as_bytes())?;
    let id = rest.get(..space)?.strip_suffix(':')?;
    let tail = rest.get(space + 1..)?;
    (!id.is_empty()).then_some((id, tail))
}

/// A text event, the warning about its stamp if any, and its attribute list not yet read.
type TextEvent<'a> = (DockerEvent, Option<Warning>, Option<&'a str>);

/// The event of a text line (pre-1.10 or current), with its attribute list left to read: most
/// events of a busy host fold away unread (see [`keep`]).
fn parse_text_event(s: &str, line: Line) -> Result<TextEvent<'_>, Warning> {
    let no = line.no;
    let (stamp, rest) = s.split_once(' ').unwrap_or((s, ""));
    let time = parse_rfc3339(stamp);
    let stamp_warning = if time.is_none() {
        Some(Warning::at(
            no,
            format!("docker event time {stamp:?} is not a valid RFC 3339 stamp; event kept without time"),
        ))
    } else {
        None
    };
    let rest = rest.trim();

    // Pre-1.10: `<id>: (from <image>) <action>` or `<id>: <action>`.
    if let Some((id, tail)) = id_and_tail(rest) {
        if attribute_group_start(rest).is_none() {
            let tail = tail.trim();
            let mut attributes = BTreeMap::new();
            let action = if let Some(from) = tail.strip_prefix("(from ") {
                match from.split_once(") ") {
                    Some((image, action)) => {
                        attributes.insert("image".into(), image.into());
                        action.trim()
                    }
                    None => {
                        return Err(Warning::at(no, "pre-1.10 docker event without an action"));
                    }
                }
            } else {
                tail
            };
            if action.is_empty() {
                return Err(Warning::at(no, "pre-1.10 docker event without an action"));
            }
            let ev = DockerEvent {
                time,
                object_type: String::new(),
                action: action.to_string(),
                actor_id: id.to_string(),
                attributes,
                line,
                repeat: None,
            };
            return Ok((ev, stamp_warning, None));
        }
    }

    // Current: `<type> <action...> <id> (<attrs>)`.
    let (head, attributes) = match attribute_group_start(rest) {
        Some(at) => {
            let inner = &rest[at + 2..];
            (&rest[..at], Some(inner.strip_suffix(')').unwrap_or(inner)))
        }
        None => (rest, None),
    };
    // Of ASCII white space, only the vertical tab is white space to `split_whitespace` and not
    // to its ASCII form, which need not decode characters.
    let words: Vec<&str> = if head.is_ascii() && !head.contains('\u{b}') {
        head.split_ascii_whitespace().collect()
    } else {
        head.split_whitespace().collect()
    };
    let (object_type, action, actor_id) = match words.as_slice() {
        [] | [_] => {
            return Err(Warning::at(no, "docker event line without type and action"));
        }
        [t, a] => (*t, a.to_string(), String::new()),
        [t, middle @ .., id] => (*t, middle.join(" "), id.to_string()),
    };
    let ev = DockerEvent {
        time,
        object_type: object_type.to_string(),
        action,
        actor_id,
        attributes: BTreeMap::new(),
        line,
        repeat: None,
    };
    Ok((ev, stamp_warning, attributes))
}

fn parse_json_line(s: &str, no: u32, raw: &str) -> Result<DockerEvent, Warning> {
    let v: Value = serde_json::from_str(s)
        .map_err(|e| Warning::at(no, format!("docker event JSON line cannot be read: {e}")))?;
    let Value::Object(obj) = &v else {
        return Err(Warning::at(no, "docker event JSON line is not an object"));
    };
    let str_field = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let actor = obj.get("Actor").and_then(Value::as_object);
    let action = str_field("Action")
        .or_else(|| str_field("status"))
        .unwrap_or_default();
    if action.is_empty() {
        return Err(Warning::at(
            no,
            "docker event JSON line without Action or status",
        ));
    }
    let actor_id = actor
        .and_then(|a| a.get("ID"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| str_field("id"))
        .unwrap_or_default();
    let mut attributes = BTreeMap::new();
    if let Some(attrs) = actor
        .and_then(|a| a.get("Attributes"))
        .and_then(Value::as_object)
    {
        for (k, v) in attrs {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            attributes.insert(k.as_str().into(), v.into());
        }
    }
    if let Some(from) = str_field("from") {
        attributes.entry("image".into()).or_insert(from.into());
    }
    let time = json_time(obj.get("timeNano"), obj.get("time"));
    let time = match time {
        Ok(t) => t,
        Err(msg) => return Err(Warning::at(no, msg)),
    };
    Ok(DockerEvent {
        time,
        object_type: str_field("Type").unwrap_or_default(),
        action,
        actor_id,
        attributes,
        line: Line::new(no, raw),
        repeat: None,
    })
}

fn json_time(nano: Option<&Value>, secs: Option<&Value>) -> Result<Option<WallClock>, String> {
    if let Some(n) = nano.and_then(Value::as_i64) {
        return Timestamp::from_nanosecond(i128::from(n))
            .map(|at| Some(WallClock::Instant { at }))
            .map_err(|_| format!("docker event timeNano {n} is out of range"));
    }
    match secs {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(s) => Timestamp::from_second(s)
                .map(|at| Some(WallClock::Instant { at }))
                .map_err(|_| format!("docker event time {s} is out of range")),
            None => Err(format!("docker event time {n} is not an integer")),
        },
        Some(Value::String(s)) => Ok(parse_rfc3339(s)),
        _ => Ok(None),
    }
}

/// `docker events` and `podman events`: current text, pre-1.10 text, JSON.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::DockerEvents,
    paths: Paths {
        sosreport: &[
            "sos_commands/docker/docker_events*",
            "sos_commands/podman/podman_events*",
        ],
        collector: &["docker/events.json", "podman/events.json"],
        supportconfig: &["docker events*"],
        plain: &[
            "docker_events*",
            "docker-events*",
            "dockerevents*",
            "podman_events*",
            "podman-events*",
            "events.json",
        ],
    },
    sniff: Some(|head| {
        if head.has_key("timeNano") && (head.has_key("status") || head.has_key("Action")) {
            return Some(Strength::Strong);
        }
        let logs = head.logs();
        if logs.winner() == Some(Framing::DockerEvent) {
            return Some(Strength::Strong);
        }
        (logs.lines_in(Framing::DockerEvent) > 0).then_some(Strength::Plausible)
    }),
    parse: Parse::Lines(|| crate::parse::LineParser::DockerEvents(LineParser::default())),
};

#[cfg(test)]
mod tests {
    use super::*;

    const CLI_DOCS: &str = include_str!("../../tests/data/docker_events/cli-docs-text-filters.txt");
    const K8S_OOM: &str =
        include_str!("../../tests/data/docker_events/for-linux-670-k8s-oom-json-in-attrs.txt");
    const LEGACY_TEXT: &str =
        include_str!("../../tests/data/docker_events/moby-16074-docker1.8-legacy-text.txt");
    const LEGACY_JSON: &str =
        include_str!("../../tests/data/docker_events/moby-18470-legacy-json-api.txt");
    const OOM_REPEATED: &str =
        include_str!("../../tests/data/docker_events/moby-27247-oom-repeated-1.11.txt");

    fn instant(ev: &DockerEvent) -> Timestamp {
        match &ev.time {
            Some(WallClock::Instant { at }) => *at,
            other => panic!("expected an instant, got {other:?}"),
        }
    }

    #[test]
    fn cli_docs_text_events() {
        let p = parse(CLI_DOCS);
        // 4 + 6 + 4 + 4 + 2 event lines in the published docs.
        assert_eq!(p.value.len(), 20);
        let first = &p.value[0];
        assert_eq!(first.object_type, "volume");
        assert_eq!(first.action, "create");
        assert_eq!(first.actor_id, "testVol");
        assert_eq!(first.attributes.get("driver").map(|v| &**v), Some("local"));
        assert_eq!(first.line.no, 4);
        assert_eq!(
            instant(first),
            "2017-01-04T16:35:41.241772953Z"
                .parse::<Timestamp>()
                .unwrap()
        );

        let die = p
            .value
            .iter()
            .find(|e| e.action == "die" && e.name() == Some("happy_meitner"))
            .unwrap();
        assert_eq!(die.object_type, "container");
        assert_eq!(die.actor_id, "d9cd...4d70");
        assert_eq!(die.exit_code(), Some(137));
        assert_eq!(die.attributes.get("image").map(|v| &**v), Some("alpine"));

        let kill9 = p
            .value
            .iter()
            .find(|e| e.action == "kill" && e.attributes.get("signal").map(|v| &**v) == Some("9"))
            .unwrap();
        assert_eq!(kill9.line.no, 14);

        let mount = p.value.iter().find(|e| e.action == "mount").unwrap();
        assert_eq!(mount.attributes.len(), 5);
        assert_eq!(
            mount.attributes.get("read/write").map(|v| &**v),
            Some("true")
        );
        assert_eq!(
            mount.attributes.get("destination").map(|v| &**v),
            Some("/foo")
        );

        // The docs' malformed `Z07:00` stamps: four warnings, events kept without time.
        let untimed: Vec<_> = p.value.iter().filter(|e| e.time.is_none()).collect();
        assert_eq!(untimed.len(), 4);
        assert_eq!(untimed[0].actor_id, "4386fb97867d");
        assert_eq!(untimed[0].action, "die");
        assert_eq!(
            untimed[2].attributes.get("imager").map(|v| &**v),
            Some("redis:2.8")
        );
        let stamp_warnings = p
            .warnings
            .iter()
            .filter(|w| w.message.contains("RFC 3339"))
            .count();
        assert_eq!(stamp_warnings, 4);
        assert_eq!(p.warnings.len(), 4, "{:?}", p.warnings);

        let net = p.value.last().unwrap();
        assert_eq!(net.object_type, "network");
        assert_eq!(net.action, "connect");
        assert_eq!(
            net.attributes.get("container").map(|v| &**v),
            Some("b4be644031a3d90b400f88ab3d4bdf4dc23adb250e696b6328b85441abe2c54e")
        );
    }

    #[test]
    fn wrapped_k8s_oom_event_with_json_attributes() {
        let p = parse(K8S_OOM);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 1);
        let ev = &p.value[0];
        assert_eq!(ev.object_type, "container");
        assert_eq!(ev.action, "oom");
        assert_eq!(
            ev.actor_id,
            "29d72966e0beb17d9b0b9fbcbfc734e2df2eb5428690115f9b24430357de08e5"
        );
        assert_eq!(ev.line.no, 3);
        assert_eq!(
            ev.attributes
                .get("annotation.io.kubernetes.container.ports")
                .map(|v| &**v),
            Some(r#"[{"name":"notebook-port","containerPort":8888,"protocol":"TCP"}]"#)
        );
        assert_eq!(
            ev.attributes.get("io.kubernetes.sandbox.id").map(|v| &**v),
            Some("67102bbdc496acefcbb81ee736cb25d4ee7c2753a8660ab54b776e0be321b4f6")
        );
        assert_eq!(ev.attributes.get("maintainer").map(|v| &**v), Some("MUDSA"));
        assert_eq!(
            ev.name(),
            Some("k8s_notebook_jupyter-******_jhub-prod_efa75591-6e89-11e9-bf85-001a4a16016d_0")
        );
        assert_eq!(ev.attributes.len(), 16);
        assert_eq!(
            instant(ev),
            "2019-05-04T23:05:45.011072877Z"
                .parse::<Timestamp>()
                .unwrap()
        );
    }

    #[test]
    fn legacy_text_events() {
        let p = parse(LEGACY_TEXT);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let actions: Vec<_> = p.value.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "attach", "start", "kill", "oom", "die"]);
        let oom = &p.value[4];
        assert_eq!(oom.actor_id, "2424...a892");
        assert_eq!(oom.object_type, "");
        assert_eq!(oom.attributes.get("image").map(|v| &**v), Some("ubuntu"));
        assert_eq!(oom.line.no, 7);
        assert_eq!(
            instant(oom),
            "2015-09-03T23:20:42Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn legacy_json_events() {
        let p = parse(LEGACY_JSON);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 4);
        let oom = &p.value[3];
        assert_eq!(oom.action, "oom");
        assert_eq!(
            oom.actor_id,
            "36eb96d6c134895854e77f65ac47955b6ee08eb62bceee37cc605157f1c9482b"
        );
        assert_eq!(
            oom.attributes.get("image").map(|v| &**v),
            Some("9e0d5e071a2b")
        );
        assert_eq!(
            instant(oom),
            Timestamp::from_nanosecond(1_449_497_871_593_721_048).unwrap()
        );
        assert_eq!(oom.line.no, 6);
    }

    #[test]
    fn repeated_oom_events() {
        let p = parse(OOM_REPEATED);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.value.len(), 3);
        assert!(p.value.iter().all(|e| e.action == "oom"
            && e.actor_id == "2f82d906ebd0013cded9a0d123cb901db70c21a0f1d441672630d16a311d6f1b"));
        assert_eq!(
            p.value[0].name(),
            Some("mesos-20160617-063349-2395711680-5050-29091-S9.997b104d-4e86-4955-b01e-31dcf093dafc")
        );
        assert_eq!(
            instant(&p.value[2]),
            "2016-10-10T01:45:42.506685360Z"
                .parse::<Timestamp>()
                .unwrap()
        );
    }

    #[test]
    fn current_json_event() {
        let line = r#"{"status":"die","id":"0fdb48ad","from":"alpine","Type":"container","Action":"die","Actor":{"ID":"0fdb48ad","Attributes":{"exitCode":"128","image":"alpine","name":"web"}},"scope":"local","time":1516709401,"timeNano":1516709401288012345}"#;
        let p = parse(line);
        assert!(p.warnings.is_empty());
        let ev = &p.value[0];
        assert_eq!(ev.object_type, "container");
        assert_eq!(ev.action, "die");
        assert_eq!(ev.exit_code(), Some(128));
        assert_eq!(ev.name(), Some("web"));
        assert_eq!(
            instant(ev),
            Timestamp::from_nanosecond(1_516_709_401_288_012_345).unwrap()
        );
        // Without timeNano, `time` in seconds.
        let p =
            parse(r#"{"Type":"container","Action":"oom","Actor":{"ID":"ab"},"time":1516709401}"#);
        assert_eq!(
            instant(&p.value[0]),
            Timestamp::from_second(1_516_709_401).unwrap()
        );
    }

    #[test]
    fn action_with_spaces_and_parentheses_in_values() {
        let p = parse(
            "2018-01-23T20:10:01.000000000+08:00 container exec_create: sh -c date 0fdb (execID=1, image=busybox (custom), name=web)",
        );
        let ev = &p.value[0];
        assert_eq!(ev.action, "exec_create: sh -c date");
        assert_eq!(ev.actor_id, "0fdb");
        assert_eq!(
            ev.attributes.get("image").map(|v| &**v),
            Some("busybox (custom)")
        );
        assert_eq!(ev.name(), Some("web"));
    }

    #[test]
    fn garbage_lines_are_warnings() {
        let p = parse("hello world\n{not json\n2018-01-23T20:10:01Z\n");
        assert!(p.value.is_empty());
        assert_eq!(p.warnings.len(), 3);
        assert_eq!(p.warnings[1].line, Some(2));
    }

    #[test]
    fn deeply_nested_json_line_is_a_warning() {
        let line = format!("{{\"status\":{}", "[".repeat(10_000));
        let p = parse(&line);
        assert!(p.value.is_empty());
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn common_stamps_are_read_by_hand() {
        for stamp in [
            "2018-01-23T20:10:02Z",
            "2018-01-23T20:10:02.123456789+08:00",
            "2016-02-29T00:00:00.5-05:30",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(
                common_rfc3339(stamp),
                Some(stamp.parse::<Timestamp>().unwrap()),
                "{stamp}"
            );
        }
        for other in [
            "2018-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2018-01-23 20:10:02Z",
            "2018-01-23T20:10:02,5Z",
            "2018-01-23T20:10:02-00:00",
            "2018-01-23T20:10:02.1234567890Z",
        ] {
            assert_eq!(common_rfc3339(other), None, "{other}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_event_like_text(s in "(2017-01-05T00:35:58\\.1\\+08:00 |\\{|[a-z =(),:\"]){0,40}") {
            let _ = parse(&s);
        }

        /// A stamp read by hand is the instant `jiff` reads.
        #[test]
        fn common_stamps_read_as_jiff_reads_them(
            s in "(19[0-9][0-9]|20[0-9][0-9]|0000|9999)-(0[0-9]|1[0-3])-([0-3][0-9])T([0-2][0-9]):([0-6][0-9]):([0-6][0-9])(\\.[0-9]{0,10})?(Z|z|[+-][0-2][0-9]:[0-6][0-9]|[+-]00:00|)"
        ) {
            if let Some(at) = common_rfc3339(&s) {
                proptest::prop_assert_eq!(Some(at), s.parse::<Timestamp>().ok());
            }
        }

        /// The attribute group is found where a substring search of ` (` finds it.
        #[test]
        fn attribute_group_starts_where_a_substring_search_finds_it(s in "( \\(|\\(| |a|=|,|\u{e9}){0,24}") {
            let by_search = {
                let mut from = 0;
                let mut found = None;
                while let Some(rel) = s.get(from..).and_then(|r| r.find(" (")) {
                    let at = from + rel;
                    if key_len(&s[at + 2..]).is_some() {
                        found = Some(at);
                        break;
                    }
                    from = at + 2;
                }
                found
            };
            proptest::prop_assert_eq!(attribute_group_start(&s), by_search);
        }

        /// A pre-1.10 line's id is split off where `split_once(": ")` splits it, when no space
        /// is before; the words of a line are those `split_whitespace` gives.
        #[test]
        fn ids_and_words_are_split_as_by_the_standard_library(s in "(: |:| |a|\t|\u{b}|\u{a0}|\u{e9}){0,16}") {
            let by_split = s.split_once(": ").filter(|(id, _)| !id.contains(' ') && !id.is_empty());
            proptest::prop_assert_eq!(id_and_tail(&s), by_split);
            let text = format!("2018-01-23T20:10:02Z container {s} abc (name=x)");
            if let Ok((ev, _, _)) = parse_text_event(&text, Line::new(1, text.clone())) {
                let rest = text.split_once(' ').map_or("", |(_, r)| r).trim();
                let head = &rest[..attribute_group_start(rest).unwrap_or(rest.len())];
                let words: Vec<&str> = head.split_whitespace().collect();
                if words.len() > 2 && id_and_tail(rest).is_none() {
                    proptest::prop_assert_eq!(ev.action, words[1..words.len() - 1].join(" "));
                }
            }
        }
    }
}
