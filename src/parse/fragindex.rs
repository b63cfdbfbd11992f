//! debugfs `extfrag/extfrag_index` and `extfrag/unusable_index`.
//!
//! Both print `Node %d, zone %8s ` then one value per order: `%2d.%03d` for extfrag_index (so
//! `-1.000` for "a block of this order is free" and `0.919`), `%d.%03d` for unusable_index. Values
//! are read as printed; a value outside -1.000..=1.000 cannot come from the kernel's formulas and
//! makes the row a warning. Lines that do not start with `Node` (prompts, the
//! `extfrag_threshold` value pasted after the table, prose) are ignored.

use crate::facts::{FragIndexTable, FragIndexZone, Warning};
use crate::parse::buddyinfo::node_zone_row;
use crate::parse::text::{clean, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Parse an `extfrag_index` or `unusable_index` table.
pub fn parse(text: &str) -> Parsed<FragIndexTable> {
    let mut zones = Vec::new();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        let row = match node_zone_row(&cleaned) {
            None => continue,
            Some(Err(why)) => {
                warnings.push(Warning::at(
                    no,
                    format!("fragmentation index row not read: {why}"),
                ));
                continue;
            }
            Some(Ok(row)) => row,
        };
        let mut values = Vec::with_capacity(row.rest.len());
        let mut bad = None;
        for token in &row.rest {
            match token.parse::<f64>() {
                Ok(v)
                    if v.is_finite()
                        && (-1.0..=1.0).contains(&v)
                        && !token.contains(['e', 'E']) =>
                {
                    values.push(v)
                }
                _ => {
                    bad = Some(*token);
                    break;
                }
            }
        }
        if let Some(bad) = bad {
            warnings.push(Warning::at(
                no,
                format!("fragmentation index value {bad:?} is not an index between -1.000 and 1.000; row skipped"),
            ));
            continue;
        }
        if values.is_empty() {
            warnings.push(Warning::at(
                no,
                "fragmentation index row has no values; skipped",
            ));
            continue;
        }
        // Every zone has an index per order: a shorter row was cut (a paste cut mid-line, whose
        // last value may be cut too: `0.9` of `0.998`).
        let expected = zones.first().map(|z: &FragIndexZone| z.values.len());
        if let Some(expected) = expected.filter(|&e| e != values.len()) {
            warnings.push(Warning::at(
                no,
                format!(
                    "fragmentation index row has {} orders where earlier rows have {expected}; skipped",
                    values.len()
                ),
            ));
            continue;
        }
        zones.push(FragIndexZone {
            node: row.node,
            zone: row.zone,
            values,
            line: line(no, raw),
        });
    }
    Parsed::new(FragIndexTable { zones }, warnings)
}

/// debugfs `extfrag/extfrag_index`.
pub(crate) const EXTFRAG_INDEX: Format = Format {
    kind: SourceKind::ExtfragIndex,
    paths: Paths {
        sosreport: &["extfrag/extfrag_index"],
        collector: &["sys/kernel/debug/extfrag/extfrag_index"],
        supportconfig: &["/sys/kernel/debug/extfrag/extfrag_index"],
        plain: &["extfrag_index*", "extfrag-index*", "extfragindex*"],
    },
    sniff: Some(|head| index_table(head, SourceKind::ExtfragIndex)),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = p.value.zones.len() as u64;
        super::file_counted(&mut facts.extfrag_index, path, p, n)
    }),
};

/// debugfs `extfrag/unusable_index`.
pub(crate) const UNUSABLE_INDEX: Format = Format {
    kind: SourceKind::UnusableIndex,
    paths: Paths {
        sosreport: &["extfrag/unusable_index"],
        collector: &["sys/kernel/debug/extfrag/unusable_index"],
        supportconfig: &["/sys/kernel/debug/extfrag/unusable_index"],
        plain: &["unusable_index*", "unusable-index*"],
    },
    sniff: Some(|head| index_table(head, SourceKind::UnusableIndex)),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = p.value.zones.len() as u64;
        super::file_counted(&mut facts.unusable_index, path, p, n)
    }),
};

/// The two index tables share their shape: a table that tells names one of them; either fits
/// a file whose path names the other.
fn index_table(head: &Head<'_>, kind: SourceKind) -> Option<Strength> {
    match head.node_zone() {
        Some((found, strength)) if found == kind => Some(strength),
        Some((SourceKind::ExtfragIndex | SourceKind::UnusableIndex, _)) => {
            Some(Strength::Plausible)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    #[test]
    fn seed_extfrag_with_prompt_and_threshold_after() {
        let p = parse(&test_data("extfrag_index/seed-beta004-pasted.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let t = &p.value;
        assert_eq!(t.zones.len(), 3);
        let normal = &t.zones[2];
        assert_eq!((normal.node, normal.zone.as_str()), (0, "Normal"));
        assert_eq!(
            normal.values,
            vec![-1.0, -1.0, -1.0, -1.0, 0.919, 0.960, 0.980, 0.990, 0.995, 0.998, 0.999]
        );
        assert_eq!(normal.values[4], 0.919);
        assert_eq!(normal.line.no, 4);
        let dma32 = &t.zones[1];
        assert_eq!(dma32.zone, "DMA32");
        assert_eq!(dma32.values[4], 0.864);
        assert_eq!(dma32.values[10], 0.998);
        assert!(t.zones[0].values.iter().all(|v| *v == -1.0));
    }

    /// Pasted and cut in the middle of its last row: the row is not read, with a warning.
    #[test]
    fn a_row_cut_short_is_skipped() {
        let text = test_data("extfrag_index/seed-beta004-pasted.txt");
        let at = text.find("0.995 0.998").expect("the Normal row") + "0.995 0.9".len();
        let p = parse(&text[..at]);
        assert_eq!(p.value.zones.len(), 2);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(4));
        assert!(p.warnings[0]
            .message
            .contains("has 10 orders where earlier rows have 11"));
    }

    #[test]
    fn netdata_sample_all_minus_one() {
        let p = parse(&test_data("extfrag_index/netdata-issue-15001.txt"));
        assert!(p.warnings.is_empty());
        assert_eq!(p.value.zones.len(), 3);
        for z in &p.value.zones {
            assert_eq!(z.values, vec![-1.0; 11]);
        }
    }

    #[test]
    fn unusable_index_format() {
        let p = parse("Node 0, zone   Normal 0.000 0.664 0.851 0.994 1.000 1.000 \n");
        assert_eq!(
            p.value.zones[0].values,
            vec![0.0, 0.664, 0.851, 0.994, 1.0, 1.0]
        );
    }

    #[test]
    fn unreadable_values_warn() {
        let p = parse(
            "Node 0, zone Normal -1.000 0.9x1\nNode 0, zone DMA 2.500\nNode 0, zone DMA32 NaN\n",
        );
        assert!(p.value.zones.is_empty());
        assert_eq!(p.warnings.len(), 3);
        assert_eq!(p.warnings[0].line, Some(1));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        /// Rows printed the way the kernel prints them (`%2d.%03d` of index/1000) read back.
        #[test]
        fn generated_tables_parse_back(
            rows in prop::collection::vec(
                (
                    0u32..4,
                    "[A-Z][A-Za-z0-9]{0,7}",
                    prop::collection::vec(prop_oneof![Just(-1000i32), 0i32..=1000], 11),
                ),
                1..5,
            )
        ) {
            let mut text = String::new();
            for (node, zone, values) in &rows {
                text.push_str(&format!("Node {node}, zone {zone:>8} "));
                for v in values {
                    text.push_str(&format!("{:2}.{:03} ", v / 1000, (v % 1000).abs()));
                }
                text.push('\n');
            }
            let p = parse(&text);
            prop_assert!(p.warnings.is_empty());
            prop_assert_eq!(p.value.zones.len(), rows.len());
            for (z, (node, zone, values)) in p.value.zones.iter().zip(&rows) {
                prop_assert_eq!(z.node, *node);
                prop_assert_eq!(&z.zone, zone);
                let expected: Vec<f64> = values.iter().map(|v| f64::from(*v) / 1000.0).collect();
                prop_assert_eq!(&z.values, &expected);
            }
        }
    }
}
