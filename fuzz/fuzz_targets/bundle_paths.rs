//! The bundle's path bookkeeping on deep and long names: entry names, folders and links (soft
//! and hard, with `..`, absolute and looping targets) built from the input, some repeated
//! thousands of times, written as a tar with GNU long-name records, then read. Entry names past
//! the 4096-byte cap are skipped and reported; the rest go into the tree and every link is
//! resolved. Nothing may panic, and memory and time must stay in proportion to the input.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use postmortem::bundle::{read_bundle, EntryMeta, EntryVisitor, Limits};

struct Drain;

impl EntryVisitor for Drain {
    fn file(&mut self, _meta: &EntryMeta, data: &mut dyn Read) -> std::io::Result<()> {
        let _ = std::io::copy(data, &mut std::io::sink());
        Ok(())
    }
}

/// A ustar header of `kind` for a name and link name already moved to long-name records.
fn header(kind: u8, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..4].copy_from_slice(b"long");
    let mut octal = |range: std::ops::Range<usize>, value: u64| {
        let digits = range.len() - 1;
        let text = format!("{value:0digits$o}");
        h[range.start..range.start + digits].copy_from_slice(text.as_bytes());
    };
    octal(100..108, 0o644);
    octal(108..116, 0);
    octal(116..124, 0);
    octal(124..136, size);
    octal(136..148, 1_516_700_000);
    h[156] = kind;
    h[157..161].copy_from_slice(b"long");
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

fn padded(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    out.resize(out.len() + (512 - data.len() % 512) % 512, 0);
}

/// A GNU long-name (`L`) or long-link (`K`) record holding `value`.
fn long_record(out: &mut Vec<u8>, kind: u8, value: &[u8]) {
    let mut record = value.to_vec();
    record.push(0);
    out.extend_from_slice(&header(kind, record.len() as u64));
    padded(out, &record);
}

/// The tar the input describes. Records are separated by NUL bytes; in each, the first byte is
/// the entry kind, the second how many times the name's first part is repeated (0 to 25 500),
/// then the name, and after a 0x01 byte the link target, repeated as often.
fn tar_of(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for record in data.split(|&b| b == 0).take(64) {
        let [kind, times, rest @ ..] = record else {
            continue;
        };
        let times = usize::from(*times) * 100;
        let (name, target) = match rest.iter().position(|&b| b == 1) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        let repeat = |part: &[u8]| {
            let (head, tail) = part.split_at(part.len().min(4));
            let mut v = head.repeat(times.max(1));
            v.extend_from_slice(tail);
            v
        };
        let name = repeat(name);
        if name.is_empty() {
            continue;
        }
        let target = repeat(target);
        long_record(&mut out, b'L', &name);
        match kind % 4 {
            0 => {
                out.extend_from_slice(&header(b'0', target.len() as u64));
                padded(&mut out, &target);
            }
            1 | 2 => {
                long_record(&mut out, b'K', &target);
                let link = if kind % 4 == 1 { b'2' } else { b'1' };
                out.extend_from_slice(&header(link, 0));
            }
            _ => out.extend_from_slice(&header(b'5', 0)),
        }
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("bundle.tar");
    if std::fs::write(&path, tar_of(data)).is_err() {
        return;
    }
    let limits = Limits {
        max_total_bytes: 64 << 20,
        max_entry_bytes: 1 << 20,
        max_entries: 10_000,
        max_ratio: 1000,
        max_nesting: 1,
    };
    let _ = read_bundle(&path, &limits, &mut Drain);
});
