//! Text helpers shared by the parsers: line splitting and the clean-up that pasted text needs.
//!
//! Bundle text comes from machines and from tickets. Pasted text carries non-breaking spaces,
//! CRLF line ends, shell prompt lines (`[root@host ~]# cat /proc/buddyinfo`) and blank lines inside
//! tables. These helpers let every parser read such text the same way, while evidence keeps the
//! line exactly as the bundle has it.

/// Iterate over the lines of `text` with 1-based line numbers. A trailing `\r` is removed; a
/// final line without a newline is still a line, and a text ending in `\n` has no phantom
/// empty last line.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let skip_all = text.is_empty();
    body.split('\n')
        .enumerate()
        .filter(move |_| !skip_all)
        .map(|(i, l)| {
            let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            (no, l.strip_suffix('\r').unwrap_or(l))
        })
}

/// Normalise a line for tokenising: non-breaking spaces (U+00A0, U+202F, U+2007) and tabs become
/// plain spaces, and surrounding white space is trimmed. Evidence keeps the original line.
pub fn clean(line: &str) -> std::borrow::Cow<'_, str> {
    // Of the characters replaced only the tab is ASCII: an ASCII line, most of any log, needs
    // one byte search instead of a test of every character.
    let replaces = if line.is_ascii() {
        memchr::memchr(b'\t', line.as_bytes()).is_some()
    } else {
        line.contains(['\u{a0}', '\u{202f}', '\u{2007}', '\t', '\u{feff}'])
    };
    if replaces {
        let s: String = line
            .chars()
            .filter(|&c| c != '\u{feff}')
            .map(|c| match c {
                '\u{a0}' | '\u{202f}' | '\u{2007}' | '\t' => ' ',
                c => c,
            })
            .collect();
        std::borrow::Cow::Owned(s.trim().to_string())
    } else {
        std::borrow::Cow::Borrowed(line.trim())
    }
}

/// Whether a line is a pasted shell prompt with a command (`[root@host ~]# cat /proc/buddyinfo`,
/// `$ free -m`, `root@host:~# dmesg`, `COMMAND> uname -a`), which parsers skip.
pub fn is_prompt_line(line: &str) -> bool {
    // Every prompt holds `#`, `$` or `COMMAND>`, and cleaning (which could join `COMMAND>`
    // across a byte-order mark, 0xEF...) cannot make one: most lines are rejected here.
    let bytes = line.as_bytes();
    if memchr::memchr3(b'#', b'$', b'>', bytes).is_none() && memchr::memchr(0xef, bytes).is_none() {
        return false;
    }
    let l = clean(line);
    let l = l.as_ref();
    if l.starts_with("COMMAND>") {
        return true;
    }
    if l.starts_with("$ ") || l.starts_with("# ") {
        return true;
    }
    if l.starts_with('[') {
        if let Some(end) = l.find("]#").or_else(|| l.find("]$")) {
            return l[..end].contains('@') || l[..end].contains(' ');
        }
    }
    if let Some(pos) = l.find("# ").or_else(|| l.find("$ ")) {
        let before = &l[..pos];
        return before.contains('@') && !before.contains(' ');
    }
    false
}

/// A text quoted whole in a ticket or a mail (`> ` before every line that is not blank) without
/// one level of its quote marks, so that a table reads as its program printed it; `None` when a
/// line is not quoted. Line numbers are kept: every line stays a line.
pub fn unquoted(text: &str) -> Option<String> {
    let mut quoted = false;
    for line in text.lines() {
        let t = line.trim_start_matches([' ', '\t']);
        if t.is_empty() {
            continue;
        }
        if !t.starts_with('>') {
            return None;
        }
        quoted = true;
    }
    if !quoted {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('\n') {
        let t = piece.trim_start_matches([' ', '\t']);
        match t.strip_prefix('>') {
            Some(rest) => out.push_str(rest.strip_prefix(' ').unwrap_or(rest)),
            None => out.push_str(piece),
        }
    }
    Some(out)
}

/// A line without the quote marks (`> `, `> > `) a ticket or a mail put before it.
pub fn unquote_line(line: &str) -> &str {
    let mut rest = line;
    while let Some(after) = rest.trim_start_matches([' ', '\t']).strip_prefix('>') {
        rest = after.strip_prefix(' ').unwrap_or(after);
    }
    rest
}

/// The number of a month by its English abbreviation as syslog and logrus write it (`Jan` is 1),
/// exactly three letters in that case.
pub fn syslog_month(name: &str) -> Option<i8> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let name: &[u8; 3] = name.as_bytes().try_into().ok()?;
    MONTHS
        .iter()
        .position(|m| *m == name)
        .and_then(|i| i8::try_from(i + 1).ok())
}

/// Split on ASCII and non-breaking white space.
pub fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_lines_handles_crlf_and_final_line() {
        let v: Vec<_> = numbered_lines("a\r\nb\n\nc").collect();
        assert_eq!(v, vec![(1, "a"), (2, "b"), (3, ""), (4, "c")]);
        let v: Vec<_> = numbered_lines("a\nb\n").collect();
        assert_eq!(v, vec![(1, "a"), (2, "b")]);
        assert_eq!(numbered_lines("").count(), 0);
    }

    #[test]
    fn a_text_quoted_whole_is_unquoted() {
        assert_eq!(
            unquoted("> Mem:  1  2\n>\n> Swap: 0\r\n\n").as_deref(),
            Some("Mem:  1  2\n\nSwap: 0\r\n\n")
        );
        assert_eq!(unquoted(">> a\n> b").as_deref(), Some("> a\nb"));
        assert_eq!(unquoted("> a\nb\n"), None);
        assert_eq!(unquoted("\n\n"), None);
        assert_eq!(
            unquote_line("> > 2016-07-01T12:00:00Z container oom x"),
            "2016-07-01T12:00:00Z container oom x"
        );
        assert_eq!(unquote_line("plain"), "plain");
    }

    #[test]
    fn syslog_months() {
        assert_eq!(syslog_month("Jan"), Some(1));
        assert_eq!(syslog_month("Dec"), Some(12));
        assert_eq!(syslog_month("jan"), None);
        assert_eq!(syslog_month("Janu"), None);
        assert_eq!(syslog_month("Ja"), None);
    }

    #[test]
    fn clean_replaces_nbsp() {
        assert_eq!(
            clean("\u{a0}Node 0,\u{a0}zone  DMA \t"),
            "Node 0, zone  DMA"
        );
    }

    #[test]
    fn prompt_lines() {
        assert!(is_prompt_line("[root@beta_004 ~]# cat /proc/buddyinfo"));
        assert!(is_prompt_line("[root@ ~]# free -mh"));
        assert!(is_prompt_line("root@host:~# dmesg"));
        assert!(is_prompt_line("COMMAND> uname -a"));
        assert!(is_prompt_line("$ free -m"));
        assert!(!is_prompt_line("Node 0, zone      DMA      1        0"));
        assert!(!is_prompt_line(
            "[2751018.239907] runc:[1:CHILD]: page allocation failure"
        ));
        assert!(!is_prompt_line("Mem:            15G        5.5G"));
    }
}
