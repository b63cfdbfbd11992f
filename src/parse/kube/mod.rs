//! Kubernetes and CRI sources: what the kubelet and the container runtimes log, and what
//! `kubectl` and `crictl` print.
//!
//! Logs are read by [`crate::parse::daemon_log`] and each of their messages by [`log`]; the
//! command outputs each have a module and a format descriptor.

pub mod crictl;
pub mod describe;
pub mod log;
pub mod object;
pub mod table;

use crate::facts::{LowResource, WallClock};

/// What an eviction message says the node was short of: `The node was low on resource:
/// memory. Threshold quantity: 750Mi, available: 225800Ki. ...` (1.10+), `The node was low on
/// resource: [MemoryPressure].` (older), `The node had condition: [MemoryPressure].` (a pod
/// rejected at admission).
pub fn low_resource(message: &str) -> Option<LowResource> {
    let rest = message
        .split_once("low on resource: ")
        .or_else(|| message.split_once("had condition: "))?
        .1;
    let (resource, after) = rest.split_once(". ").unwrap_or((rest, ""));
    let resource = resource
        .trim()
        .trim_end_matches('.')
        .trim_matches(['[', ']']);
    let field = |key: &str| {
        let v = after.split_once(key)?.1;
        let end = v.find([',', ' ']).unwrap_or(v.len());
        Some(v.get(..end)?.trim_end_matches('.').to_string()).filter(|v| !v.is_empty())
    };
    Some(LowResource {
        resource: resource.to_string(),
        threshold: field("Threshold quantity: "),
        available: field("available: "),
    })
    .filter(|l| !l.resource.is_empty())
}

/// The columns of a table header (`kubectl`, `crictl`) and their offsets in characters:
/// columns are apart by two blanks or more (a tab in the oldest layouts), and a column's name
/// may be two words (`LAST SEEN`, `CONTAINER ID`, `POD ID`). A pasted table's non-breaking
/// spaces are blanks, one character wide as the spaces they replaced.
pub(crate) fn table_columns(text: &str) -> Vec<(&str, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let blank = |at: usize| chars.get(at).map(|&(_, c)| is_blank(c));
    let mut columns = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if blank(i) == Some(true) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && chars[i].1 != '\t'
            && !(is_blank(chars[i].1) && blank(i + 1).is_none_or(|b| b))
        {
            i += 1;
        }
        let from = chars[start].0;
        let to = chars.get(i).map_or(text.len(), |&(at, _)| at);
        columns.push((text.get(from..to).unwrap_or(""), start));
    }
    columns
}

/// The cell of a row under the column at `at` of `columns`: from the column's offset to the
/// next one's (in characters), trimmed; `None` when empty.
pub(crate) fn table_cell<'t>(
    row: &'t str,
    columns: &[(&str, usize)],
    at: usize,
) -> Option<&'t str> {
    let start = columns.get(at)?.1;
    let end = columns.get(at + 1).map(|c| c.1);
    let byte = |chars: usize| row.char_indices().nth(chars).map_or(row.len(), |(b, _)| b);
    let (from, to) = (byte(start), end.map_or(row.len(), byte));
    let cell = row.get(from..to.max(from))?.trim_matches(is_blank);
    (!cell.is_empty()).then_some(cell)
}

/// A blank between a table's columns: a space, a tab, or a paste's non-breaking space.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{202f}' | '\u{2007}')
}

/// A Kubernetes quantity of bytes (`128Mi`, `1.5Gi`, `500M`, `1e9`, `268435456`) in bytes.
pub fn quantity_bytes(text: &str) -> Option<u64> {
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let t = text.trim();
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(s, scale)| t.strip_suffix(s).map(|n| (n, *scale)))
        .unwrap_or((t, 1.0));
    if number.is_empty()
        || !number
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'e')
    {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let bytes = (value * scale).round();
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// An RFC 2822 time as `kubectl describe` prints it (`Thu, 12 Oct 2023 19:00:48 +0000`); the
/// zero time of Go (`Mon, 01 Jan 0001 ...`), which says there is none, is `None`.
pub fn rfc2822_time(text: &str) -> Option<WallClock> {
    let at = jiff::fmt::rfc2822::parse(text.trim()).ok()?.timestamp();
    (at.as_second() > 0).then_some(WallClock::Instant { at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity_bytes("128Mi"), Some(128 << 20));
        assert_eq!(quantity_bytes("1.5Gi"), Some(3 << 29));
        assert_eq!(quantity_bytes("500M"), Some(500_000_000));
        assert_eq!(quantity_bytes("268435456"), Some(268_435_456));
        assert_eq!(quantity_bytes("1e3"), Some(1000));
        assert_eq!(quantity_bytes("<none>"), None);
        assert_eq!(quantity_bytes("100m"), None);
        assert_eq!(quantity_bytes(""), None);
    }

    #[test]
    fn eviction_messages() {
        let l = low_resource(
            "The node was low on resource: memory. Threshold quantity: 750Mi, available: \
             225800Ki. Container nginx was using 4395616Ki, request is 0, has larger \
             consumption of memory.",
        )
        .expect("a low resource");
        assert_eq!(l.resource, "memory");
        assert_eq!(l.threshold.as_deref(), Some("750Mi"));
        assert_eq!(l.available.as_deref(), Some("225800Ki"));
        let old = low_resource("The node was low on resource: [MemoryPressure].");
        assert_eq!(old.map(|l| l.resource), Some("MemoryPressure".to_string()));
        assert_eq!(low_resource("Stopping container nginx"), None);
    }

    #[test]
    fn zero_time_is_none() {
        assert_eq!(rfc2822_time("Mon, 01 Jan 0001 00:00:00 +0000"), None);
        assert!(rfc2822_time("Thu, 12 Oct 2023 19:00:48 +0000").is_some());
    }
}
