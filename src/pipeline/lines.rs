//! Line splitting of a byte stream that arrives in chunks.
//!
//! The lines are those of [`crate::parse::text::numbered_lines`] over the whole text read with
//! `String::from_utf8_lossy`: numbered from 1, without `\n` nor one trailing `\r`, a final line
//! without a newline still a line, no phantom empty line after a final newline. Each line is
//! decoded on its own; since `\n` is never part of a UTF-8 sequence, this replaces exactly the
//! bytes the whole-text decoding replaces.

use std::borrow::Cow;

use aho_corasick::packed;

use crate::facts::Warning;
use crate::parse::{ChunkSearch, Scanned};

/// Longest line kept; the rest of a longer line is dropped, so a file without newlines cannot
/// make the reader hold all of it. Journal JSON lines, the longest real ones, stay far below.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Splits chunks into lines, carrying a partial line from one chunk to the next.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// The partial line was cut at [`MAX_LINE_BYTES`].
    cut: bool,
    lines: u32,
    /// Numbers of the lines that were cut.
    pub cut_lines: Vec<u32>,
    /// Lines that held bytes that are not UTF-8, and the first of them.
    undecodable: u32,
    first_undecodable: u32,
    /// The chunk's whole lines, lower-cased, for the folded search.
    folded: Vec<u8>,
}

/// Receives each line: its number, its text, and what the chunk search found in it.
pub type LineSink<'a> = dyn FnMut(u32, &str, Scanned) + 'a;

impl LineSplitter {
    /// Split `chunk`, calling `sink` with each complete line. The complete lines of the chunk
    /// are searched for `search`'s literals in one pass, which costs far less than a search per
    /// line.
    pub fn feed(&mut self, chunk: &[u8], search: ChunkSearch, sink: &mut LineSink<'_>) {
        self.feed_found(chunk, search, None, sink);
    }

    /// [`LineSplitter::feed`], with `search.exact`'s matches in `chunk` already found (by the
    /// thread that read the chunk, which has time to spare).
    pub fn feed_found(
        &mut self,
        chunk: &[u8],
        search: ChunkSearch,
        found: Option<&[aho_corasick::Match]>,
        sink: &mut LineSink<'_>,
    ) {
        let mut rest = chunk;
        if !self.partial.is_empty() || self.cut {
            match memchr::memchr(b'\n', rest) {
                None => {
                    self.keep(rest);
                    return;
                }
                Some(end) => {
                    self.keep(&rest[..end]);
                    rest = &rest[end + 1..];
                    let partial = std::mem::take(&mut self.partial);
                    self.emit(&partial, Scanned::default(), sink);
                    self.partial = partial;
                    self.partial.clear();
                    self.cut = false;
                }
            }
        }
        let whole = match memchr::memrchr(b'\n', rest) {
            Some(last) => &rest[..last + 1],
            None => &[][..],
        };
        let mut folded = std::mem::take(&mut self.folded);
        folded.clear();
        if search.folded.is_some() {
            folded.extend(whole.iter().map(u8::to_ascii_lowercase));
        }
        let mut exact = match (search.exact, found) {
            (Some(_), Some(found)) => {
                // Matches are found in the whole chunk; `whole` starts after the partial line.
                let offset = chunk.len() - rest.len();
                Marks::found(whole, found, offset, search.routine)
            }
            _ => Marks::new(whole, search.exact, search.routine),
        };
        let mut lower = Marks::folded(&folded, search.folded);
        // Valid UTF-8 as a whole (the common case) is valid line by line: one check for all.
        let text = std::str::from_utf8(whole).ok();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', whole) {
            let line = &whole[start..end];
            let mark = exact.mark(start, end, line);
            let scanned = Scanned {
                plain: mark == Mark::Clear,
                no_folded: lower.mark(start, end, line) == Mark::Clear,
                routine: mark == Mark::Routine,
            };
            match text.and_then(|t| t.get(start..end)) {
                Some(valid) => self.emit_valid(valid, scanned, sink),
                None => self.emit(line, scanned, sink),
            }
            start = end + 1;
        }
        self.folded = folded;
        self.keep(&rest[whole.len()..]);
    }

    /// The last line, when the text does not end with a newline.
    pub fn finish(&mut self, sink: &mut LineSink<'_>) {
        if !self.partial.is_empty() || self.cut {
            let partial = std::mem::take(&mut self.partial);
            self.emit(&partial, Scanned::default(), sink);
            self.cut = false;
        }
    }

    /// The warning that some lines are not UTF-8 text, when some were not.
    pub fn undecodable_warning(&self) -> Option<Warning> {
        (self.undecodable > 0).then(|| {
            Warning::at(
                self.first_undecodable,
                format!(
                    "{} line(s) of this file, from this one on, hold bytes that are not UTF-8 (nor UTF-16 with a byte-order mark): they were read as U+FFFD",
                    self.undecodable
                ),
            )
        })
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.cut = true;
        }
        self.partial
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or(bytes));
    }

    /// [`LineSplitter::emit`] for a line already known to be UTF-8.
    fn emit_valid(&mut self, line: &str, scanned: Scanned, sink: &mut LineSink<'_>) {
        self.lines = self.lines.saturating_add(1);
        let line = line.strip_suffix('\r').unwrap_or(line);
        sink(self.lines, line, scanned);
    }

    fn emit(&mut self, line: &[u8], scanned: Scanned, sink: &mut LineSink<'_>) {
        self.lines = self.lines.saturating_add(1);
        if self.cut {
            self.cut_lines.push(self.lines);
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = match std::str::from_utf8(line) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                if self.undecodable == 0 {
                    self.first_undecodable = self.lines;
                }
                self.undecodable = self.undecodable.saturating_add(1);
                String::from_utf8_lossy(line)
            }
        };
        sink(self.lines, &text, scanned);
    }
}

/// Where, in a run of whole lines, the literals are (and, for an exact search, the tabs and
/// non-ASCII bytes): the lines that hold none of them are clear.
struct Marks<'a> {
    literals: Option<Found<'a>>,
    /// Tabs and non-ASCII bytes count too (the exact search).
    strict: bool,
    /// The pattern a line may hold and still be [`Mark::Routine`] (exact search only).
    routine: Option<usize>,
    tabs: memchr::Memchr<'a>,
    ascii: bool,
    /// The next literal (its start and pattern) and tab at or after the current line
    /// (`usize::MAX`: none left).
    next_literal: (usize, usize),
    next_tab: usize,
}

/// What the marks say of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// None of the literals (and, for an exact search, ASCII without tabs).
    Clear,
    /// As clear, but for one or more matches of the routine pattern.
    Routine,
    /// Anything else, or not known.
    Other,
}

/// Where the literals' matches come from.
enum Found<'a> {
    Search(packed::FindIter<'a, 'a>),
    /// Matches found beforehand, `offset` bytes before the text's start.
    Given(std::slice::Iter<'a, aho_corasick::Match>, usize),
}

impl<'a> Marks<'a> {
    fn new(
        text: &'a [u8],
        literals: Option<&'a packed::Searcher>,
        routine: Option<usize>,
    ) -> Marks<'a> {
        let found = literals.map(|s| Found::Search(s.find_iter(text)));
        Marks::with(text, found, true, routine)
    }

    /// Marks of the folded search, over lower-cased text: no tabs nor ASCII to look at.
    fn folded(text: &'a [u8], literals: Option<&'a packed::Searcher>) -> Marks<'a> {
        let found = literals.map(|s| Found::Search(s.find_iter(text)));
        Marks::with(text, found, false, None)
    }

    /// Exact marks from matches found beforehand in a text that held `text` at `offset`.
    fn found(
        text: &'a [u8],
        found: &'a [aho_corasick::Match],
        offset: usize,
        routine: Option<usize>,
    ) -> Marks<'a> {
        Marks::with(
            text,
            Some(Found::Given(found.iter(), offset)),
            true,
            routine,
        )
    }

    fn with(
        text: &'a [u8],
        literals: Option<Found<'a>>,
        strict: bool,
        routine: Option<usize>,
    ) -> Marks<'a> {
        let searched = literals.is_some();
        let mut marks = Marks {
            literals,
            strict,
            routine: routine.filter(|_| strict),
            tabs: memchr::memchr_iter(b'\t', if strict && searched { text } else { &[] }),
            ascii: searched && strict && text.is_ascii(),
            next_literal: (0, 0),
            next_tab: 0,
        };
        marks.next_literal = marks.advance_literal();
        marks.next_tab = marks.tabs.next().unwrap_or(usize::MAX);
        marks
    }

    fn advance_literal(&mut self) -> (usize, usize) {
        let none = (usize::MAX, usize::MAX);
        match self.literals.as_mut() {
            Some(Found::Search(it)) => it
                .next()
                .map_or(none, |m| (m.start(), m.pattern().as_usize())),
            Some(Found::Given(it, offset)) => {
                // Matches before the text (in the partial line) start below `offset`.
                it.find(|m| m.start() >= *offset)
                    .map_or(none, |m| (m.start() - *offset, m.pattern().as_usize()))
            }
            None => none,
        }
    }

    /// The mark of the line `start..end` (given as `line`). Lines are asked in order.
    fn mark(&mut self, start: usize, end: usize, line: &[u8]) -> Mark {
        if self.literals.is_none() {
            return Mark::Other;
        }
        while self.next_literal.0 < start {
            self.next_literal = self.advance_literal();
        }
        let mut routine = false;
        while self.next_literal.0 < end {
            if Some(self.next_literal.1) != self.routine {
                return Mark::Other;
            }
            routine = true;
            self.next_literal = self.advance_literal();
        }
        if self.strict {
            while self.next_tab < start {
                self.next_tab = self.tabs.next().unwrap_or(usize::MAX);
            }
            if self.next_tab < end || !(self.ascii || line.is_ascii()) {
                return Mark::Other;
            }
        }
        if routine {
            Mark::Routine
        } else {
            Mark::Clear
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::text::numbered_lines;
    use proptest::prelude::*;

    fn split(chunks: &[&[u8]]) -> Vec<(u32, String)> {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, ChunkSearch::default(), &mut |no, l, _| {
                out.push((no, l.to_string()))
            });
        }
        s.finish(&mut |no, l, _| out.push((no, l.to_string())));
        out
    }

    fn whole(bytes: &[u8]) -> Vec<(u32, String)> {
        let text = String::from_utf8_lossy(bytes);
        numbered_lines(&text)
            .map(|(no, l)| (no, l.to_string()))
            .collect()
    }

    #[test]
    fn lines_across_chunks() {
        let got = split(&[b"Jan 23 20:10:01 a\r\nJan 23 ", b"20:10:02 b\n", b"\nlast"]);
        assert_eq!(
            got,
            vec![
                (1, "Jan 23 20:10:01 a".to_string()),
                (2, "Jan 23 20:10:02 b".to_string()),
                (3, String::new()),
                (4, "last".to_string()),
            ]
        );
        assert_eq!(split(&[b"a\n"]), vec![(1, "a".to_string())]);
        assert!(split(&[b""]).is_empty());
        assert_eq!(split(&[b"\n"]), vec![(1, String::new())]);
    }

    #[test]
    fn invalid_utf8_split_between_chunks_is_replaced_once() {
        // "é" is C3 A9: split across chunks, still one character.
        let got = split(&[b"caf\xc3", b"\xa9\nbad \xff\n"]);
        assert_eq!(
            got,
            vec![(1, "café".to_string()), (2, "bad \u{fffd}".to_string())]
        );
    }

    #[test]
    fn long_line_is_cut_and_numbered() {
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.feed(b"first\n", ChunkSearch::default(), &mut |no, l, _| {
            out.push((no, l.len()))
        });
        for piece in long.chunks(4096) {
            s.feed(piece, ChunkSearch::default(), &mut |no, l, _| {
                out.push((no, l.len()))
            });
        }
        s.feed(b"\nafter\n", ChunkSearch::default(), &mut |no, l, _| {
            out.push((no, l.len()))
        });
        s.finish(&mut |no, l, _| out.push((no, l.len())));
        assert_eq!(out, vec![(1, 5), (2, MAX_LINE_BYTES), (3, 5)]);
        assert_eq!(s.cut_lines, vec![2]);
    }

    proptest! {
        #[test]
        fn same_lines_as_the_whole_text(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(0xc3u8), Just(0xa9u8), Just(0xffu8), any::<u8>(), Just(b'a'), Just(b'b'), Just(b'\t')],
                0..200,
            ),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            points.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for p in points {
                chunks.push(&bytes[at..p]);
                at = p;
            }
            chunks.push(&bytes[at..]);
            prop_assert_eq!(split(&chunks), whole(&bytes));

            // Plain lines hold no literal, no tab and only ASCII; lines without folded words
            // hold none in any case; the lines are the same.
            let literals = ["ab", "a\r", "\u{e9}x"];
            let words = ["ba", "\u{e9}"];
            fn searcher(lits: &[&str]) -> packed::Searcher {
                let mut builder = packed::Config::new().builder();
                builder.extend(lits);
                builder.build().expect("a searcher")
            }
            static EXACT: std::sync::LazyLock<packed::Searcher> =
                std::sync::LazyLock::new(|| searcher(&["ab", "a\r", "\u{e9}x"]));
            static FOLDED: std::sync::LazyLock<packed::Searcher> =
                std::sync::LazyLock::new(|| searcher(&["ba", "\u{e9}"]));
            // "ab" is the routine literal.
            let search = ChunkSearch { exact: Some(&EXACT), folded: Some(&FOLDED), routine: Some(0) };
            let mut s = LineSplitter::default();
            let mut marked = Vec::new();
            for c in &chunks {
                s.feed(c, search, &mut |no, l, sc| marked.push((no, l.to_string(), sc)));
            }
            s.finish(&mut |no, l, sc| marked.push((no, l.to_string(), sc)));
            let lines: Vec<(u32, String)> = marked.iter().map(|(n, l, _)| (*n, l.clone())).collect();
            prop_assert_eq!(lines, whole(&bytes));
            // Matches found beforehand in each chunk mark the same lines.
            let mut s = LineSplitter::default();
            let mut given = Vec::new();
            for c in &chunks {
                let found: Vec<aho_corasick::Match> = EXACT.find_iter(c).collect();
                s.feed_found(c, search, Some(&found), &mut |no, l, sc| given.push((no, l.to_string(), sc)));
            }
            s.finish(&mut |no, l, sc| given.push((no, l.to_string(), sc)));
            prop_assert_eq!(&given, &marked);
            for (_, line, scanned) in &marked {
                if scanned.plain {
                    prop_assert!(line.is_ascii() && !line.contains('\t'));
                    prop_assert!(literals.iter().all(|l| !line.contains(l)), "{line:?}");
                }
                if scanned.routine {
                    prop_assert!(line.is_ascii() && !line.contains('\t') && !scanned.plain);
                    prop_assert!(line.contains("ab") && !line.contains("a\r"), "{line:?}");
                }
                if scanned.no_folded {
                    let lower = line.to_ascii_lowercase();
                    prop_assert!(words.iter().all(|w| !lower.contains(w)), "{line:?}");
                }
            }
        }
    }
}
