//! Framing: what stands in front of a kernel message on one physical line.
//!
//! A kernel log arrives in many wrappers: the ring buffer itself (`[ 12.345678] msg`, `<6>[...]`,
//! `dmesg -x`, `dmesg -T`, or no prefix at all), rsyslog files (traditional and high-precision
//! stamps), and the journal (short, short-iso, short-precise, short-monotonic, json). This module
//! strips the wrapper and says when, where (host) and who (tag) a line is, borrowing from the line
//! wherever it can so that ordinary lines cost no allocation.

use std::borrow::Cow;

use jiff::civil;
use jiff::Timestamp;

use crate::facts::{KernelLogFormat, Stamp, WallClock};
use crate::parse::text::syslog_month;
use crate::sources::SourceKind;

/// One physical line, unwrapped.
#[derive(Debug)]
pub enum Frame<'a> {
    /// Empty line.
    Blank,
    /// Journal meta lines: `-- Logs begin at ... --`, `-- Boot <id> --`, `-- Reboot --`.
    JournalMeta,
    /// A line that starts a message.
    Entry(Entry<'a>),
    /// A line without a stamp of its own that continues the previous message (indented
    /// Mem-Info counters, journal continuation lines).
    Continuation(&'a str),
}

/// A stamped (or, for no-timestamp dmesg, unstamped) message line.
#[derive(Debug)]
pub struct Entry<'a> {
    pub format: KernelLogFormat,
    pub stamp: Stamp,
    pub host: Option<Cow<'a, str>>,
    /// Syslog/journal identifier without `[pid]` (`kernel`, `dockerd`), or the `dmesg -x` facility.
    pub tag: Option<Cow<'a, str>>,
    /// Whether the message came from the kernel.
    pub kernel: bool,
    /// The message; may still hold `#012` (rsyslog) or `\n` (journal json) separators.
    pub body: Cow<'a, str>,
}

/// Unwrap one physical line. `kind` settles ambiguous forms: a `[ 12.3] host tag:` prefix is
/// journal short-monotonic only in journal files, and a line without any stamp is a kernel
/// message only in dmesg files.
pub fn frame(line: &str, kind: SourceKind) -> Frame<'_> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let first = line.as_bytes().first().copied().unwrap_or(b' ');
    // A line that starts with a letter, a digit or a bracket is not blank: no need to trim it.
    if !first.is_ascii_graphic() && line.trim().is_empty() {
        return Frame::Blank;
    }
    if first == b'{' {
        if let Some(e) = journal_json(line) {
            return Frame::Entry(e);
        }
    }
    if line.starts_with("-- ") && is_journal_meta(line) {
        return Frame::JournalMeta;
    }
    if first == b'<' {
        if let Some(rest) = strip_level(line) {
            return dmesg_bracketed(rest, kind).unwrap_or_else(|| no_stamp(rest, kind));
        }
    }
    if first == b'[' {
        if let Some(f) = dmesg_bracketed(line, kind) {
            return f;
        }
    }
    if first.is_ascii_alphabetic() {
        if let Some(e) = syslog_traditional(line, kind) {
            return Frame::Entry(e);
        }
        if let Some(f) = dmesg_decoded(line, kind) {
            return f;
        }
        if let Some(e) = journal_short_full(line) {
            return Frame::Entry(e);
        }
    }
    if first.is_ascii_digit() {
        if let Some(e) = syslog_iso(line, kind) {
            return Frame::Entry(e);
        }
    }
    no_stamp(line, kind)
}

fn is_journal_meta(line: &str) -> bool {
    let t = line.trim_end();
    t.ends_with(" --")
        || t.starts_with("-- Logs begin at")
        || t.starts_with("-- Journal begins at")
        || t.starts_with("-- No entries --")
}

/// `<6>` syslog level prefix of `/dev/kmsg`-style and `dmesg -r` output.
fn strip_level(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('<')?;
    let end = rest.find('>')?;
    if end == 0 || end > 3 || !rest[..end].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(&rest[end + 1..])
}

/// A line without any stamp: a kernel message of a no-timestamp dmesg (indented lines continue
/// the previous one), or in syslog/journal files a continuation of the previous entry.
fn no_stamp(line: &str, kind: SourceKind) -> Frame<'_> {
    let indented = line.starts_with([' ', '\t', '\u{a0}']);
    if indented || kind != SourceKind::Dmesg {
        return Frame::Continuation(line);
    }
    Frame::Entry(Entry {
        format: KernelLogFormat::DmesgNoTimestamp,
        stamp: Stamp::default(),
        host: None,
        tag: None,
        kernel: true,
        body: Cow::Borrowed(line),
    })
}

/// `[ 12.345678] msg` (raw), `[Tue Jan 23 20:10:01 2018] msg` (`dmesg -T`), and in journal files
/// `[2751018.239907] host kernel: msg` (short-monotonic).
fn dmesg_bracketed(line: &str, kind: SourceKind) -> Option<Frame<'_>> {
    let inner_and_rest = line.strip_prefix('[')?;
    let close = inner_and_rest.find(']')?;
    let inner = &inner_and_rest[..close];
    let rest = &inner_and_rest[close + 1..];
    let body = rest.strip_prefix(' ').unwrap_or(rest);
    if let Some(uptime) = parse_uptime(inner) {
        let stamp = Stamp {
            uptime_s: Some(uptime),
            wall: None,
        };
        if kind == SourceKind::Journal {
            if let Some((host, tag, msg)) = host_tag_message(body) {
                let kernel = tag == "kernel";
                return Some(Frame::Entry(Entry {
                    format: KernelLogFormat::JournalShort,
                    stamp,
                    host: Some(Cow::Borrowed(host)),
                    tag: Some(Cow::Borrowed(tag)),
                    kernel,
                    body: Cow::Borrowed(msg),
                }));
            }
        }
        return Some(Frame::Entry(Entry {
            format: KernelLogFormat::DmesgRaw,
            stamp,
            host: None,
            tag: None,
            kernel: true,
            body: Cow::Borrowed(body),
        }));
    }
    let at = parse_ctime(inner)?;
    Some(Frame::Entry(Entry {
        format: KernelLogFormat::DmesgHuman,
        stamp: Stamp {
            uptime_s: None,
            wall: Some(WallClock::Local {
                at,
                zone_abbrev: None,
            }),
        },
        host: None,
        tag: None,
        kernel: true,
        body: Cow::Borrowed(body),
    }))
}

/// `dmesg -x`: `kern  :info  : [   12.345678] msg`.
fn dmesg_decoded(line: &str, kind: SourceKind) -> Option<Frame<'_>> {
    let colon = line.find(':')?;
    let facility = line[..colon].trim_end();
    if !is_facility(facility) {
        return None;
    }
    let rest = &line[colon + 1..];
    let colon2 = rest.find(':')?;
    let level = rest[..colon2].trim();
    if !is_level(level) {
        return None;
    }
    let rest = rest[colon2 + 1..].trim_start();
    let mut frame = match dmesg_bracketed(rest, kind) {
        Some(f) => f,
        None => no_stamp(rest, SourceKind::Dmesg),
    };
    if let Frame::Entry(e) = &mut frame {
        e.kernel = facility == "kern";
        e.tag = Some(Cow::Borrowed(facility));
    }
    Some(frame)
}

fn is_facility(s: &str) -> bool {
    matches!(
        s,
        "kern"
            | "user"
            | "mail"
            | "daemon"
            | "auth"
            | "syslog"
            | "lpr"
            | "news"
            | "uucp"
            | "cron"
            | "authpriv"
            | "ftp"
            | "local0"
            | "local1"
            | "local2"
            | "local3"
            | "local4"
            | "local5"
            | "local6"
            | "local7"
    )
}

fn is_level(s: &str) -> bool {
    matches!(
        s,
        "emerg" | "alert" | "crit" | "err" | "warn" | "notice" | "info" | "debug"
    )
}

/// `  12.345678` → seconds since boot.
pub fn parse_uptime(inner: &str) -> Option<f64> {
    let t = inner.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    if !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `Tue Jan 23 20:10:01 2018` (ctime form of `dmesg -T`).
fn parse_ctime(inner: &str) -> Option<civil::DateTime> {
    let t = inner.trim();
    if t.len() < 20 || t.len() > 32 {
        return None;
    }
    civil::DateTime::strptime("%a %b %e %H:%M:%S %Y", t).ok()
}

fn two_digits(s: &str) -> Option<i8> {
    let b = s.as_bytes();
    if b.len() != 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
        return None;
    }
    let v = (b[0] - b'0') * 10 + (b[1] - b'0');
    i8::try_from(v).ok()
}

/// `Jan 23 20:10:01[.288012] host tag[pid]: msg` (rsyslog traditional, journal short and
/// short-precise).
fn syslog_traditional(line: &str, kind: SourceKind) -> Option<Entry<'_>> {
    // Byte offsets below are those of ASCII bytes, so every slice falls on a char boundary.
    let month = syslog_month(line.get(..3)?)?;
    let rest = line.get(3..)?.strip_prefix(' ')?;
    let rest = rest.trim_start_matches(' ');
    let sp = byte_pos(rest, b' ')?;
    let day = small_number(&rest[..sp]).filter(|d| (1..=31).contains(d))?;
    let rest = &rest[sp + 1..];
    let sp = byte_pos(rest, b' ').unwrap_or(rest.len());
    let time = &rest[..sp];
    let rest = rest.get(sp + 1..).unwrap_or("");
    let (hms, frac) = match byte_pos(time, b'.') {
        Some(dot) => (&time[..dot], Some(&time[dot + 1..])),
        None => (time, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let hour = two_digits(&hms[..2])?;
    let minute = two_digits(&hms[3..5])?;
    let second = two_digits(&hms[6..])?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let nanosecond = match frac {
        Some(f) => parse_fraction_ns(f)?,
        None => 0,
    };
    let wall = WallClock::NoYear {
        month,
        day,
        hour,
        minute,
        second,
        nanosecond,
    };
    let format = if kind == SourceKind::Journal {
        KernelLogFormat::JournalShort
    } else {
        KernelLogFormat::Syslog
    };
    Some(framed_entry(format, wall, rest))
}

/// `s` as a non-negative `i8`, as `str::parse` reads it (a `+` sign allowed), without its
/// general machinery: it runs on every line.
fn small_number(s: &str) -> Option<i8> {
    let digits = s.strip_prefix('+').unwrap_or(s).as_bytes();
    if digits.is_empty() {
        return None;
    }
    let mut v: i8 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((b - b'0') as i8)?;
    }
    Some(v)
}

/// The offset of the first `byte` in `s`.
fn byte_pos(s: &str, byte: u8) -> Option<usize> {
    find_either(s.as_bytes(), byte, byte)
}

/// The offset of the first `a` or `b` in `bytes`, read eight bytes at a time. The prefixes read
/// on every line (a host, a tag) are a few bytes long: too short for a vector searcher's set-up
/// to pay, long enough for a byte loop to cost.
fn find_either(bytes: &[u8], a: u8, b: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each zero byte of `v`; a byte above a zero one may be flagged too, so
    // only the lowest flag counts (the first in the text, the words being little-endian).
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let (splat_a, splat_b) = (ONES * u64::from(a), ONES * u64::from(b));
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let found = zero_bytes(w ^ splat_a) | zero_bytes(w ^ splat_b);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == a || c == b)
        .map(|p| at + p)
}

/// `journalctl -o short-full`: `Tue 2018-01-23 20:10:01 CST host kernel: msg` (also with
/// `.288012` microseconds). Civil time with the zone abbreviation the journal printed.
fn journal_short_full(line: &str) -> Option<Entry<'_>> {
    let mut parts = line.splitn(5, ' ');
    let weekday = parts.next()?;
    let date = parts.next()?;
    let time = parts.next()?;
    let zone = parts.next()?;
    let rest = parts.next()?;
    if weekday.len() != 3 || date.len() != 10 || date.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    if zone.is_empty()
        || zone.len() > 6
        || !zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
    {
        return None;
    }
    let civil_date: civil::Date = date.parse().ok()?;
    let civil_time: civil::Time = time.parse().ok()?;
    let at = civil_date.to_datetime(civil_time);
    // jiff checks the weekday against the date; a mismatch means this is not a journal stamp.
    let expected = civil::DateTime::strptime("%a %Y-%m-%d", format!("{weekday} {date}")).ok()?;
    if expected.date() != civil_date {
        return None;
    }
    let wall = WallClock::Local {
        at,
        zone_abbrev: Some(zone.to_string()),
    };
    Some(framed_entry(KernelLogFormat::JournalShort, wall, rest))
}

/// Digits after the decimal point → nanoseconds.
fn parse_fraction_ns(f: &str) -> Option<i32> {
    if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i32 = f.parse().ok()?;
    for _ in f.len()..9 {
        v = v.checked_mul(10)?;
    }
    Some(v)
}

/// `2018-01-23T20:10:01.288012+08:00 host tag: msg` (rsyslog high precision, journal short-iso).
fn syslog_iso(line: &str, kind: SourceKind) -> Option<Entry<'_>> {
    let sp = line.find(' ')?;
    let stamp = &line[..sp];
    let b = stamp.as_bytes();
    if b.len() < 19 || b.get(4) != Some(&b'-') || b.get(10) != Some(&b'T') {
        return None;
    }
    // `dmesg --time-format=iso` writes the fraction after a comma.
    let stamp: Cow<'_, str> = if stamp.contains(',') {
        Cow::Owned(stamp.replacen(',', ".", 1))
    } else {
        Cow::Borrowed(stamp)
    };
    let wall = if let Ok(at) = stamp.parse::<Timestamp>() {
        WallClock::Instant { at }
    } else {
        let at = stamp.parse::<civil::DateTime>().ok()?;
        WallClock::Local {
            at,
            zone_abbrev: None,
        }
    };
    if kind == SourceKind::Dmesg
        && host_tag_message(&line[sp + 1..]).is_none_or(|(_, t, _)| t != "kernel")
    {
        // `dmesg --time-format=iso`: a kernel message right after the stamp.
        return Some(Entry {
            format: KernelLogFormat::DmesgHuman,
            stamp: Stamp {
                uptime_s: None,
                wall: Some(wall),
            },
            host: None,
            tag: None,
            kernel: true,
            body: Cow::Borrowed(&line[sp + 1..]),
        });
    }
    let format = if kind == SourceKind::Journal {
        KernelLogFormat::JournalShort
    } else {
        KernelLogFormat::SyslogIso
    };
    Some(framed_entry(format, wall, &line[sp + 1..]))
}

/// The part after a syslog/journal stamp: `host tag[pid]: msg`.
fn framed_entry(format: KernelLogFormat, wall: WallClock, rest: &str) -> Entry<'_> {
    let mut stamp = Stamp {
        uptime_s: None,
        wall: Some(wall),
    };
    let (host, tag, body) = match host_tag_message(rest) {
        Some((h, t, m)) => (Some(h), Some(t), m),
        None => (None, None, rest),
    };
    let kernel = tag == Some("kernel");
    let mut body = body;
    if kernel {
        // rsyslog and some journal setups keep the ring buffer's own uptime stamp.
        if let Some(inner_rest) = body.strip_prefix('[') {
            if let Some(close) = inner_rest.find(']') {
                if let Some(up) = parse_uptime(&inner_rest[..close]) {
                    stamp.uptime_s = Some(up);
                    let after = &inner_rest[close + 1..];
                    body = after.strip_prefix(' ').unwrap_or(after);
                }
            }
        }
    }
    Entry {
        format,
        stamp,
        host: host.map(Cow::Borrowed),
        tag: tag.map(Cow::Borrowed),
        kernel,
        body: Cow::Borrowed(body),
    }
}

/// Split `host tag[pid]: message` into host, tag (without `[pid]`) and message.
fn host_tag_message(rest: &str) -> Option<(&str, &str, &str)> {
    let sp = byte_pos(rest, b' ')?;
    let host = &rest[..sp];
    if host.is_empty() || host.ends_with(':') {
        return None;
    }
    let after = &rest[sp + 1..];
    // The tag ends at the first `: ` (or a final `:`) and holds no space: one short scan, from
    // colon to colon.
    let bytes = after.as_bytes();
    let mut from = 0;
    let colon = loop {
        let rest = bytes.get(from..).unwrap_or_default();
        let Some(at) = find_either(rest, b':', b' ') else {
            break None;
        };
        let at = from + at;
        if bytes.get(at) == Some(&b' ') {
            return None;
        }
        if bytes.get(at + 1) == Some(&b' ') {
            break Some(at);
        }
        from = at + 1;
    };
    let colon = colon.or_else(|| after.ends_with(':').then(|| after.len() - 1))?;
    let tag_full = &after[..colon];
    if tag_full.is_empty() {
        return None;
    }
    let tag = match byte_pos(tag_full, b'[') {
        Some(b) if tag_full.ends_with(']') => &tag_full[..b],
        _ => tag_full,
    };
    if tag.is_empty() {
        return None;
    }
    let msg = after.get(colon + 2..).unwrap_or("");
    Some((host, tag, msg))
}

/// `journalctl -o json`: one object per line.
fn journal_json(line: &str) -> Option<Entry<'static>> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let obj = v.as_object()?;
    let field = |k: &str| obj.get(k).and_then(|x| x.as_str());
    let micros = |k: &str| field(k).and_then(|s| s.parse::<i64>().ok());
    let message = match obj.get("MESSAGE") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(bytes)) => {
            let raw: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            String::from_utf8_lossy(&raw).into_owned()
        }
        _ => return None,
    };
    let wall = micros("__REALTIME_TIMESTAMP")
        .and_then(|us| Timestamp::from_microsecond(us).ok())
        .map(|at| WallClock::Instant { at });
    let uptime_s = micros("__MONOTONIC_TIMESTAMP").map(|us| us as f64 / 1_000_000.0);
    let transport = field("_TRANSPORT");
    let tag = field("SYSLOG_IDENTIFIER").or_else(|| field("_COMM"));
    let kernel = transport == Some("kernel") || tag == Some("kernel");
    Some(Entry {
        format: KernelLogFormat::JournalJson,
        stamp: Stamp { uptime_s, wall },
        host: field("_HOSTNAME").map(|h| Cow::Owned(h.to_string())),
        tag: tag
            .or(if kernel { Some("kernel") } else { None })
            .map(|t| Cow::Owned(t.to_string())),
        kernel,
        body: Cow::Owned(message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str, kind: SourceKind) -> Entry<'_> {
        match frame(line, kind) {
            Frame::Entry(e) => e,
            other => panic!("not an entry: {other:?}"),
        }
    }

    #[test]
    fn raw_dmesg_with_and_without_level() {
        let e = entry("[2751018.239907] runc:[1:CHILD]: page", SourceKind::Dmesg);
        assert_eq!(e.stamp.uptime_s, Some(2751018.239907));
        assert_eq!(e.body, "runc:[1:CHILD]: page");
        assert_eq!(e.format, KernelLogFormat::DmesgRaw);
        let e = entry("<6>[   12.3] hello", SourceKind::Dmesg);
        assert_eq!(e.stamp.uptime_s, Some(12.3));
        assert_eq!(e.body, "hello");
    }

    #[test]
    fn dmesg_x_facility_level() {
        let e = entry("kern  :info  : [   12.345678] eth0: up", SourceKind::Dmesg);
        assert!(e.kernel);
        assert_eq!(e.stamp.uptime_s, Some(12.345678));
        assert_eq!(e.body, "eth0: up");
        let e = entry("daemon:notice: [   13.0] systemd: x", SourceKind::Dmesg);
        assert!(!e.kernel);
    }

    #[test]
    fn dmesg_human() {
        let e = entry(
            "[Tue Jan 23 20:10:01 2018] nf_conntrack: table full",
            SourceKind::Dmesg,
        );
        assert_eq!(e.format, KernelLogFormat::DmesgHuman);
        assert_eq!(
            e.stamp.wall,
            Some(WallClock::Local {
                at: civil::date(2018, 1, 23).at(20, 10, 1, 0),
                zone_abbrev: None
            })
        );
    }

    #[test]
    fn syslog_with_uptime_in_body() {
        let e = entry(
            "May 19 18:14:43 aks-np0 kernel: [  139.201253] bash invoked oom-killer:",
            SourceKind::Syslog,
        );
        assert!(e.kernel);
        assert_eq!(e.host.as_deref(), Some("aks-np0"));
        assert_eq!(e.stamp.uptime_s, Some(139.201253));
        assert_eq!(e.body, "bash invoked oom-killer:");
        let e = entry(
            "May 18 15:13:34 lxc-rhel68-sat56 jabberd/sm[11057]: session started",
            SourceKind::Syslog,
        );
        assert_eq!(e.tag.as_deref(), Some("jabberd/sm"));
        assert!(!e.kernel);
    }

    #[test]
    fn journal_forms() {
        let e = entry(
            "Jan 23 20:10:01.288012 beta kernel: Mem-Info:",
            SourceKind::Journal,
        );
        assert_eq!(
            e.stamp.wall,
            Some(WallClock::NoYear {
                month: 1,
                day: 23,
                hour: 20,
                minute: 10,
                second: 1,
                nanosecond: 288_012_000
            })
        );
        let e = entry(
            "2018-01-23T20:10:01+0800 beta kernel: Mem-Info:",
            SourceKind::Journal,
        );
        let at: Timestamp = "2018-01-23T12:10:01Z".parse().unwrap();
        assert_eq!(e.stamp.wall, Some(WallClock::Instant { at }));
        let e = entry(
            "[2751018.239907] beta kernel: Mem-Info:",
            SourceKind::Journal,
        );
        assert_eq!(e.host.as_deref(), Some("beta"));
        assert_eq!(e.body, "Mem-Info:");
        assert!(matches!(
            frame("-- Boot 1234abcd --", SourceKind::Journal),
            Frame::JournalMeta
        ));
        assert!(matches!(
            frame("-- Reboot --", SourceKind::Journal),
            Frame::JournalMeta
        ));
    }

    #[test]
    fn json_message_as_bytes() {
        let e = entry(
            r#"{"__REALTIME_TIMESTAMP":"1516709401288012","__MONOTONIC_TIMESTAMP":"2751018239907","_TRANSPORT":"kernel","MESSAGE":[77,101,109],"_HOSTNAME":"beta"}"#,
            SourceKind::Journal,
        );
        assert!(e.kernel);
        assert_eq!(e.body, "Mem");
        assert_eq!(e.stamp.uptime_s, Some(2751018.239907));
        assert_eq!(e.host.as_deref(), Some("beta"));
    }

    #[test]
    fn journal_short_full() {
        let e = entry(
            "Tue 2018-01-23 20:10:01 CST beta kernel: Mem-Info:",
            SourceKind::Journal,
        );
        assert!(e.kernel);
        assert_eq!(e.body, "Mem-Info:");
        assert_eq!(
            e.stamp.wall,
            Some(WallClock::Local {
                at: civil::date(2018, 1, 23).at(20, 10, 1, 0),
                zone_abbrev: Some("CST".into())
            })
        );
        // A wrong weekday is not a journal stamp.
        assert!(matches!(
            frame(
                "Wed 2018-01-23 20:10:01 CST beta kernel: x",
                SourceKind::Journal
            ),
            Frame::Continuation(_)
        ));
    }

    #[test]
    fn dmesg_time_format_iso() {
        let e = entry(
            "2018-01-23T20:10:01,288012+08:00 nf_conntrack: table full, dropping packet",
            SourceKind::Dmesg,
        );
        assert!(e.kernel);
        assert_eq!(e.body, "nf_conntrack: table full, dropping packet");
        let at: Timestamp = "2018-01-23T12:10:01.288012Z".parse().unwrap();
        assert_eq!(e.stamp.wall, Some(WallClock::Instant { at }));
    }

    #[test]
    fn no_timestamp_lines() {
        let e = entry("lo: Dropping TSO features", SourceKind::Dmesg);
        assert_eq!(e.format, KernelLogFormat::DmesgNoTimestamp);
        assert!(matches!(
            frame("  alloc irq_desc for 34 on node 0", SourceKind::Dmesg),
            Frame::Continuation(_)
        ));
    }

    proptest::proptest! {
        /// The word-at-a-time search finds what a byte loop finds, wherever the bytes sit
        /// in the eight-byte words.
        #[test]
        fn find_either_agrees_with_a_byte_loop(
            bytes in proptest::collection::vec(proptest::sample::select(b": [a\xe9\x00\x80\xff".to_vec()), 0..40),
            a in proptest::sample::select(b": [".to_vec()),
            b in proptest::sample::select(b": [".to_vec()),
        ) {
            proptest::prop_assert_eq!(
                find_either(&bytes, a, b),
                bytes.iter().position(|&c| c == a || c == b)
            );
        }

        /// Days of the month read as `str::parse` reads them.
        #[test]
        fn days_read_as_str_parse(s in "[+-]?[0-9]{0,4}|[0-9a +-]{0,3}") {
            let day = |d: &i8| (1..=31).contains(d);
            proptest::prop_assert_eq!(
                small_number(&s).filter(day),
                s.parse::<i8>().ok().filter(day)
            );
        }
    }
}
