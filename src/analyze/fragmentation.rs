//! The buddy allocator's arithmetic, computed the way the kernel computes it.
//!
//! Everything here works on a list of free-block counts per order (`/proc/buddyinfo`, or the
//! free lists printed inside an allocation-failure report), so the report can state the
//! fragmentation index and the watermark outcome even when debugfs was not mounted, and for the
//! exact moment of the failure rather than minutes later.
//!
//! Formulas follow `mm/vmstat.c` (`fill_contig_page_info`, `__fragmentation_index`,
//! `unusable_free_index`) and `mm/page_alloc.c` (`__zone_watermark_ok` before and after 4.4).

use crate::derive::kernel_version::KernelVersion;

/// The three sums `fill_contig_page_info` builds for an order-N request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContigInfo {
    /// Free 4 KiB pages in the zone: sum of `count[o] << o`.
    pub free_pages: u64,
    /// Free buddy blocks of any order: sum of `count[o]`.
    pub free_blocks_total: u64,
    /// Blocks usable for an order-N request: sum over `o >= N` of `count[o] << (o - N)`.
    pub free_blocks_suitable: u64,
}

/// `count << shift` without overflow (bundle numbers can be anything).
fn shl(count: u64, shift: u32) -> u64 {
    if shift >= 64 {
        return if count == 0 { 0 } else { u64::MAX };
    }
    count.saturating_mul(1u64 << shift)
}

/// The sums for an order-`order` request over `counts` (order 0 first).
pub fn contig_info(counts: &[u64], order: u32) -> ContigInfo {
    let mut info = ContigInfo {
        free_pages: 0,
        free_blocks_total: 0,
        free_blocks_suitable: 0,
    };
    for (o, &count) in counts.iter().enumerate() {
        let o = u32::try_from(o).unwrap_or(u32::MAX);
        info.free_blocks_total = info.free_blocks_total.saturating_add(count);
        info.free_pages = info.free_pages.saturating_add(shl(count, o));
        if o >= order {
            info.free_blocks_suitable = info
                .free_blocks_suitable
                .saturating_add(shl(count, o - order));
        }
    }
    info
}

/// The fragmentation index the kernel prints in `extfrag_index`, as the printed value
/// (index / 1000): `-1.0` when a suitable block exists, `0.0` when the zone has no free block at
/// all, otherwise a value in 0..1 where values near 1 mean the request fails because free memory
/// is fragmented and values near 0 mean it fails for lack of memory. `None` for an order beyond
/// what a page count can express.
pub fn fragmentation_index(counts: &[u64], order: u32) -> Option<f64> {
    fragmentation_index_milli(counts, order).map(|v| v as f64 / 1000.0)
}

/// [`fragmentation_index`] in the kernel's own unit (thousandths), with its integer division.
pub fn fragmentation_index_milli(counts: &[u64], order: u32) -> Option<i64> {
    if order >= 63 {
        return None;
    }
    let info = contig_info(counts, order);
    if info.free_blocks_total == 0 {
        return Some(0);
    }
    if info.free_blocks_suitable > 0 {
        return Some(-1000);
    }
    let requested = 1u64 << order;
    let scaled = info.free_pages.saturating_mul(1000) / requested;
    let per_block = scaled.saturating_add(1000) / info.free_blocks_total;
    // With a handful of blocks the kernel's integer result dips below zero (and prints
    // oddly); it means lack of memory, so it is read as 0.
    Some(1000 - i64::try_from(per_block).unwrap_or(i64::MAX).min(1000))
}

/// The unusable free index (`unusable_index`): the share of free memory held in blocks smaller
/// than the request. 0.0 = none of it, 1.0 = all of it (also when nothing is free).
pub fn unusable_index(counts: &[u64], order: u32) -> f64 {
    unusable_index_milli(counts, order) as f64 / 1000.0
}

/// [`unusable_index`] in thousandths, with the kernel's integer division.
pub fn unusable_index_milli(counts: &[u64], order: u32) -> u64 {
    let info = contig_info(counts, order);
    if info.free_pages == 0 {
        return 1000;
    }
    let usable = shl(info.free_blocks_suitable, order).min(info.free_pages);
    (info.free_pages - usable).saturating_mul(1000) / info.free_pages
}

/// The highest order that has a free block, if any.
pub fn largest_free_order(counts: &[u64]) -> Option<u32> {
    counts
        .iter()
        .rposition(|&c| c > 0)
        .and_then(|o| u32::try_from(o).ok())
}

/// Which form of `__zone_watermark_ok` the kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatermarkRule {
    /// Before 4.4 (and RHEL 7): after the order-0 check, for each order below N the pages in
    /// blocks of that order are subtracted and the mark halved; free must stay above it.
    PerOrder,
    /// 4.4 and later (commit 97a16fc82a7c): the order-0 check, then at least one free block of
    /// order >= N.
    Order0PlusBlock,
}

impl WatermarkRule {
    /// The rule of a kernel; the newer one when the kernel is unknown, because it is the less
    /// strict and so claims a failure only where every kernel would fail.
    pub fn for_kernel(kernel: Option<&KernelVersion>) -> WatermarkRule {
        match kernel {
            Some(k) if k.has_per_order_watermark() => WatermarkRule::PerOrder,
            _ => WatermarkRule::Order0PlusBlock,
        }
    }

    /// How the report names the rule.
    pub fn describe(self) -> &'static str {
        match self {
            WatermarkRule::PerOrder => {
                "pre-4.4 check: pages in blocks smaller than the request do not count"
            }
            WatermarkRule::Order0PlusBlock => {
                "4.4+ check: free pages above the mark and one free block of the order"
            }
        }
    }
}

/// Why a watermark check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatermarkFailure {
    /// Free pages (less the request) at or below min + lowmem_reserve.
    Order0,
    /// Pre-4.4: after removing the pages in blocks of order `o` (and below), free fell to or
    /// below the halved mark.
    AtOrder(u32),
    /// 4.4+: no free block of the requested order or above.
    NoBlock,
}

/// The outcome of a watermark check, with the numbers that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatermarkCheck {
    pub ok: bool,
    pub rule: WatermarkRule,
    pub failure: Option<WatermarkFailure>,
    /// Free pages left at the deciding step (after the request and, for the per-order rule,
    /// the smaller blocks were taken away).
    pub left_pages: i64,
    /// The mark they were compared with at that step (min + reserve for the order-0 step; the
    /// halved min for the per-order steps).
    pub mark_pages: i64,
}

/// Whether a zone passes `__zone_watermark_ok` for an order-`order` request.
///
/// `free_pages` is the zone's free page count (the zone line's `free:`, in pages), `counts` its
/// free lists (for the 4.4+ rule, only the blocks of migratetypes the request may take),
/// `min_pages` the mark (the slow path uses `min`), `lowmem_reserve_pages` the zone's
/// `lowmem_reserve[classzone]` for the request.
pub fn watermark_ok(
    free_pages: u64,
    counts: &[u64],
    order: u32,
    min_pages: u64,
    lowmem_reserve_pages: u64,
    rule: WatermarkRule,
) -> WatermarkCheck {
    watermark_ok_withholding(
        free_pages,
        0,
        counts,
        order,
        min_pages,
        lowmem_reserve_pages,
        rule,
    )
}

/// [`watermark_ok`] with `withheld_pages` of the free pages out of the request's reach in the
/// order-0 step: free CMA pages for a request that is not movable (all eras), and the
/// high-atomic reserve for a request that is not atomic (4.4+), as the kernel subtracts them.
pub fn watermark_ok_withholding(
    free_pages: u64,
    withheld_pages: u64,
    counts: &[u64],
    order: u32,
    min_pages: u64,
    lowmem_reserve_pages: u64,
    rule: WatermarkRule,
) -> WatermarkCheck {
    let narrow = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    let fail = |failure, left: i128, mark: i128| WatermarkCheck {
        ok: false,
        rule,
        failure: Some(failure),
        left_pages: narrow(left),
        mark_pages: narrow(mark),
    };
    let order = order.min(62);
    let mut free = i128::from(free_pages) - ((1i128 << order) - 1);
    let min = i128::from(min_pages);
    let order0_mark = min + i128::from(lowmem_reserve_pages);
    let usable = free - i128::from(withheld_pages);
    if usable <= order0_mark {
        return fail(WatermarkFailure::Order0, usable, order0_mark);
    }
    if rule == WatermarkRule::Order0PlusBlock {
        // 4.4+ subtracts the withheld pages once, before every step.
        free = usable;
    }
    match rule {
        WatermarkRule::PerOrder => {
            let mut mark = min;
            for o in 0..order {
                let count = counts.get(o as usize).copied().unwrap_or(0);
                free -= i128::from(count) << o;
                mark >>= 1;
                if free <= mark {
                    return fail(WatermarkFailure::AtOrder(o), free, mark);
                }
            }
        }
        WatermarkRule::Order0PlusBlock => {
            let has_block = counts.iter().skip(order as usize).any(|&c| c > 0);
            if !has_block {
                return fail(WatermarkFailure::NoBlock, free, order0_mark);
            }
        }
    }
    WatermarkCheck {
        ok: true,
        rule,
        failure: None,
        left_pages: narrow(free),
        mark_pages: narrow(order0_mark),
    }
}

/// Bytes of a block of `order` with 4 KiB pages.
pub fn order_bytes(order: u32) -> u64 {
    shl(4096, order)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zone Normal at the seed failure: `15952*4kB 2235*8kB 859*16kB 17*32kB 0*64kB ...`.
    const NORMAL: [u64; 11] = [15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0];

    #[test]
    fn contig_info_matches_the_printed_total() {
        let info = contig_info(&NORMAL, 6);
        assert_eq!(info.free_pages, 23994); // = 95976 kB
        assert_eq!(info.free_blocks_total, 19063);
        assert_eq!(info.free_blocks_suitable, 0);
    }

    #[test]
    fn extfrag_index_reproduces_the_worked_example() {
        let printed: Vec<String> = (0..11)
            .map(|o| format!("{:.3}", fragmentation_index(&NORMAL, o).unwrap()))
            .collect();
        assert_eq!(
            printed,
            [
                "-1.000", "-1.000", "-1.000", "-1.000", "0.922", "0.961", "0.981", "0.991",
                "0.996", "0.998", "0.999"
            ]
        );
    }

    #[test]
    fn unusable_index_reproduces_the_worked_example() {
        let printed: Vec<String> = (0..11)
            .map(|o| format!("{:.3}", unusable_index(&NORMAL, o)))
            .collect();
        assert_eq!(
            printed,
            [
                "0.000", "0.664", "0.851", "0.994", "1.000", "1.000", "1.000", "1.000", "1.000",
                "1.000", "1.000"
            ]
        );
    }

    #[test]
    fn empty_zone_reads_zero_and_fully_unusable() {
        assert_eq!(fragmentation_index(&[0; 11], 4), Some(0.0));
        assert_eq!(fragmentation_index(&[], 4), Some(0.0));
        assert_eq!(unusable_index(&[0; 11], 4), 1.0);
        assert_eq!(fragmentation_index(&NORMAL, 63), None);
    }

    #[test]
    fn lack_of_memory_reads_near_zero() {
        // One free block, half the request: too little memory, not fragmentation.
        let counts = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0];
        assert_eq!(fragmentation_index_milli(&counts, 6), Some(0));
        assert_eq!(fragmentation_index_milli(&counts, 5), Some(-1000));
        // Eight such blocks already read 0.375: the index falls towards 0 only when the free
        // blocks are few.
        let eight = [0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0];
        assert_eq!(fragmentation_index_milli(&eight, 6), Some(375));
    }

    #[test]
    fn watermark_pre44_fails_at_order_one_for_the_seed() {
        // free:95232kB = 23808 pages, min:55536kB = 13884 pages, lowmem_reserve[Normal] = 0.
        let check = watermark_ok(23808, &NORMAL, 6, 13884, 0, WatermarkRule::PerOrder);
        assert!(!check.ok);
        assert_eq!(check.failure, Some(WatermarkFailure::AtOrder(1)));
        assert_eq!((check.left_pages, check.mark_pages), (3323, 3471));
        // The same zone passes the order-0 part of the 4.4+ check but has no order-6 block.
        let modern = watermark_ok(23808, &NORMAL, 6, 13884, 0, WatermarkRule::Order0PlusBlock);
        assert_eq!(modern.failure, Some(WatermarkFailure::NoBlock));
    }

    #[test]
    fn watermark_respects_lowmem_reserve() {
        // Seed DMA: 15860 kB free, min 64 kB, reserve 15868 pages against Normal requests.
        let dma = [1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3];
        let check = watermark_ok(3965, &dma, 6, 16, 15868, WatermarkRule::PerOrder);
        assert_eq!(check.failure, Some(WatermarkFailure::Order0));
        let open = watermark_ok(3965, &dma, 6, 16, 0, WatermarkRule::Order0PlusBlock);
        assert!(open.ok);
    }

    #[test]
    fn watermark_pre44_can_fail_with_a_block_present() {
        // Seed DMA32: one order-6 block, but nearly every free page sits in smaller blocks.
        let dma32 = [1515, 2456, 907, 2236, 567, 52, 1, 0, 0, 0, 0];
        let old = watermark_ok(38278, &dma32, 6, 2994, 13053, WatermarkRule::PerOrder);
        assert_eq!(old.failure, Some(WatermarkFailure::AtOrder(5)));
        let new = watermark_ok(
            38278,
            &dma32,
            6,
            2994,
            13053,
            WatermarkRule::Order0PlusBlock,
        );
        assert!(new.ok);
    }

    #[test]
    fn withheld_pages_count_in_the_order0_step_only() {
        // 4.4+: the high-atomic reserve and CMA pages leave the order-0 step short.
        let counts = [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        let r = WatermarkRule::Order0PlusBlock;
        assert!(watermark_ok_withholding(1000, 0, &counts, 6, 500, 0, r).ok);
        let short = watermark_ok_withholding(1000, 500, &counts, 6, 500, 0, r);
        assert_eq!(short.failure, Some(WatermarkFailure::Order0));
        assert_eq!(short.left_pages, 437);
        // Pre-4.4 subtracts free CMA pages in the order-0 comparison, not in the per-order steps.
        let old =
            watermark_ok_withholding(23808, 10000, &NORMAL, 6, 13884, 0, WatermarkRule::PerOrder);
        assert_eq!(old.failure, Some(WatermarkFailure::Order0));
        let old =
            watermark_ok_withholding(23808, 100, &NORMAL, 6, 13884, 0, WatermarkRule::PerOrder);
        assert_eq!((old.left_pages, old.mark_pages), (3323, 3471));
    }

    #[test]
    fn rule_follows_the_kernel() {
        let old = KernelVersion::parse("3.10.0-514.26.2.el7.x86_64").unwrap();
        let new = KernelVersion::parse("5.15.0-1019-azure").unwrap();
        assert_eq!(
            WatermarkRule::for_kernel(Some(&old)),
            WatermarkRule::PerOrder
        );
        assert_eq!(
            WatermarkRule::for_kernel(Some(&new)),
            WatermarkRule::Order0PlusBlock
        );
        assert_eq!(
            WatermarkRule::for_kernel(None),
            WatermarkRule::Order0PlusBlock
        );
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(order_bytes(6), 262144);
        assert_eq!(largest_free_order(&NORMAL), Some(3));
        assert_eq!(largest_free_order(&[0, 0]), None);
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let counts = [u64::MAX; 11];
        let _ = fragmentation_index(&counts, 10);
        let _ = unusable_index(&counts, 10);
        let _ = watermark_ok(
            u64::MAX,
            &counts,
            10,
            u64::MAX,
            u64::MAX,
            WatermarkRule::PerOrder,
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_and_stays_in_range(
            counts in proptest::collection::vec(any::<u64>(), 0..14),
            order in 0u32..70,
            free in any::<u64>(),
            min in any::<u64>(),
            reserve in any::<u64>(),
        ) {
            if let Some(v) = fragmentation_index(&counts, order) {
                prop_assert!(v == -1.0 || (0.0..=1.0).contains(&v));
            }
            let u = unusable_index(&counts, order);
            prop_assert!((0.0..=1.0).contains(&u));
            let _ = watermark_ok(free, &counts, order, min, reserve, WatermarkRule::PerOrder);
            let _ = watermark_ok(free, &counts, order, min, reserve, WatermarkRule::Order0PlusBlock);
            let _ = watermark_ok_withholding(free, reserve, &counts, order, min, reserve, WatermarkRule::Order0PlusBlock);
        }
    }
}
