//! The differences as sentences built from the numbers: those that bear on a memory-allocation
//! verdict first, the others after.

use super::*;
use crate::units;

/// The differences that bear on a memory verdict, most telling first.
pub(super) fn key_sentences(
    failing: &Facts,
    baseline: &Facts,
    zones: &[ZoneComparison],
    order: Option<u32>,
    healthy: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let threshold = order.unwrap_or(HIGH_ORDER);
    // The zone the comparison is about: the preferred zone of the failed request on node 0, the
    // highest zone both nodes have.
    let zone = zones
        .iter()
        .filter(|z| z.baseline.is_some() && (z.failure.is_some() || z.collection.is_some()))
        .filter(|z| z.zone != "DMA")
        .max_by_key(|z| (std::cmp::Reverse(z.node), zone_rank(&z.zone)));
    if let Some(z) = zone {
        out.push(buddy_sentence(z, threshold, order.is_some()));
        if let Some(s) = index_sentence(z, threshold) {
            out.push(s);
        }
    }

    let (fm, bm) = (meminfo(failing), meminfo(baseline));
    if let (Some(fa), Some(ba)) = (
        fm.and_then(|m| kb_bytes(m, "MemAvailable")),
        bm.and_then(|m| kb_bytes(m, "MemAvailable")),
    ) {
        // Equal memory says something only when the baseline had the large blocks.
        if fa >= ba && healthy {
            out.push(format!(
                "The failing node had at least as much memory available ({}) as the baseline \
                 ({}): the difference is in how free memory was split into blocks, not in how \
                 much there was.",
                units::bytes(fa),
                units::bytes(ba)
            ));
        } else if fa.saturating_mul(2) < ba {
            out.push(format!(
                "The failing node had {} available against {} on the baseline: it was short of \
                 memory, not only of large blocks.",
                units::bytes(fa),
                units::bytes(ba)
            ));
        }
    }

    if let (Some(fm), Some(bm)) = (fm, bm) {
        let share = |m: &KeyValues| {
            let total = kb_bytes(m, "MemTotal").filter(|t| *t > 0)?;
            let reclaimable = kb_bytes(m, "SReclaimable")?;
            Some((reclaimable, reclaimable as f64 / total as f64))
        };
        if let (Some((fr, fs)), Some((br, bs))) = (share(fm), share(bm)) {
            if fs >= 0.10 && fs >= bs * 1.5 {
                out.push(format!(
                    "Reclaimable slab held {} ({:.0}% of RAM) on the failing node against {} \
                     ({:.0}%) on the baseline; compaction cannot move slab pages, so a large \
                     slab keeps free memory in small pieces.",
                    units::bytes(fr),
                    fs * 100.0,
                    units::bytes(br),
                    bs * 100.0
                ));
            }
        }
    }

    let (fns, bns) = (
        per_namespace_caches(failing),
        per_namespace_caches(baseline),
    );
    if let (Some(f), Some(b)) = (fns, bns) {
        if f > b.saturating_mul(2) && f >= 10 {
            out.push(format!(
                "The failing node has {f} per-namespace slab caches (`nf_conntrack_<addr>` and \
                 kin, one per network namespace) against {b} on the baseline: each new namespace \
                 creates one, and creating one needs a high-order allocation."
            ));
        }
    }

    let (fmc, bmc) = (memory_cgroups(failing), memory_cgroups(baseline));
    if let (Some(f), Some(b)) = (fmc, bmc) {
        if f > b.saturating_mul(2) && f >= 1000 {
            out.push(format!(
                "The failing node has {f} memory cgroups against {b} on the baseline; with \
                 kernel-memory accounting, every slab cache created keeps an array sized by \
                 that count."
            ));
        }
    }
    out
}

/// "In `Normal`, the failing node had no free block above order 3 at the failure; the
/// baseline has 3442 free blocks of order 6 or above (1202 of order 6, ...)."
pub(super) fn buddy_sentence(z: &ZoneComparison, threshold: u32, requested: bool) -> String {
    let what = |largest: Option<u32>| match largest {
        Some(o) => format!("no free block above order {o}"),
        None => "no free block at all".to_string(),
    };
    let mut failing = Vec::new();
    if z.failure.is_some() {
        failing.push(format!(
            "{} at the failure",
            what(z.largest_free_order_failure)
        ));
    }
    if z.collection.is_some() {
        failing.push(format!(
            "{} at collection",
            what(z.largest_free_order_collection)
        ));
    }
    let failing = failing.join(" and ");
    let base = z.baseline.as_deref().unwrap_or(&[]);
    let above = blocks_from(base, threshold);
    let which = if requested {
        format!("order {threshold} (the failed request's) or above")
    } else {
        format!("order {threshold} or above")
    };
    let base_words = if above == 0 {
        format!(
            "the baseline has no free block of {which} either ({})",
            what(z.largest_free_order_baseline)
        )
    } else {
        let per_order: Vec<String> = base
            .iter()
            .enumerate()
            .skip(usize::try_from(threshold).unwrap_or(usize::MAX))
            .filter(|(_, c)| **c > 0)
            .map(|(o, c)| format!("{c} of order {o}"))
            .collect();
        format!(
            "the baseline has {} of {which}: {}",
            count(
                usize::try_from(above).unwrap_or(usize::MAX),
                "free block",
                "free blocks"
            ),
            per_order.join(", ")
        )
    };
    format!(
        "In {}, the failing node had {failing}; {base_words}.",
        zone_label(z.node, &z.zone)
    )
}

pub(super) fn index_sentence(z: &ZoneComparison, order: u32) -> Option<String> {
    let at = |v: &Option<Vec<f64>>| {
        v.as_ref()
            .and_then(|v| v.get(usize::try_from(order).ok()?).copied())
    };
    let base = at(&z.extfrag_baseline)?;
    let mut failing = Vec::new();
    if let Some(v) = at(&z.extfrag_failure) {
        failing.push(format!("{} at the failure", index3(v)));
    }
    if let Some(v) = at(&z.extfrag_collection) {
        failing.push(format!("{} at collection", index3(v)));
    }
    if failing.is_empty() {
        return None;
    }
    Some(format!(
        "The fragmentation index of {} at order {order} is {} on the failing node and {} on the \
         baseline ({}).",
        zone_label(z.node, &z.zone),
        failing.join(", "),
        index3(base),
        index_meaning(base)
    ))
}

pub(super) fn index_meaning(value: f64) -> &'static str {
    if value < 0.0 {
        "a free block of the order exists"
    } else if value >= 0.5 {
        "a request of the order would fail for fragmentation"
    } else {
        "a request of the order would fail for lack of memory"
    }
}

/// Differences that do not decide the verdict.
pub(super) fn other_sentences(
    memory: &[ComparedValue],
    host: &[ComparedValue],
    sysctl: &[ComparedValue],
    named: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    let host = host.iter().filter(|r| !named.contains(&r.name.as_str()));
    let memory = memory.iter().filter(|r| !named.contains(&r.name.as_str()));
    for row in host {
        if let (Some(f), Some(b)) = (&row.failing, &row.baseline) {
            if f != b {
                out.push(format!(
                    "{}: {} on the failing node, {} on the baseline.",
                    row.name,
                    code(f),
                    code(b)
                ));
            }
        }
    }
    for row in memory {
        if let (Some(f), Some(b)) = (row.failing_value, row.baseline_value) {
            // Only differences a person would notice: a quarter or more, and 64 MiB or more.
            let (hi, lo) = (f.max(b), f.min(b));
            if hi - lo >= 64 << 20 && hi - lo >= hi / 4 {
                out.push(format!(
                    "{}: {} on the failing node, {} on the baseline.",
                    row.name,
                    units::bytes(f),
                    units::bytes(b)
                ));
            }
        }
    }
    for row in sysctl {
        out.push(format!(
            "{} is {} on the failing node and {} on the baseline.",
            code(&row.name),
            row.failing
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "not set".into()),
            row.baseline
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "not set".into()),
        ));
    }
    out
}
