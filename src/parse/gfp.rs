//! GFP flag decoding by kernel version.
//!
//! The bit values of `__GFP_*` flags were renumbered several times (4.4, 4.10, 4.15, and again
//! in the 5.x series), so a raw `mode:0x...` means nothing without the kernel release. Kernels
//! from 4.5 on print the names themselves (`mode:0x14040c0(GFP_KERNEL|__GFP_COMP)`); this table
//! matters most for 3.x, which printed only the number. Where the layout of a release is not
//! known exactly, or the mask holds a bit the table does not name, the decode is empty: a wrong
//! flag name would send a reader down the wrong path.

/// 2.6.24 – 4.3: `__GFP_WAIT` era. Bits above 0x80000 differ between these releases and are
/// added per release by [`layout_for`].
const BITS_WAIT_ERA: &[(u64, &str)] = &[
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_WAIT"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_COLD"),
    (0x200, "__GFP_NOWARN"),
    (0x400, "__GFP_REPEAT"),
    (0x800, "__GFP_NOFAIL"),
    (0x1000, "__GFP_NORETRY"),
    (0x4000, "__GFP_COMP"),
    (0x8000, "__GFP_ZERO"),
    (0x10000, "__GFP_NOMEMALLOC"),
    (0x20000, "__GFP_HARDWALL"),
    (0x40000, "__GFP_THISNODE"),
    (0x80000, "__GFP_RECLAIMABLE"),
];

/// `__GFP_MEMALLOC` took bit 0x2000 in 3.6.
const BIT_MEMALLOC: (u64, &str) = (0x2000, "__GFP_MEMALLOC");

/// 3.x high bits (3.2 – 3.15; `__GFP_KMEMCG` only 3.8 – 3.15 and RHEL 7's 3.10).
const BITS_3X_HIGH: &[(u64, &str)] = &[
    (0x200000, "__GFP_NOTRACK"),
    (0x400000, "__GFP_NO_KSWAPD"),
    (0x800000, "__GFP_OTHER_NODE"),
    (0x1000000, "__GFP_WRITE"),
];
const BIT_KMEMCG: (u64, &str) = (0x100000, "__GFP_KMEMCG");

const COMPOSITES_WAIT_ERA: &[(u64, &str)] = &[
    (0x200da, "GFP_HIGHUSER_MOVABLE"),
    (0x200d2, "GFP_HIGHUSER"),
    (0x200d0, "GFP_USER"),
    (0xd0, "GFP_KERNEL"),
    (0x50, "GFP_NOFS"),
    (0x20, "GFP_ATOMIC"),
    (0x10, "GFP_NOIO"),
];

/// 4.4 – 4.9 (`__GFP_DIRECT_RECLAIM`/`__GFP_KSWAPD_RECLAIM` split, `__GFP_OTHER_NODE` kept).
const BITS_4_4: &[(u64, &str)] = &[
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_RECLAIMABLE"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_COLD"),
    (0x200, "__GFP_NOWARN"),
    (0x400, "__GFP_REPEAT"),
    (0x800, "__GFP_NOFAIL"),
    (0x1000, "__GFP_NORETRY"),
    (0x2000, "__GFP_MEMALLOC"),
    (0x4000, "__GFP_COMP"),
    (0x8000, "__GFP_ZERO"),
    (0x10000, "__GFP_NOMEMALLOC"),
    (0x20000, "__GFP_HARDWALL"),
    (0x40000, "__GFP_THISNODE"),
    (0x80000, "__GFP_ATOMIC"),
    (0x100000, "__GFP_ACCOUNT"),
    (0x200000, "__GFP_NOTRACK"),
    (0x400000, "__GFP_DIRECT_RECLAIM"),
    (0x800000, "__GFP_OTHER_NODE"),
    (0x1000000, "__GFP_WRITE"),
    (0x2000000, "__GFP_KSWAPD_RECLAIM"),
];
const COMPOSITES_4_4: &[(u64, &str)] = &[
    (0x24200ca, "GFP_HIGHUSER_MOVABLE"),
    (0x24200c2, "GFP_HIGHUSER"),
    (0x24200c0, "GFP_USER"),
    (0x25000c0, "GFP_KERNEL_ACCOUNT"),
    (0x24000c0, "GFP_KERNEL"),
    (0x2400040, "GFP_NOFS"),
    (0x2400000, "GFP_NOIO"),
    (0x2080020, "GFP_ATOMIC"),
    (0x2000000, "GFP_NOWAIT"),
];

/// 4.10 – 4.12 (`__GFP_OTHER_NODE` removed, upper bits shifted down).
const BITS_4_10: &[(u64, &str)] = &[
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_RECLAIMABLE"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_COLD"),
    (0x200, "__GFP_NOWARN"),
    (0x400, "__GFP_REPEAT"),
    (0x800, "__GFP_NOFAIL"),
    (0x1000, "__GFP_NORETRY"),
    (0x2000, "__GFP_MEMALLOC"),
    (0x4000, "__GFP_COMP"),
    (0x8000, "__GFP_ZERO"),
    (0x10000, "__GFP_NOMEMALLOC"),
    (0x20000, "__GFP_HARDWALL"),
    (0x40000, "__GFP_THISNODE"),
    (0x80000, "__GFP_ATOMIC"),
    (0x100000, "__GFP_ACCOUNT"),
    (0x200000, "__GFP_NOTRACK"),
    (0x400000, "__GFP_DIRECT_RECLAIM"),
    (0x800000, "__GFP_WRITE"),
    (0x1000000, "__GFP_KSWAPD_RECLAIM"),
];
const COMPOSITES_4_10: &[(u64, &str)] = &[
    (0x14200ca, "GFP_HIGHUSER_MOVABLE"),
    (0x14200c2, "GFP_HIGHUSER"),
    (0x14200c0, "GFP_USER"),
    (0x15000c0, "GFP_KERNEL_ACCOUNT"),
    (0x14000c0, "GFP_KERNEL"),
    (0x1400040, "GFP_NOFS"),
    (0x1400000, "GFP_NOIO"),
    (0x1080020, "GFP_ATOMIC"),
    (0x1000000, "GFP_NOWAIT"),
];

/// 4.15 – 4.19 (`__GFP_COLD` and `__GFP_NOTRACK` removed, `__GFP_WRITE` moved to 0x100).
const BITS_4_15: &[(u64, &str)] = &[
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_RECLAIMABLE"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_WRITE"),
    (0x200, "__GFP_NOWARN"),
    (0x400, "__GFP_RETRY_MAYFAIL"),
    (0x800, "__GFP_NOFAIL"),
    (0x1000, "__GFP_NORETRY"),
    (0x2000, "__GFP_MEMALLOC"),
    (0x4000, "__GFP_COMP"),
    (0x8000, "__GFP_ZERO"),
    (0x10000, "__GFP_NOMEMALLOC"),
    (0x20000, "__GFP_HARDWALL"),
    (0x40000, "__GFP_THISNODE"),
    (0x80000, "__GFP_ATOMIC"),
    (0x100000, "__GFP_ACCOUNT"),
    (0x200000, "__GFP_DIRECT_RECLAIM"),
    (0x400000, "__GFP_KSWAPD_RECLAIM"),
];
const COMPOSITES_4_15: &[(u64, &str)] = &[
    (0x6200ca, "GFP_HIGHUSER_MOVABLE"),
    (0x6200c2, "GFP_HIGHUSER"),
    (0x6200c0, "GFP_USER"),
    (0x7000c0, "GFP_KERNEL_ACCOUNT"),
    (0x6000c0, "GFP_KERNEL"),
    (0x600040, "GFP_NOFS"),
    (0x600000, "GFP_NOIO"),
    (0x480020, "GFP_ATOMIC"),
    (0x400000, "GFP_NOWAIT"),
];

/// 5.4 – 6.3 (reordered: `__GFP_ZERO` 0x100, reclaim bits 0x400/0x800). Only the bits that did
/// not move until 6.3 are named; the high debug bits changed between releases.
const BITS_5_4: &[(u64, &str)] = &[
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_RECLAIMABLE"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_ZERO"),
    (0x200, "__GFP_ATOMIC"),
    (0x400, "__GFP_DIRECT_RECLAIM"),
    (0x800, "__GFP_KSWAPD_RECLAIM"),
    (0x1000, "__GFP_WRITE"),
    (0x2000, "__GFP_NOWARN"),
    (0x4000, "__GFP_RETRY_MAYFAIL"),
    (0x8000, "__GFP_NOFAIL"),
    (0x10000, "__GFP_NORETRY"),
    (0x20000, "__GFP_MEMALLOC"),
    (0x40000, "__GFP_COMP"),
    (0x80000, "__GFP_NOMEMALLOC"),
    (0x100000, "__GFP_HARDWALL"),
    (0x200000, "__GFP_THISNODE"),
    (0x400000, "__GFP_ACCOUNT"),
];
const COMPOSITES_5_4: &[(u64, &str)] = &[
    (0x100cca, "GFP_HIGHUSER_MOVABLE"),
    (0x100cc2, "GFP_HIGHUSER"),
    (0x100cc0, "GFP_USER"),
    (0x400cc0, "GFP_KERNEL_ACCOUNT"),
    (0xcc0, "GFP_KERNEL"),
    (0xc40, "GFP_NOFS"),
    (0xc00, "GFP_NOIO"),
    (0xa20, "GFP_ATOMIC"),
    (0x800, "GFP_NOWAIT"),
];

/// 6.4+: `__GFP_ATOMIC` removed (bit 0x200 unused), GFP_ATOMIC = __GFP_HIGH|__GFP_KSWAPD_RECLAIM.
const COMPOSITES_6_4: &[(u64, &str)] = &[
    (0x100cca, "GFP_HIGHUSER_MOVABLE"),
    (0x100cc2, "GFP_HIGHUSER"),
    (0x100cc0, "GFP_USER"),
    (0x400cc0, "GFP_KERNEL_ACCOUNT"),
    (0xcc0, "GFP_KERNEL"),
    (0xc40, "GFP_NOFS"),
    (0xc00, "GFP_NOIO"),
    (0x820, "GFP_ATOMIC"),
    (0x800, "GFP_NOWAIT"),
];

/// `3.10.0-514.26.2.el7.x86_64` → (3, 10, 0); a missing patch level reads as 0.
fn version(release: &str) -> Option<(u32, u32, u32)> {
    let mut it = release.split(['.', '-', '+', '_']);
    let leading = |s: &str| -> Option<u32> {
        let end = s.bytes().take_while(u8::is_ascii_digit).count();
        s.get(..end)?.parse().ok()
    };
    let major = it.next()?.parse().ok()?;
    let minor = leading(it.next()?)?;
    let patch = it.next().and_then(leading).unwrap_or(0);
    Some((major, minor, patch))
}

/// Bit names and composite masks (largest first) of a release.
type LayoutTables = (Vec<(u64, &'static str)>, &'static [(u64, &'static str)]);

fn layout_for(release: &str) -> Option<LayoutTables> {
    let (major, minor, patch) = version(release)?;
    let el7 = release.contains(".el7");
    let owned = |bits: &[(u64, &'static str)]| bits.to_vec();
    match (major, minor) {
        (2, 6) if patch >= 24 => Some((owned(BITS_WAIT_ERA), COMPOSITES_WAIT_ERA)),
        (3, m) if m <= 15 => {
            let mut bits = owned(BITS_WAIT_ERA);
            if m >= 6 {
                bits.push(BIT_MEMALLOC);
            }
            if m >= 2 {
                bits.extend_from_slice(BITS_3X_HIGH);
            }
            if (8..=15).contains(&m) || (m == 10 && el7) {
                bits.push(BIT_KMEMCG);
            }
            Some((bits, COMPOSITES_WAIT_ERA))
        }
        (3, _) | (4, 0..=3) => {
            let mut bits = owned(BITS_WAIT_ERA);
            bits.push(BIT_MEMALLOC);
            bits.extend_from_slice(BITS_3X_HIGH);
            Some((bits, COMPOSITES_WAIT_ERA))
        }
        (4, 4..=9) => {
            let mut bits = owned(BITS_4_4);
            if minor == 4 {
                // 4.4 had the inverse flag on the same bit; 4.5 replaced it with __GFP_ACCOUNT.
                for b in &mut bits {
                    if b.0 == 0x100000 {
                        b.1 = "__GFP_NOACCOUNT";
                    }
                }
                return Some((bits, COMPOSITES_4_4_NO_ACCOUNT));
            }
            Some((bits, COMPOSITES_4_4))
        }
        (4, 10..=12) => Some((owned(BITS_4_10), COMPOSITES_4_10)),
        (4, 15..=19) => Some((owned(BITS_4_15), COMPOSITES_4_15)),
        (5, 4..) | (6, 0..=3) => Some((owned(BITS_5_4), COMPOSITES_5_4)),
        (6, 4..) => {
            let bits = BITS_5_4
                .iter()
                .copied()
                .filter(|&(b, _)| b != 0x200)
                .collect();
            Some((bits, COMPOSITES_6_4))
        }
        _ => None,
    }
}

const COMPOSITES_4_4_NO_ACCOUNT: &[(u64, &str)] = &[
    (0x24200ca, "GFP_HIGHUSER_MOVABLE"),
    (0x24200c2, "GFP_HIGHUSER"),
    (0x24200c0, "GFP_USER"),
    (0x24000c0, "GFP_KERNEL"),
    (0x2400040, "GFP_NOFS"),
    (0x2400000, "GFP_NOIO"),
    (0x2080020, "GFP_ATOMIC"),
    (0x2000000, "GFP_NOWAIT"),
];

/// Decode a raw GFP mask into flag names for the given kernel release (`3.10.0-514.el7`).
/// Returns an empty list when the release is unknown, when the flag layout of that release is
/// not known exactly, or when the mask has a bit the layout does not name. The first composite
/// mask fully present (`GFP_KERNEL`) comes first, then the remaining `__GFP_*` bits in bit order.
pub fn decode(raw: u64, kernel_release: Option<&str>) -> Vec<String> {
    let Some(release) = kernel_release else {
        return Vec::new();
    };
    let Some((layout_bits, composites)) = layout_for(release) else {
        return Vec::new();
    };
    let known: u64 = layout_bits.iter().fold(0, |acc, &(b, _)| acc | b);
    if raw & !known != 0 {
        return Vec::new();
    }
    let mut names = Vec::new();
    let mut rest = raw;
    if let Some(&(mask, name)) = composites.iter().find(|&&(mask, _)| raw & mask == mask) {
        names.push(name.to_string());
        rest &= !mask;
    }
    let mut sorted = layout_bits;
    sorted.sort_by_key(|&(b, _)| b);
    for (bit, name) in sorted {
        if rest & bit != 0 {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: u64, rel: &str) -> String {
        decode(raw, Some(rel)).join("|")
    }

    #[test]
    fn rhel7_seed_mask() {
        assert_eq!(
            d(0x10c0d0, "3.10.0-514.26.2.el7.x86_64"),
            "GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG"
        );
        // RHEL 7.7+ dropped the KMEMCG bit.
        assert_eq!(
            d(0xc0d0, "3.10.0-1062.el7.x86_64"),
            "GFP_KERNEL|__GFP_COMP|__GFP_ZERO"
        );
    }

    #[test]
    fn ubuntu_3_13_masks() {
        assert_eq!(
            d(0x280da, "3.13.0-27-generic"),
            "GFP_HIGHUSER_MOVABLE|__GFP_ZERO"
        );
        assert_eq!(d(0xd0, "3.13.0-43-generic"), "GFP_KERNEL");
        assert_eq!(d(0x20, "3.13.0-43-generic"), "GFP_ATOMIC");
        // __GFP_KMEMCG was removed in 3.16: the bit is unknown there.
        assert!(decode(0x1000d0, Some("3.16.0")).is_empty());
    }

    #[test]
    fn four_x_layouts_match_printed_names() {
        assert_eq!(d(0x24000c0, "4.8.0-gentoo"), "GFP_KERNEL");
        assert_eq!(d(0x2080020, "4.9.0"), "GFP_ATOMIC");
        assert_eq!(d(0x14040c0, "4.11.0"), "GFP_KERNEL|__GFP_COMP");
        assert_eq!(d(0x14200ca, "4.10.0"), "GFP_HIGHUSER_MOVABLE");
        assert_eq!(d(0x6000c0, "4.15.0-20-generic"), "GFP_KERNEL");
        assert_eq!(d(0x6200ca, "4.19.0"), "GFP_HIGHUSER_MOVABLE");
    }

    #[test]
    fn five_and_six_x() {
        assert_eq!(d(0xcc0, "5.15.0-1087-azure"), "GFP_KERNEL");
        assert_eq!(d(0xdc0, "5.10.0"), "GFP_KERNEL|__GFP_ZERO");
        assert_eq!(d(0x40a20, "5.13.0"), "GFP_ATOMIC|__GFP_COMP");
        assert_eq!(d(0x100cca, "5.4.0-42-generic"), "GFP_HIGHUSER_MOVABLE");
        assert_eq!(d(0x820, "6.8.0"), "GFP_ATOMIC");
    }

    #[test]
    fn unknown_or_unsure_release_is_empty() {
        assert!(decode(0xd0, None).is_empty());
        assert!(decode(0xcc0, Some("5.1.0")).is_empty());
        assert!(decode(0x14000c0, Some("4.14.0")).is_empty());
        assert!(decode(0xd0, Some("garbage")).is_empty());
        assert!(decode(0xd0, Some("2.4.37")).is_empty());
        assert_eq!(
            d(0x201d2, "2.6.32-754.el6.x86_64"),
            "GFP_HIGHUSER|__GFP_COLD"
        );
        // __GFP_MEMALLOC only from 3.6.
        assert!(decode(0x20d0, Some("2.6.32-754.el6.x86_64")).is_empty());
        assert!(decode(0x8000_0000_0000, Some("5.10.0")).is_empty());
    }
}
