//! Which zones an allocation could use, and what each could offer it at the failure.
//!
//! A request does not look at one zone: it walks a zonelist, from the highest zone its GFP
//! flags allow down to DMA, and each lower zone keeps a `lowmem_reserve` against requests that
//! could have been served higher up. This module rebuilds that walk from the Mem-Info block of a
//! failure report, so a rule can say of every zone whether it had a block of the order and
//! whether it passed the watermark.

use super::fragmentation::{
    contig_info, fragmentation_index, largest_free_order, unusable_index, watermark_ok,
    WatermarkCheck, WatermarkRule,
};
use super::kernel_version::KernelVersion;
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

/// One zone as the failed request saw it.
#[derive(Debug, Clone)]
pub struct ZoneView<'a> {
    pub dump: &'a ZoneDump,
    /// Free blocks per order at the failure (empty when the report had no free-list line).
    pub counts: &'a [u64],
    /// kB per page (4 on x86).
    pub page_kb: u64,
    pub free_pages: Option<u64>,
    pub min_pages: Option<u64>,
    /// `lowmem_reserve[classzone]` of this zone for the request, in pages.
    pub reserve_pages: u64,
    /// Blocks that could serve the request (in units of the request).
    pub suitable_blocks: u64,
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
    allowed
        .into_iter()
        .map(|(_, dump)| view(dump, failure.order, classzone, rule))
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
    mem.zones
        .iter()
        .map(|dump| view(dump, failure.order, classzone, rule))
        .collect()
}

fn view(dump: &ZoneDump, order: u32, classzone: usize, rule: WatermarkRule) -> ZoneView<'_> {
    let (counts, page_kb): (&[u64], u64) = match &dump.free_lists {
        Some(fl) => (&fl.counts, fl.page_kb.max(1)),
        None => (&[], 4),
    };
    let free_pages = dump.free_kb.map(|kb| kb / page_kb);
    let min_pages = dump.min_kb.map(|kb| kb / page_kb);
    let reserve_pages = dump.lowmem_reserve.get(classzone).copied().unwrap_or(0);
    let orders = u32::try_from(counts.len()).unwrap_or(0);
    let watermark = match (free_pages, min_pages, dump.free_lists.is_some()) {
        (Some(f), Some(m), true) => Some(watermark_ok(f, counts, order, m, reserve_pages, rule)),
        _ => None,
    };
    ZoneView {
        dump,
        counts,
        page_kb,
        free_pages,
        min_pages,
        reserve_pages,
        suitable_blocks: contig_info(counts, order).free_blocks_suitable,
        largest_free_order: largest_free_order(counts),
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
