//! Container detection by magic bytes.

/// How many leading bytes detection looks at (a tar header block).
pub(crate) const SNIFF_LEN: usize = 512;

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Magic {
    Gzip,
    Xz,
    Zstd,
    Bzip2,
    Zip,
    Tar,
    Unknown,
}

impl Magic {
    pub(crate) fn is_container(self) -> bool {
        self != Magic::Unknown
    }
}

pub(crate) fn sniff(head: &[u8]) -> Magic {
    if head.starts_with(&[0x1f, 0x8b]) {
        Magic::Gzip
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Magic::Xz
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Magic::Zstd
    } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        Magic::Bzip2
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Magic::Zip
    } else if is_tar_header(head, false) {
        Magic::Tar
    } else {
        Magic::Unknown
    }
}

/// A tar header: `ustar` at offset 257, or an old-style header whose checksum adds up. An
/// all-zero block is the end marker of an empty archive; it counts only when `allow_empty`
/// (inside a compressed stream), since a file of zeros is otherwise far more likely.
pub(crate) fn is_tar_header(head: &[u8], allow_empty: bool) -> bool {
    let Some(block) = head.get(..SNIFF_LEN) else {
        return false;
    };
    if block.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    if block.iter().all(|&b| b == 0) {
        return allow_empty;
    }
    // The checksum field is octal digits, padded with NUL or space.
    let Some(field) = block.get(148..156) else {
        return false;
    };
    let digits: String = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .map(char::from)
        .collect();
    if digits.is_empty() {
        return false;
    }
    let Ok(recorded) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    // A name is required: a block of spaces would otherwise pass.
    sum == recorded && block.first().is_some_and(|&b| b != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_magic() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Magic::Gzip);
        assert_eq!(sniff(b"\xfd7zXZ\x00\x00"), Magic::Xz);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Magic::Zstd);
        assert_eq!(sniff(b"BZh91AY&SY"), Magic::Bzip2);
        assert_eq!(sniff(b"BZhx"), Magic::Unknown);
        assert_eq!(sniff(b"PK\x03\x04rest"), Magic::Zip);
        assert_eq!(sniff(b"PK\x05\x06"), Magic::Zip);
        assert_eq!(sniff(b"Linux version 3.10"), Magic::Unknown);
        assert_eq!(sniff(b""), Magic::Unknown);
    }

    #[test]
    fn detects_ustar_and_old_tar() {
        let mut header = tar::Header::new_ustar();
        header.set_path("a/b").unwrap();
        header.set_size(3);
        header.set_cksum();
        assert!(is_tar_header(header.as_bytes(), false));
        let mut old = tar::Header::new_old();
        old.set_path("dmesg").unwrap();
        old.set_size(10);
        old.set_cksum();
        assert_eq!(sniff(old.as_bytes()), Magic::Tar);
        let mut broken = *old.as_bytes();
        broken[0] = b'x';
        assert_eq!(sniff(&broken), Magic::Unknown);
        assert!(is_tar_header(&[0u8; 512], true));
        assert_eq!(sniff(&[0u8; 512]), Magic::Unknown);
        assert!(!is_tar_header(&[b' '; 512], true));
    }
}
