//! The free lists of both nodes, zone by zone: the buddy arithmetic and the failed request
//! they are read against.

use std::collections::BTreeMap;

use super::*;
use crate::analyze::fragmentation::fragmentation_index;

pub(super) fn indices(counts: &[u64]) -> Vec<f64> {
    (0..counts.len())
        .map(|o| fragmentation_index(counts, u32::try_from(o).unwrap_or(u32::MAX)).unwrap_or(0.0))
        .collect()
}

/// Free blocks of order `order` or above.
pub(super) fn blocks_from(counts: &[u64], order: u32) -> u64 {
    counts
        .iter()
        .skip(usize::try_from(order).unwrap_or(usize::MAX))
        .fold(0u64, |a, &c| a.saturating_add(c))
}

/// The zones that matter for a kernel allocation: every zone but DMA (16 MiB, never the
/// preferred zone on a 64-bit node), or all of them when that leaves none.
pub(super) fn main_zones(zones: &[BuddyZone]) -> Vec<&BuddyZone> {
    let main: Vec<&BuddyZone> = zones.iter().filter(|z| z.zone != "DMA").collect();
    if main.is_empty() {
        zones.iter().collect()
    } else {
        // The highest zone of each node is where GFP_KERNEL allocations start.
        let mut highest: BTreeMap<u32, &BuddyZone> = BTreeMap::new();
        for z in main {
            highest.insert(z.node, z);
        }
        highest.into_values().collect()
    }
}

/// Rank of a zone name in the kernel's zone order, unknown names last.
pub(super) fn zone_rank(zone: &str) -> usize {
    ["DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"]
        .iter()
        .position(|z| *z == zone)
        .unwrap_or(usize::MAX)
}

/// The failed request the comparison is about: its order and the free lists printed with it.
pub(super) struct Failed {
    pub(super) order: u32,
    zones: Vec<(u32, String, FreeLists)>,
}

/// The failed request of the failing node: its main failure.
pub(super) fn failed_request(derived: &Derived<'_>) -> Option<Failed> {
    let failure = derived.main_failure.as_ref()?.at.item;
    let zones = failure
        .mem_info
        .iter()
        .flat_map(|m| m.zones.iter())
        .filter_map(|z| {
            z.free_lists
                .clone()
                .map(|fl| (z.node.unwrap_or(0), z.zone.clone(), fl))
        })
        .collect();
    Some(Failed {
        order: failure.order,
        zones,
    })
}

pub(super) fn zone_comparisons(
    failing: &Facts,
    baseline: &Facts,
    failed: Option<&Failed>,
) -> Vec<ZoneComparison> {
    let buddy = |facts: &Facts| -> Vec<(u32, String, Vec<u64>)> {
        facts
            .buddyinfo
            .first()
            .map(|b| {
                b.value
                    .zones
                    .iter()
                    .map(|z| (z.node, z.zone.clone(), z.counts.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let at_failure: Vec<(u32, String, Vec<u64>)> = failed
        .map(|f| {
            f.zones
                .iter()
                .map(|(n, z, fl)| (*n, z.clone(), fl.counts.clone()))
                .collect()
        })
        .unwrap_or_default();
    let at_collection = buddy(failing);
    let at_baseline = buddy(baseline);

    let mut keys: Vec<(u32, String)> = Vec::new();
    for (n, z, _) in at_failure.iter().chain(&at_collection).chain(&at_baseline) {
        if !keys.iter().any(|(kn, kz)| kn == n && kz == z) {
            keys.push((*n, z.clone()));
        }
    }
    keys.sort_by_key(|(n, z)| (*n, zone_rank(z)));
    let find = |rows: &[(u32, String, Vec<u64>)], n: u32, z: &str| {
        rows.iter()
            .find(|(rn, rz, _)| *rn == n && rz == z)
            .map(|(_, _, c)| c.clone())
    };
    keys.into_iter()
        .map(|(node, zone)| {
            let failure = find(&at_failure, node, &zone);
            let collection = find(&at_collection, node, &zone);
            let base = find(&at_baseline, node, &zone);
            ZoneComparison {
                node,
                extfrag_failure: failure.as_deref().map(indices),
                extfrag_collection: collection.as_deref().map(indices),
                extfrag_baseline: base.as_deref().map(indices),
                largest_free_order_failure: failure.as_deref().and_then(largest_free_order),
                largest_free_order_collection: collection.as_deref().and_then(largest_free_order),
                largest_free_order_baseline: base.as_deref().and_then(largest_free_order),
                failure,
                collection,
                baseline: base,
                zone,
            }
        })
        .collect()
}
