//! The node's state at collection, in a few sentences: what a report says of a bundle in which
//! nothing failed, so that the reader learns what was checked and how the node stood.
//!
//! Each sentence stands on one kind of fact (memory, free blocks, slab, cgroups, uptime, kernel)
//! and is left out when the bundle does not hold it. Sentences are Markdown prose; bundle text
//! (a kernel release, a zone name) is put in code spans.

use super::finding::code;
use crate::derive::Derived;
use crate::facts::Facts;
use crate::report::{Details, ZoneState};
use crate::units;

/// The request orders whose failures matter: above order 3 (`PAGE_ALLOC_COSTLY_ORDER`) the
/// kernel's reclaim gives up early, and order 6 to 10 are what network namespaces, conntrack
/// tables and huge pages ask for.
const ORDERS_THAT_MATTER: std::ops::RangeInclusive<usize> = 3..=10;

/// The state sentences of a bundle, from its facts and the details already worked out.
pub fn summarize(facts: &Facts, derived: &Derived<'_>, details: &Details) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(kernel) = &derived.kernel {
        let mut line = format!("Kernel {}", code(&kernel.version.to_string()));
        if let Some(up) = uptime_s(facts) {
            line.push_str(&format!(", up {}", duration(up)));
        }
        line.push('.');
        lines.push(line);
    } else if let Some(up) = uptime_s(facts) {
        lines.push(format!("Up {}.", duration(up)));
    }
    if let Some(m) = &details.memory {
        if let Some(total) = m.total_bytes.filter(|&t| t > 0) {
            let mut line = format!("Memory: {} in total", units::bytes(total));
            if let Some(avail) = m.available_bytes {
                line.push_str(&format!(
                    ", {} available ({}%)",
                    units::bytes(avail),
                    avail.saturating_mul(100) / total
                ));
            }
            line.push_str(&format!(", {} free.", units::bytes(m.free_bytes)));
            lines.push(line);
        }
    }
    lines.extend(
        details
            .zones
            .iter()
            // The 16 MiB `DMA` zone serves only old devices' requests.
            .filter(|z| z.moment == "collection" && z.zone != "DMA")
            .filter_map(zone_sentence),
    );
    if let Some(total) = details.slab_total_bytes.filter(|&t| t > 0) {
        let mut line = format!("Slab: {}", units::bytes(total));
        if let Some(reclaimable) = details.slab_reclaimable_bytes {
            line.push_str(&format!(
                ", {}% of it reclaimable",
                reclaimable.saturating_mul(100) / total
            ));
        }
        if let Some(top) = details.slab_top.first() {
            line.push_str(&format!(
                "; the largest cache is {} ({})",
                code(&top.name),
                units::bytes(top.bytes)
            ));
        }
        line.push('.');
        lines.push(line);
    }
    if let Some(cgroups) = facts.cgroups.first() {
        let counts: Vec<String> = cgroups
            .value
            .controllers
            .iter()
            .filter(|c| c.enabled && matches!(c.name.as_str(), "memory" | "cpu" | "pids" | "blkio"))
            .map(|c| format!("{} {}", c.num_cgroups, code(&c.name)))
            .collect();
        if !counts.is_empty() {
            lines.push(format!("Cgroups: {}.", counts.join(", ")));
        }
    }
    lines
}

/// What the free lists of one zone say at the orders that matter.
fn zone_sentence(z: &ZoneState) -> Option<String> {
    let largest = z.free_blocks.iter().rposition(|&n| n > 0);
    let name = format!("Zone {} (node {})", code(&z.zone), z.node);
    let Some(largest) = largest else {
        return Some(format!("{name}: no free block at all."));
    };
    let missing: Vec<usize> = ORDERS_THAT_MATTER
        .filter(|&o| o < z.free_blocks.len())
        .filter(|&o| z.free_blocks.iter().skip(o).all(|&n| n == 0))
        .collect();
    match missing.first() {
        None => Some(format!(
            "{name}: free blocks up to order {largest}, so at every order from 3 up."
        )),
        Some(&first) => {
            let index = z
                .extfrag_index
                .get(first)
                .filter(|v| **v >= 0.0)
                .map(|v| format!(", fragmentation index {v:.3} there"))
                .unwrap_or_default();
            Some(format!(
                "{name}: no free block of order {first} or above{index}; the largest is order \
                 {largest}."
            ))
        }
    }
}

fn uptime_s(facts: &Facts) -> Option<u64> {
    facts
        .proc_uptime
        .first()
        .map(|u| u.value.uptime_s as u64)
        .or_else(|| facts.uptime.iter().find_map(|u| u.value.uptime_s))
}

/// `31 days 20 h`, `3 h 12 min`, `45 s`.
fn duration(s: u64) -> String {
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(3 * 3600 + 12 * 60), "3 h 12 min");
        assert_eq!(duration(31 * 86_400 + 20 * 3600), "31 days 20 h");
    }

    fn zone(free_blocks: Vec<u64>, extfrag_index: Vec<f64>) -> ZoneState {
        ZoneState {
            node: 0,
            zone: "Normal".into(),
            moment: "collection".into(),
            source: crate::report::Citation {
                source: "proc/buddyinfo".into(),
                line: Some(3),
            },
            free_blocks,
            free_kb: None,
            min_kb: None,
            low_kb: None,
            high_kb: None,
            extfrag_index,
            unusable_index: Vec::new(),
            watermark_ok: None,
        }
    }

    #[test]
    fn zones_at_the_orders_that_matter() {
        let whole = zone(vec![5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1], Vec::new());
        let said = zone_sentence(&whole).unwrap_or_default();
        assert!(said.contains("up to order 10"), "{said}");
        let mut index = vec![-1.0; 11];
        index[5] = 0.919;
        let cut = zone(vec![8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0], index);
        let said = zone_sentence(&cut).unwrap_or_default();
        assert!(
            said.contains("no free block of order 5 or above, fragmentation index 0.919"),
            "{said}"
        );
    }
}
