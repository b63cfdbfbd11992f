//! Which zones an allocation could use, and what each could offer it at the failure.
//!
//! A request does not look at one zone: it walks a zonelist, from the highest zone its GFP
//! flags allow down to DMA, and each lower zone keeps a `lowmem_reserve` against requests that
//! could have been served higher up. This module rebuilds that walk from the Mem-Info block of a
//! failure report, so a rule can say of every zone whether it had a block of the order and
//! whether it passed the watermark.

use super::fragmentation::{
    contig_info, fragmentation_index, largest_free_order, unusable_index, watermark_ok_withholding,
    WatermarkCheck, WatermarkRule,
};
use crate::derive::kernel_version::KernelVersion;
use crate::facts::{AllocFailure, GfpMask, ZoneDump};

/// Zone types in the kernel's order, before dropping the ones a build does not have.
const ZONE_TYPES: [&str; 6] = ["DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"];

/// The zone-type index of `name` among the zones of a Mem-Info block (the index of its entry in
/// every zone's `lowmem_reserve[]`). 64-bit kernels have DMA32 and no HighMem; 32-bit ones the
/// reverse.
pub fn zone_type_index(name: &str, zones: &[ZoneDump]) -> Option<usize> {
    let has_highmem = zones.iter().any(|z| z.zone == "HighMem");
    ZONE_TYPES
        .iter()
        .filter(|t| {
            if has_highmem {
                **t != "DMA32"
            } else {
                **t != "HighMem"
            }
        })
        .position(|t| *t == name)
}

/// All flag names of a mask: printed by the kernel, or decoded for its version.
pub fn gfp_flags(gfp: &GfpMask) -> impl Iterator<Item = &str> {
    gfp.printed
        .iter()
        .chain(gfp.decoded.iter())
        .map(String::as_str)
}

/// The highest zone type a request may use, from its GFP flags.
fn highest_zone(gfp: &GfpMask) -> &'static str {
    let flags: Vec<&str> = gfp_flags(gfp).collect();
    let has = |f: &str| flags.contains(&f);
    if has("__GFP_DMA") || has("GFP_DMA") {
        "DMA"
    } else if has("__GFP_DMA32") || has("GFP_DMA32") {
        "DMA32"
    } else if has("__GFP_HIGHMEM") || flags.iter().any(|f| f.starts_with("GFP_HIGHUSER")) {
        if has("__GFP_MOVABLE") || has("GFP_HIGHUSER_MOVABLE") {
            "Movable"
        } else {
            "HighMem"
        }
    } else {
        "Normal"
    }
}

/// Which free lists a request may take blocks from, by the migratetype letters of the buddy
/// line (`(UMEH)`), as `__zone_watermark_ok` and `__rmqueue` decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// A movable request (`__GFP_MOVABLE`): it may take CMA blocks (`C`).
    pub movable: bool,
    /// An atomic request (`GFP_ATOMIC`, `__GFP_HIGH` without reclaim): it may take the
    /// high-atomic reserve (`H`, 4.4+).
    pub atomic: bool,
}

impl Reach {
    /// The reach of a request, from its GFP flags.
    pub fn of(gfp: &GfpMask) -> Reach {
        let flags: Vec<&str> = gfp_flags(gfp).collect();
        let has = |f: &str| flags.contains(&f);
        let reclaims = has("__GFP_WAIT")
            || has("__GFP_DIRECT_RECLAIM")
            || flags.iter().any(|f| {
                [
                    "GFP_KERNEL",
                    "GFP_KERNEL_ACCOUNT",
                    "GFP_USER",
                    "GFP_NOFS",
                    "GFP_NOIO",
                ]
                .contains(f)
            });
        Reach {
            movable: has("__GFP_MOVABLE") || has("GFP_HIGHUSER_MOVABLE"),
            atomic: has("GFP_ATOMIC") || has("__GFP_ATOMIC") || (has("__GFP_HIGH") && !reclaims),
        }
    }

    /// Whether a block of an order whose free lists hold `letters` may serve the request:
    /// Unmovable, Movable and Reclaimable blocks serve any request (`MIGRATE_PCPTYPES`), the
    /// pre-4.4 Reserve (`R`) is every request's last fallback, CMA (`C`) serves movable requests
    /// only, the high-atomic reserve (`H`) atomic ones only, Isolate (`I`) none. Without letters
    /// (not printed), or with one this table does not know, the blocks are taken to serve.
    pub fn takes(self, letters: &str) -> bool {
        letters.is_empty()
            || letters.chars().any(|c| match c {
                'U' | 'M' | 'E' | 'R' => true,
                'C' => self.movable,
                'H' => self.atomic,
                'I' => false,
                _ => true,
            })
    }

    /// The request's words for the types it may not take.
    pub fn refused(self, letters: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        if letters.contains('H') && !self.atomic {
            out.push("the high-atomic reserve (`H`), kept for atomic requests");
        }
        if letters.contains('C') && !self.movable {
            out.push("CMA blocks (`C`), which serve movable requests only");
        }
        if letters.contains('I') {
            out.push("isolated blocks (`I`)");
        }
        out
    }
}

/// One zone as the failed request saw it.
#[derive(Debug, Clone)]
pub struct ZoneView<'a> {
    pub dump: &'a ZoneDump,
    /// Free blocks per order at the failure (empty when the report had no free-list line).
    pub counts: &'a [u64],
    /// The free blocks per order the request may take: orders whose free lists hold only
    /// migratetypes out of its reach (see [`Reach`]) count 0.
    pub usable_counts: Vec<u64>,
    /// Orders at or above the request's whose blocks it may not take, with their letters.
    pub withheld: Vec<(u32, String)>,
    /// Free pages out of the request's reach in the watermark's order-0 step: the high-atomic
    /// reserve (`reserved_highatomic`, 4.4+) unless atomic, free CMA pages unless movable.
    pub withheld_pages: u64,
    /// kB per page (4 on x86).
    pub page_kb: u64,
    pub free_pages: Option<u64>,
    pub min_pages: Option<u64>,
    /// `lowmem_reserve[classzone]` of this zone for the request, in pages.
    pub reserve_pages: u64,
    /// Blocks that could serve the request (in units of the request), of the migratetypes it
    /// may take.
    pub suitable_blocks: u64,
    /// The largest free block the request may take.
    pub largest_free_order: Option<u32>,
    /// Fragmentation index per order, computed from the free lists.
    pub extfrag: Vec<f64>,
    pub unusable: Vec<f64>,
    /// The watermark check for the request (`None` without free, min or free lists).
    pub watermark: Option<WatermarkCheck>,
}

impl ZoneView<'_> {
    /// Could this zone have served the request?
    pub fn could_serve(&self) -> Option<bool> {
        self.watermark.map(|w| w.ok && self.suitable_blocks > 0)
    }

    /// Largest free block in bytes.
    pub fn largest_block_bytes(&self) -> Option<u64> {
        self.largest_free_order.map(|o| {
            self.page_kb
                .saturating_mul(1024)
                .saturating_mul(1u64 << o.min(40))
        })
    }

    /// The zone's free kB below its min watermark.
    pub fn below_min(&self) -> Option<bool> {
        Some(self.free_pages? <= self.min_pages?)
    }
}

/// The zones of a failure's Mem-Info block the request could use, in the order the allocator
/// tries them (highest first), each with its numbers.
pub fn request_zones<'a>(
    failure: &'a AllocFailure,
    kernel: Option<&KernelVersion>,
) -> Vec<ZoneView<'a>> {
    let Some(mem) = &failure.mem_info else {
        return Vec::new();
    };
    let zones = &mem.zones;
    let highest = highest_zone(&failure.gfp);
    let Some(highest_idx) = zone_type_index(highest, zones) else {
        return Vec::new();
    };
    let mut allowed: Vec<(usize, &ZoneDump)> = zones
        .iter()
        .filter_map(|z| {
            let idx = zone_type_index(&z.zone, zones)?;
            (idx <= highest_idx).then_some((idx, z))
        })
        .collect();
    // Highest first; nodes in the order printed.
    allowed.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.node.cmp(&b.1.node)));
    let classzone = allowed.first().map(|(idx, _)| *idx).unwrap_or(highest_idx);
    let rule = WatermarkRule::for_kernel(kernel);
    let reach = Reach::of(&failure.gfp);
    allowed
        .into_iter()
        .map(|(_, dump)| view(dump, failure.order, classzone, rule, reach))
        .collect()
}

/// Every zone of a Mem-Info block, in printed order, with its numbers for an order-`order`
/// request whose preferred zone is the highest printed.
pub fn all_zones<'a>(
    failure: &'a AllocFailure,
    kernel: Option<&KernelVersion>,
) -> Vec<ZoneView<'a>> {
    let Some(mem) = &failure.mem_info else {
        return Vec::new();
    };
    let request: Vec<ZoneView<'a>> = request_zones(failure, kernel);
    let rule = WatermarkRule::for_kernel(kernel);
    let classzone = request
        .first()
        .and_then(|v| zone_type_index(&v.dump.zone, &mem.zones))
        .unwrap_or(0);
    let reach = Reach::of(&failure.gfp);
    mem.zones
        .iter()
        .map(|dump| view(dump, failure.order, classzone, rule, reach))
        .collect()
}

fn view(
    dump: &ZoneDump,
    order: u32,
    classzone: usize,
    rule: WatermarkRule,
    reach: Reach,
) -> ZoneView<'_> {
    let (counts, letters, page_kb): (&[u64], &[String], u64) = match &dump.free_lists {
        Some(fl) => (&fl.counts, &fl.migratetypes, fl.page_kb.max(1)),
        None => (&[], &[], 4),
    };
    let letters_at = |o: usize| letters.get(o).map(String::as_str).unwrap_or("");
    let usable_counts: Vec<u64> = counts
        .iter()
        .enumerate()
        .map(|(o, &c)| if reach.takes(letters_at(o)) { c } else { 0 })
        .collect();
    let withheld: Vec<(u32, String)> = counts
        .iter()
        .enumerate()
        .filter(|&(o, &c)| o >= order as usize && c > 0 && !reach.takes(letters_at(o)))
        .filter_map(|(o, _)| Some((u32::try_from(o).ok()?, letters_at(o).to_string())))
        .collect();
    let kb_pages = |field: &str| dump.fields_kb.get(field).map_or(0, |kb| kb / page_kb);
    let mut withheld_pages = 0;
    if rule == WatermarkRule::Order0PlusBlock && !reach.atomic {
        withheld_pages += kb_pages("reserved_highatomic");
    }
    if !reach.movable {
        withheld_pages += kb_pages("free_cma");
    }
    let free_pages = dump.free_kb.map(|kb| kb / page_kb);
    let min_pages = dump.min_kb.map(|kb| kb / page_kb);
    let reserve_pages = dump.lowmem_reserve.get(classzone).copied().unwrap_or(0);
    let orders = u32::try_from(counts.len()).unwrap_or(0);
    // The pre-4.4 per-order steps subtract every free block; the 4.4+ block check looks for
    // one the request may take.
    let check_counts: &[u64] = match rule {
        WatermarkRule::PerOrder => counts,
        WatermarkRule::Order0PlusBlock => &usable_counts,
    };
    let watermark = match (free_pages, min_pages, dump.free_lists.is_some()) {
        (Some(f), Some(m), true) => Some(watermark_ok_withholding(
            f,
            withheld_pages,
            check_counts,
            order,
            m,
            reserve_pages,
            rule,
        )),
        _ => None,
    };
    ZoneView {
        dump,
        counts,
        page_kb,
        free_pages,
        min_pages,
        reserve_pages,
        suitable_blocks: contig_info(&usable_counts, order).free_blocks_suitable,
        largest_free_order: largest_free_order(&usable_counts),
        usable_counts,
        withheld,
        withheld_pages,
        extfrag: (0..orders)
            .filter_map(|o| fragmentation_index(counts, o))
            .collect(),
        unusable: (0..orders).map(|o| unusable_index(counts, o)).collect(),
        watermark,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::fragmentation::WatermarkFailure;
    use crate::analyze::testkit;
    use crate::facts::{AllocFailure, GfpMask};

    #[test]
    fn seed_request_walks_normal_dma32_dma() {
        let facts = testkit::seed_facts();
        let failure = &facts.kernel_logs[0].value.alloc_failures[0];
        let kernel = KernelVersion::parse("3.10.0-514.26.2.el7.x86_64");
        let zones = request_zones(failure, kernel.as_ref());
        let names: Vec<&str> = zones.iter().map(|z| z.dump.zone.as_str()).collect();
        assert_eq!(names, ["Normal", "DMA32", "DMA"]);
        let reserves: Vec<u64> = zones.iter().map(|z| z.reserve_pages).collect();
        assert_eq!(reserves, [0, 13053, 15868]);
        let normal = &zones[0];
        assert_eq!(normal.suitable_blocks, 0);
        assert_eq!(normal.largest_free_order, Some(3));
        assert_eq!(normal.largest_block_bytes(), Some(32768));
        assert_eq!(
            normal.watermark.unwrap().failure,
            Some(WatermarkFailure::AtOrder(1))
        );
        assert_eq!(format!("{:.3}", normal.extfrag[6]), "0.981");
        // DMA32 had one order-6 block, but failed the per-order check at order 5.
        assert_eq!(zones[1].suitable_blocks, 1);
        assert_eq!(
            zones[1].watermark.unwrap().failure,
            Some(WatermarkFailure::AtOrder(5))
        );
        // DMA had blocks but is held back by its reserve against Normal requests.
        assert_eq!(
            zones[2].watermark.unwrap().failure,
            Some(WatermarkFailure::Order0)
        );
        assert!(zones.iter().all(|z| z.could_serve() == Some(false)));
    }

    /// The Mem-Info block of a real report of each era, as an order-`order` request with
    /// `flags` would see it.
    fn era_request(text: &str, order: u32, flags: &[&str]) -> AllocFailure {
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let log = crate::parse::kernel_log::parse(&body, crate::sources::SourceKind::Dmesg).log;
        let mem_info = log
            .alloc_failures
            .first()
            .and_then(|a| a.mem_info.clone())
            .or_else(|| log.oom_kills.first().and_then(|k| k.mem_info.clone()))
            .or_else(|| log.mem_info_dumps.first().cloned());
        AllocFailure {
            order,
            gfp: GfpMask {
                raw: 0,
                printed: flags.iter().map(|f| f.to_string()).collect(),
                decoded: Vec::new(),
            },
            mem_info,
            ..AllocFailure::default()
        }
    }

    fn zone<'a>(zones: &'a [ZoneView<'a>], name: &str) -> &'a ZoneView<'a> {
        zones.iter().find(|z| z.dump.zone == name).unwrap()
    }

    /// 3.13 (pre-4.4): a `(R)` Reserve block serves every request as its last fallback, and
    /// the per-order check counts every free block.
    #[test]
    fn era_3_13_reserve_blocks_serve() {
        let f = era_request(
            include_str!("../../tests/data/dmesg_oom/cadvisor-global-oom-3.13-gce.txt"),
            9,
            &["GFP_KERNEL"],
        );
        let k = KernelVersion::parse("3.13.0-27-generic");
        let zones = request_zones(&f, k.as_ref());
        let dma = zone(&zones, "DMA");
        assert_eq!(dma.dump.free_lists.as_ref().unwrap().migratetypes[9], "R");
        assert_eq!(dma.suitable_blocks, 1);
        assert!(dma.withheld.is_empty());
        assert_eq!(dma.watermark.unwrap().rule, WatermarkRule::PerOrder);
        assert_eq!(dma.withheld_pages, 0);
    }

    /// 5.4 (4.4+): the order-0 step against min plus `lowmem_reserve`, then a block of a type
    /// the request may take.
    #[test]
    fn era_5_4_order0_then_a_block() {
        let f = era_request(
            include_str!(
                "../../tests/data/excerpts/hotsos-global-oom-5.4-sysrq-moom-truncated-lines.txt"
            ),
            10,
            &["GFP_KERNEL"],
        );
        let k = KernelVersion::parse("5.4.0-120-generic");
        let zones = request_zones(&f, k.as_ref());
        let normal = zone(&zones, "Normal");
        assert_eq!(normal.suitable_blocks, 0);
        // 5141 free pages less the 1023 of the request leave 4118, at or below min's 4131.
        let w = normal.watermark.unwrap();
        assert_eq!(w.failure, Some(WatermarkFailure::Order0));
        assert_eq!((w.left_pages, w.mark_pages), (4118, 4131));
        let dma32 = zone(&zones, "DMA32");
        assert_eq!(dma32.suitable_blocks, 186);
        // DMA32 keeps 953 pages of lowmem_reserve against Normal requests.
        assert_eq!(dma32.reserve_pages, 953);
        assert!(dma32.could_serve().unwrap());
    }

    /// 5.15: blocks held only in the high-atomic reserve `(H)` serve an atomic request, not a
    /// `GFP_KERNEL` one, and `reserved_highatomic` leaves the order-0 step.
    #[test]
    fn era_5_15_highatomic_only_blocks() {
        let text =
            include_str!("../../tests/data/excerpts/dmesg-T-5.15-veth-order6-highatomic-only.txt");
        let k = KernelVersion::parse("5.15.0-1019-azure");
        let f = era_request(text, 6, &["GFP_KERNEL_ACCOUNT", "__GFP_COMP", "__GFP_ZERO"]);
        let zones = request_zones(&f, k.as_ref());
        let normal = zone(&zones, "Normal");
        assert_eq!(normal.suitable_blocks, 0);
        assert_eq!(normal.largest_free_order, Some(4));
        assert_eq!(
            normal.withheld,
            [
                (6, "H".to_string()),
                (7, "H".to_string()),
                (8, "H".to_string())
            ]
        );
        assert_eq!(normal.withheld_pages, 7680);
        assert_eq!(
            normal.watermark.unwrap().failure,
            Some(WatermarkFailure::NoBlock)
        );
        let atomic = era_request(text, 6, &["GFP_ATOMIC", "__GFP_COMP"]);
        let zones = request_zones(&atomic, k.as_ref());
        let normal = zone(&zones, "Normal");
        assert_eq!(normal.suitable_blocks, 9 + 3 * 2 + 4 * 4);
        assert_eq!(normal.withheld_pages, 0);
        assert!(normal.could_serve().unwrap());
    }

    /// 6.x: CMA blocks `(C)` serve movable requests only; an order whose lists also hold
    /// movable blocks serves anyone.
    #[test]
    fn era_6_x_cma_blocks() {
        let text = include_str!("../../tests/data/dmesg_meminfo_dump/bianbu-sysrq-m-6x.txt");
        let k = KernelVersion::parse("6.6.36");
        let f = era_request(text, 11, &["GFP_KERNEL"]);
        let zones = all_zones(&f, k.as_ref());
        let dma32 = zone(&zones, "DMA32");
        assert_eq!(
            dma32.dump.free_lists.as_ref().unwrap().migratetypes[11],
            "MC"
        );
        assert_eq!(dma32.suitable_blocks, 91);
        assert!(dma32.withheld.is_empty());
        let reach = Reach::of(&f.gfp);
        assert!(!reach.takes("C"));
        assert!(reach.takes("MC"));
        assert!(!reach.takes("H"));
        assert!(!reach.takes("I"));
        let movable = Reach {
            movable: true,
            atomic: false,
        };
        assert!(movable.takes("C"));
    }

    #[test]
    fn dma32_request_skips_normal() {
        let mut facts = testkit::seed_facts();
        let failure = &mut facts.kernel_logs[0].value.alloc_failures[0];
        failure.gfp.decoded.push("__GFP_DMA32".to_string());
        let zones = request_zones(failure, None);
        let names: Vec<&str> = zones.iter().map(|z| z.dump.zone.as_str()).collect();
        assert_eq!(names, ["DMA32", "DMA"]);
        assert_eq!(zones[1].reserve_pages, 2815);
    }
}
