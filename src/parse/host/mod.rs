//! Host facts, one module per format: `uname -a`, `uptime`, `date`, `/proc/uptime`,
//! `/proc/loadavg`, `/proc/stat`, hostname, time zone, `pid_max` and `threads-max`.
//!
//! Each of these files holds one fact. Pasted prompt lines (`COMMAND> uname -a`,
//! `[root@host ~]# date`) and blank lines are skipped; the fact is read from the first line that
//! has its shape, and a line that has the shape but cannot be read is a warning. What more than
//! one of them reads (the content lines, clock times, UTC offsets) is here.

use jiff::civil;
use jiff::tz::Offset;

use crate::parse::text::{clean, is_prompt_line, numbered_lines};

pub mod date;
pub mod hostname;
pub mod loadavg;
pub mod proc_stat;
pub mod proc_uptime;
pub mod task_limit;
pub mod timezone;
pub mod uname;
pub mod uptime;

pub use date::parse_date;
pub use hostname::parse_hostname;
pub use loadavg::parse_loadavg;
pub use proc_stat::parse_proc_stat;
pub use proc_uptime::parse_proc_uptime;
pub use task_limit::parse_task_limit;
pub use timezone::parse_timezone;
pub use uname::parse_uname;
pub use uptime::parse_uptime;

/// The lines that can hold the fact: non-empty, not a pasted prompt.
pub(super) fn content_lines(text: &str) -> impl Iterator<Item = (u32, &str, String)> {
    numbered_lines(text)
        .filter(|(_, raw)| !is_prompt_line(raw))
        .map(|(no, raw)| (no, raw, clean(raw).into_owned()))
        .filter(|(_, _, cleaned)| !cleaned.is_empty())
}

/// The bytes as text, invalid UTF-8 replaced.
pub(super) fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// `HH:MM:SS` or `HH:MM`.
pub(super) fn parse_clock(s: &str) -> Option<civil::Time> {
    let mut parts = s.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let (sec, nanos) = match parts.next() {
        Some(sec) => parse_seconds(sec)?,
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    civil::Time::new(h, m, sec, nanos).ok()
}

/// `SS` or `SS.fraction` (up to nanoseconds).
pub(super) fn parse_seconds(s: &str) -> Option<(i8, i32)> {
    let (whole, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    if whole.len() != 2 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sec: i8 = whole.parse().ok()?;
    let nanos = if frac.is_empty() {
        0
    } else {
        let digits: i32 = frac.parse().ok()?;
        let width = u32::try_from(frac.len()).ok()?;
        digits.checked_mul(10i32.checked_pow(9 - width)?)?
    };
    Some((sec, nanos))
}

/// `+0800`, `+08:00`, `+08`, `-0330`.
pub(super) fn parse_offset(s: &str) -> Option<Offset> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i32>().ok()?,
            digits.get(2..)?.parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 25 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_uname(&s);
            let _ = parse_uptime(&s);
            let _ = parse_date(&s);
            let _ = parse_proc_uptime(&s);
            let _ = parse_proc_stat(&s);
            let _ = parse_hostname(&s);
            let _ = parse_timezone("etc/timezone", s.as_bytes());
        }

        #[test]
        fn never_panics_on_datelike(s in "[0-9]{1,4}[-: ,.+TZ年月日]{0,2}[0-9A-Za-z:.+, -]{0,30}") {
            let _ = parse_date(&s);
            let _ = parse_uptime(&format!("12:00:00 up {s}"));
        }

        #[test]
        fn never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut with_magic = b"TZif".to_vec();
            with_magic.extend_from_slice(&b);
            let _ = parse_timezone("etc/localtime", &with_magic);
            let _ = parse_timezone("usr/share/zoneinfo/Asia/Shanghai", &b);
        }
    }
}
