//! `mm.slub-alloc-failure`: SLUB could not get a new slab for a cache.

use crate::analyze::finding::{code, count, times, FindingBuilder};
use crate::analyze::fragmentation::order_bytes;
use crate::analyze::lookup::{self, At};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::SlubFailure;
use crate::report::{Confidence, Finding, Role, Severity};
use crate::units;

pub struct SlubAllocFailure;

static META: RuleMeta = RuleMeta {
    id: "mm.slub-alloc-failure",
    role: Role::Mechanism,
    summary:
        "SLUB could not allocate a new slab for a cache (SLUB: Unable to allocate memory on node N)",
    doc: include_str!("../../../docs/findings/mm.slub-alloc-failure.md"),
    verdict_rank: None,
    incidents: &["contiguous-allocation"],
    metrics: &[
        Metric::one("reports", MetricKind::Count, "SLUB failure reports"),
        Metric::one(
            "per_memcg_reports",
            MetricKind::Count,
            "reports for a per-memcg cache copy",
        ),
        Metric::one(
            "default_order",
            MetricKind::Order,
            "the cache's default slab order",
        ),
        Metric::one(
            "min_order",
            MetricKind::Order,
            "the cache's minimum slab order",
        ),
    ],
    needs: &[],
};

impl Rule for SlubAllocFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let all: Vec<_> = lookup::slub_failures(ctx.facts).collect();
        let Some(first) = all.first() else {
            return Vec::new();
        };
        let per_memcg: Vec<_> = all
            .iter()
            .filter(|s| s.item.memcg_id.is_some())
            .copied()
            .collect();
        let reports = lookup::count_in_fullest_log(&all);
        let per_memcg_reports = lookup::count_in_fullest_log(&per_memcg);
        let mut caches: Vec<&str> = all.iter().filter_map(|s| s.item.cache.as_deref()).collect();
        caches.sort_unstable();
        caches.dedup();
        let named = if caches.is_empty() {
            "a cache the log did not name".to_string()
        } else {
            caches
                .iter()
                .take(5)
                .map(|c| code(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High)
            .title(match caches.as_slice() {
                [one] => format!(
                    "SLUB could not allocate a new slab for {one}, {}",
                    count(reports, "report", "reports")
                ),
                _ => format!(
                    "SLUB could not allocate a new slab, {}",
                    count(reports, "report", "reports")
                ),
            })
            .sentence(format!(
                "SLUB could not get pages for a new slab of {named} {}{}: the page allocator had \
                 no free block {}, so the allocations that needed those objects failed or fell \
                 back.",
                times(reports),
                memcg_words(per_memcg_reports, reports),
                block_words(&all)
            ))
            .paragraph(format!(
                "SLUB failed to get pages for a new slab {}, for {named}. The slab \
                 allocator asks the page allocator for a block of the cache's order (often 1 to \
                 3); when none is free the kernel prints this warning and the allocation that \
                 needed the object fails or falls back.",
                times(reports)
            ));
        if let Some(s) = per_memcg.first() {
            b = b.paragraph(format!(
                "{} of these were for a per-memcg copy of a cache (`name(id:cgroup)`, here memcg \
                 {}{}): the allocation was charged to a container's memory cgroup, which means \
                 kmem accounting was active.",
                per_memcg_reports,
                code(s.item.memcg_id.as_deref().unwrap_or("?")),
                s.item
                    .memcg_name
                    .as_deref()
                    .map(|n| format!(", {}", code(n)))
                    .unwrap_or_default()
            ));
        }
        b = b
            .metric("reports", reports as u64)
            .metric("per_memcg_reports", per_memcg_reports as u64)
            .metric_opt("default_order", first.item.default_order)
            .metric_opt("min_order", first.item.min_order)
            .references(&[refs::RUNC_1725, refs::MOBY_35545]);
        for s in all.iter().take(3) {
            b = b
                .cite(s.path, &s.item.line)
                .cite_opt(s.path, s.item.cache_line.as_ref());
        }
        vec![b.build()]
    }
}

/// Whose copies of the cache failed, when memory cgroups' copies did.
fn memcg_words(per_memcg: usize, reports: usize) -> &'static str {
    match per_memcg {
        0 => "",
        n if n == reports => ", each time for a memory cgroup's own copy of the cache",
        _ => ", some of them for a memory cgroup's own copy of the cache",
    }
}

/// The block the slabs needed: `of order 2 (16 KiB)`, when every report gives the same default
/// order.
fn block_words(all: &[At<'_, SlubFailure>]) -> String {
    let mut orders = all.iter().map(|s| s.item.default_order);
    match orders.next().flatten() {
        Some(order) if orders.all(|o| o == Some(order)) => format!(
            "of order {order} ({}), the size of the cache's slabs",
            units::bytes(order_bytes(order))
        ),
        _ => "of the order of the cache's slabs".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;
    use crate::facts::{Line, SlubFailure, Stamp};

    #[test]
    fn per_memcg_copy_is_named() {
        let mut facts = testkit::seed_facts();
        assert!(SlubAllocFailure
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        facts.kernel_logs[0].value.slub_failures.push(SlubFailure {
            line: Line::new(200, "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)"),
            stamp: Stamp::default(),
            node: -1,
            gfp: None,
            cache: Some("ip6_dst_cache".to_string()),
            memcg_id: Some("1171".to_string()),
            memcg_name: Some("docker-3c9f.scope".to_string()),
            object_size: Some(448),
            buffer_size: Some(448),
            default_order: Some(2),
            min_order: Some(0),
            cache_line: Some(Line::new(
                201,
                "  cache: ip6_dst_cache(1171:docker-3c9f.scope), object size: 448, buffer size: 448, default order: 2, min order: 0",
            )),
        });
        let f = &SlubAllocFailure.evaluate(&testkit::context(&facts, None))[0];
        assert!(f.explanation.contains("per-memcg copy"));
        assert!(f.explanation.contains("`1171`"));
        assert_eq!(f.evidence.len(), 2);
        assert_eq!(f.metrics["default_order"], 2);
    }

    #[test]
    fn copies_in_dmesg_and_syslog_count_once() {
        let mut facts = testkit::seed_facts();
        let mut syslog = facts.kernel_logs[0].clone();
        syslog.path = "var/log/messages".to_string();
        facts.kernel_logs.push(syslog);
        let failure = |n: u32| SlubFailure {
            line: Line::new(n, "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)"),
            stamp: Stamp::default(),
            node: -1,
            gfp: None,
            cache: Some("ip6_dst_cache".to_string()),
            memcg_id: Some("1234".to_string()),
            memcg_name: Some("docker-b7e0.scope".to_string()),
            object_size: Some(448),
            buffer_size: Some(448),
            default_order: Some(2),
            min_order: Some(0),
            cache_line: None,
        };
        for log in facts.kernel_logs.iter_mut().take(2) {
            for n in [300, 303, 306] {
                log.value.slub_failures.push(failure(n));
            }
        }
        let f = &SlubAllocFailure.evaluate(&testkit::context(&facts, None))[0];
        assert_eq!(f.metrics["reports"], 3);
        assert_eq!(f.metrics["per_memcg_reports"], 3);
        assert!(f.title.ends_with(", 3 reports"), "{}", f.title);
    }
}
