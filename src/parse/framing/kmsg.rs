//! `/dev/kmsg` records, as reading the device (`cat /dev/kmsg`, a collector's raw copy of the
//! ring buffer, util-linux's `dmesg` test input) gives them:
//!
//! ```text
//! 6,1234,5678901,-,caller=T1;Linux version 6.6.4-arch1-1 ...
//!  SUBSYSTEM=acpi
//!  DEVICE=+acpi:PNP0A08:00
//! ```
//!
//! A header of comma-separated fields before the first `;`: the syslog priority (facility × 8 +
//! level), the record's sequence number, the monotonic clock in microseconds (the stamp dmesg
//! prints as `[    5.678901]`), a flag (`-` a whole record, `c` the first piece of a
//! continued line, `+` a piece that continues the record before it, on kernels before 4.9),
//! then fields the kernel may add (`caller=T1`, the printk caller of `CONFIG_PRINTK_CALLER`).
//! The message escapes the backslash and unprintable bytes as `\xNN`. The record's dictionary
//! (`SUBSYSTEM=`, `DEVICE=`) follows on lines that begin with a space: they describe the
//! record and are not a message. Records read from the device one `read()` at a time and
//! concatenated may be separated by NUL bytes; the framer drops them.
//!
//! Invariants: a header is digits, digits, digits, a known flag, then `key=value` fields; any
//! other line is not a record, so no other log's line is taken for one.

use std::borrow::Cow;

use crate::facts::{KernelLogFormat, Stamp};

use super::{tag_message, Entry, Syntax};

/// What a record's flag says of the line it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece {
    /// A record of its own (`-`, or `c`: the first piece of a line continued later).
    Starts,
    /// A piece of the line of the record before (`+`).
    Continues,
}

/// A record's header fields, read from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header<'a> {
    /// Facility × 8 + level.
    pub priority: u16,
    pub sequence: u64,
    pub monotonic_us: u64,
    pub piece: Piece,
    /// The printk caller (`T123` a task, `C1` a CPU in interrupt context), when the kernel
    /// printed it.
    pub caller: Option<&'a str>,
}

impl Header<'_> {
    /// Facility 0 is the kernel's; a program that writes to `/dev/kmsg` (systemd, udev, a
    /// `logger --kmsg`) has another one.
    pub fn is_kernel(&self) -> bool {
        self.priority >> 3 == 0
    }
}

/// A record line: its header and the message, still escaped; `None` for any other line.
pub(super) fn record(line: &str) -> Option<(Header<'_>, &str)> {
    let semicolon = memchr::memchr(b';', line.as_bytes())?;
    let (header, message) = (&line[..semicolon], &line[semicolon + 1..]);
    let mut fields = header.split(',');
    let priority = number(fields.next()?)?;
    // The kernel keeps ten bits of a priority written to the device.
    let priority = u16::try_from(priority).ok().filter(|&p| p < 1024)?;
    let sequence = number(fields.next()?)?;
    let monotonic_us = number(fields.next()?)?;
    let piece = match fields.next()? {
        "-" | "c" => Piece::Starts,
        "+" => Piece::Continues,
        _ => return None,
    };
    let mut caller = None;
    for field in fields {
        let (key, value) = field.split_once('=')?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return None;
        }
        if key == "caller" {
            caller = Some(value);
        }
    }
    let header = Header {
        priority,
        sequence,
        monotonic_us,
        piece,
        caller,
    };
    Some((header, message))
}

/// The entry of a record that starts a line.
pub(super) fn entry<'a>(header: &Header<'_>, message: &'a str) -> Entry<'a> {
    let kernel = header.is_kernel();
    // A program's line carries its own `tag[pid]: ` as it would in syslog.
    let (tag, body) = match tag_message(message) {
        Some((tag, body)) if !kernel => (Some(tag), body),
        _ => (None, message),
    };
    Entry {
        format: KernelLogFormat::DevKmsg,
        syntax: Syntax::Ring,
        stamp: Stamp {
            uptime_s: Some(header.monotonic_us as f64 / 1_000_000.0),
            wall: None,
        },
        host: None,
        tag: tag.map(Cow::Borrowed),
        kernel,
        body: unescape(body),
    }
}

/// Whether `line` is a dictionary line of a record: a space, then `KEY=value` with an
/// upper-case key (`SUBSYSTEM=acpi`, `DEVICE=+acpi:PNP0A08:00`).
pub(super) fn is_dictionary_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix(' ') else {
        return false;
    };
    match rest.split_once('=') {
        Some((key, _)) => {
            !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        }
        None => false,
    }
}

/// Decimal digits, nothing else.
fn number(field: &str) -> Option<u64> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

/// The message with its `\xNN` escapes decoded (the kernel escapes `\` and bytes outside
/// printable ASCII, so a UTF-8 message comes back whole); borrowed when it has none.
pub(super) fn unescape(message: &str) -> Cow<'_, str> {
    if !message.contains("\\x") {
        return Cow::Borrowed(message);
    }
    let bytes = message.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'\\' && bytes.get(at + 1) == Some(&b'x') {
            let hex = bytes
                .get(at + 2..at + 4)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                at += 4;
                continue;
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_gives_priority_sequence_stamp_flag_and_caller() {
        let (h, m) = record("6,1234,5678901,-,caller=T1;Linux version 6.6.4").unwrap();
        assert_eq!(h.priority, 6);
        assert_eq!(h.sequence, 1234);
        assert_eq!(h.monotonic_us, 5_678_901);
        assert_eq!(h.piece, Piece::Starts);
        assert_eq!(h.caller, Some("T1"));
        assert!(h.is_kernel());
        assert_eq!(m, "Linux version 6.6.4");
        // Before `CONFIG_PRINTK_CALLER`, and the pieces of a continued line (3.5 to 4.8).
        let (h, m) = record("4,311,209670,c;  #1  #3").unwrap();
        assert_eq!((h.piece, h.caller, m), (Piece::Starts, None, "  #1  #3"));
        let (h, _) = record("4,312,209671,+; #5").unwrap();
        assert_eq!(h.piece, Piece::Continues);
        // systemd writing to /dev/kmsg: facility 3, level 6.
        let (h, m) = record("30,520,3012345,-;systemd[1]: Started Journal Service.").unwrap();
        assert!(!h.is_kernel());
        let e = entry(&h, m);
        assert_eq!(e.tag.as_deref(), Some("systemd"));
        assert_eq!(e.body, "Started Journal Service.");
    }

    #[test]
    fn other_lines_are_not_records() {
        for line in [
            "12,34;x",
            "6,1,2,x;msg",
            "6,1,2;msg",
            "a,1,2,-;msg",
            "6,1,2,-,Caller=T1;msg",
            "6,1,2,-,caller;msg",
            "2018-01-23T20:10:01,288012+08:00 kernel: x;y",
            "1024,1,2,-;msg",
            "6,1,2,-",
        ] {
            assert!(record(line).is_none(), "{line}");
        }
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(
            unescape(r"initrd=\x5cucode.img"),
            Cow::<str>::Borrowed(r"initrd=\ucode.img")
        );
        assert_eq!(unescape(r"caf\xc3\xa9 \xzz"), "café \\xzz");
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn dictionary_lines_are_upper_case_keys_after_a_space() {
        assert!(is_dictionary_line(" SUBSYSTEM=acpi"));
        assert!(is_dictionary_line(" DEVICE=+acpi:PNP0A08:00"));
        assert!(!is_dictionary_line("SUBSYSTEM=acpi"));
        assert!(!is_dictionary_line("  Normal free:95232kB min:55536kB"));
        assert!(!is_dictionary_line(" active_anon=12"));
    }
}
