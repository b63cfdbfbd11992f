//! `risk.high-order-fragmentation`: on a node where nothing failed, the zone the kernel
//! allocates from has no free block at an order that namespace creation or common kernel
//! allocations need: the next such request depends on compaction, and fails when
//! compaction cannot build the block.

use crate::analyze::finding::{code, index3, FindingBuilder};
use crate::analyze::fragmentation::{
    fragmentation_index, largest_free_order, order_bytes, unusable_index,
};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{kernel_zone, round3, LARGEST_FREE_ORDER};
use crate::analyze::{lookup, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct HighOrderFragmentationRisk;

/// The orders whose requests are common, lowest first: order 2 (16 KiB: kernel stacks, jumbo
/// frame receive buffers), 3 (32 KiB, the last order the allocator retries hard for,
/// `PAGE_ALLOC_COSTLY_ORDER`), 4 (64 KiB: network ring buffers) and 6 (256 KiB: the slab cache
/// parameter array a new network namespace allocates with memcg kmem accounting on 3.10, the
/// request behind `failed to unshare namespaces: Cannot allocate memory`).
const ORDERS: &[u32] = &[2, 3, 4, 6];

static META: RuleMeta = RuleMeta {
    id: "risk.high-order-fragmentation",
    role: Role::Risk,
    summary: "No free block at an order that namespace creation or common kernel allocations need",
    doc: include_str!("../../../docs/findings/risk.high-order-fragmentation.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one(
            "order",
            MetricKind::Order,
            "the lowest common order with no free block",
        ),
        Metric::one("zone", MetricKind::Text, "the zone measured"),
        Metric::one(
            "fragmentation_index",
            MetricKind::Index,
            "the fragmentation index at that order, as the kernel computes it",
        ),
        LARGEST_FREE_ORDER,
        Metric::one(
            "headroom",
            MetricKind::Share,
            "share of the zone's free memory in blocks of that order or larger (0: none)",
        ),
    ],
    needs: &[],
};

impl Rule for HighOrderFragmentationRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        // A failed high-order request is told by the failure's own findings.
        if lookup::alloc_failures(ctx.facts).any(|a| a.item.order > 0) {
            return Vec::new();
        }
        let Some((path, zone)) = kernel_zone(ctx.facts) else {
            return Vec::new();
        };
        let counts = &zone.counts;
        let Some(order) = ORDERS.iter().copied().find(|&o| {
            (o as usize) < counts.len() && counts.iter().skip(o as usize).all(|&n| n == 0)
        }) else {
            return Vec::new();
        };
        let Some(index) = fragmentation_index(counts, order) else {
            return Vec::new();
        };
        // Nothing free at all is exhaustion, not fragmentation.
        if index <= 0.0 {
            return Vec::new();
        }
        let largest = largest_free_order(counts);
        let headroom = round3(1.0 - unusable_index(counts, order));
        let size = units::bytes(order_bytes(order));
        let free_bytes = crate::analyze::fragmentation::contig_info(counts, 0)
            .free_pages
            .saturating_mul(4096);
        let below = match largest {
            Some(l) => format!("only up to order {l} ({})", units::bytes(order_bytes(l))),
            None => "none at all".to_string(),
        };
        let sentence = format!(
            "Exposed to a high-order allocation failure: zone {} has no free block of order \
             {order} ({size}) or above, {below}, and its fragmentation index there is {}, so the \
             next request of that size, such as a new network namespace's, depends on compaction.",
            code(&zone.zone),
            index3(index)
        );
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::Medium)
            .precedes("mm.external-fragmentation")
            .qualify(format!("order{order}"))
            .title(format!(
                "No free block of order {order} ({size}) in zone {}: fragmentation index {}",
                zone.zone,
                index3(index)
            ))
            .sentence(sentence)
            .paragraph(format!(
                "Zone {} holds {} free, none of it in blocks of order {order} or larger: the \
                 fragmentation index at order {order} is {} (near 1: the memory is there but cut \
                 into small pieces; -1 would mean a block exists). Nothing has failed yet: a \
                 request of that order now waits for compaction to build a block, and fails when \
                 compaction cannot, as `page allocation failure: order:{order}` in the kernel \
                 log and `Cannot allocate memory` from whoever asked.",
                code(&zone.zone),
                units::bytes(free_bytes),
                index3(index)
            ))
            .paragraph(
                "The orders checked are those common kernel requests need: 2 (kernel stacks, \
                 jumbo-frame receive buffers), 3, 4 (network rings) and 6 (the slab cache a new \
                 network namespace creates on 3.10 kernels with memory-cgroup kmem accounting).",
            )
            .metric("order", order)
            .metric("zone", zone.zone.clone())
            .metric("fragmentation_index", index)
            .metric_opt("largest_free_order", largest)
            .metric("headroom", headroom)
            .cite(path, &zone.line)
            .recommend(
                "Watch the free lists at the orders that matter before they fail",
                Some("cat /proc/buddyinfo; cat /sys/kernel/debug/extfrag/extfrag_index"),
                Risk::None,
                "now, and after each batch of container starts",
            )
            .recommend(
                "Ask the kernel to compact memory once, off peak, to rebuild large blocks",
                Some("echo 1 > /proc/sys/vm/compact_memory"),
                Risk::Low,
                "when the fragmentation index at the order stays above 0.5",
            );
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn a_fragmented_zone_without_failure_is_a_risk() {
        let mut facts = testkit::healthy_facts();
        let zone = facts.buddyinfo[0]
            .value
            .zones
            .iter_mut()
            .find(|z| z.zone == "Normal")
            .expect("a Normal zone");
        zone.counts = vec![8860, 11464, 488, 174, 27, 3, 0, 0, 0, 0, 0];
        let ctx = testkit::context(&facts, None);
        let found = HighOrderFragmentationRisk.evaluate(&ctx);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.role, Role::Risk);
        assert_eq!(f.signature, "mm.external-fragmentation:order6");
        assert_eq!(f.metrics["order"], 6);
        assert_eq!(f.metrics["headroom"], 0.0);
        insta::assert_snapshot!(f.sentence, @"Exposed to a high-order allocation failure: zone `Normal` has no free block of order 6 (256 KiB) or above, only up to order 5 (128 KiB), and its fragmentation index there is 0.974, so the next request of that size, such as a new network namespace's, depends on compaction.");
    }

    #[test]
    fn whole_free_lists_and_failures_raise_nothing() {
        let healthy = testkit::healthy_facts();
        assert!(HighOrderFragmentationRisk
            .evaluate(&testkit::context(&healthy, None))
            .is_empty());
        let seed = testkit::seed_facts();
        assert!(HighOrderFragmentationRisk
            .evaluate(&testkit::context(&seed, None))
            .is_empty());
    }
}
