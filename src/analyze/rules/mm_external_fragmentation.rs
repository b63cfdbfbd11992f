//! `mm.external-fragmentation`: memory was free, but not in blocks of the order requested.

use crate::analyze::assess::{assess_main, Assessment, Cause};
use crate::analyze::finding::{code, count, index3, FindingBuilder};
use crate::analyze::fragmentation::{
    fragmentation_index, largest_free_order, order_bytes, WatermarkFailure, WatermarkRule,
};
use crate::analyze::kernel::kmem::kmem_evidence;
use crate::analyze::meta::{Metric, MetricKind, Need, NeedWhen, RuleMeta};
use crate::analyze::zones::{Reach, ZoneView};
use crate::analyze::{refs, Context, Rule};
use crate::facts::{BuddyZone, Facts, FragIndexZone};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::sources::SourceKind;
use crate::units;

pub struct ExternalFragmentation;

/// The captured `extfrag_index` row of a zone, with its path.
pub fn captured_extfrag<'a>(
    facts: &'a Facts,
    node: u32,
    zone: &str,
) -> Option<(&'a str, &'a FragIndexZone)> {
    facts.extfrag_index.iter().find_map(|t| {
        t.value
            .zones
            .iter()
            .find(|z| z.node == node && z.zone == zone)
            .map(|z| (t.path.as_str(), z))
    })
}

/// The `/proc/buddyinfo` row of a zone, with its path.
pub fn buddy_row<'a>(facts: &'a Facts, node: u32, zone: &str) -> Option<(&'a str, &'a BuddyZone)> {
    facts.buddyinfo.iter().find_map(|t| {
        t.value
            .zones
            .iter()
            .find(|z| z.node == node && z.zone == zone)
            .map(|z| (t.path.as_str(), z))
    })
}

fn counts_text(counts: &[u64]) -> String {
    counts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn pages_bytes(pages: u64, page_kb: u64) -> u64 {
    pages.saturating_mul(page_kb).saturating_mul(1024)
}

/// The watermark outcome of a zone, in words.
fn watermark_words(z: &ZoneView<'_>) -> String {
    let Some(w) = z.watermark else {
        return "not known".to_string();
    };
    match w.failure {
        None => "passes".to_string(),
        Some(WatermarkFailure::Order0) if z.reserve_pages > 0 => format!(
            "fails: {} free pages against min plus a reserve of {} pages kept for higher zones",
            w.left_pages.max(0),
            z.reserve_pages
        ),
        Some(WatermarkFailure::Order0) => format!(
            "fails: {} free pages against a mark of {}",
            w.left_pages.max(0),
            w.mark_pages
        ),
        Some(WatermarkFailure::AtOrder(o)) => format!(
            "fails at order {o}: {} pages left in larger blocks against a mark of {}",
            w.left_pages.max(0),
            w.mark_pages
        ),
        Some(WatermarkFailure::NoBlock) => "fails: no free block of the order".to_string(),
    }
}

/// The zones whose blocks of the order were free but of migratetypes the request may not take,
/// in words.
fn withheld_words(a: &Assessment<'_>, order: u32) -> Option<String> {
    let reach = Reach::of(&a.failure.item.gfp);
    let parts: Vec<String> = a
        .zones
        .iter()
        .filter(|z| !z.withheld.is_empty())
        .map(|z| {
            let orders: Vec<String> = z.withheld.iter().map(|(o, _)| o.to_string()).collect();
            let mut refused: Vec<&str> = Vec::new();
            for (_, letters) in &z.withheld {
                for r in reach.refused(letters) {
                    if !refused.contains(&r) {
                        refused.push(r);
                    }
                }
            }
            format!(
                "in {} the free blocks of order {} were all in {}",
                code(&z.dump.zone),
                orders.join(", "),
                refused.join(" or ")
            )
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "Free blocks of order {order} or above existed, but not of a kind this request could \
         take: {}. After each order the free-list line prints the migratetypes that hold its \
         blocks, and a request that is neither atomic nor movable takes only unmovable, \
         movable and reclaimable ones.",
        parts.join("; ")
    ))
}

fn zone_table(a: &Assessment<'_>) -> String {
    let order = a.failure.item.order;
    let mut t = format!(
        "| zone | free | min | free blocks of order >= {order} | largest free block | watermark check | fragmentation index at order {order} |\n|---|---|---|---|---|---|---|"
    );
    for z in &a.zones {
        let free = z
            .dump
            .free_kb
            .map(|kb| units::bytes(kb.saturating_mul(1024)))
            .unwrap_or_else(|| "?".to_string());
        let min = z
            .dump
            .min_kb
            .map(|kb| units::bytes(kb.saturating_mul(1024)))
            .unwrap_or_else(|| "?".to_string());
        let largest = z
            .largest_block_bytes()
            .map(units::bytes)
            .unwrap_or_else(|| "none".to_string());
        let index = z
            .extfrag
            .get(order as usize)
            .map(|v| index3(*v))
            .unwrap_or_else(|| "?".to_string());
        let blocks: u64 = z.usable_counts.iter().skip(order as usize).sum();
        t.push_str(&format!(
            "\n| {} | {free} | {min} | {blocks} | {largest} | {} | {index} |",
            code(&z.dump.zone),
            watermark_words(z)
        ));
    }
    t
}

static META: RuleMeta = RuleMeta {
    id: "mm.external-fragmentation",
    role: Role::Condition,
    summary: "Free memory existed, but not in blocks of the order requested",
    doc: include_str!("../../../docs/findings/mm.external-fragmentation.md"),
    verdict_rank: Some(10),
    incidents: &["contiguous-allocation"],
    metrics: &[
        Metric::one("order", MetricKind::Order, "order of the failed request"),
        Metric::one("request_bytes", MetricKind::Bytes, "size of the failed request"),
        Metric::one("available_bytes", MetricKind::Bytes, "memory available (MemAvailable, or free plus reclaimable)"),
        Metric::one("extfrag_at_collection", MetricKind::Index, "fragmentation index at the order, from the free lists at collection"),
        Metric::one("extfrag_computed", MetricKind::Index, "fragmentation index at the order in the preferred zone, computed from the failure's free lists"),
        Metric::one("extfrag_captured", MetricKind::Index, "the kernel's own extfrag_index at the order"),
        Metric::one("zone_free_pages", MetricKind::Pages, "free pages of the preferred zone"),
        Metric::one("zone_min_pages", MetricKind::Pages, "min watermark of the preferred zone"),
        Metric::one("slab_reclaimable_bytes", MetricKind::Bytes, "reclaimable slab at the failure"),
        Metric::per_zone("largest_free_order", MetricKind::Integer, "largest order with a free block (-1: none), per zone"),
        Metric::per_zone("extfrag_index", MetricKind::IndexList, "fragmentation index per order, per zone"),
        Metric::per_zone("watermark_ok", MetricKind::Flag, "whether the zone passed the watermark check, per zone"),
    ],
    needs: &[
        Need {
            sources: &[SourceKind::Buddyinfo],
            when: NeedWhen::AllocFailure,
            what: "no /proc/buddyinfo",
            why: "free blocks per order at collection, to set beside the free lists of the failure report",
            collect: Some("cat /proc/buddyinfo"),
        },
        Need {
            sources: &[SourceKind::ExtfragIndex],
            when: NeedWhen::AllocFailure,
            what: "no debugfs extfrag_index",
            why: "the kernel's own fragmentation index per order; postmortem computes it from the free lists, the file would cross-check it",
            collect: Some("mount -t debugfs none /sys/kernel/debug; cat /sys/kernel/debug/extfrag/extfrag_index"),
        },
        Need {
            sources: &[SourceKind::Slabinfo, SourceKind::Slabtop],
            when: NeedWhen::AllocFailure,
            what: "no /proc/slabinfo",
            why: "which kernel caches hold the slab memory, and how many per-namespace and per-cgroup caches exist",
            collect: Some("cat /proc/slabinfo"),
        },
        Need {
            sources: &[SourceKind::Vmstat],
            when: NeedWhen::AllocFailure,
            what: "no /proc/vmstat",
            why: "compaction counters: whether the kernel tried to rebuild large blocks and failed",
            collect: Some("cat /proc/vmstat"),
        },
    ],
};

impl Rule for ExternalFragmentation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(a) = assess_main(&ctx.derived) else {
            return Vec::new();
        };
        // No zones, or a report cut off before the preferred zone's free lists.
        if a.preferred().is_none_or(|z| z.dump.free_lists.is_none()) {
            return from_collection(self, ctx, &a).into_iter().collect();
        }
        if a.cause != Cause::Fragmentation {
            return Vec::new();
        }
        let Some(pref) = a.preferred() else {
            return Vec::new();
        };
        vec![build(self, ctx, &a, pref)]
    }
}

/// The failure report lost its free lists (truncated or filtered log): judge from the
/// `/proc/buddyinfo` captured later, with low confidence.
fn from_collection(
    rule: &ExternalFragmentation,
    ctx: &Context<'_>,
    a: &Assessment<'_>,
) -> Option<Finding> {
    let failure = a.failure.item;
    let order = failure.order;
    let av = a.available.as_ref()?;
    if order == 0 || av.bytes < failure.bytes().saturating_mul(100) {
        return None;
    }
    let (bpath, row) = ["Normal", "DMA32"]
        .iter()
        .find_map(|zone| buddy_row(ctx.facts, 0, zone))?;
    let largest = largest_free_order(&row.counts);
    if largest.is_some_and(|o| o >= order) {
        return None;
    }
    let index = fragmentation_index(&row.counts, order)?;
    if index < 0.5 {
        return None;
    }
    let largest_words = largest
        .map(|o| format!("{} (order {o})", units::bytes(order_bytes(o))))
        .unwrap_or_else(|| "none".to_string());
    Some(
        FindingBuilder::new(rule)
            .severity(Severity::Warning)
            .confidence(Confidence::Low)
            .qualify(format!("order{order}"))
            .title(format!(
                "Memory likely fragmented: {} available but no free block of order {order} in {} at collection",
                units::bytes(av.bytes),
                row.zone
            ))
            .paragraph(format!(
                "The order-{order} request ({}) failed while `{}` shows {} available. The failure \
                 report in the bundle has no free lists, so the state at the failure is unknown; \
                 the `/proc/buddyinfo` captured later shows no free block of order {order} or \
                 above in {} (largest free block: {largest_words}), and a fragmentation index of \
                 {} at order {order} computed from it. Values near 1.000 mean fragmentation, \
                 near 0 lack of memory.",
                units::bytes(order_bytes(order)),
                if av.from == "free" { "free" } else { "/proc/meminfo" },
                units::bytes(av.bytes),
                code(&row.zone),
                index3(index)
            ))
            .paragraph(
                "Confidence is low because the free lists are from a later moment. The complete \
                 failure report (its `Mem-Info` block with the per-zone free lists and \
                 watermarks) would confirm it.",
            )
            .sentence(format!(
                "Memory was most likely fragmented, not used up: {} was available, but \
                 `/proc/buddyinfo` collected later shows no free block of order {order} or above \
                 in {} (the failure report lost its free lists).",
                units::bytes(av.bytes),
                code(&row.zone)
            ))
            .advice(ADVICE)
            .metric("order", order)
            .metric("request_bytes", order_bytes(order))
            .metric("available_bytes", av.bytes)
            .metric("extfrag_at_collection", index)
            .cite(a.failure.path, &failure.header)
            .cite(av.path, av.line)
            .cite(bpath, &row.line)
            .recommend(
                "Free page cache and reclaimable slab, then compact, and read the free lists \
                 again.",
                Some("sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory; cat /proc/buddyinfo"),
                Risk::Low,
                "now, to restore service on this node",
            )
            .references(&[refs::VM_SYSCTL_DOC, refs::VMSTAT_C])
            .build(),
    )
}

/// What the summary advises when fragmentation decides the verdict.
const ADVICE: &str = "Restore service with `drop_caches` and `compact_memory` (intermittent \
     success), then remove what keeps asking for large contiguous blocks.";

/// The same, when kmem accounting is what keeps asking for them.
const ADVICE_KMEM: &str = "Restore service with `drop_caches` and `compact_memory` \
     (intermittent success); stop it recurring with runc >= 1.0.0-rc94 or a runc built with \
     `nokmem`, `cgroup.memory=nokmem` on a kernel that supports it, or a newer kernel; removing \
     memory limits is not the fix.";

/// Whether kmem accounting is active on a kernel whose implementation fails (3.10 to 4.5, RHEL
/// 7): then it is what keeps asking for large contiguous blocks.
fn kmem_active(ctx: &Context<'_>) -> bool {
    let affected = ctx
        .derived
        .incident_kernel()
        .map(|k| k.version.is_rhel7() || k.version.before(4, 6));
    affected != Some(false) && kmem_evidence(ctx.facts).kinds() > 0
}

/// Why no zone could serve the request, in one sentence with the bundle's numbers.
fn verdict_sentence(a: &Assessment<'_>, pref: &ZoneView<'_>) -> String {
    let largest = pref
        .largest_block_bytes()
        .map(units::bytes)
        .unwrap_or_else(|| "none".to_string());
    let vals: Vec<f64> = pref.extfrag.iter().copied().filter(|v| *v >= 0.0).collect();
    let lo = vals.iter().copied().reduce(f64::min);
    let hi = vals.iter().copied().reduce(f64::max);
    let mut parts = Vec::new();
    if let Some(av) = &a.available {
        parts.push(format!("{} available", units::bytes(av.bytes)));
    }
    parts.push(format!(
        "no free block larger than {largest} in {}",
        code(&pref.dump.zone)
    ));
    if let (Some(lo), Some(hi)) = (lo, hi) {
        parts.push(format!(
            "fragmentation index {} to {}",
            two_decimals(lo),
            two_decimals(hi)
        ));
    }
    format!(
        "No zone could serve it because memory was fragmented, not used up ({}).",
        parts.join(", ")
    )
}

/// An index for a sentence: two decimals, or three where two would round it to 1.00.
fn two_decimals(v: f64) -> String {
    let two = format!("{v:.2}");
    if two == "1.00" {
        index3(v)
    } else {
        two
    }
}

fn build(
    rule: &ExternalFragmentation,
    ctx: &Context<'_>,
    a: &Assessment<'_>,
    pref: &ZoneView<'_>,
) -> Finding {
    let failure = a.failure.item;
    let order = failure.order;
    let path = a.failure.path;
    let zone = pref.dump.zone.as_str();
    let node = pref.dump.node.unwrap_or(0);
    let computed = pref.extfrag.get(order as usize).copied();
    // What was captured at collection tells of the failure only if the node ran the same boot
    // then; after a reboot it is another boot's memory.
    let collected = a.same_boot.then_some(ctx.facts);
    let buddy_now = collected.and_then(|f| buddy_row(f, node, zone));
    let captured = collected.and_then(|f| captured_extfrag(f, node, zone));
    let captured_at_order = captured.and_then(|(_, z)| z.values.get(order as usize).copied());
    let largest = pref
        .largest_block_bytes()
        .map(units::bytes)
        .unwrap_or_else(|| "no free block at all".to_string());

    // The headline, with numbers.
    let mut headline = format!(
        "The order-{order} request ({}) failed although memory was not used up",
        units::bytes(order_bytes(order))
    );
    match &a.available {
        Some(av) => headline.push_str(&format!(
            ": `{}` shows {} available{}",
            if av.from == "free" {
                "free"
            } else {
                "/proc/meminfo"
            },
            units::bytes(av.bytes),
            av.total_bytes
                .map(|t| format!(" of {}", units::bytes(t)))
                .unwrap_or_default()
        )),
        None => {
            if let Some(r) = a.reclaimable {
                headline.push_str(&format!(
                    ": at the failure {} was free or reclaimable (free pages, page cache and \
                     reclaimable slab)",
                    units::bytes(pages_bytes(r.total_pages(), pref.page_kb))
                ));
            }
        }
    }
    headline.push_str(&format!(
        ", but at the failure the largest free block in {} was {largest}",
        code(zone)
    ));
    if let Some(o) = pref.largest_free_order {
        headline.push_str(&format!(" (order {o})"));
    }
    headline.push_str(", and no zone the request could use had a block it was allowed to take");
    if let Some(v) = computed.filter(|v| *v >= 0.0) {
        headline.push_str(&format!(
            "; fragmentation index {} at order {order} (computed from the free lists at the failure",
            index3(v)
        ));
        match captured_at_order {
            Some(c) => headline.push_str(&format!(
                "; the `extfrag_index` file captured later reads {})",
                index3(c)
            )),
            None => headline.push(')'),
        }
    }
    headline.push('.');

    // Reading the index.
    let range = {
        let vals: Vec<f64> = pref.extfrag.iter().copied().filter(|v| *v >= 0.0).collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (!vals.is_empty()).then_some((lo, hi))
    };
    let mut reading = String::from(
        "How to read the fragmentation index: a value near 1.000 means a request fails because \
         free memory is fragmented, a value near 0 means it fails for lack of memory, and -1.000 \
         means a free block of that order exists. ",
    );
    if let Some((lo, hi)) = range {
        reading.push_str(&format!(
            "In {} the computed index runs from {} to {} over the orders with no free block: \
             fragmentation, not lack of memory.",
            code(zone),
            index3(lo),
            index3(hi)
        ));
    }
    if let Some((_, cz)) = captured {
        let diffs: Vec<f64> = cz
            .values
            .iter()
            .zip(&pref.extfrag)
            .filter(|(c, k)| **c >= 0.0 && **k >= 0.0)
            .map(|(c, k)| (c - k).abs())
            .collect();
        if let Some(max) = diffs.iter().copied().reduce(f64::max) {
            reading.push_str(&format!(
                " The debugfs `extfrag_index` file, read after the failure, agrees to within {} \
                 on those orders (the free lists moved a little in between).",
                index3(max)
            ));
        }
    }

    // The watermark check of this kernel.
    let check_rule = pref.watermark.map(|w| w.rule);
    let wm = match (check_rule, pref.watermark.and_then(|w| w.failure)) {
        (Some(WatermarkRule::PerOrder), Some(WatermarkFailure::AtOrder(o))) => Some(format!(
            "This kernel ({}) uses the pre-4.4 watermark check, in which pages in blocks \
             smaller than the request do not count. In {}, {} pages were free against a min \
             watermark of {} pages, but once the blocks of order 0 to {o} are set aside only {} \
             pages remain against a mark halved to {}: the check fails at order {o}.",
            a.kernel
                .as_ref()
                .map(|k| code(&k.version.release))
                .unwrap_or_else(|| "release unknown".to_string()),
            code(zone),
            pref.free_pages.unwrap_or(0),
            pref.min_pages.unwrap_or(0),
            pref.watermark.map(|w| w.left_pages).unwrap_or(0).max(0),
            pref.watermark.map(|w| w.mark_pages).unwrap_or(0)
        )),
        (Some(WatermarkRule::Order0PlusBlock), Some(WatermarkFailure::NoBlock)) => Some(format!(
            "This kernel uses the 4.4+ watermark check: {} passes the order-0 part ({} free \
             pages against a min watermark of {}) but has no free block of order {order} or \
             above.",
            code(zone),
            pref.free_pages.unwrap_or(0),
            pref.min_pages.unwrap_or(0)
        )),
        _ => None,
    };

    // Blocks of the order that were free but out of the request's reach.
    let withheld = withheld_words(a, order);

    // Lower zones.
    let lower: Vec<String> = a
        .zones
        .iter()
        .skip(1)
        .map(|z| {
            let blocks: u64 = z.usable_counts.iter().skip(order as usize).sum();
            format!(
                "{} had {} of order {order} or above and {}",
                code(&z.dump.zone),
                count(
                    usize::try_from(blocks).unwrap_or(usize::MAX),
                    "free block",
                    "free blocks"
                ),
                match z.watermark.and_then(|w| w.failure) {
                    None => "passed the watermark check".to_string(),
                    Some(WatermarkFailure::Order0) if z.reserve_pages > 0 => format!(
                        "is held back by its `lowmem_reserve` of {} pages against requests that \
                         could use {}",
                        z.reserve_pages,
                        code(zone)
                    ),
                    Some(WatermarkFailure::AtOrder(o)) => {
                        format!("failed the per-order watermark check at order {o}")
                    }
                    Some(_) => "failed the watermark check".to_string(),
                }
            )
        })
        .collect();
    let lower = (!lower.is_empty()).then(|| {
        format!(
            "The request could fall back to lower zones, and none could serve it: {}.",
            lower.join("; ")
        )
    });

    // Then and now.
    let mut then_now = None;
    if let (Some(fl), Some((bpath, row))) = (pref.dump.free_lists.as_ref(), buddy_now) {
        let later = largest_free_order(&row.counts);
        let persisted = later.is_none_or(|o| o < order);
        then_now = Some(format!(
            "Free blocks per order in {}, at the failure ({}:{}): `{}`; at collection \
             ({}:{}): `{}`. {}",
            code(zone),
            path,
            fl.line.no,
            counts_text(&fl.counts),
            bpath,
            row.line.no,
            counts_text(&row.counts),
            if persisted {
                format!(
                    "There was still no free block of order {order} or above when the bundle \
                     was collected: the state persisted."
                )
            } else {
                "By collection time a block of the order was free again.".to_string()
            }
        ));
    }

    // A healthy node to compare with. Only a healthy one supports the finding: a baseline that
    // lacks large blocks too, or failed on its own, is named as such and adds no confidence.
    let mut baseline_words = None;
    let mut baseline_supports = false;
    if let Some(base) = ctx.baseline {
        let problems = crate::analyze::compare::baseline_problems(base, Some(order));
        if let Some((_, row)) = buddy_row(base, node, zone) {
            let blocks: u64 = row.counts.iter().skip(order as usize).sum();
            let biggest = largest_free_order(&row.counts);
            let idx = fragmentation_index(&row.counts, order);
            let per_order: Vec<String> = row
                .counts
                .iter()
                .enumerate()
                .skip(order as usize)
                .filter(|(_, c)| **c > 0)
                .map(|(o, c)| {
                    format!(
                        "{c} of order {o} ({} each)",
                        units::bytes(order_bytes(o as u32))
                    )
                })
                .collect();
            let example = if per_order.is_empty() {
                String::new()
            } else {
                format!(" ({})", per_order.join(", "))
            };
            let numbers = format!(
                "{} had {blocks} free blocks of order {order} or above{example}; largest free \
                 order {}; fragmentation index {} at order {order}.",
                code(zone),
                biggest
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| "none".to_string()),
                idx.map(index3).unwrap_or_else(|| "?".to_string())
            );
            baseline_supports = problems.is_empty();
            baseline_words = Some(if baseline_supports {
                format!("On the healthy node given for comparison, {numbers}")
            } else {
                format!(
                    "The baseline is not healthy ({}), so it does not show what this zone \
                     should look like and adds no confidence. On it, {numbers}",
                    problems.join("; ")
                )
            });
        }
    }

    // Slab.
    let slab_words = a.reclaimable.and_then(|r| {
        let share = r
            .ram_pages
            .filter(|p| *p > 0)
            .map(|ram| r.slab_reclaimable_pages as f64 / ram as f64)?;
        (share >= 0.10).then(|| {
            format!(
                "Reclaimable slab held {} ({:.0}% of RAM) at the failure. Slab pages cannot be \
                 moved by compaction, so the kernel could not rebuild order-{order} blocks out \
                 of the memory slab held; only freeing slab objects (reclaim, `drop_caches`) \
                 gives compaction room.",
                units::bytes(pages_bytes(r.slab_reclaimable_pages, pref.page_kb)),
                share * 100.0
            )
        })
    });

    // Confidence: earned from independent sources that agree.
    let mut sources = 1; // the free lists of the report
    if a.available.is_some() {
        sources += 1;
    }
    if captured_at_order.is_some_and(|c| c >= 0.5) {
        sources += 1;
    }
    if buddy_now.is_some_and(|(_, r)| largest_free_order(&r.counts).is_none_or(|o| o < order)) {
        sources += 1;
    }
    let has_baseline = baseline_supports;
    let confidence = match (sources, has_baseline) {
        (s, _) if s >= 3 => Confidence::High,
        (2, true) => Confidence::High,
        (2, false) | (1, true) => Confidence::Medium,
        _ => Confidence::Low,
    };

    let mut b = FindingBuilder::new(rule)
        .severity(Severity::Critical)
        .confidence(confidence)
        .qualify(format!("order{order}"))
        .title(format!(
            "Memory fragmented: {} available but no free block of order {order} ({}) in {}",
            a.available
                .as_ref()
                .map(|av| units::bytes(av.bytes))
                .unwrap_or_else(|| "memory".to_string()),
            units::bytes(order_bytes(order)),
            zone
        ))
        .sentence(verdict_sentence(a, pref))
        .advice(if kmem_active(ctx) {
            ADVICE_KMEM
        } else {
            ADVICE
        })
        .paragraph(headline)
        .paragraph(zone_table(a))
        .paragraph_opt(withheld)
        .paragraph_opt(wm)
        .paragraph_opt(lower)
        .paragraph(reading)
        .paragraph_opt(then_now)
        .paragraph_opt(baseline_words)
        .paragraph_opt(slab_words)
        .metric("order", order)
        .metric("request_bytes", order_bytes(order))
        .metric_opt("available_bytes", a.available.as_ref().map(|av| av.bytes))
        .metric_opt("extfrag_computed", computed)
        .metric_opt("extfrag_captured", captured_at_order)
        .metric_opt("zone_free_pages", pref.free_pages)
        .metric_opt("zone_min_pages", pref.min_pages);
    for z in &a.zones {
        b = b
            .metric(
                &format!("largest_free_order.{}", z.dump.zone),
                z.largest_free_order.map(i64::from).unwrap_or(-1),
            )
            .metric(&format!("extfrag_index.{}", z.dump.zone), z.extfrag.clone())
            .metric_opt(
                &format!("watermark_ok.{}", z.dump.zone),
                z.watermark.map(|w| w.ok),
            );
    }
    if let Some(r) = a.reclaimable {
        b = b.metric(
            "slab_reclaimable_bytes",
            pages_bytes(r.slab_reclaimable_pages, pref.page_kb),
        );
    }

    // Evidence: the free lists and zone lines at the failure, then the later views.
    b = b.cite(path, &failure.header);
    for z in &a.zones {
        b = b
            .cite_opt(path, z.dump.line.as_ref())
            .cite_opt(
                path,
                z.dump
                    .lowmem_reserve_line
                    .as_ref()
                    .filter(|_| z.reserve_pages > 0),
            )
            .cite_opt(path, z.dump.free_lists.as_ref().map(|f| &f.line));
    }
    if let Some(av) = &a.available {
        b = b.cite(av.path, av.line);
    }
    if let Some((p, z)) = captured {
        b = b.cite(p, &z.line);
    }
    if let Some((p, row)) = buddy_now {
        b = b.cite(p, &row.line);
    }

    b.recommend(
        "Free page cache and reclaimable slab, then compact, to rebuild large blocks now. \
         Dropping caches costs I/O while they refill; compaction costs CPU; both succeed only \
         intermittently on a node this fragmented, so check the free lists afterwards.",
        Some("sync; echo 3 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory; cat /proc/buddyinfo"),
        Risk::Low,
        "now, to restore service on this node",
    )
    .recommend(
        "Watch whether compaction keeps up: rising `compact_stall` and `compact_fail` against \
         `compact_success` mean it does not.",
        Some("grep -E 'compact_(stall|fail|success)' /proc/vmstat"),
        Risk::None,
        "while the node is being observed",
    )
    .recommend(
        "Do not expect `vm.extfrag_threshold` to help: it only decides when the kernel prefers \
         compaction to reclaim, and creates no free blocks.",
        None,
        Risk::None,
        "when tuning is proposed",
    )
    .references(&[refs::VM_SYSCTL_DOC, refs::VMSTAT_C, refs::WATERMARK_ORDER0_COMMIT])
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    fn run(facts: &Facts, baseline: Option<&Facts>) -> Vec<Finding> {
        ExternalFragmentation.evaluate(&testkit::context(facts, baseline))
    }

    #[test]
    fn seed_is_fragmentation_with_numbers() {
        let facts = testkit::seed_facts();
        let found = run(&facts, None);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.role, Role::Condition);
        let e = &f.explanation;
        assert!(e.contains("shows 6.3 GiB available of 15 GiB"), "{e}");
        assert!(
            e.contains("largest free block in `Normal` was 32 KiB (order 3)"),
            "{e}"
        );
        assert!(e.contains("fragmentation index 0.981 at order 6"), "{e}");
        assert!(e.contains("captured later reads 0.980"), "{e}");
        assert!(e.contains("near 1.000 means a request fails because free memory is fragmented"));
        assert!(e.contains("from 0.922 to 0.999"), "{e}");
        assert!(e.contains("agrees to within 0.003"), "{e}");
        assert!(
            e.contains("only 3323 pages remain against a mark halved to 3471"),
            "{e}"
        );
        assert!(e.contains("`DMA32` had one free block of order 6 or above and failed the per-order watermark check at order 5"), "{e}");
        assert!(e.contains("`lowmem_reserve` of 15868 pages"), "{e}");
        assert!(e.contains("`15952 2235 859 17 0 0 0 0 0 0 0`"), "{e}");
        assert!(e.contains("`8860 11464 488 174 27 0 0 0 0 0 0`"), "{e}");
        assert!(e.contains("the state persisted"));
        assert!(e.contains("Slab pages cannot be moved by compaction"));
        assert_eq!(f.confidence, Confidence::High);
        assert_eq!(f.metrics["largest_free_order.Normal"], 3);
        assert_eq!(f.metrics["extfrag_captured"], 0.98);
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
        let cited: Vec<(&str, Option<u32>)> = f
            .evidence
            .iter()
            .map(|e| (e.path.as_str(), e.line))
            .collect();
        assert!(cited.contains(&(testkit::DMESG, Some(31))));
        assert!(cited.contains(&(testkit::FREE, Some(2))));
        assert!(cited.contains(&(testkit::EXTFRAG, Some(3))));
        assert!(cited.contains(&(testkit::BUDDYINFO, Some(4))));
    }

    #[test]
    fn baseline_is_compared() {
        let facts = testkit::seed_facts();
        let healthy = testkit::healthy_facts();
        let f = &run(&facts, Some(&healthy))[0];
        assert!(
            f.explanation
                .contains("1202 of order 6 (256 KiB each), 1160 of order 7 (512 KiB each), 1075 of order 8 (1 MiB each)"),
            "{}",
            f.explanation
        );
        assert_eq!(f.confidence, Confidence::High);
    }

    #[test]
    fn exhaustion_is_not_fragmentation() {
        assert!(run(&testkit::exhaustion_facts(), None).is_empty());
    }

    #[test]
    fn modern_kernel_uses_the_order0_check() {
        let facts = testkit::modern_fragmentation_facts();
        let found = run(&facts, None);
        assert_eq!(found.len(), 1);
        let e = &found[0].explanation;
        assert!(e.contains("4.4+ watermark check"), "{e}");
        assert!(e.contains("no free block of order 4 or above"), "{e}");
        assert!(testkit::evidence_is_real(&facts, &found[0].evidence));
    }

    #[test]
    fn truncated_report_falls_back_to_buddyinfo() {
        let mut facts = testkit::seed_facts();
        facts.kernel_logs[0].value.alloc_failures[0].mem_info = None;
        let found = run(&facts, None);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.confidence, Confidence::Low);
        assert!(
            f.explanation
                .contains("largest free block: 64 KiB (order 4)"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("would confirm it"));
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
        facts.free.clear();
        assert!(run(&facts, None).is_empty());
    }

    #[test]
    fn confidence_drops_with_fewer_sources() {
        let mut facts = testkit::seed_facts();
        facts.extfrag_index.clear();
        facts.buddyinfo.clear();
        let f = &run(&facts, None)[0];
        assert_eq!(f.confidence, Confidence::Medium);
    }
}

#[cfg(test)]
mod baseline_tests {
    use super::*;
    use crate::analyze::testkit;

    fn run(facts: &Facts, baseline: Option<&Facts>) -> Vec<Finding> {
        ExternalFragmentation.evaluate(&testkit::context(facts, baseline))
    }

    /// The seed with two sources only: a healthy baseline raises the confidence, an unhealthy
    /// one (the failing node itself) does not, and the explanation says why.
    #[test]
    fn only_a_healthy_baseline_raises_confidence() {
        let mut facts = testkit::seed_facts();
        facts.extfrag_index.clear();
        facts.buddyinfo.clear();
        let healthy = testkit::healthy_facts();
        let with_healthy = &run(&facts, Some(&healthy))[0];
        assert_eq!(with_healthy.confidence, Confidence::High);
        assert!(with_healthy
            .explanation
            .contains("On the healthy node given for comparison"));

        let unhealthy = testkit::seed_facts();
        let with_unhealthy = &run(&facts, Some(&unhealthy))[0];
        assert_eq!(with_unhealthy.confidence, Confidence::Medium);
        let e = &with_unhealthy.explanation;
        assert!(e.contains("The baseline is not healthy ("), "{e}");
        assert!(e.contains("page allocation failure"), "{e}");
        assert!(e.contains("no free block of order 6 or above"), "{e}");
        assert!(!e.contains("On the healthy node"), "{e}");
    }
}
