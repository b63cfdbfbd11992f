//! The text encoding of an entry, settled from its first bytes, and its bytes turned into UTF-8
//! as they arrive, before detection sniffs them and before the line splitter cuts them.
//!
//! Every reader past this point reads UTF-8. A file saved as UTF-16 (Windows PowerShell 5's `>`
//! writes UTF-16LE with a byte-order mark) is decoded chunk by chunk: a code unit or a surrogate
//! pair cut between two chunks is carried to the next, and since each newline stays one newline,
//! line numbers are those of the file. A UTF-8 byte-order mark is dropped. UTF-16 without a
//! byte-order mark is recognised by its NUL bytes at every other offset, decoded, and said in a
//! warning, since it is a guess. Any other undecodable byte is left to the line splitter, which
//! reads it as U+FFFD and counts the lines that held one.

use crate::facts::Warning;

/// How the bytes of an entry are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf16Le,
    Utf16Be,
}

/// Turns the chunks of a UTF-16 entry into UTF-8.
#[derive(Debug)]
pub struct Decoder {
    encoding: Encoding,
    /// An odd byte, or a high surrogate's two bytes, from the end of the last chunk.
    carried: Vec<u8>,
    /// The byte-order mark is still to be skipped.
    at_start: bool,
    out: Vec<u8>,
    /// Said once the entry is read: the encoding was guessed.
    pub warning: Option<Warning>,
}

/// What the start of an entry says of its encoding.
pub enum Start {
    /// UTF-8 (or anything else the line splitter reads as it is).
    Utf8,
    /// UTF-8 after a byte-order mark of this many bytes.
    Utf8Bom(usize),
    Utf16(Decoder),
}

/// Settle the encoding from the first chunk of an entry.
pub fn start(first: &[u8]) -> Start {
    if first.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Start::Utf8Bom(3);
    }
    let encoding = match first {
        [0xff, 0xfe, ..] => Some((Encoding::Utf16Le, None)),
        [0xfe, 0xff, ..] => Some((Encoding::Utf16Be, None)),
        _ => unmarked_utf16(first).map(|e| (e, Some(e))),
    };
    match encoding {
        Some((encoding, guessed)) => Start::Utf16(Decoder {
            encoding,
            carried: Vec::new(),
            at_start: guessed.is_none(),
            out: Vec::new(),
            warning: guessed.map(|e| {
                let name = match e {
                    Encoding::Utf16Le => "UTF-16LE",
                    Encoding::Utf16Be => "UTF-16BE",
                };
                Warning::file(format!(
                    "the file has no byte-order mark but its NUL bytes at every other offset say {name}: it was read as {name}"
                ))
            }),
        }),
        None => Start::Utf8,
    }
}

/// UTF-16 text without a byte-order mark: in its first bytes, nearly every byte at one parity is
/// NUL (ASCII text) and nearly none at the other.
fn unmarked_utf16(first: &[u8]) -> Option<Encoding> {
    let head = first.get(..first.len().min(4096) & !1)?;
    if head.len() < 32 {
        return None;
    }
    let units = head.len() / 2;
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let mostly = |n: usize| n * 10 >= units * 9;
    let hardly = |n: usize| n * 20 <= units;
    if mostly(odd) && hardly(even) {
        Some(Encoding::Utf16Le)
    } else if mostly(even) && hardly(odd) {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

impl Decoder {
    /// The UTF-8 of `chunk`, with what was carried from the last one; what ends it cut is
    /// carried to the next.
    pub fn decode(&mut self, chunk: &[u8]) -> &[u8] {
        let mut bytes = std::mem::take(&mut self.carried);
        bytes.extend_from_slice(chunk);
        let mut whole = bytes.len() & !1;
        let unit_at = |at: usize| -> u16 {
            let pair = [bytes[at], bytes[at + 1]];
            match self.encoding {
                Encoding::Utf16Le => u16::from_le_bytes(pair),
                Encoding::Utf16Be => u16::from_be_bytes(pair),
            }
        };
        // A high surrogate at the end waits for its low half.
        if whole >= 2 && (0xd800..0xdc00).contains(&unit_at(whole - 2)) {
            whole -= 2;
        }
        let mut units: Vec<u16> = (0..whole).step_by(2).map(unit_at).collect();
        if self.at_start && !units.is_empty() {
            if units.first() == Some(&0xfeff) {
                units.remove(0);
            }
            self.at_start = false;
        }
        self.carried = bytes.get(whole..).unwrap_or_default().to_vec();
        self.out.clear();
        let mut buf = [0u8; 4];
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        &self.out
    }

    /// What is left at the end of the entry: a lone byte or high surrogate, read as U+FFFD.
    pub fn finish(&mut self) -> &[u8] {
        self.out.clear();
        if !self.carried.is_empty() {
            self.carried.clear();
            self.out
                .extend_from_slice(char::REPLACEMENT_CHARACTER.to_string().as_bytes());
        }
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = bom.then_some(0xfeff).into_iter().chain(text.encode_utf16());
        for unit in units {
            if big_endian {
                out.extend_from_slice(&unit.to_be_bytes());
            } else {
                out.extend_from_slice(&unit.to_le_bytes());
            }
        }
        out
    }

    /// Decode `bytes` cut at `cuts`, as the bundle reader hands them over.
    fn decode_in_chunks(bytes: &[u8], cuts: &[usize]) -> (String, bool) {
        let mut points: Vec<usize> = cuts.iter().map(|&c| c.min(bytes.len())).collect();
        points.sort_unstable();
        let first_end = points
            .first()
            .copied()
            .unwrap_or(bytes.len())
            .max(bytes.len().min(64));
        let mut decoder = match start(&bytes[..first_end]) {
            Start::Utf16(d) => d,
            _ => return (String::from_utf8_lossy(bytes).into_owned(), false),
        };
        let mut out = Vec::new();
        let mut at = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            if p < at {
                continue;
            }
            out.extend_from_slice(decoder.decode(&bytes[at..p]));
            at = p;
        }
        out.extend_from_slice(decoder.finish());
        (String::from_utf8(out).expect("UTF-8 out"), true)
    }

    #[test]
    fn byte_order_marks_settle_the_encoding() {
        let text = "[2751018.239907] runc:[1:CHILD]: page allocation failure\n ünïcode 😀\n";
        for big in [false, true] {
            let (got, utf16) = decode_in_chunks(&utf16(text, big, true), &[3, 7, 8, 41]);
            assert!(utf16);
            assert_eq!(got, text);
        }
        assert!(matches!(start(b"\xef\xbb\xbfabc"), Start::Utf8Bom(3)));
        assert!(matches!(start(b"[ 12.3] plain"), Start::Utf8));
    }

    #[test]
    fn utf16_without_a_mark_is_read_with_a_warning() {
        let text = "Jan 23 20:10:01 beta_004 kernel: Mem-Info:\n";
        let Start::Utf16(mut d) = start(&utf16(text, false, false)) else {
            panic!("not taken for UTF-16");
        };
        assert!(d.warning.is_some());
        assert_eq!(d.decode(&utf16(text, false, false)), text.as_bytes());
        // Text with a few NULs, or binary data, is not UTF-16.
        assert!(matches!(
            start(b"Jan 23 20:10:01 beta_004 kernel: Mem-Info:\0\0\0\0 and more text here\n"),
            Start::Utf8
        ));
    }

    proptest! {
        /// Cut anywhere, even inside a surrogate pair, the text comes out whole.
        #[test]
        fn chunks_do_not_matter(
            text in "[a-z \n\u{e9}\u{1f600}\u{4e2d}]{0,60}",
            big in any::<bool>(),
            cuts in proptest::collection::vec(0usize..130, 0..6),
        ) {
            let bytes = utf16(&text, big, true);
            let (got, utf16) = decode_in_chunks(&bytes, &cuts);
            prop_assert!(utf16);
            prop_assert_eq!(got, text);
        }
    }
}
