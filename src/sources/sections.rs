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
//!
//! A ticket's paste of several commands is read the same way: each command's output follows
//! its prompt line (`[root@host ~]# free -mh`, then `[root@host ~]# cat /proc/buddyinfo`), and
//! is a section labelled by its command (by the file for `cat FILE`). A file is split so only
//! when two or more of its prompts run a command whose output is read.

use crate::parse::text::{is_prompt_line, numbered_lines};

/// One section of a supportconfig file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// The label without its `# `: a command line or a file path.
    pub label: &'a str,
    /// Whether the label is a command (a `Command` section).
    pub command: bool,
    /// The line number, in the whole file, of the section's first line after its label (of its
    /// prompt line, in a paste of commands).
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

/// The largest file read as a paste of commands. A section is read whole into memory; a file
/// larger than this with prompts in its head is a terminal log, not a paste, and is read as one
/// source, line by line.
pub const MAX_PASTE_BYTES: u64 = 64 * 1024 * 1024;

/// Whether a file of `size` bytes whose first bytes are `head` is sections: supportconfig's (a
/// section marker first), or a paste of two or more commands that are read, of at most
/// [`MAX_PASTE_BYTES`].
pub fn is_sectioned(head: &[u8], size: u64) -> bool {
    is_supportconfig(head)
        || (size <= MAX_PASTE_BYTES && prompts(&String::from_utf8_lossy(head)).count() >= 2)
}

/// The prompt lines of a paste whose command's output is read: line number, byte offset of
/// the line and of the line after it, and the section's label and whether it is a command.
fn prompts(text: &str) -> impl Iterator<Item = (u32, usize, usize, String, bool)> + '_ {
    let mut offset = 0usize;
    numbered_lines(text).filter_map(move |(no, line)| {
        let start = offset;
        offset = text
            .get(offset..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| offset + i + 1);
        // `# cmd` is a comment of a script or a configuration file as often as a root prompt.
        if !is_prompt_line(line) || line.trim_start().starts_with('#') {
            return None;
        }
        let command = super::sniff::prompt_command(&crate::parse::text::clean(line)).to_string();
        super::sniff::kind_of_command(&command)?;
        let words: Vec<&str> = command.split_whitespace().collect();
        let label = match words.as_slice() {
            [program, file] if matches!(*program, "cat" | "head" | "tail" | "less" | "more") => {
                Some(file.to_string())
            }
            _ => None,
        };
        Some(match label {
            Some(file) => (no, start, offset, file, false),
            None => (no, start, offset, command, true),
        })
    })
}

/// Whether the first bytes of a file are supportconfig's: its first non-blank line, or the one
/// after a header block of `#` lines, is a section marker followed by a label.
fn is_supportconfig(head: &[u8]) -> bool {
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

/// The sections of a supportconfig file or of a paste of commands, in order; text before the
/// first marker or prompt is none.
pub fn split(text: &str) -> Vec<Section<'_>> {
    if is_supportconfig(text.as_bytes()) {
        return split_supportconfig(text);
    }
    let found: Vec<(u32, usize, usize, String, bool)> = prompts(text).collect();
    let mut sections = Vec::new();
    if let Some(&(no, start, ..)) = found.first() {
        // What was pasted before the first prompt: its content decides what it is.
        let before = text.get(..start).unwrap_or("");
        if !before.trim().is_empty() && no > 1 {
            sections.push(Section {
                label: "",
                command: false,
                first_line: 1,
                text: before,
            });
        }
    }
    // A ticket may paste another host's output for comparison (`[root@healthy-node ~]#`): the
    // sections are those of the host most prompts name.
    let hosts: Vec<Option<&str>> = found
        .iter()
        .map(|&(_, start, body, ..)| prompt_host(text.get(start..body).unwrap_or("")))
        .collect();
    let main_host = hosts
        .iter()
        .flatten()
        .max_by_key(|h| {
            (
                hosts.iter().filter(|o| o.as_ref() == Some(*h)).count(),
                std::cmp::Reverse(**h),
            )
        })
        .copied();
    for (i, (no, start, body, label, command)) in found.iter().enumerate() {
        if hosts[i].is_some_and(|h| Some(h) != main_host) {
            continue;
        }
        let end = found.get(i + 1).map_or(text.len(), |next| next.1);
        // The label is the prompt line's: a slice of the text, as a supportconfig label is.
        let Some(label) = text
            .get(..*body)
            .and_then(|t| t.rfind(label.as_str()).map(|at| &t[at..at + label.len()]))
        else {
            continue;
        };
        // The prompt line stays in the section: its command says the output's flags (`free -m`),
        // and every parser skips a prompt line.
        sections.push(Section {
            label,
            command: *command,
            first_line: *no,
            text: text.get(*start..end).unwrap_or(""),
        });
    }
    sections
}

/// The host a prompt line names: `[root@host ~]#`, `root@host:~#`.
fn prompt_host(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let (_, after) = line.split_once('@')?;
    let end = after.find([' ', ']', ':', '#', '$'])?;
    let host = after.get(..end)?;
    (!host.is_empty()).then_some(host)
}

fn split_supportconfig(text: &str) -> Vec<Section<'_>> {
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
        assert!(is_sectioned(MEMORY_TXT.as_bytes(), 1024));
        assert!(is_sectioned(MEMORY_TXT.as_bytes(), MAX_PASTE_BYTES + 1));
        assert!(!is_sectioned(b"Mem: 1 2 3\n", 1024));
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

    /// The seed's ticket pasted `free -mh` and `cat /proc/buddyinfo` one after the other.
    #[test]
    fn a_paste_of_two_commands_is_two_sections() {
        let paste = "[root@beta_004 ~]# free -mh\n\
            \x20                 total        used        free          shared    buff/cache   available\n\
            Mem:            15G        5.5G        270M        278M       9.7G       6.3G\n\
            Swap:            0B          0B          0B\n\
            [root@beta_004 ~]# cat /proc/buddyinfo\n\
            Node 0, zone      DMA      1        0      1       1      1      1      1      0      1      1      3 \n\
            Node 0, zone   Normal   8860  11464    488    174     27     0      0      0      0      0      0 \n";
        assert!(is_sectioned(paste.as_bytes(), 1024));
        // The same head on a file too large for a paste is a terminal log.
        assert!(!is_sectioned(paste.as_bytes(), MAX_PASTE_BYTES + 1));
        let s = split(paste);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].label, s[0].command, s[0].first_line),
            ("free -mh", true, 1)
        );
        assert!(s[0].text.starts_with("[root@beta_004 ~]# free -mh\n   "));
        assert!(s[0].text.ends_with("0B\n"));
        assert_eq!(
            (s[1].label, s[1].command, s[1].first_line),
            ("/proc/buddyinfo", false, 5)
        );
        assert!(s[1]
            .text
            .starts_with("[root@beta_004 ~]# cat /proc/buddyinfo\nNode 0, zone"));
        // What comes before the first prompt is a section too; another host's output is none.
        let text = format!(
            "[    0.000000] Linux version 3.10.0-514.26.2.el7.x86_64\n{paste}\
             [root@iZ2zehr0ayevgplh6owqe3Z ~]# cat /proc/buddyinfo\n\
             Node 0, zone   Normal   2121    754    758    419    735   1411   1202   1160   1075      3      1 \n"
        );
        let s = split(&text);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].label, s[0].first_line), ("", 1));
        assert!(s[0].text.starts_with("[    0.000000] Linux version"));
        assert!(s[2].text.ends_with("0      0 \n"));
        // One command, or commands whose output is not read, are no sections.
        assert!(!is_sectioned(b"$ free -m\nMem: 1 2 3\n", 1024));
        assert!(!is_sectioned(b"$ ls\na\n$ whoami\nroot\n", 1024));
        assert!(!is_sectioned(
            b"# free -m\n# cat /proc/meminfo\nset -e\n",
            1024
        ));
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
