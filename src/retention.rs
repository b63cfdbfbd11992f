//! What the parsers keep of a log's routine records, so that memory stays flat whatever the
//! logs hold.
//!
//! A container host logs the same warnings by the hundred thousand (a failing health check, a
//! crash-looping pod, `nf_conntrack: table full`, health check execs in `docker events`), and a
//! support bundle carries each log line three or four times (journal, current and rotated
//! syslog, ring buffer). Keeping every record made memory grow with the bundle. The policy:
//! - an incident (a failure report, an OOM kill, a runtime error, a container's life in
//!   `docker events`, any kernel message that is not routine) is kept whole, and so is every
//!   record without a time;
//! - a file keeps its first [`KEPT_BEFORE_FOLDING`] routine records whole: a log of ordinary
//!   size is read as it is, and only a flood folds;
//! - past them, a routine record is known by its *signature*: its kind and its one-line
//!   summary, every word holding a digit made `#` (the key the timeline folds repeats by, see
//!   [`signature`]). The first [`SAMPLES`] records of a
//!   signature are kept whole; each later one is counted into the last kept record of its
//!   signature ([`Repeats`]: how many, the line and stamp of the latest) and dropped, unless
//!   it is stamped before that kept record, when it is kept and the next ones fold into it;
//! - evidence is the kept record's file and line: folded records are counted, never quoted.
//!
//! Memory is then bounded by the number of signatures, not of records. The timeline reads a
//! kept record with its repeats as the run of events they were, and counts copies of one run in
//! several files once (`timeline::merge`).

use foldhash::HashMap;
use serde::Serialize;

use crate::facts::{DaemonRecord, DockerEvent, KernelMessage, Stamp, WallClock};

/// Records of one signature kept whole in each file before repeats fold: the first ones are
/// those a reader looks for, and rules cite.
pub const SAMPLES: u32 = 3;

/// Routine records a file keeps whole, whatever their signatures, before any folds: a log of
/// ordinary size is read as it is, and only a flood folds.
pub const KEPT_BEFORE_FOLDING: usize = 1000;

/// The records folded into a kept one: they share its signature and followed it in its file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Repeats {
    /// How many records were folded into this one (itself not counted).
    pub count: u64,
    /// The line of the last one.
    pub last_line: u32,
    /// The stamp of the last one, as printed.
    pub last: Stamp,
}

/// The text with every word holding a digit replaced by `#`: `docker0: port 3(veth1a2b)` and
/// `docker0: port 4(veth9f8e)` read the same.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalise_into(text, &mut out);
    out
}

/// [`normalise`], appended to `out`.
fn normalise_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        normalise_ascii(text, false, out);
        return;
    }
    // The word being read: where it starts, and whether it holds a digit.
    let mut word: Option<(usize, bool)> = None;
    let flush = |word: Option<(usize, bool)>, end: usize, out: &mut String| {
        if let Some((start, digit)) = word {
            out.push_str(if digit {
                "#"
            } else {
                text.get(start..end).unwrap_or_default()
            });
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() || c == '_' {
            let (start, digit) = word.unwrap_or((i, false));
            word = Some((start, digit || c.is_ascii_digit()));
        } else {
            flush(word.take(), i, out);
            out.push(c);
        }
    }
    flush(word, text.len(), out);
}

/// What a byte is to [`normalise`]: part of a word (a letter or `_`), a digit (part of a word
/// too), or neither.
const WORD: u8 = 1;
const DIGIT: u8 = 2;
static BYTE_CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        class[b] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_alphabetic() || c == b'_' {
            WORD
        } else {
            0
        };
        b += 1;
    }
    class
};

/// [`normalise`] of ASCII text (records are signed by the million), with control characters
/// made spaces when `controls` says so. The text is copied in runs, from one digit or control
/// character to the next, found eight bytes at a time ([`next_special`]); the word around a
/// digit is found from it, backwards and forwards, and written `#`. Most of a message holds no
/// digit and is copied at once.
fn normalise_ascii(text: &str, controls: bool, out: &mut String) {
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let is_word = |at: usize| {
        bytes
            .get(at)
            .is_some_and(|&b| BYTE_CLASS[usize::from(b)] != 0)
    };
    // `text[..copied]` is written; the search goes on from `at`.
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = next_special(bytes, at, controls) {
        if bytes.get(found).is_some_and(u8::is_ascii_digit) {
            // Its word starts after the last byte that is no word's, which is at or after
            // `copied` (the end of the last word written, or a control character).
            let mut start = found;
            while start > copied && is_word(start - 1) {
                start -= 1;
            }
            let mut end = found + 1;
            while is_word(end) {
                end += 1;
            }
            out.push_str(text.get(copied..start).unwrap_or_default());
            out.push('#');
            copied = end;
            at = end;
        } else {
            out.push_str(text.get(copied..found).unwrap_or_default());
            out.push(' ');
            copied = found + 1;
            at = found + 1;
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
}

/// The offset of the first digit at or after `from` in `bytes`, or of the first control
/// character (below a space, or DEL) when `controls` says so. Eight bytes are tested at once
/// while they are ASCII: with each byte below 0x80, adding to it never carries into the next.
fn next_special(bytes: &[u8], from: usize, controls: bool) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x80 * ONES;
    let special = |b: &u8| b.is_ascii_digit() || controls && (*b < b' ' || *b == 0x7f);
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // The high bit of a byte of `digits` is clear when the byte is `0`..=`9`: `b ^ 0x30`
        // is then below 10, and adding 0x76 keeps it below 0x80. The same for a byte below
        // 0x20 (adding 0x60), and for DEL (`b ^ 0x7f` is 0).
        let digits = (x ^ (0x30 * ONES)).wrapping_add(0x76 * ONES);
        let mut flags = !digits & HIGHS;
        if controls {
            let low = x.wrapping_add(0x60 * ONES);
            let del = (x ^ (0x7f * ONES)).wrapping_add(0x7f * ONES);
            flags |= !low & HIGHS | !del & HIGHS;
        }
        // A byte of `x` at or above 0x80 voids the sums: the word is read byte by byte.
        if flags != 0 || x & HIGHS != 0 {
            if let Some(p) = word.iter().position(special) {
                return Some(at + p);
            }
        }
        at += 8;
    }
    words.remainder().iter().position(special).map(|p| at + p)
}

/// Whether `b` is stamped at or after `a`, as printed: two wall clocks of the same form, else
/// two uptimes. A syslog stamp has no year: December before January reads as going back.
pub fn follows(a: &Stamp, b: &Stamp) -> bool {
    match (&a.wall, &b.wall) {
        (Some(x), Some(y)) => wall_follows(x, y),
        (None, None) => matches!((a.uptime_s, b.uptime_s), (Some(x), Some(y)) if y >= x),
        _ => false,
    }
}

fn wall_follows(a: &WallClock, b: &WallClock) -> bool {
    match (a, b) {
        (WallClock::Instant { at: x }, WallClock::Instant { at: y }) => y >= x,
        (WallClock::Local { at: x, .. }, WallClock::Local { at: y, .. }) => y >= x,
        (
            WallClock::NoYear {
                month: m1,
                day: d1,
                hour: h1,
                minute: n1,
                second: s1,
                nanosecond: f1,
            },
            WallClock::NoYear {
                month: m2,
                day: d2,
                hour: h2,
                minute: n2,
                second: s2,
                nanosecond: f2,
            },
        ) => (m2, d2, h2, n2, s2, f2) >= (m1, d1, h1, n1, s1, f1),
        _ => false,
    }
}

/// What the folder knows of one signature: how many records it has seen, and the kept record
/// that repeats fold into, with the stamp of the last record folded into it.
struct Seen {
    count: u32,
    open: Option<OpenRun>,
}

/// The kept record that repeats fold into: where it is, its stamp and the latest stamp folded.
struct OpenRun {
    at: usize,
    first: Stamp,
    last: Stamp,
}

/// Folds the routine records of one file by signature, as they are parsed.
#[derive(Default)]
pub struct Folder {
    signatures: HashMap<String, Seen>,
    /// Records kept whole so far.
    kept: usize,
    /// Room for a record's summary and signature: most records fold, and a signature is
    /// allocated only when it is new.
    summary: String,
    signature: String,
}

impl std::fmt::Debug for Folder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Folder")
            .field("signatures", &self.signatures.len())
            .field("kept", &self.kept)
            .finish()
    }
}

/// What to do with a record: keep it, or fold it into the kept record at an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retain {
    Keep,
    FoldInto(usize),
}

impl Folder {
    /// Decide for the record of `signature` stamped `stamp` that would be kept at index `next`
    /// of its list. When the answer is [`Retain::FoldInto`], the caller counts the record into
    /// that one with [`fold_into`] and drops it.
    pub fn retain(&mut self, signature: &str, stamp: &Stamp, next: usize) -> Retain {
        if !self.signatures.contains_key(signature) {
            self.signatures.insert(
                signature.to_string(),
                Seen {
                    count: 0,
                    open: None,
                },
            );
        }
        match self.signatures.get_mut(signature) {
            Some(seen) => decide(seen, &mut self.kept, stamp, next),
            None => Retain::Keep,
        }
    }

    /// Where the daemon record stamped `time`, whose summary `summary` writes, goes in a list
    /// of `next` records: the decision is made before the record is built, since most records
    /// of a flood fold. A record without a time is always kept.
    pub fn place_record(
        &mut self,
        time: Option<&WallClock>,
        next: usize,
        summary: impl FnOnce(&mut String),
    ) -> Placement {
        if time.is_none() {
            return Placement::Keep;
        }
        let stamp = wall_stamp(time);
        let mut text = std::mem::take(&mut self.summary);
        let mut signed = std::mem::take(&mut self.signature);
        text.clear();
        summary(&mut text);
        signed.clear();
        signature_into(&text, &mut signed);
        let retain = self.retain(&signed, &stamp, next);
        self.summary = text;
        self.signature = signed;
        match retain {
            Retain::Keep => Placement::Keep,
            Retain::FoldInto(at) => Placement::FoldInto(at, stamp),
        }
    }
}

/// [`Folder::retain`]'s decision for a signature `seen` before.
fn decide(seen: &mut Seen, kept: &mut usize, stamp: &Stamp, next: usize) -> Retain {
    seen.count = seen.count.saturating_add(1);
    if seen.count <= SAMPLES || *kept < KEPT_BEFORE_FOLDING {
        *kept += 1;
        return Retain::Keep;
    }
    if let Some(run) = &mut seen.open {
        // Stamps of one second come in any order (logrus prints nanoseconds): a record
        // stamped after the kept one folds, and the run ends at the latest. One stamped
        // before it starts a run of its own.
        if follows(&run.first, stamp) {
            if follows(&run.last, stamp) {
                run.last = stamp.clone();
            }
            return Retain::FoldInto(run.at);
        }
    }
    seen.open = Some(OpenRun {
        at: next,
        first: stamp.clone(),
        last: stamp.clone(),
    });
    *kept += 1;
    Retain::Keep
}

/// Where a daemon record goes: kept at the end of its list, or folded into a kept one.
#[derive(Debug)]
pub enum Placement {
    Keep,
    /// Fold into the record at this index; the record's stamp.
    FoldInto(usize, Stamp),
}

/// Carry out `placement` for the record of line `line`, which `record` builds when it is kept.
pub fn place(
    records: &mut Vec<DaemonRecord>,
    placement: Placement,
    line: u32,
    record: impl FnOnce() -> DaemonRecord,
) {
    match placement {
        Placement::Keep => records.push(record()),
        Placement::FoldInto(at, stamp) => match records.get_mut(at) {
            Some(kept) => fold_into(&mut kept.repeat, line, stamp),
            None => records.push(record()),
        },
    }
}

/// Count a record of line `line` stamped `stamp` into the kept record's repeats; the last is
/// the latest stamped (the last line read among equals).
pub fn fold_into(repeats: &mut Option<Repeats>, line: u32, stamp: Stamp) {
    match repeats {
        Some(r) => {
            r.count = r.count.saturating_add(1);
            if follows(&r.last, &stamp) {
                r.last_line = line;
                r.last = stamp;
            }
        }
        None => {
            *repeats = Some(Repeats {
                count: 1,
                last_line: line,
                last: stamp,
            })
        }
    }
}

/// How many records a kept one stands for: itself and its repeats.
pub fn weight(repeats: &Option<Repeats>) -> u64 {
    repeats.as_ref().map_or(1, |r| r.count.saturating_add(1))
}

/// The signature of a record's one-line summary, its words holding a digit made `#`: for a
/// summary short enough to be quoted whole, the key the timeline folds its events by. A longer
/// one is quoted cut at a word and with its secrets masked, which costs more than the rest of
/// the record's reading: it signs by its whole text, and its repeats fold under the quote of
/// the first.
pub fn signature(summary: &str) -> String {
    let mut out = String::with_capacity(summary.len());
    signature_into(summary, &mut out);
    out
}

/// [`signature`], appended to `out`.
fn signature_into(summary: &str, out: &mut String) {
    if summary.is_ascii() {
        // Control characters become spaces, and the trim then takes spaces only: every other
        // ASCII white space is a control character.
        let blank = |c: char| c <= ' ' || c == '\u{7f}';
        normalise_ascii(summary.trim_matches(blank), true, out);
        return;
    }
    let one_line: String = summary
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    normalise_into(one_line.trim(), out);
}

/// Keep `record` at the end of `records`, or fold it into a kept record of its signature. A
/// record without a time is always kept.
pub fn keep_record(records: &mut Vec<DaemonRecord>, folder: &mut Folder, record: DaemonRecord) {
    let placement = folder.place_record(record.time.as_ref(), records.len(), |text| {
        record.summary_into(text)
    });
    place(records, placement, record.line.no, || record);
}

/// A kept item that may stand for folded repeats.
pub trait Folded {
    fn repeats(&self) -> &Option<Repeats>;
}

impl Folded for DaemonRecord {
    fn repeats(&self) -> &Option<Repeats> {
        &self.repeat
    }
}

impl Folded for DockerEvent {
    fn repeats(&self) -> &Option<Repeats> {
        &self.repeat
    }
}

impl Folded for KernelMessage {
    fn repeats(&self) -> &Option<Repeats> {
        &self.repeat
    }
}

/// How many records `items` were read from: each with its repeats.
pub fn records<T: Folded>(items: &[T]) -> u64 {
    items.iter().map(|i| weight(i.repeats())).sum()
}

/// A stamp made of a wall clock alone (daemon records and events carry no uptime).
pub fn wall_stamp(wall: Option<&WallClock>) -> Stamp {
    Stamp {
        uptime_s: None,
        wall: wall.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_year(day: i8, hour: i8, minute: i8, second: i8) -> Stamp {
        Stamp {
            uptime_s: None,
            wall: Some(WallClock::NoYear {
                month: 1,
                day,
                hour,
                minute,
                second,
                nanosecond: 0,
            }),
        }
    }

    /// Feed `stamps` of one signature; the indexes kept, and the repeats of each kept one.
    fn feed(folder: &mut Folder, stamps: &[Stamp]) -> (Vec<usize>, Vec<Option<Repeats>>) {
        let mut kept = Vec::new();
        let mut repeats: Vec<Option<Repeats>> = Vec::new();
        for (i, stamp) in stamps.iter().enumerate() {
            match folder.retain("sig", stamp, kept.len()) {
                Retain::Keep => {
                    kept.push(i);
                    repeats.push(None);
                }
                Retain::FoldInto(at) => fold_into(&mut repeats[at], i as u32, stamp.clone()),
            }
        }
        (kept, repeats)
    }

    /// A folder that has kept its ordinary share of records already.
    fn flooded() -> Folder {
        Folder {
            kept: KEPT_BEFORE_FOLDING,
            ..Folder::default()
        }
    }

    /// [`normalise`] as first written, char by char: the oracle of the byte-wise one.
    fn normalise_by_chars(text: &str) -> String {
        let mut out = String::new();
        let mut word: Option<(usize, bool)> = None;
        let flush = |word: Option<(usize, bool)>, end: usize, out: &mut String| {
            if let Some((start, digit)) = word {
                out.push_str(if digit { "#" } else { &text[start..end] });
            }
        };
        for (i, c) in text.char_indices() {
            if c.is_alphanumeric() || c == '_' {
                let (start, digit) = word.unwrap_or((i, false));
                word = Some((start, digit || c.is_ascii_digit()));
            } else {
                flush(word.take(), i, &mut out);
                out.push(c);
            }
        }
        flush(word, text.len(), &mut out);
        out
    }

    proptest::proptest! {
        /// Signing a byte at a time gives what signing char by char gives.
        #[test]
        fn signatures_are_those_of_the_char_by_char_signing(
            s in "[a-z_A-Z0-9 .:#()\\t\\n\\r\u{b}\u{1f}\u{7f}\u{85}\u{a0}\u{e9}\u{660}\u{3000}-]{0,24}"
        ) {
            signs_as_the_oracle(&s)?;
        }

        /// The same on longer ASCII text, which is searched eight bytes at a time.
        #[test]
        fn ascii_signatures_are_those_of_the_char_by_char_signing(
            s in "([a-zA-Z_]{0,9}[0-9]?[a-z]{0,3}[ .:#()\\t\\n\\r\u{b}\u{1f}\u{7f}-]?){0,12}"
        ) {
            signs_as_the_oracle(&s)?;
        }
    }

    /// `s` normalised and signed as [`normalise_by_chars`] does it.
    fn signs_as_the_oracle(s: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        proptest::prop_assert_eq!(normalise(s), normalise_by_chars(s));
        let one_line: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        proptest::prop_assert_eq!(signature(s), normalise_by_chars(one_line.trim()));
        Ok(())
    }

    #[test]
    fn words_with_digits_read_the_same() {
        assert_eq!(
            normalise("docker0: port 3(veth1a2b) entered"),
            "#: port #(#) entered"
        );
    }

    #[test]
    fn summaries_that_differ_in_numbers_sign_the_same() {
        let a = signature("kubelet warning: probe of 10.0.0.7 failed after 3 tries");
        let b = signature("kubelet warning: probe of 10.0.2.19 failed after 12 tries");
        assert_eq!(a, b);
        assert_ne!(
            a,
            signature("kubelet error: probe of 10.0.0.7 failed after 3 tries")
        );
        // A short summary signs as the timeline quotes it.
        for text in [
            "dockerd error: a1 b\tc2 ",
            " kubelet warning: x\ny 10.0.0.7",
        ] {
            let quoted = crate::timeline::events::quote(text);
            assert_eq!(signature(text), normalise(&quoted));
        }
    }

    #[test]
    fn stamps_are_ordered_as_printed() {
        assert!(follows(&no_year(3, 23, 59, 0), &no_year(4, 0, 1, 0)));
        assert!(!follows(&no_year(4, 0, 1, 0), &no_year(3, 23, 59, 0)));
        let up = |s: f64| Stamp {
            uptime_s: Some(s),
            wall: None,
        };
        assert!(follows(&up(10.0), &up(12.5)));
        assert!(!follows(&up(10.0), &no_year(1, 0, 0, 0)));
    }

    #[test]
    fn an_ordinary_log_is_kept_whole() {
        let stamps: Vec<Stamp> = (0..60).map(|m| no_year(2, 10, m, 0)).collect();
        let (kept, _) = feed(&mut Folder::default(), &stamps);
        assert_eq!(kept.len(), 60);
    }

    #[test]
    fn samples_are_kept_then_repeats_fold() {
        // One record a minute for an hour, then one a day later.
        let mut stamps: Vec<Stamp> = (0..60).map(|m| no_year(2, 10, m, 0)).collect();
        stamps.push(no_year(3, 10, 0, 0));
        let (kept, repeats) = feed(&mut flooded(), &stamps);
        assert_eq!(kept, [0, 1, 2, 3]);
        let folded = repeats[3].as_ref().map(|r| (r.count, r.last_line));
        assert_eq!(folded, Some((57, 60)));
        let total: u64 = repeats.iter().map(weight).sum();
        assert_eq!(total, 61);
    }

    #[test]
    fn a_record_out_of_order_starts_a_run() {
        let mut stamps: Vec<Stamp> = (0..12).map(|m| no_year(2, 10, m, 0)).collect();
        stamps.push(no_year(2, 10, 5, 0));
        stamps.push(no_year(2, 9, 0, 0));
        stamps.push(no_year(2, 9, 1, 0));
        let (kept, repeats) = feed(&mut flooded(), &stamps);
        assert_eq!(kept, [0, 1, 2, 3, 13]);
        // The record of 10:05 folded, and the run still ends at 10:11.
        let folded = repeats[3].as_ref().map(|r| (r.count, r.last_line));
        assert_eq!(folded, Some((9, 11)));
        assert_eq!(repeats[4].as_ref().map(|r| r.count), Some(1));
    }
}
