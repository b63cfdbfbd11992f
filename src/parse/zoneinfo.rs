//! `/proc/zoneinfo`.
//!
//! Each zone starts with `Node N, zone NAME`. Since 4.8 the first zone of a node is followed by a
//! `per-node stats` block of node counters (`nr_inactive_anon`, ...): those belong to the node,
//! not to the zone under which they are printed, so they are skipped. The zone's own values
//! follow `pages free N`: the watermarks `min`/`low`/`high`, `spanned`/`present`/`managed`, the
//! `nr_*` counters (all in pages) and `protection: (...)` (lowmem_reserve). The per-cpu `pagesets`
//! block and what follows it (`start_pfn:`, `node_unreclaimable:`) are skipped.

use std::collections::BTreeMap;

use crate::facts::{Warning, ZoneInfo, ZoneInfoZone};
use crate::parse::buddyinfo::node_zone_row;
use crate::parse::text::{clean, fields, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Parse, Paths, SourceKind};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Between the zone line and `pages free`, or in `per-node stats`.
    Node,
    /// From `pages free` to `pagesets`.
    Zone,
    Pagesets,
}

/// Zone values kept besides the `nr_*` counters; all in pages.
const ZONE_KEYS: &[&str] = &[
    "min", "low", "high", "boost", "scanned", "spanned", "present", "managed", "cma",
];

/// Parse `/proc/zoneinfo`.
pub fn parse(text: &str) -> Parsed<ZoneInfo> {
    let mut zones: Vec<ZoneInfoZone> = Vec::new();
    let mut warnings = Vec::new();
    let mut current: Option<ZoneInfoZone> = None;
    let mut block = Block::Node;
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        let l = cleaned.as_ref();
        match node_zone_row(l) {
            Some(Ok(row)) if row.rest.is_empty() => {
                zones.extend(current.take());
                current = Some(ZoneInfoZone {
                    node: row.node,
                    zone: row.zone,
                    pages: BTreeMap::new(),
                    protection: Vec::new(),
                    line: line(no, raw),
                });
                block = Block::Node;
                continue;
            }
            Some(_) => {
                warnings.push(Warning::at(no, "zoneinfo zone line not read; zone skipped"));
                zones.extend(current.take());
                continue;
            }
            None => {}
        }
        let Some(zone) = current.as_mut() else {
            continue;
        };
        if l == "per-node stats" {
            block = Block::Node;
            continue;
        }
        if l == "pagesets" {
            block = Block::Pagesets;
            continue;
        }
        if let Some(rest) = l.strip_prefix("pages free") {
            block = Block::Zone;
            match rest.trim().parse::<u64>() {
                Ok(n) => {
                    zone.pages.insert("free".to_string(), n);
                }
                Err(_) => warnings.push(Warning::at(no, "zoneinfo `pages free` is not a number")),
            }
            continue;
        }
        if block != Block::Zone {
            continue;
        }
        if let Some(list) = l.strip_prefix("protection:") {
            let list = list.trim().trim_start_matches('(').trim_end_matches(')');
            let values: Result<Vec<u64>, _> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::parse::<u64>)
                .collect();
            match values {
                Ok(v) => zone.protection = v,
                Err(_) => warnings.push(Warning::at(no, "zoneinfo protection list not read")),
            }
            continue;
        }
        let tokens: Vec<&str> = fields(l).collect();
        let [key, value] = tokens.as_slice() else {
            continue;
        };
        if !(key.starts_with("nr_") || ZONE_KEYS.contains(key)) {
            continue;
        }
        match value.parse::<u64>() {
            Ok(n) => {
                zone.pages.insert(key.to_string(), n);
            }
            Err(_) => warnings.push(Warning::at(
                no,
                format!("zoneinfo value of {key} is not a number: {value:?}"),
            )),
        }
    }
    zones.extend(current);
    Parsed::new(ZoneInfo { zones }, warnings)
}

/// `/proc/zoneinfo`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Zoneinfo,
    paths: Paths {
        sosreport: &["proc/zoneinfo"],
        collector: &["proc/zoneinfo"],
        supportconfig: &["/proc/zoneinfo"],
        plain: &["zoneinfo*"],
    },
    sniff: Some(|head| match head.node_zone() {
        Some((SourceKind::Zoneinfo, strength)) => Some(strength),
        _ => None,
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = p.value.zones.len() as u64;
        super::file_counted(&mut facts.zoneinfo, path, p, n)
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    #[test]
    fn five_zones_with_per_node_stats() {
        let p = parse(&test_data(
            "zoneinfo/procfs-5x-dma-dma32-normal-movable-device.txt",
        ));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let z = &p.value.zones;
        let names: Vec<_> = z.iter().map(|z| z.zone.as_str()).collect();
        assert_eq!(names, vec!["DMA", "DMA32", "Normal", "Movable", "Device"]);
        let dma = &z[0];
        assert_eq!(dma.pages.get("free"), Some(&3952));
        assert_eq!(dma.pages.get("min"), Some(&33));
        assert_eq!(dma.pages.get("high"), Some(&49));
        assert_eq!(dma.pages.get("managed"), Some(&3956));
        assert_eq!(dma.pages.get("nr_free_pages"), Some(&3952));
        assert_eq!(dma.protection, vec![0, 2877, 7826, 7826, 7826]);
        // Node counters printed under the DMA zone are not the zone's.
        assert_eq!(dma.pages.get("nr_inactive_anon"), None);
        assert_eq!(dma.pages.get("nr_slab_reclaimable"), None);
        assert!(!dma.pages.contains_key("numa_hit"));
        let dma32 = &z[1];
        assert_eq!(dma32.pages.get("free"), Some(&204252));
        assert_eq!(dma32.pages.get("low"), Some(&21059));
        assert_eq!(dma32.pages.get("nr_zone_inactive_anon"), Some(&118558));
        assert_eq!(dma32.protection, vec![0, 0, 4949, 4949, 4949]);
        assert_eq!(dma32.line.text, "Node 0, zone    DMA32");
    }

    #[test]
    fn el7_layout_protection_after_counters() {
        let text = "Node 0, zone   Normal\n  pages free     23808\n        min      13884\n\
                    \x20       low      17355\n        high     20826\n        scanned  0\n\
                    \x20       spanned  3932160\n        present  3932160\n        managed  3862165\n\
                    \x20   nr_free_pages 23808\n    nr_slab_reclaimable 1277080\n\
                    \x20       protection: (0, 0, 0, 0)\n  pagesets\n    cpu: 0\n              count: 154\n\
                    \x20 all_unreclaimable: 0\n  start_pfn:         1048576\n";
        let p = parse(text);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let z = &p.value.zones[0];
        assert_eq!(z.pages.get("min"), Some(&13884));
        assert_eq!(z.pages.get("nr_slab_reclaimable"), Some(&1277080));
        assert_eq!(z.protection, vec![0, 0, 0, 0]);
        assert!(!z.pages.contains_key("count"));
    }

    #[test]
    fn unreadable_values_warn() {
        let p = parse("Node 0, zone Normal\n  pages free x\n  min 1y\n  protection: (0, a)\n");
        assert_eq!(p.value.zones.len(), 1);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
