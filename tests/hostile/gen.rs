//! Generators of broken and hostile bundles. Everything is built in memory or streamed to a file
//! from code: no binary fixture is committed. The bombs are written by hand-assembling
//! compressed streams from repeated blocks, so a multi-gigabyte output costs the test neither
//! memory nor CPU.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A tar member: a regular file, a link, a special file, or a header whose declared size lies.
pub enum Member<'a> {
    File(&'a [u8], &'a [u8]),
    Symlink(&'a [u8], &'a [u8]),
    HardLink(&'a [u8], &'a [u8]),
    /// Entry type byte (`b'3'` char device, `b'4'` block device, `b'6'` FIFO) and name.
    Special(u8, &'a [u8]),
    /// A file header declaring `size` bytes followed by `data` (which may be shorter).
    Claims(&'a [u8], u64, &'a [u8]),
    /// A regular file under a name of any length, in a GNU long-name record (`././@LongLink`).
    LongName(&'a [u8], &'a [u8]),
}

/// A ustar header with the name and link name copied byte for byte (names up to 100 bytes;
/// longer names go into the ustar prefix field when they have a `/` to split at).
pub fn tar_header(name: &[u8], kind: u8, link: &[u8], size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    let (prefix, name) = if name.len() > 100 {
        let split = name[..name.len() - 1]
            .iter()
            .rposition(|&b| b == b'/')
            .filter(|&i| i <= 155 && name.len() - i - 1 <= 100)
            .expect("long tar name has a / to split at");
        (&name[..split], &name[split + 1..])
    } else {
        (&b""[..], name)
    };
    h[..name.len()].copy_from_slice(name);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    if size < 8_589_934_592 {
        octal(&mut h[124..136], size);
    } else {
        // GNU base-256 for sizes that do not fit eleven octal digits.
        h[124] = 0x80;
        for (i, b) in size.to_be_bytes().iter().enumerate() {
            h[128 + i] = *b;
        }
    }
    octal(&mut h[136..148], 1_516_700_000);
    h[156] = kind;
    h[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[345..345 + prefix.len()].copy_from_slice(prefix);
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    octal(&mut h[148..155], u64::from(sum));
    h[155] = b' ';
    h
}

fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let s = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(s.as_bytes());
    field[digits] = 0;
}

/// A tar archive of the members, ended by two zero blocks unless `end` is false.
pub fn tar(members: &[Member<'_>], end: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        match m {
            Member::File(name, data) => {
                out.extend_from_slice(&tar_header(name, b'0', b"", data.len() as u64));
                pad_data(&mut out, data);
            }
            Member::Symlink(name, target) => {
                out.extend_from_slice(&tar_header(name, b'2', target, 0));
            }
            Member::HardLink(name, target) => {
                out.extend_from_slice(&tar_header(name, b'1', target, 0));
            }
            Member::Special(kind, name) => {
                out.extend_from_slice(&tar_header(name, *kind, b"", 0));
            }
            Member::Claims(name, size, data) => {
                out.extend_from_slice(&tar_header(name, b'0', b"", *size));
                out.extend_from_slice(data);
            }
            Member::LongName(name, data) => {
                let mut record = name.to_vec();
                record.push(0);
                out.extend_from_slice(&tar_header(
                    b"././@LongLink",
                    b'L',
                    b"",
                    record.len() as u64,
                ));
                pad_data(&mut out, &record);
                out.extend_from_slice(&tar_header(b"long", b'0', b"", data.len() as u64));
                pad_data(&mut out, data);
            }
        }
    }
    if end {
        out.extend_from_slice(&[0u8; 1024]);
    }
    out
}

/// A symlink whose name and target may be of any length, in GNU long-name and long-link
/// records.
pub fn long_symlink(name: &[u8], target: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, value) in [(b'K', target), (b'L', name)] {
        let mut record = value.to_vec();
        record.push(0);
        out.extend_from_slice(&tar_header(
            b"././@LongLink",
            kind,
            b"",
            record.len() as u64,
        ));
        pad_data(&mut out, &record);
    }
    out.extend_from_slice(&tar_header(b"long", b'2', b"long", 0));
    out
}

fn pad_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    out.extend(std::iter::repeat_n(0u8, (512 - data.len() % 512) % 512));
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).unwrap()
}

/// CRC-32 (IEEE), bit by bit: only ever run on small inputs here.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One zip member as stored on disk.
pub struct ZipMember {
    pub name: Vec<u8>,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub crc: u32,
    pub compressed: Vec<u8>,
    pub size: u32,
    /// Unix mode for the external attributes (`0o120777` marks a symlink).
    pub mode: u32,
}

impl ZipMember {
    pub fn stored(name: &[u8], data: &[u8]) -> ZipMember {
        ZipMember {
            name: name.to_vec(),
            method: 0,
            crc: crc32(data),
            compressed: data.to_vec(),
            size: data.len() as u32,
            mode: 0o100644,
        }
    }

    pub fn symlink(name: &[u8], target: &[u8]) -> ZipMember {
        ZipMember {
            mode: 0o120777,
            ..ZipMember::stored(name, target)
        }
    }
}

/// Writes a zip member by member; the central directory is written by [`ZipWriter::finish`].
pub struct ZipWriter<W: Write> {
    out: W,
    offset: u64,
    central: Vec<u8>,
    count: u64,
}

impl<W: Write> ZipWriter<W> {
    pub fn new(out: W) -> ZipWriter<W> {
        ZipWriter {
            out,
            offset: 0,
            central: Vec::new(),
            count: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        self.out.write_all(bytes).unwrap();
        self.offset += bytes.len() as u64;
    }

    /// Write the local header; the caller then streams exactly `compressed_len` bytes of data
    /// with [`ZipWriter::data`].
    pub fn start(&mut self, m: &ZipMember, compressed_len: u32) {
        let local = self.offset as u32;
        self.local(m, compressed_len);
        self.central(m, compressed_len, local);
    }

    /// The local header alone.
    pub fn local(&mut self, m: &ZipMember, compressed_len: u32) {
        let mut h = Vec::new();
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&m.method.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&0x4a21u16.to_le_bytes());
        h.extend_from_slice(&m.crc.to_le_bytes());
        h.extend_from_slice(&compressed_len.to_le_bytes());
        h.extend_from_slice(&m.size.to_le_bytes());
        h.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&m.name);
        self.put(&h);
    }

    /// A central directory record for a member whose local header is at `local`.
    pub fn central(&mut self, m: &ZipMember, compressed_len: u32, local: u32) {
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&(3u16 << 8 | 20).to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&m.method.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0x4a21u16.to_le_bytes());
        c.extend_from_slice(&m.crc.to_le_bytes());
        c.extend_from_slice(&compressed_len.to_le_bytes());
        c.extend_from_slice(&m.size.to_le_bytes());
        c.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0u8; 8]);
        c.extend_from_slice(&(m.mode << 16).to_le_bytes());
        c.extend_from_slice(&local.to_le_bytes());
        c.extend_from_slice(&m.name);
        self.count += 1;
    }

    pub fn data(&mut self, bytes: &[u8]) {
        self.put(bytes);
    }

    pub fn member(&mut self, m: &ZipMember) {
        self.start(m, m.compressed.len() as u32);
        self.put(&m.compressed.clone());
    }

    /// Where the next byte goes.
    pub fn offset(&self) -> u32 {
        self.offset as u32
    }

    /// Write the central directory and its end record (with the zip64 records when there are
    /// more than 65 535 members); `cd_offset_shift` moves the recorded directory offset to
    /// damage it.
    pub fn finish_with(mut self, cd_offset_shift: i64) -> W {
        let cd_offset = (self.offset as i64 + cd_offset_shift) as u64;
        let central = std::mem::take(&mut self.central);
        self.put(&central);
        let mut e = Vec::new();
        let count16 = u16::try_from(self.count).unwrap_or(u16::MAX);
        if count16 == u16::MAX {
            let zip64_end = self.offset;
            e.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            e.extend_from_slice(&44u64.to_le_bytes());
            e.extend_from_slice(&45u16.to_le_bytes());
            e.extend_from_slice(&45u16.to_le_bytes());
            e.extend_from_slice(&[0u8; 8]);
            e.extend_from_slice(&self.count.to_le_bytes());
            e.extend_from_slice(&self.count.to_le_bytes());
            e.extend_from_slice(&(central.len() as u64).to_le_bytes());
            e.extend_from_slice(&cd_offset.to_le_bytes());
            e.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            e.extend_from_slice(&0u32.to_le_bytes());
            e.extend_from_slice(&zip64_end.to_le_bytes());
            e.extend_from_slice(&1u32.to_le_bytes());
        }
        e.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        e.extend_from_slice(&[0u8; 4]);
        e.extend_from_slice(&count16.to_le_bytes());
        e.extend_from_slice(&count16.to_le_bytes());
        e.extend_from_slice(&(central.len() as u32).to_le_bytes());
        e.extend_from_slice(&(cd_offset as u32).to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        self.put(&e);
        self.out.flush().unwrap();
        self.out
    }

    pub fn finish(self) -> W {
        self.finish_with(0)
    }
}

/// A zip of the members, in memory.
pub fn zip(members: &[ZipMember]) -> Vec<u8> {
    let mut w = ZipWriter::new(Vec::new());
    for m in members {
        w.member(m);
    }
    w.finish()
}

/// A raw deflate stream of `mib` MiB of zeros, written to `out` by repeating one fully flushed
/// block (each is independent of the ones before it). Returns the compressed length.
fn deflate_zeros(mib: u64, out: &mut dyn FnMut(&[u8])) -> u64 {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(64 << 10);
    c.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .unwrap();
    assert_eq!(c.total_in(), 1 << 20, "one MiB compressed in one call");
    let mut tail = Vec::with_capacity(64);
    c.compress_vec(&[], &mut tail, FlushCompress::Finish)
        .unwrap();
    let mut len = 0;
    for _ in 0..mib {
        out(&block);
        len += block.len() as u64;
    }
    out(&tail);
    len + tail.len() as u64
}

/// A zip with a few ordinary files and then `copies` members `bomb-N.log` that all share one
/// local entry: `mib` MiB of zeros deflated about a thousand times. Each member alone expands no
/// more than deflate allows; together they expand `copies` times more than the file holds. The
/// recorded CRC is not the real one: a reader that keeps within its limits never checks it.
pub fn zip_bomb(path: &Path, ordinary: &[ZipMember], mib: u64, copies: u32) {
    let mut deflated = Vec::new();
    deflate_zeros(mib, &mut |b| deflated.extend_from_slice(b));
    let mut w = ZipWriter::new(BufWriter::new(File::create(path).unwrap()));
    for m in ordinary {
        w.member(m);
    }
    let bomb = |name: String| ZipMember {
        name: name.into_bytes(),
        method: 8,
        crc: 0,
        compressed: Vec::new(),
        size: u32::try_from(mib << 20).unwrap(),
        mode: 0o100644,
    };
    let shared = w.offset();
    let len = u32::try_from(deflated.len()).unwrap();
    w.local(&bomb("bomb-0.log".into()), len);
    w.data(&deflated);
    for i in 0..copies {
        w.central(&bomb(format!("bomb-{i}.log")), len, shared);
    }
    w.finish();
}

/// A zstd frame header with a 128 KiB window and no content size.
const ZSTD_HEADER: [u8; 6] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38];
const ZSTD_BLOCK: usize = 128 << 10;

fn zstd_block_header(last: bool, kind: u32, size: usize) -> [u8; 3] {
    let v = u32::from(last) | kind << 1 | (size as u32) << 3;
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// A `.tar.zst` whose last member, `bomb.log`, declares `size` bytes of zeros, all of them
/// present: the frame holds the tar headers as raw blocks and the zeros as run-length blocks of
/// four bytes per 128 KiB. Streamed to `path`.
pub fn tar_zst_bomb(path: &Path, ordinary: &[Member<'_>], size: u64) {
    let mut out = BufWriter::new(File::create(path).unwrap());
    out.write_all(&ZSTD_HEADER).unwrap();
    let mut head = tar(ordinary, false);
    head.extend_from_slice(&tar_header(b"bomb.log", b'0', b"", size));
    for chunk in head.chunks(ZSTD_BLOCK) {
        out.write_all(&zstd_block_header(false, 0, chunk.len()))
            .unwrap();
        out.write_all(chunk).unwrap();
    }
    // The zeros, then padding to 512 and the two end blocks, all zero too.
    let mut zeros = size + (512 - size % 512) % 512 + 1024;
    while zeros > 0 {
        let n = zeros.min(ZSTD_BLOCK as u64);
        zeros -= n;
        out.write_all(&zstd_block_header(zeros == 0, 1, n as usize))
            .unwrap();
        out.write_all(&[0]).unwrap();
    }
    out.flush().unwrap();
}

/// Text that compresses poorly, the same on every run.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 100 == 99 {
                b'\n'
            } else {
                b' ' + (x % 94) as u8
            }
        })
        .collect()
}
