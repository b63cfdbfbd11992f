//! SUSE supportconfig files: concatenations of sections, each read as its own source.
//!
//! supportconfig's `log_entry` starts every section with a marker line and a label line
//! (`docs/bundle-layout.md`):
//!
//! ```text
//! #==[ Command ]======================================#
//! # /usr/bin/free -k
//! ```
//!
//! A `Command` label is a command line; `Configuration File` and `Log File` labels are a file's
//! path (`/var/log/messages - Last 2500 Lines`). A section's kind comes from its label through
//! the formats' supportconfig patterns, confirmed by its content as any file's is.

use crate::parse::text::numbered_lines;

/// One section of a supportconfig file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// The label without its `# `: a command line or a file path.
    pub label: &'a str,
    /// Whether the label is a command (a `Command` section).
    pub command: bool,
    /// The line number, in the whole file, of the section's first line after its label.
    pub first_line: u32,
    /// The section's text, from `first_line` to the next marker.
    pub text: &'a str,
}

/// The marker's type (`Command`, `Configuration File`, ...), when `line` is a marker line.
fn marker(line: &str) -> Option<&str> {
    let inner = line.trim_end().strip_prefix("#==[ ")?;
    let (kind, rest) = inner.split_once(" ]")?;
    (rest.starts_with('=') && rest.ends_with('#')).then_some(kind)
}

/// Whether the first bytes of a file are supportconfig's: its first non-blank line, or the one
/// after a header block of `#` lines, is a section marker followed by a label.
pub fn is_sectioned(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    while let Some(line) = lines.next() {
        if marker(line).is_some() {
            return lines.next().is_some_and(|l| l.starts_with("# "));
        }
        if !line.starts_with('#') {
            return false;
        }
    }
    false
}

/// The sections of a supportconfig file, in order; text before the first marker is none.
pub fn split(text: &str) -> Vec<Section<'_>> {
    let mut sections = Vec::new();
    // (label, command, first line, byte offset where the body starts)
    let mut open: Option<(&str, bool, u32, usize)> = None;
    let mut offset = 0usize;
    let mut pending: Option<bool> = None;
    for (no, line) in numbered_lines(text) {
        let start = offset;
        offset = text
            .get(offset..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| offset + i + 1);
        if let Some(command) = pending.take() {
            if let Some(label) = line.strip_prefix("# ") {
                open = Some((label.trim(), command, no.saturating_add(1), offset));
                continue;
            }
        }
        if let Some(kind) = marker(line) {
            if let Some((label, command, first_line, body)) = open.take() {
                sections.push(Section {
                    label,
                    command,
                    first_line,
                    text: text.get(body..start).unwrap_or(""),
                });
            }
            pending = Some(kind == "Command");
        }
    }
    if let Some((label, command, first_line, body)) = open {
        sections.push(Section {
            label,
            command,
            first_line,
            text: text.get(body..).unwrap_or(""),
        });
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMORY_TXT: &str = "#==[ Command ]======================================#\n\
        # /usr/bin/free -k\n\
        \x20            total       used       free     shared    buffers     cached\n\
        Mem:      16267516    5742860   10524656          0     123456    4567890\n\
        \n\
        #==[ Configuration File ]===========================#\n\
        # /proc/buddyinfo\n\
        Node 0, zone      DMA      1      0      1\n\
        Node 0, zone   Normal   8860  11464    488\n";

    #[test]
    fn sections_and_their_lines() {
        assert!(is_sectioned(MEMORY_TXT.as_bytes()));
        assert!(!is_sectioned(b"Mem: 1 2 3\n"));
        let s = split(MEMORY_TXT);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "/usr/bin/free -k");
        assert!(s[0].command);
        assert_eq!(s[0].first_line, 3);
        assert!(s[0].text.starts_with("             total"));
        assert_eq!(s[1].label, "/proc/buddyinfo");
        assert!(!s[1].command);
        assert_eq!(s[1].first_line, 8);
        assert!(s[1].text.starts_with("Node 0, zone      DMA"));
    }

    #[test]
    fn labels_name_kinds() {
        use super::super::{kind_by_label, SourceKind as K};
        assert_eq!(kind_by_label("/usr/bin/free -k", true), Some(K::Free));
        assert_eq!(kind_by_label("/proc/buddyinfo", false), Some(K::Buddyinfo));
        assert_eq!(kind_by_label("/proc/meminfo", false), Some(K::Meminfo));
        assert_eq!(kind_by_label("/usr/bin/vmstat 1 4", true), None);
        assert_eq!(
            kind_by_label("/var/log/messages - Last 2500 Lines", false),
            Some(K::Syslog)
        );
    }
}
