//! Fragmentation or exhaustion: the judgement the condition rules and the root cause share.
//!
//! A high-order request fails for one of two reasons: memory is used up, or it is free but cut
//! into blocks smaller than the request. The free lists printed with the failure decide it,
//! helped by what the bundle says about available memory.

use super::fragmentation::WatermarkFailure;
use super::zones::{request_zones, ZoneView};
use crate::derive::kernel_version::KernelVersion;
use crate::derive::{At, Available, Derived, KernelSource};
use crate::facts::AllocFailure;

/// What the Mem-Info block of the failure says could be freed, in pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reclaimable {
    pub free_pages: u64,
    pub file_pages: u64,
    pub slab_reclaimable_pages: u64,
    pub ram_pages: Option<u64>,
}

impl Reclaimable {
    pub fn total_pages(&self) -> u64 {
        self.free_pages
            .saturating_add(self.file_pages)
            .saturating_add(self.slab_reclaimable_pages)
    }

    /// Share of RAM that is free or reclaimable, when RAM is known.
    pub fn share(&self) -> Option<f64> {
        let ram = self.ram_pages.filter(|r| *r > 0)?;
        Some(self.total_pages() as f64 / ram as f64)
    }
}

/// The Mem-Info counters of a failure, read as free and reclaimable memory.
pub fn reclaimable(failure: &AllocFailure) -> Option<Reclaimable> {
    let mem = failure.mem_info.as_ref()?;
    let c = |k: &str| mem.counters_pages.get(k).copied().unwrap_or(0);
    if mem.counters_pages.is_empty() {
        return None;
    }
    Some(Reclaimable {
        free_pages: c("free"),
        file_pages: c("active_file").saturating_add(c("inactive_file")),
        slab_reclaimable_pages: c("slab_reclaimable"),
        ram_pages: mem.pages_ram,
    })
}

/// The cause of a high-order failure, as far as the evidence decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Memory was free (above the min watermark, plenty available) but in blocks too small.
    Fragmentation,
    /// Memory was used up: the zones were at or below min, with little to reclaim.
    Exhaustion,
    /// The evidence does not decide.
    Undetermined,
}

/// The judgement on one allocation failure.
#[derive(Debug, Clone)]
pub struct Assessment<'a> {
    pub failure: At<'a, AllocFailure>,
    pub kernel: Option<KernelSource<'a>>,
    /// The zones the request could use, highest first.
    pub zones: Vec<ZoneView<'a>>,
    /// Available memory at collection, when the failure happened in the boot running then.
    pub available: Option<Available<'a>>,
    /// The failure happened in the boot running at collection: what was captured then (free
    /// blocks, available memory) tells of the memory that failed.
    pub same_boot: bool,
    pub reclaimable: Option<Reclaimable>,
    pub cause: Cause,
}

impl<'a> Assessment<'a> {
    /// The zone the request preferred (the first of its zonelist).
    pub fn preferred(&self) -> Option<&ZoneView<'a>> {
        self.zones.first()
    }

    /// Bytes requested.
    pub fn request_bytes(&self) -> u64 {
        self.failure.item.bytes()
    }

    /// Whether any zone of the walk had a free block of the order.
    pub fn any_suitable_block(&self) -> bool {
        self.zones.iter().any(|z| z.suitable_blocks > 0)
    }
}

/// Judge the bundle's main high-order failure, when there is one, with the kernel that was
/// running when it happened.
pub fn assess_main<'a>(derived: &Derived<'a>) -> Option<Assessment<'a>> {
    let main = derived.main_failure.as_ref()?;
    let failure = main.at;
    let kernel = main.kernel.clone();
    let same_boot = main.same_boot;
    let available = derived.available.clone().filter(|_| same_boot);
    let (zones, reclaimable, cause) = judge(
        failure.item,
        kernel.as_ref().map(|k| &k.version),
        available.as_ref(),
    );
    Some(Assessment {
        failure,
        kernel,
        zones,
        available,
        same_boot,
        reclaimable,
        cause,
    })
}

/// Judge one request from the Mem-Info block it carries: the zones it could use, what was
/// reclaimable, and the cause. A failure is judged so, and so is a request that did not fail but
/// stalled retrying (an allocation stall with its Mem-Info, read as the request it was).
pub fn judge<'f>(
    request: &'f AllocFailure,
    kernel: Option<&KernelVersion>,
    available: Option<&Available<'_>>,
) -> (Vec<ZoneView<'f>>, Option<Reclaimable>, Cause) {
    let zones = request_zones(request, kernel);
    let reclaimable = reclaimable(request);
    let cause = decide(request, &zones, available, reclaimable);
    (zones, reclaimable, cause)
}

fn decide(
    failure: &AllocFailure,
    zones: &[ZoneView<'_>],
    available: Option<&Available<'_>>,
    reclaimable: Option<Reclaimable>,
) -> Cause {
    let Some(preferred) = zones.first() else {
        return Cause::Undetermined;
    };
    let Some(above_min) = preferred.below_min().map(|b| !b) else {
        return Cause::Undetermined;
    };
    let request = failure.bytes();
    // "Plenty": at least a hundred times the request, or a quarter of RAM reclaimable at the
    // failure.
    let plenty_available = available.map(|a| a.bytes >= request.saturating_mul(100));
    let plenty_reclaimable = reclaimable.and_then(|r| r.share()).map(|s| s >= 0.25);
    let scarce_available = available.map(|a| match a.total_bytes {
        Some(t) if t > 0 => (a.bytes as f64) < 0.05 * t as f64,
        _ => a.bytes < request.saturating_mul(100),
    });
    let scarce_reclaimable = reclaimable.and_then(|r| r.share()).map(|s| s < 0.05);

    let order = failure.order as usize;
    let no_block_in_preferred = preferred.suitable_blocks == 0;
    let blocks_failed = zones.iter().all(|z| {
        z.suitable_blocks == 0
            || matches!(
                z.watermark.and_then(|w| w.failure),
                Some(WatermarkFailure::AtOrder(_)) | Some(WatermarkFailure::Order0)
            )
    });
    let index_high = preferred
        .extfrag
        .get(order)
        .is_some_and(|v| *v >= 0.5 || (*v < 0.0 && !preferred.could_serve().unwrap_or(true)));

    if failure.order > 0
        && above_min
        && no_block_in_preferred
        && blocks_failed
        && index_high
        && (plenty_available == Some(true) || plenty_reclaimable == Some(true))
    {
        return Cause::Fragmentation;
    }
    let all_below = zones
        .iter()
        .filter(|z| z.reserve_pages == 0)
        .all(|z| z.below_min() == Some(true));
    let little_left =
        scarce_available == Some(true) || (available.is_none() && scarce_reclaimable == Some(true));
    if !above_min && all_below && little_left {
        return Cause::Exhaustion;
    }
    Cause::Undetermined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_is_fragmentation() {
        let facts = testkit::seed_facts();
        let a = assess_main(&crate::derive::derive(&facts)).unwrap();
        assert_eq!(a.cause, Cause::Fragmentation);
        assert_eq!(a.available.as_ref().unwrap().from, "free");
        let r = a.reclaimable.unwrap();
        assert_eq!(r.slab_reclaimable_pages, 1510499);
        assert!(r.share().unwrap() > 0.25);
    }

    #[test]
    fn exhaustion_case_is_exhaustion() {
        let facts = testkit::exhaustion_facts();
        assert_eq!(
            assess_main(&crate::derive::derive(&facts)).unwrap().cause,
            Cause::Exhaustion
        );
    }

    #[test]
    fn modern_case_is_fragmentation() {
        let facts = testkit::modern_fragmentation_facts();
        let a = assess_main(&crate::derive::derive(&facts)).unwrap();
        assert_eq!(a.cause, Cause::Fragmentation);
        assert_eq!(a.zones[0].dump.zone, "Normal");
        assert_eq!(
            a.zones[0].watermark.unwrap().failure,
            Some(WatermarkFailure::NoBlock)
        );
    }
}
