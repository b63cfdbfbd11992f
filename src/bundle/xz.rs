//! The xz decoder: the C liblzma, built from the source the `liblzma` crate vendors (no
//! system library is needed, only a C compiler), 1.6 times as fast as lzma-rust2 and as fast as
//! `xz -d` itself (docs/performance.md).
//!
//! Concatenated streams are read to the end, as `xz -d` reads them: after each stream come
//! zero or more null bytes of stream padding (a multiple of four), then another stream or the
//! end of the input; anything else is an error.

use std::io::{self, BufRead, Read};

use liblzma::bufread::XzDecoder;
use liblzma::stream::{self, Stream, CONCATENATED};

/// Largest memory an xz stream may make its decoder use (xz -9 needs 65 MiB).
pub(crate) const XZ_MEM_LIMIT_KIB: u64 = 256 * 1024;

/// Decodes every xz stream of `input`, one after the other, and says what is wrong with a
/// stream that cannot be decoded.
pub(crate) struct XzStreams<R: BufRead> {
    decoder: XzDecoder<R>,
}

impl<R: BufRead> XzStreams<R> {
    pub(crate) fn new(input: R) -> io::Result<XzStreams<R>> {
        let stream = Stream::new_stream_decoder(XZ_MEM_LIMIT_KIB * 1024, CONCATENATED)
            .map_err(|e| io::Error::other(format!("the xz decoder could not start: {e}")))?;
        Ok(XzStreams {
            decoder: XzDecoder::new_stream(input, stream),
        })
    }
}

impl<R: BufRead> Read for XzStreams<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(explain)
    }
}

/// liblzma's errors in words that say what is wrong with the bundle.
fn explain(e: io::Error) -> io::Error {
    let kind = e.kind();
    let message = match e.get_ref().and_then(|inner| inner.downcast_ref::<stream::Error>()) {
        Some(stream::Error::MemLimit) => format!(
            "the xz stream needs more than {} MiB of memory to decode (a dictionary larger than any xz preset)",
            XZ_MEM_LIMIT_KIB / 1024
        ),
        Some(stream::Error::Data) => "corrupt xz data".to_string(),
        Some(stream::Error::Format) => "not an xz stream".to_string(),
        Some(stream::Error::Options) => "unsupported xz options".to_string(),
        Some(stream::Error::UnsupportedCheck) => "unsupported xz integrity check".to_string(),
        Some(other) => format!("xz decoder: {other}"),
        None if kind == io::ErrorKind::UnexpectedEof => "the xz stream is truncated".to_string(),
        None => return e,
    };
    io::Error::new(kind, message)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut w =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn decode(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        XzStreams::new(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn concatenated_streams_and_padding_are_read() {
        let mut bytes = xz(b"first ");
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend(xz(b"second "));
        bytes.extend(xz(b"third"));
        bytes.extend_from_slice(&[0; 4]);
        assert_eq!(decode(&bytes).unwrap(), b"first second third");
    }

    #[test]
    fn bad_padding_and_trailing_garbage_are_errors() {
        let one = xz(b"data");
        let mut odd = one.clone();
        odd.extend_from_slice(&[0; 3]);
        let mut garbage = one.clone();
        garbage.extend_from_slice(b"this is not another xz stream");
        let mut odd_between = one.clone();
        odd_between.extend_from_slice(&[0; 2]);
        odd_between.extend(xz(b"more"));
        for bytes in [&odd, &garbage, &odd_between] {
            let e = decode(bytes).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
            assert_eq!(e.to_string(), "corrupt xz data");
        }
    }

    #[test]
    fn truncated_and_corrupt_streams_are_errors() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let whole = xz(&data);
        let cut = &whole[..whole.len() / 2];
        let mut flipped = whole.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x55;
        let e = decode(cut).unwrap_err();
        assert_eq!(e.to_string(), "the xz stream is truncated");
        assert!(decode(&flipped).is_err());
    }

    /// An xz stream whose LZMA2 dictionary is said to be 4 GiB: the header of its first block
    /// is rewritten, with its checksum.
    fn huge_dictionary(data: &[u8]) -> Vec<u8> {
        fn vli(bytes: &[u8], at: &mut usize) {
            while bytes[*at] & 0x80 != 0 {
                *at += 1;
            }
            *at += 1;
        }
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        (crc >> 1) ^ 0xedb8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut bytes = xz(data);
        let start = 12;
        let size = (usize::from(bytes[start]) + 1) * 4;
        let flags = bytes[start + 1];
        let mut at = start + 2;
        if flags & 0x40 != 0 {
            vli(&bytes, &mut at);
        }
        if flags & 0x80 != 0 {
            vli(&bytes, &mut at);
        }
        assert_eq!(flags & 3, 0, "one filter");
        assert_eq!(
            &bytes[at..at + 2],
            &[0x21, 1],
            "LZMA2 with one property byte"
        );
        bytes[at + 2] = 40;
        let crc = crc32(&bytes[start..start + size - 4]);
        bytes[start + size - 4..start + size].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn a_dictionary_past_the_memory_limit_is_refused() {
        let e = decode(&huge_dictionary(b"data")).unwrap_err();
        assert!(e.to_string().contains("more than 256 MiB of memory"), "{e}");
    }
}
