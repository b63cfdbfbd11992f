//! Numbers, sizes, times and places as the report prints them.

use crate::render::escape::visible;
use crate::units;

pub(super) fn format_kb(kb: Option<u64>) -> String {
    kb.map(|kb| units::bytes(kb.saturating_mul(1024)))
        .unwrap_or_default()
}

/// A container limit: `256 MiB`, `unlimited` (0 or -1 as docker writes them), `not set`.
pub(super) fn format_limit(bytes: Option<i64>) -> String {
    match bytes {
        None => "not set".into(),
        Some(b) if b <= 0 => "unlimited".into(),
        Some(b) => units::bytes(b.unsigned_abs()),
    }
}

/// Thousands separated by a thin space is nice but not copy-friendly: plain digits.
pub(super) fn format_count(count: u64) -> String {
    count.to_string()
}

/// A time as `2018-01-23 12:10:18 UTC` (with milliseconds when `precise` and the time has
/// them).
pub fn format_time(ts: jiff::Timestamp, precise: bool) -> String {
    let base = ts.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let millis = ts.subsec_millisecond();
    if precise && millis != 0 {
        format!("{base}.{millis:03} UTC")
    } else {
        format!("{base} UTC")
    }
}

pub(super) fn format_uptime(seconds: f64) -> String {
    format!("uptime {seconds:.3} s")
}

pub(super) fn event_time(time: Option<jiff::Timestamp>, uptime_s: Option<f64>) -> String {
    match (time, uptime_s) {
        (Some(t), _) => format_time(t, true),
        (None, Some(u)) if u.is_finite() => format_uptime(u),
        (None, _) => "unknown".into(),
    }
}

pub(super) fn location(path: &str, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{}:{l}", visible(path)),
        None => visible(path),
    }
}

/// A fraction as `0.922`, and the kernel's `-1` ("a block of this order exists") as `-1`.
pub(super) fn format_index(value: f64) -> String {
    if !value.is_finite() {
        String::new()
    } else if value < 0.0 {
        "-1".into()
    } else {
        format!("{value:.3}")
    }
}

/// The first sentence of Markdown prose: up to the first `. `, `! ` or `? ` outside a code span.
pub(super) fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let mut in_code = false;
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if c == '`' {
            in_code = !in_code;
        }
        if !in_code && c.is_whitespace() && matches!(prev, '.' | '!' | '?') {
            return text[..i].trim_end();
        }
        prev = c;
    }
    text
}

/// A float without a useless fraction: `1`, `0.5`, `2.25`.
pub(super) fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
