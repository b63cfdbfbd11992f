//! The view of the baseline comparison: sentences as prose, the free lists of both nodes as
//! tables and one chart per zone with the baseline as a series of its own.

use crate::units;
use serde::Serialize;

use super::{visible, Cell, OrderHeader, Prose};
use crate::render::svg::{BarChart, Series};
use crate::report::{ComparedValue, Comparison, ZoneComparison};

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    pub baseline_name: String,
    pub baseline_host: Option<String>,
    pub baseline_kernel: Option<String>,
    pub healthy: bool,
    pub notes: Vec<Prose>,
    pub key: Vec<Prose>,
    pub other: Vec<Prose>,
    pub zones: Vec<ZoneCompareView>,
    pub memory: Vec<PairView>,
    pub slab: Vec<PairView>,
    pub host: Vec<PairView>,
    pub sysctl: Vec<PairView>,
    /// The four tables above with their titles, for the HTML page.
    pub tables: Vec<PairTable>,
    pub charts: Vec<BarChart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairTable {
    pub title: String,
    /// Names are bundle text (cache names, sysctl keys), shown as code.
    pub code_names: bool,
    pub rows: Vec<PairView>,
}

/// One zone of both nodes: a row per series, for free blocks and for the fragmentation index.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneCompareView {
    /// Element id of the table (the chart points at it).
    pub id: String,
    pub node: u32,
    pub zone: String,
    pub orders: Vec<OrderHeader>,
    pub free_blocks: Vec<SeriesRow>,
    pub extfrag: Vec<SeriesRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesRow {
    /// `Failing node, at the failure`, `Failing node, at collection`, `Baseline`.
    pub label: String,
    pub cells: Vec<Cell>,
    /// Largest order with a free block, or `none`.
    pub largest: String,
}

/// A named value on both nodes, formatted (bundle text kept as text).
#[derive(Debug, Clone, Serialize)]
pub struct PairView {
    pub name: String,
    pub failing: String,
    pub baseline: String,
    pub differs: bool,
}

/// One series of a zone: free blocks, their fragmentation indices, the largest free order.
type SeriesData<'a> = (&'a Option<Vec<u64>>, &'a Option<Vec<f64>>, Option<u32>);

const SERIES: [&str; 3] = [
    "Failing node, at the failure",
    "Failing node, at collection",
    "Baseline",
];

fn zone_view(
    index: usize,
    z: &ZoneComparison,
    requested: Option<u32>,
) -> (ZoneCompareView, Option<BarChart>) {
    let series: [SeriesData<'_>; 3] = [
        (&z.failure, &z.extfrag_failure, z.largest_free_order_failure),
        (
            &z.collection,
            &z.extfrag_collection,
            z.largest_free_order_collection,
        ),
        (
            &z.baseline,
            &z.extfrag_baseline,
            z.largest_free_order_baseline,
        ),
    ];
    let orders = series
        .iter()
        .filter_map(|(c, _, _)| c.as_ref().map(Vec::len))
        .max()
        .unwrap_or(0);
    let largest = |l: Option<u32>| l.map(|o| o.to_string()).unwrap_or_else(|| "none".into());
    let mut free_blocks = Vec::new();
    let mut extfrag = Vec::new();
    for ((counts, index_values, l), label) in series.iter().zip(SERIES) {
        if let Some(counts) = counts {
            free_blocks.push(SeriesRow {
                label: label.to_string(),
                cells: Cell::counts(counts, orders, requested),
                largest: largest(*l),
            });
        }
        if let Some(values) = index_values {
            extfrag.push(SeriesRow {
                label: label.to_string(),
                cells: Cell::indices(values, orders, requested),
                largest: largest(*l),
            });
        }
    }
    let id = format!("cmp-{index}");
    let zone = visible(&z.zone);
    let names: Vec<String> = series
        .iter()
        .zip(SERIES)
        .filter(|((c, _, _), _)| c.is_some())
        .map(|(_, label)| label.to_string())
        .collect();
    let chart_series: Vec<Series<'_>> = series
        .iter()
        .filter_map(|(c, _, _)| c.as_deref())
        .zip(&names)
        .map(|(counts, name)| Series { name, counts })
        .collect();
    let chart = BarChart::free_blocks(
        &id,
        &format!(
            "Free blocks per order in Node {} {zone}, failing node and baseline",
            z.node
        ),
        &chart_series,
        requested,
    );
    (
        ZoneCompareView {
            id,
            node: z.node,
            zone,
            orders: OrderHeader::row(orders, requested),
            free_blocks,
            extfrag,
        },
        chart,
    )
}

fn pair(v: &ComparedValue) -> PairView {
    PairView {
        name: visible(&v.name),
        failing: v.failing.as_deref().map(visible).unwrap_or_default(),
        baseline: v.baseline.as_deref().map(visible).unwrap_or_default(),
        differs: v.failing != v.baseline,
    }
}

/// The view of a report's comparison.
pub fn build(c: &Comparison, requested: Option<u32>) -> ComparisonView {
    let mut zones = Vec::new();
    let mut charts = Vec::new();
    // DMA is 16 MiB and never where a kernel allocation of a 64-bit node is decided: tables
    // only, no chart.
    for (i, z) in c.zones.iter().enumerate() {
        let (view, chart) = zone_view(i, z, requested);
        if z.zone != "DMA" {
            charts.extend(chart);
        }
        zones.push(view);
    }
    let memory: Vec<PairView> = c.memory.iter().map(pair).collect();
    let slab: Vec<PairView> = c
        .slab_top
        .iter()
        .map(|s| PairView {
            name: visible(&s.name),
            failing: s.failing_bytes.map(units::bytes).unwrap_or_default(),
            baseline: s.baseline_bytes.map(units::bytes).unwrap_or_default(),
            differs: s.failing_bytes != s.baseline_bytes,
        })
        .collect();
    let host: Vec<PairView> = c.host.iter().map(pair).collect();
    let sysctl: Vec<PairView> = c.sysctl.iter().map(pair).collect();
    let tables = [
        ("Memory", false, &memory),
        ("Slab caches", true, &slab),
        ("Host", false, &host),
        ("vm.* settings that differ", true, &sysctl),
    ]
    .into_iter()
    .filter(|(_, _, rows)| !rows.is_empty())
    .map(|(title, code_names, rows)| PairTable {
        title: title.to_string(),
        code_names,
        rows: rows.clone(),
    })
    .collect();
    ComparisonView {
        baseline_name: visible(&c.baseline.name),
        baseline_host: c.baseline.hostname.as_deref().map(visible),
        baseline_kernel: c.baseline.kernel.as_deref().map(visible),
        healthy: c.baseline_healthy,
        notes: c.notes.iter().map(|n| Prose::inline(n)).collect(),
        key: c.key_differences.iter().map(|n| Prose::inline(n)).collect(),
        other: c
            .other_differences
            .iter()
            .map(|n| Prose::inline(n))
            .collect(),
        zones,
        memory,
        slab,
        host,
        sysctl,
        tables,
        charts,
    }
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Event, Options, Parser, Tag};

    use crate::render::fixture::{hostile, HOSTILE};
    use crate::render::{render, Format};
    use crate::report::{
        BaselineInfo, ComparedValue, Comparison, Report, SlabComparison, ZoneComparison,
    };

    /// A comparison whose every piece of bundle text is hostile.
    fn hostile_comparison() -> Report {
        let h = |i: usize| HOSTILE[i % HOSTILE.len()].to_string();
        let mut report = hostile();
        let pair = |i: usize| ComparedValue {
            name: h(i),
            failing: Some(h(i + 1)),
            baseline: Some(h(i + 2)),
            failing_value: None,
            baseline_value: None,
        };
        report.comparison = Some(Comparison {
            baseline: BaselineInfo {
                name: h(0),
                hostname: Some(h(1)),
                kernel: Some(h(2)),
            },
            baseline_healthy: false,
            baseline_problems: vec!["no free block".into()],
            notes: vec![format!(
                "The baseline is not healthy: `{}`.",
                h(3).replace('`', "")
            )],
            key_differences: vec!["In `Normal`, the failing node had no free block.".into()],
            other_differences: Vec::new(),
            zones: vec![ZoneComparison {
                node: 0,
                zone: h(0),
                failure: Some(vec![1, 0, 0]),
                collection: None,
                baseline: Some(vec![5, 4, 3]),
                extfrag_failure: Some(vec![-1.0, 0.9, 0.95]),
                extfrag_collection: None,
                extfrag_baseline: Some(vec![-1.0, -1.0, -1.0]),
                largest_free_order_failure: Some(0),
                largest_free_order_collection: None,
                largest_free_order_baseline: Some(2),
            }],
            memory: Vec::new(),
            slab_top: (0..HOSTILE.len())
                .map(|i| SlabComparison {
                    name: h(i),
                    failing_bytes: Some(4096),
                    baseline_bytes: None,
                })
                .collect(),
            host: (0..HOSTILE.len()).map(pair).collect(),
            sysctl: (0..HOSTILE.len()).map(pair).collect(),
        });
        report
    }

    #[test]
    fn comparison_markdown_keeps_bundle_text_in_code() {
        let md = render(&hostile_comparison(), Format::Markdown).unwrap();
        let section = &md[md.find("## Compared with the baseline").unwrap()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        for event in Parser::new_ext(section, Options::ENABLE_TABLES) {
            match &event {
                Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML: {h:?}"),
                Event::Start(Tag::Link { dest_url, .. }) => panic!("link to {dest_url}"),
                Event::Start(Tag::Image { .. }) => panic!("image"),
                _ => {}
            }
        }
        assert!(!section.contains('\u{1b}'));
        assert!(section.contains("`<script>alert(1)</script>`"), "{section}");
        // Every table row keeps its three columns.
        let pairs = section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Free blocks"))
            .filter(|l| !l.starts_with("| Fragmentation") && !l.starts_with("| Failing"))
            .filter(|l| !l.starts_with("| Baseline"));
        for line in pairs {
            let cells = line.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 4, "{line}");
        }
    }

    #[test]
    fn comparison_html_is_inert_and_draws_the_baseline() {
        let page = render(&hostile_comparison(), Format::Html).unwrap();
        let section = &page[page.find("id=\"baseline\"").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        let lower = section.to_ascii_lowercase();
        assert!(!lower.contains("<script"));
        assert!(!lower.contains("<img"));
        assert!(!lower.contains("<b>"));
        assert!(!section.contains('\u{1b}'));
        assert!(section.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(section.contains("Baseline, order 2: 3 free blocks"));
        assert!(section.contains("class=\"note unhealthy\""));
    }
}
