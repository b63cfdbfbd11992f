//! `memcg.kmem-limit-reached`: a cgroup's kernel-memory limit was reached.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct KmemLimitReached;

/// A kmem limit at or above this many kB is "unlimited" (the kernel prints
/// `9007199254740988kB` for an unset limit).
const UNLIMITED_KB: u64 = 1 << 50;

static META: RuleMeta = RuleMeta {
    id: "memcg.kmem-limit-reached",
    role: Role::Condition,
    summary: "A cgroup's kernel-memory (kmem) limit was reached",
    doc: include_str!("../../../docs/findings/memcg.kmem-limit-reached.md"),
    verdict_rank: Some(40),
    incidents: &["memcg-oom", "contiguous-allocation"],
    metrics: &[
        Metric::one(
            "kmem_usage_bytes",
            MetricKind::Bytes,
            "the cgroup's kernel-memory usage",
        ),
        Metric::one(
            "kmem_limit_bytes",
            MetricKind::Bytes,
            "the cgroup's kernel-memory limit",
        ),
        Metric::one(
            "kmem_failcnt",
            MetricKind::Count,
            "times the kernel-memory limit was hit",
        ),
    ],
    needs: &[],
};

impl Rule for KmemLimitReached {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(o) = lookup::oom_kills(ctx.facts).find(|o| {
            matches!(
                (o.item.kmem_usage_kb, o.item.kmem_limit_kb, o.item.kmem_failcnt),
                (Some(u), Some(l), Some(f)) if l < UNLIMITED_KB && u >= l && f > 0
            )
        }) else {
            return Vec::new();
        };
        let k = o.item;
        let limit = k.kmem_limit_kb.unwrap_or(0);
        let cgroup = k.memcg.as_deref().or(k.task_memcg.as_deref());
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High)
            .title(format!(
                "Kernel-memory limit of {} reached",
                units::bytes(limit.saturating_mul(1024))
            ))
            .paragraph(format!(
                "The cgroup{} reached its kernel-memory (kmem) limit of {} (`failcnt` {}). Kernel \
                 objects charged to it (slab, page tables, kernel stacks) could not be allocated, \
                 which fails `fork`, file opens and network namespace creation inside the \
                 container even when its user memory is below its limit.",
                cgroup.map(|c| format!(" {}", code(c))).unwrap_or_default(),
                units::bytes(limit.saturating_mul(1024)),
                k.kmem_failcnt.unwrap_or(0)
            ))
            .metric_opt(
                "kmem_usage_bytes",
                k.kmem_usage_kb.map(|v| v.saturating_mul(1024)),
            )
            .metric("kmem_limit_bytes", limit.saturating_mul(1024))
            .metric_opt("kmem_failcnt", k.kmem_failcnt)
            .cite_opt(o.path, k.header.as_ref())
            .cite_opt(o.path, k.kmem_line.as_ref())
            .recommend(
                "Remove the explicit kernel-memory limit (`--kernel-memory`, `KernelMemory`): it \
                 is deprecated, ignored by runc v1.0.0-rc94 and later, and unreliable on older \
                 kernels.",
                None,
                Risk::Low,
                "when the container is next deployed",
            )
            .references(&[refs::MEMCG_V1_DOC, refs::RUNC_2840]);
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;
    use crate::facts::{Line, OomKill, OomScope};

    #[test]
    fn kmem_at_limit() {
        let mut facts = testkit::seed_facts();
        assert!(KmemLimitReached
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        facts.kernel_logs[0].value.oom_kills.push(OomKill {
            scope: OomScope::Memcg,
            kmem_usage_kb: Some(65536),
            kmem_limit_kb: Some(65536),
            kmem_failcnt: Some(77),
            kmem_line: Some(Line::new(
                103,
                "[2751100.000200] kmem: usage 65536kB, limit 65536kB, failcnt 77",
            )),
            ..Default::default()
        });
        let found = KmemLimitReached.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert!(found[0].title.contains("64 MiB"));
        assert_eq!(found[0].evidence.len(), 1);
        // An unset limit is not a limit.
        facts.kernel_logs[0].value.oom_kills[0].kmem_limit_kb = Some(9007199254740988);
        assert!(KmemLimitReached
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }
}
