//! `/proc/buddyinfo`: free blocks per order, one row per populated zone.
//!
//! The kernel prints `"Node %d, zone %8s "` then `"%6lu "` per order, as many orders as the
//! architecture has (11 on x86-64, 12 on some riscv64 builds), so counts are kept in a `Vec`.
//!
//! Pasted copies carry prompts, blank lines between rows, irregular spacing and prose after the
//! table. A line that starts with `Node` is a table row and must read completely, or it becomes a
//! warning and is skipped; any other line (prose, prompts, the `# source:` lines of a note) is
//! not part of the table and is ignored without a warning.

use crate::facts::{BuddyInfo, BuddyZone, Warning};
use crate::parse::text::{clean, fields, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Parse, Paths, SourceKind};

/// Parse `/proc/buddyinfo`.
pub fn parse(text: &str) -> Parsed<BuddyInfo> {
    let mut zones: Vec<BuddyZone> = Vec::new();
    let mut warnings = Vec::new();
    let mut width: Option<usize> = None;
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        let row = match node_zone_row(&cleaned) {
            None => continue,
            Some(Err(why)) => {
                warnings.push(Warning::at(no, format!("buddyinfo row not read: {why}")));
                continue;
            }
            Some(Ok(row)) => row,
        };
        let counts: Result<Vec<u64>, &str> = row
            .rest
            .iter()
            .map(|t| t.parse::<u64>().map_err(|_| *t))
            .collect();
        let counts = match counts {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => {
                warnings.push(Warning::at(no, "buddyinfo row has no free counts; skipped"));
                continue;
            }
            Err(bad) => {
                warnings.push(Warning::at(
                    no,
                    format!("buddyinfo row has an unreadable count {bad:?}; skipped"),
                ));
                continue;
            }
        };
        // Every zone of one kernel prints the same number of orders: a row with another count
        // is cut short (a truncated paste) and its last value may be cut too.
        match width {
            Some(w) if w != counts.len() => {
                warnings.push(Warning::at(
                    no,
                    format!(
                        "buddyinfo row has {} order columns where earlier rows have {w}; skipped",
                        counts.len()
                    ),
                ));
                continue;
            }
            _ => width = Some(counts.len()),
        }
        zones.push(BuddyZone {
            node: row.node,
            zone: row.zone,
            counts,
            line: line(no, raw),
        });
    }
    Parsed::new(BuddyInfo { zones }, warnings)
}

/// The `Node N, zone NAME` prefix shared by buddyinfo, pagetypeinfo and the fragmentation
/// indexes, and the tokens after it.
#[derive(Debug)]
pub(crate) struct NodeZoneRow<'a> {
    pub node: u32,
    pub zone: String,
    pub rest: Vec<&'a str>,
}

/// Read a `Node N, zone NAME ...` row from a cleaned line. `None` when the line is not such a row
/// at all (it does not start with the word `Node`), `Some(Err)` when it starts like one but the
/// node or zone cannot be read.
pub(crate) fn node_zone_row(cleaned: &str) -> Option<Result<NodeZoneRow<'_>, String>> {
    let mut tokens = fields(cleaned).peekable();
    if tokens.next() != Some("Node") {
        return None;
    }
    // `Node 0,` is usual; `Node 0 ,` and `Node 0, zone` with odd spacing also occur in pastes.
    let node_token = match tokens.next() {
        Some(t) => t,
        None => return Some(Err("no node number after `Node`".to_string())),
    };
    let node_digits = node_token.trim_end_matches(',');
    let node = match node_digits.parse::<u32>() {
        Ok(n) => n,
        Err(_) => return Some(Err(format!("node number {node_token:?} is not a number"))),
    };
    if tokens.peek() == Some(&",") {
        tokens.next();
    }
    if tokens.next() != Some("zone") {
        return Some(Err("no `zone` after the node number".to_string()));
    }
    let zone = match tokens.next() {
        Some(z) => z.trim_end_matches(','),
        None => return Some(Err("no zone name".to_string())),
    };
    if zone.is_empty() {
        return Some(Err("empty zone name".to_string()));
    }
    Some(Ok(NodeZoneRow {
        node,
        zone: zone.to_string(),
        rest: tokens.collect(),
    }))
}

/// Strip the two `# source:` / `# note:` header lines that test data files carry.
#[cfg(test)]
pub(crate) fn strip_header(text: &str) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .filter(|(i, l)| !(*i < 2 && (l.starts_with("# source:") || l.starts_with("# note:"))))
        .map(|(_, l)| l)
        .collect()
}

/// Read a test data file under `tests/data/`, without its header lines.
#[cfg(test)]
pub(crate) fn test_data(rel: &str) -> String {
    let path = format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    strip_header(&text)
}

/// `/proc/buddyinfo`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Buddyinfo,
    paths: Paths {
        sosreport: &["proc/buddyinfo"],
        collector: &["proc/buddyinfo"],
        supportconfig: &["/proc/buddyinfo"],
        plain: &["buddyinfo*"],
    },
    sniff: Some(|head| match head.node_zone() {
        Some((SourceKind::Buddyinfo, strength)) => Some(strength),
        _ => None,
    }),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = p.value.zones.len() as u64;
        super::file_counted(&mut facts.buddyinfo, path, p, n)
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn zone<'a>(b: &'a BuddyInfo, node: u32, name: &str) -> &'a BuddyZone {
        b.zones
            .iter()
            .find(|z| z.node == node && z.zone == name)
            .unwrap_or_else(|| panic!("no zone {node}/{name}"))
    }

    #[test]
    fn seed_failing_node_with_blank_line_and_trailing_spaces() {
        let p = parse(&test_data("buddyinfo/seed-beta004-pasted.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let b = &p.value;
        assert_eq!(b.zones.len(), 6);
        assert_eq!(
            zone(b, 0, "Normal").counts,
            vec![8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            zone(b, 0, "DMA32").counts,
            vec![8319, 4025, 634, 266, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(b.zones[0].counts, vec![1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3]);
        // The healthy node's rows have irregular spacing.
        let healthy = &b.zones[5];
        assert_eq!(healthy.zone, "Normal");
        assert_eq!(
            healthy.counts,
            vec![2121, 754, 758, 419, 735, 1411, 1202, 1160, 1075, 3, 1]
        );
        assert_eq!(b.zones[4].counts[8], 401);
        // Evidence keeps the line as printed, trailing non-breaking space included.
        assert!(zone(b, 0, "Normal").line.text.ends_with("0\u{a0}"));
    }

    #[test]
    fn two_nodes() {
        let p = parse(&test_data("buddyinfo/insights-2node-dma-dma32-normal.txt"));
        assert!(p.warnings.is_empty());
        assert_eq!(p.value.zones.len(), 4);
        let n1 = zone(&p.value, 1, "Normal");
        assert_eq!(n1.counts[0], 1);
        assert_eq!(n1.counts[10], 6723);
        assert_eq!(n1.line.no, 4);
        assert_eq!(zone(&p.value, 0, "DMA32").counts[10], 569);
    }

    #[test]
    fn twelve_orders_with_trailing_spaces() {
        let p = parse(&test_data(
            "buddyinfo/bianbu-riscv-12-orders-trailing-space.txt",
        ));
        assert!(p.warnings.is_empty());
        let dma32 = zone(&p.value, 0, "DMA32");
        assert_eq!(dma32.counts.len(), 12);
        assert_eq!(dma32.counts[11], 71);
        assert_eq!(
            zone(&p.value, 0, "Normal").counts,
            vec![22, 3, 7, 119, 96, 37, 6, 16, 3, 0, 0, 0]
        );
    }

    #[test]
    fn other_samples() {
        let p = parse(&test_data("buddyinfo/insights-1node-fragmented.txt"));
        assert_eq!(zone(&p.value, 0, "Normal").counts[0], 19340);
        assert_eq!(zone(&p.value, 0, "Normal").counts[10], 0);
        let p = parse(&test_data("buddyinfo/procfs-1node-dma-dma32-normal.txt"));
        assert_eq!(zone(&p.value, 0, "Normal").counts[3], 1530);
        let p = parse(&test_data("buddyinfo/insights-parser-docstring.txt"));
        assert_eq!(p.value.zones.len(), 4);
    }

    #[test]
    fn broken_rows_warn_and_are_skipped() {
        let text = "Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 x 3\nNode x, zone DMA32 1 2 3\n\
                    Node 0, zone HighMem 1 2\nThe Normal zone has no order-5 blocks left.\n";
        let p = parse(text);
        assert_eq!(p.value.zones.len(), 1);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn crlf_and_nbsp() {
        let p = parse("Node\u{a0}0, zone\u{a0}Normal 5 6\r\n");
        assert_eq!(p.value.zones[0].counts, vec![5, 6]);
        assert_eq!(
            p.value.zones[0].line.text,
            "Node\u{a0}0, zone\u{a0}Normal 5 6"
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_rowlike(s in "(Node [0-9x,]{0,3} ?zone ?[A-Za-z0-9 ,.>-]{0,30}\r?\n?){0,5}") {
            let _ = parse(&s);
        }

        #[test]
        fn generated_tables_parse_back(
            rows in prop::collection::vec(
                (0u32..8, "[A-Z][A-Za-z0-9]{0,7}", prop::collection::vec(any::<u64>(), 12)),
                1..6,
            ),
            orders in 1usize..=12,
            blank_between in any::<bool>(),
        ) {
            let mut text = String::new();
            for (node, name, counts) in &rows {
                text.push_str(&format!("Node {node}, zone {name:>8} "));
                for c in &counts[..orders] {
                    text.push_str(&format!("{c:6} "));
                }
                text.push('\n');
                if blank_between {
                    text.push('\n');
                }
            }
            let p = parse(&text);
            prop_assert!(p.warnings.is_empty());
            prop_assert_eq!(p.value.zones.len(), rows.len());
            for (z, (node, name, counts)) in p.value.zones.iter().zip(&rows) {
                prop_assert_eq!(z.node, *node);
                prop_assert_eq!(&z.zone, name);
                prop_assert_eq!(&z.counts[..], &counts[..orders]);
            }
        }
    }
}
