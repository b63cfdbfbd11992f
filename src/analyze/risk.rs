//! What the `risk.*` findings share: the measured margin of a failure's precondition on a node
//! where the failure has not happened, and the facts several of them read.
//!
//! Every risk finding emits `headroom`, the share of its limit still left (0: none, the next
//! request fails; 1: all of it), so that the fleet summary can rank the risks of many nodes,
//! worst margin first, whatever they measure. Each risk's page says what its limit is.
//!
//! A risk is silent when the bundle shows the failure it precedes: the failure's own findings
//! tell it then, with the same numbers.

use crate::analyze::meta::{Metric, MetricKind};
use crate::facts::{BuddyZone, CgroupController, Facts, KeyValue};

/// The metric of the largest free block's order, which the risks on contiguous memory emit.
pub const LARGEST_FREE_ORDER: Metric = Metric::one(
    "largest_free_order",
    MetricKind::Order,
    "the largest order with a free block",
);

/// The metric of the memory cgroup count, which the risks on memory cgroups emit.
pub const MEMORY_CGROUPS: Metric = Metric::one(
    "memory_cgroups",
    MetricKind::Count,
    "memory cgroups the kernel counts",
);

/// The share of `limit` that `used` leaves, 0 to 1, to three decimals.
pub fn headroom(used: u64, limit: u64) -> f64 {
    if limit == 0 {
        return 0.0;
    }
    let left = limit.saturating_sub(used) as f64 / limit as f64;
    round3(left.clamp(0.0, 1.0))
}

/// A share to three decimals, as the report prints indices.
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `used` as a percentage of `limit`, in words (`17%`, `more than 99%`).
pub fn percent(used: u64, limit: u64) -> String {
    if limit == 0 {
        return "all".to_string();
    }
    let p = used.saturating_mul(100) / limit;
    if p >= 100 && used < limit {
        "more than 99%".to_string()
    } else {
        format!("{p}%")
    }
}

/// The memory controller's line of `/proc/cgroups`, with its path.
pub fn memory_cgroups(facts: &Facts) -> Option<(&str, &CgroupController)> {
    facts.cgroups.iter().find_map(|c| {
        c.value
            .controllers
            .iter()
            .find(|x| x.name == "memory")
            .map(|x| (c.path.as_str(), x))
    })
}

/// The zone that serves the kernel's own requests, at collection: `Normal` (the first node's
/// first), else the zone other than `DMA` with the most free memory.
pub fn kernel_zone(facts: &Facts) -> Option<(&str, &BuddyZone)> {
    let zones = || {
        facts
            .buddyinfo
            .iter()
            .flat_map(|b| b.value.zones.iter().map(move |z| (b.path.as_str(), z)))
    };
    zones().find(|(_, z)| z.zone == "Normal").or_else(|| {
        zones()
            .filter(|(_, z)| z.zone != "DMA")
            .max_by_key(|(_, z)| {
                crate::analyze::fragmentation::contig_info(&z.counts, 0).free_pages
            })
    })
}

/// A sysctl setting with its path, from any sysctl listing of the bundle.
pub fn sysctl<'a>(facts: &'a Facts, key: &str) -> Option<(&'a str, &'a KeyValue)> {
    facts
        .sysctl
        .iter()
        .find_map(|s| s.value.get(key).map(|kv| (s.path.as_str(), kv)))
}

/// A sysctl setting's value as a count, when it is one.
pub fn sysctl_count<'a>(facts: &'a Facts, key: &str) -> Option<(&'a str, &'a KeyValue, u64)> {
    sysctl(facts, key).and_then(|(p, kv)| Some((p, kv, u64::try_from(kv.value?).ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_is_the_share_left() {
        assert_eq!(headroom(11437, 65535), 0.825);
        assert_eq!(headroom(262144, 262144), 0.0);
        assert_eq!(headroom(300, 200), 0.0);
        assert_eq!(headroom(1, 0), 0.0);
        assert_eq!(percent(11437, 65535), "17%");
        assert_eq!(percent(65534, 65535), "99%");
        assert_eq!(percent(9, 10), "90%");
    }
}
