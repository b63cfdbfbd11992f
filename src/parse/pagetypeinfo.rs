//! `/proc/pagetypeinfo`.
//!
//! Layout (vmstat.c `pagetypeinfo_show`): `Page block order: N`, `Pages per block: N`, the
//! `Free pages count per migrate type at order 0 1 ...` header and one row per node, zone and
//! migratetype (`Node 0, zone Normal, type Movable  12 3 ...`; kernels that cap the free-list walk
//! print `>100000`), then `Number of blocks type  Unmovable Movable ...` and one row per zone.
//! The migratetype names and their order changed across kernels (`Reserve` before 4.4,
//! `HighAtomic` and `CMA` after), so the block columns are named from the header as printed.
//! The optional `Number of mixed blocks` section (page_owner) is skipped.

use crate::facts::{PageTypeBlocks, PageTypeFree, PageTypeInfo, Warning};
use crate::parse::buddyinfo::node_zone_row;
use crate::parse::text::{clean, fields, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Preamble,
    Free,
    Blocks,
    MixedBlocks,
}

/// Parse `/proc/pagetypeinfo`.
pub fn parse(text: &str) -> Parsed<PageTypeInfo> {
    let mut info = PageTypeInfo::default();
    let mut warnings = Vec::new();
    let mut section = Section::Preamble;
    let mut orders: Option<usize> = None;
    for (no, raw) in numbered_lines(text) {
        let cleaned = clean(raw);
        let l = cleaned.as_ref();
        if let Some(v) = l.strip_prefix("Page block order:") {
            match v.trim().parse::<u32>() {
                Ok(n) => info.page_block_order = Some(n),
                Err(_) => warnings.push(Warning::at(no, "page block order is not a number")),
            }
            continue;
        }
        if let Some(v) = l.strip_prefix("Pages per block:") {
            match v.trim().parse::<u64>() {
                Ok(n) => info.pages_per_block = Some(n),
                Err(_) => warnings.push(Warning::at(no, "pages per block is not a number")),
            }
            continue;
        }
        if let Some(v) = l.strip_prefix("Free pages count per migrate type at order") {
            section = Section::Free;
            let n = fields(v).count();
            orders = (n > 0).then_some(n);
            continue;
        }
        if l.starts_with("Number of mixed blocks") {
            section = Section::MixedBlocks;
            continue;
        }
        if let Some(v) = l.strip_prefix("Number of blocks type") {
            section = Section::Blocks;
            info.block_types = fields(v).map(str::to_string).collect();
            continue;
        }
        let row = match node_zone_row(l) {
            None => continue,
            Some(Err(why)) => {
                warnings.push(Warning::at(no, format!("pagetypeinfo row not read: {why}")));
                continue;
            }
            Some(Ok(row)) => row,
        };
        let is_free_row = row.rest.first() == Some(&"type");
        match section {
            Section::MixedBlocks => {}
            _ if is_free_row => {
                let Some(migratetype) = row.rest.get(1) else {
                    warnings.push(Warning::at(no, "pagetypeinfo row has no migratetype"));
                    continue;
                };
                let mut counts = Vec::new();
                let mut bad = None;
                for token in row.rest.iter().skip(2) {
                    if let Some(cap) = token.strip_prefix('>') {
                        // The kernel stopped counting this free list: the count is unknown,
                        // only known to be larger than the printed cap.
                        if cap.parse::<u64>().is_ok() {
                            counts.push(None);
                            continue;
                        }
                    } else if let Ok(n) = token.parse::<u64>() {
                        counts.push(Some(n));
                        continue;
                    }
                    bad = Some(*token);
                    break;
                }
                if let Some(bad) = bad {
                    warnings.push(Warning::at(
                        no,
                        format!("pagetypeinfo free count {bad:?} is not a number; row skipped"),
                    ));
                    continue;
                }
                if let Some(n) = orders {
                    if counts.len() != n {
                        warnings.push(Warning::at(
                            no,
                            format!(
                                "pagetypeinfo row has {} counts but the header has {n} orders; row skipped",
                                counts.len()
                            ),
                        ));
                        continue;
                    }
                }
                info.free.push(PageTypeFree {
                    node: row.node,
                    zone: row.zone,
                    migratetype: migratetype.to_string(),
                    counts,
                    line: line(no, raw),
                });
            }
            Section::Blocks => {
                let counts: Result<Vec<u64>, &str> = row
                    .rest
                    .iter()
                    .map(|t| t.parse::<u64>().map_err(|_| *t))
                    .collect();
                let counts = match counts {
                    Ok(c) => c,
                    Err(bad) => {
                        warnings.push(Warning::at(
                            no,
                            format!("pageblock count {bad:?} is not a number; row skipped"),
                        ));
                        continue;
                    }
                };
                if counts.len() != info.block_types.len() {
                    warnings.push(Warning::at(
                        no,
                        format!(
                            "pageblock row has {} counts for {} migratetypes; row skipped",
                            counts.len(),
                            info.block_types.len()
                        ),
                    ));
                    continue;
                }
                info.blocks.push(PageTypeBlocks {
                    node: row.node,
                    zone: row.zone,
                    counts,
                    line: line(no, raw),
                });
            }
            _ => warnings.push(Warning::at(
                no,
                "pagetypeinfo zone row outside the free-count and block-count sections; skipped",
            )),
        }
    }
    Parsed::new(info, warnings)
}

/// `/proc/pagetypeinfo`.
pub(crate) const FORMAT: Format = Format {
    kind: SourceKind::Pagetypeinfo,
    paths: Paths {
        sosreport: &["proc/pagetypeinfo"],
        collector: &["proc/pagetypeinfo"],
        supportconfig: &["/proc/pagetypeinfo"],
        plain: &["pagetypeinfo*"],
    },
    sniff: Some(sniff),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse(&String::from_utf8_lossy(bytes));
        let n = (p.value.free.len() + p.value.blocks.len()) as u64;
        super::file_counted(&mut facts.pagetypeinfo, path, p, n)
    }),
};

fn sniff(head: &Head<'_>) -> Option<Strength> {
    head.lines()
        .any(|l| {
            l.starts_with("Page block order:")
                || l.starts_with("Free pages count per migrate type")
                || l.starts_with("Number of blocks type")
        })
        .then_some(Strength::Strong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    fn free<'a>(p: &'a PageTypeInfo, zone: &str, mt: &str) -> &'a PageTypeFree {
        p.free
            .iter()
            .find(|f| f.zone == zone && f.migratetype == mt)
            .unwrap_or_else(|| panic!("no {zone}/{mt}"))
    }

    #[test]
    fn riscv_cma_twelve_orders() {
        let p = parse(&test_data("pagetypeinfo/bianbu-riscv-cma-12-orders.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let v = &p.value;
        assert_eq!(v.page_block_order, Some(9));
        assert_eq!(v.pages_per_block, Some(512));
        assert_eq!(v.free.len(), 12);
        let cma = free(v, "DMA32", "CMA");
        assert_eq!(cma.counts.len(), 12);
        assert_eq!(cma.counts[11], Some(30));
        assert_eq!(free(v, "Normal", "Unmovable").counts[0], Some(502));
        assert_eq!(
            v.block_types,
            vec![
                "Unmovable",
                "Movable",
                "Reclaimable",
                "HighAtomic",
                "CMA",
                "Isolate"
            ]
        );
        assert_eq!(v.blocks.len(), 2);
        assert_eq!(v.blocks[0].zone, "DMA32");
        assert_eq!(v.blocks[0].counts, vec![16, 804, 12, 0, 192, 0]);
        assert_eq!(v.blocks[1].counts[0], 1166);
    }

    #[test]
    fn old_reserve_type_and_order_of_columns() {
        let p = parse(&test_data("pagetypeinfo/kernel-doc-2.6-reserve-type.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let v = &p.value;
        assert_eq!(v.free.len(), 10);
        assert_eq!(free(v, "DMA32", "Movable").counts[10], Some(452));
        assert_eq!(free(v, "DMA", "Reserve").counts[9], Some(1));
        // 3.x order: Reclaimable before Movable.
        assert_eq!(
            v.block_types,
            vec!["Unmovable", "Reclaimable", "Movable", "Reserve", "Isolate"]
        );
        let dma32 = &v.blocks[1];
        assert_eq!(dma32.counts, vec![41, 6, 967, 2, 0]);
        let movable = v.block_types.iter().position(|t| t == "Movable");
        assert_eq!(movable.map(|i| dma32.counts[i]), Some(967));
    }

    #[test]
    fn capped_counts_and_mixed_blocks() {
        let text = "Page block order: 9\nPages per block:  512\n\n\
            Free pages count per migrate type at order       0      1      2 \n\
            Node    0, zone   Normal, type      Movable >100000  50000      3 \n\
            Node    0, zone   Normal, type    Unmovable    1  x  3 \n\n\
            Number of blocks type     Unmovable      Movable \n\
            Node 0, zone   Normal          100          200 \n\
            Node 0, zone   Normal          100 \n\n\
            Number of mixed blocks    Unmovable      Movable \n\
            Node 0, zone   Normal            1            2 \n";
        let p = parse(text);
        assert_eq!(p.value.free.len(), 1);
        assert_eq!(p.value.free[0].counts, vec![None, Some(50000), Some(3)]);
        assert_eq!(p.value.blocks.len(), 1);
        assert_eq!(p.value.blocks[0].counts, vec![100, 200]);
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(6), Some(10)]);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_rowlike(s in "((Node [0-9],? zone [A-Za-z0-9]{1,6},? (type [A-Za-z]{1,5})?[ 0-9>x]{0,20}|Number of (mixed )?blocks type [A-Za-z ]{0,12}|Free pages count per migrate type at order[ 0-9]{0,8})\n){0,6}") {
            let _ = parse(&s);
        }
    }
}
