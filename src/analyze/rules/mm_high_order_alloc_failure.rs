//! `mm.high-order-alloc-failure`: the kernel could not find a contiguous block of the order a
//! caller asked for.

use crate::analyze::finding::{code, count, FindingBuilder};
use crate::analyze::fragmentation::order_bytes;
use crate::analyze::kernel::caches::is_per_netns_conntrack;
use crate::analyze::kernel::paths::{consequence, describe_path};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::zones::gfp_flags;
use crate::analyze::{Context, Rule};
use crate::facts::{AllocFailure, RuntimeErrorKind};
use crate::report::{Confidence, Finding, Role, Severity};
use crate::units;

pub struct HighOrderAllocFailure;

/// What the GFP flags say about the request, in words.
pub fn describe_gfp(failure: &AllocFailure) -> Vec<String> {
    let flags: Vec<&str> = gfp_flags(&failure.gfp).collect();
    let has = |f: &str| flags.contains(&f);
    let mut words = Vec::new();
    if has("GFP_ATOMIC") || (has("__GFP_HIGH") && !has("__GFP_WAIT") && !has("GFP_KERNEL")) {
        words.push(
            "It was an atomic request: it could not sleep, reclaim or compact, so it fails as \
             soon as no block of the order is free."
                .to_string(),
        );
    } else if has("GFP_KERNEL") || has("GFP_KERNEL_ACCOUNT") {
        words.push(
            "It was an ordinary kernel request (`GFP_KERNEL`): it may sleep, reclaim page cache \
             and compact memory, and it still failed, so the allocator could not put a block of \
             that size together."
                .to_string(),
        );
    }
    if has("__GFP_COMP") && has("__GFP_ZERO") {
        words.push(
            "`__GFP_COMP` with `__GFP_ZERO` is the mark of a large zeroed `kzalloc` that bypassed \
             the slab caches and went straight to the page allocator."
                .to_string(),
        );
    }
    if has("__GFP_KMEMCG") || has("__GFP_ACCOUNT") || has("GFP_KERNEL_ACCOUNT") {
        words.push(
            "The request was charged to a memory cgroup's kernel-memory counter (`__GFP_KMEMCG` \
             on 3.10, `__GFP_ACCOUNT` later): kmem accounting was active."
                .to_string(),
        );
    }
    if has("__GFP_NORETRY") || has("__GFP_NOWARN") {
        words.push(
            "The caller allowed the request to fail (`__GFP_NORETRY`/`__GFP_NOWARN`) and may have \
             a fallback."
                .to_string(),
        );
    }
    words
}

static META: RuleMeta = RuleMeta {
    id: "mm.high-order-alloc-failure",
    role: Role::Mechanism,
    summary: "A page allocation of order 1 or more failed: no contiguous block of that size could be found",
    doc: include_str!("../../../docs/findings/mm.high-order-alloc-failure.md"),
    verdict_rank: None,
    incidents: &["contiguous-allocation"],
    metrics: &[
        Metric::one("order", MetricKind::Order, "order of the failed request"),
        Metric::one("request_bytes", MetricKind::Bytes, "size of the failed request"),
        Metric::one("gfp_raw", MetricKind::Text, "the GFP mask as printed, hexadecimal"),
        Metric::one("gfp_flags", MetricKind::TextList, "the GFP flags decoded for the kernel"),
        Metric::one("task", MetricKind::Text, "the task that asked"),
        Metric::one("pid", MetricKind::Integer, "its pid"),
        Metric::one("reports", MetricKind::Count, "high-order failure reports in the bundle"),
        Metric::one("kernel_release", MetricKind::Text, "the kernel that failed"),
    ],
    needs: &[],
};

impl Rule for HighOrderAllocFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(derived) = ctx.derived.main_failure.as_ref() else {
            return Vec::new();
        };
        let main = derived.at;
        let failure = main.item;
        let others: Vec<_> = lookup::alloc_failures(ctx.facts)
            .filter(|a| a.item.order > 0 && !std::ptr::eq(a.item, failure))
            .collect();
        let bytes = order_bytes(failure.order);
        let pages = 1u64 << failure.order.min(40);
        let mut first = format!(
            "{} asked the kernel for an order-{} block: {} contiguous pages, {}.",
            code(&failure.task),
            failure.order,
            pages,
            units::bytes(bytes)
        );
        if let Some(what) = describe_path(failure) {
            first.push_str(&format!(" It was {what}."));
        }
        let flags: Vec<&str> = gfp_flags(&failure.gfp).collect();
        let mode = if flags.is_empty() {
            format!(
                "The GFP mode `{:#x}` could not be decoded (unknown kernel version).",
                failure.gfp.raw
            )
        } else {
            format!(
                "GFP mode `{:#x}` = `{}`.",
                failure.gfp.raw,
                dedup(&flags).join("|")
            )
        };
        let mut gfp_words = describe_gfp(failure);
        gfp_words.insert(0, mode);
        let path = lookup::call_path(&failure.call_trace)
            .map(|p| format!("Call path, outermost first: {}.", code(&p)));
        let copies = if others.is_empty() {
            None
        } else {
            Some(format!(
                "The bundle holds {} (orders {}); the highest order is the one analysed.",
                count(
                    others.len(),
                    "other high-order allocation failure report",
                    "other high-order allocation failure reports"
                ),
                dedup_orders(others.iter().map(|a| a.item.order))
            ))
        };
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Critical)
            .confidence(Confidence::High)
            .title(format!(
                "Order-{} ({}) kernel allocation failed in {}",
                failure.order,
                units::bytes(bytes),
                failure.task
            ))
            .sentence(verdict_sentence(ctx, failure, others.len() + 1))
            .qualify(format!("order{}", failure.order))
            .qualify(crate::analyze::kernel::paths::path_class(failure).unwrap_or_default())
            .paragraph(first)
            .paragraph(gfp_words.join(" "))
            .paragraph_opt(path)
            .paragraph_opt(copies)
            .paragraph(
                "A high-order failure says that no free block of the size was available in the \
                 zones the request could use; whether that was because memory was fragmented or \
                 because it was really used up is decided from the free lists of the report \
                 (see the condition findings).",
            )
            .metric("order", failure.order)
            .metric("request_bytes", bytes)
            .metric("gfp_raw", format!("{:#x}", failure.gfp.raw))
            .metric("gfp_flags", dedup(&flags))
            .metric("task", failure.task.clone())
            .metric_opt("pid", failure.pid)
            .metric("reports", others.len() as u64 + 1)
            // The kernel that failed: its own `CPU:` line, else the boot it was printed in.
            .metric_opt(
                "kernel_release",
                derived.kernel.as_ref().map(|k| k.version.release.clone()),
            )
            .cite(main.path, &failure.header)
            .cite_all(main.path, lookup::key_trace_lines(failure, 8));
        for other in others.iter().take(4) {
            b = b.cite(other.path, &other.item.header);
        }
        vec![b.build()]
    }
}

/// What failed, for whom, and the allocation it needed: the opening of the root-cause summary.
fn verdict_sentence(ctx: &Context<'_>, failure: &AllocFailure, reports: usize) -> String {
    let facts = ctx.facts;
    let start_failed = lookup::runtime_errors(facts)
        .any(|e| e.item.kind == RuntimeErrorKind::StartFailure)
        || facts.containers.iter().any(|c| {
            c.value
                .state
                .error
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty())
        });
    let cgroup_failed =
        lookup::runtime_errors(facts).any(|e| e.item.kind == RuntimeErrorKind::CgroupCreate);
    let size = format!(
        "an order-{} ({}) contiguous kernel allocation",
        failure.order,
        units::bytes(order_bytes(failure.order))
    );
    let for_netns_cache =
        lookup::cache_create_failures(facts).any(|c| is_per_netns_conntrack(&c.item.cache));
    let what = if for_netns_cache {
        " for the namespace's conntrack slab cache"
    } else {
        ""
    };
    if start_failed || cgroup_failed {
        let who = if failure.task.starts_with("runc") {
            "runc".to_string()
        } else {
            code(&failure.task)
        };
        let doing = match describe_path(failure) {
            Some(d) if d.contains("network namespace") && d.contains("unshare") => {
                format!("{who}'s `unshare()` of a new network namespace")
            }
            Some(d) => format!("{who}, {d},"),
            None => who,
        };
        let symptom = if start_failed {
            "The container start failed"
        } else {
            "Creating the container's cgroup failed"
        };
        return format!("{symptom} because {doing} needed {size}{what}.");
    }
    let path = describe_path(failure)
        .map(|d| format!(" while {d}"))
        .unwrap_or_default();
    let many = if reports > 1 {
        format!(", one of {reports} such failures in the bundle")
    } else {
        String::new()
    };
    let cost = consequence(failure).unwrap_or("and the request failed");
    format!(
        "{} could not get {size}{what}{path}: the kernel found no free block that large, \
         {cost}{many}.",
        code(&failure.task)
    )
}

fn dedup<'a>(flags: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for f in flags {
        if !out.contains(f) {
            out.push(f);
        }
    }
    out
}

fn dedup_orders(orders: impl Iterator<Item = u32>) -> String {
    let mut v: Vec<u32> = orders.collect();
    v.sort_unstable();
    v.dedup();
    v.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_failure_is_order_6_with_its_trace() {
        let facts = testkit::seed_facts();
        let found = HighOrderAllocFailure.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.metrics["order"], 6);
        assert_eq!(f.metrics["request_bytes"], 262144);
        assert_eq!(f.metrics["gfp_raw"], "0x10c0d0");
        assert!(f.explanation.contains("256 KiB"));
        assert!(f
            .explanation
            .contains("GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG"));
        assert!(f
            .explanation
            .contains("network namespace through `unshare()`"));
        assert!(f.explanation.contains(
            "`SyS_unshare -> unshare_nsproxy_namespaces -> create_new_namespaces -> \
             nf_conntrack_pernet_init -> nf_conntrack_init_net -> kmem_cache_create -> \
             kmem_cache_create_memcg`"
        ));
        let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
        assert_eq!(lines, [2, 8, 9, 10, 11, 12, 13, 14]);
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn no_failure_no_finding() {
        let facts = testkit::healthy_facts();
        assert!(HighOrderAllocFailure
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }
}
