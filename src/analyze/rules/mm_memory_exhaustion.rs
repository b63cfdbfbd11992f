//! `mm.memory-exhaustion`: memory really ran out.

use crate::analyze::assess::{assess_main, Assessment, Cause};
use crate::analyze::finding::{code, index3, FindingBuilder};
use crate::analyze::fragmentation::order_bytes;
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, Need, NeedWhen, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::{MemInfoDump, OomScope, ZoneDump};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::sources::SourceKind;
use crate::units;

pub struct MemoryExhaustion;

static META: RuleMeta = RuleMeta {
    id: "mm.memory-exhaustion",
    role: Role::Condition,
    summary: "Memory really ran out: free below the min watermark, little left to reclaim",
    doc: include_str!("../../../docs/findings/mm.memory-exhaustion.md"),
    verdict_rank: Some(20),
    incidents: &["contiguous-allocation", "host-oom"],
    metrics: &[
        Metric::one("order", MetricKind::Order, "order of the request"),
        Metric::one("available_bytes", MetricKind::Bytes, "memory available"),
        Metric::one(
            "extfrag_computed",
            MetricKind::Index,
            "fragmentation index at the order",
        ),
        Metric::one(
            "reclaimable_share",
            MetricKind::Share,
            "share of memory that was reclaimable",
        ),
    ],
    needs: &[Need {
        sources: &[SourceKind::Meminfo, SourceKind::Free],
        when: NeedWhen::Incident,
        what: "no /proc/meminfo or free output",
        why: "how much memory was available overall, to tell exhaustion from fragmentation",
        collect: Some("cat /proc/meminfo; free -m"),
    }],
};

impl Rule for MemoryExhaustion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        if let Some(a) = assess_main(&ctx.derived) {
            if a.cause == Cause::Exhaustion {
                return vec![from_failure(self, ctx, &a)];
            }
            if a.cause == Cause::Fragmentation {
                return Vec::new();
            }
        }
        from_global_oom(self, ctx).into_iter().collect()
    }
}

fn from_failure(rule: &MemoryExhaustion, ctx: &Context<'_>, a: &Assessment<'_>) -> Finding {
    let failure = a.failure.item;
    let path = a.failure.path;
    let order = failure.order;
    let mut rows = Vec::new();
    for z in &a.zones {
        if let (Some(free), Some(min)) = (z.dump.free_kb, z.dump.min_kb) {
            rows.push(format!(
                "{} {} free against a min watermark of {}{}",
                code(&z.dump.zone),
                units::bytes(free.saturating_mul(1024)),
                units::bytes(min.saturating_mul(1024)),
                if z.reserve_pages > 0 {
                    format!(
                        " (plus {} pages reserved for higher zones)",
                        z.reserve_pages
                    )
                } else {
                    String::new()
                }
            ));
        }
    }
    let mut first = format!(
        "The order-{order} request ({}) failed because memory was used up, not because it was \
         fragmented: {}.",
        units::bytes(order_bytes(order)),
        rows.join("; ")
    );
    if a.any_suitable_block() {
        first.push_str(&format!(
            " Blocks of order {order} were still free; what was missing was pages above the \
             watermark."
        ));
    }
    let index = a
        .preferred()
        .and_then(|z| z.extfrag.get(order as usize).copied());
    let index_words = index.map(|v| {
        if v < 0.0 {
            format!(
                "The fragmentation index at order {order} is -1.000 (a block of the order was \
                 free): this is not a fragmentation failure."
            )
        } else {
            format!(
                "The fragmentation index at order {order} is {} (near 0 means lack of memory, \
                 near 1 fragmentation).",
                index3(v)
            )
        }
    });
    let avail = a.available.as_ref().map(|av| {
        format!(
            "`{}` shows only {} available{}.",
            if av.from == "free" {
                "free"
            } else {
                "/proc/meminfo"
            },
            units::bytes(av.bytes),
            av.total_bytes
                .map(|t| format!(" of {}", units::bytes(t)))
                .unwrap_or_default()
        )
    });
    let reclaim = a.reclaimable.and_then(|r| {
        let share = r.share()?;
        Some(format!(
            "At the failure, free pages, page cache and reclaimable slab together came to {:.1}% \
             of RAM: there was little the kernel could reclaim.",
            share * 100.0
        ))
    });
    let confidence = if a.available.is_some() && a.reclaimable.is_some() {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let mut b = FindingBuilder::new(rule)
        .severity(Severity::Critical)
        .confidence(confidence)
        .title(format!(
            "Memory exhausted: zones at or below their min watermark when an order-{order} request failed"
        ))
        .sentence(format!(
            "Memory was used up, not fragmented: the zones were at or below their min \
             watermark with little left to reclaim{}.",
            a.available
                .as_ref()
                .map(|av| format!(" ({} available)", units::bytes(av.bytes)))
                .unwrap_or_default()
        ))
        .paragraph(first)
        .paragraph_opt(index_words)
        .paragraph_opt(avail)
        .paragraph_opt(reclaim)
        .metric("order", order)
        .metric_opt("available_bytes", a.available.as_ref().map(|av| av.bytes))
        .metric_opt("extfrag_computed", index)
        .metric_opt("reclaimable_share", a.reclaimable.and_then(|r| r.share()))
        .cite(path, &failure.header);
    for z in &a.zones {
        b = b
            .cite_opt(path, z.dump.line.as_ref())
            .cite_opt(path, z.dump.free_lists.as_ref().map(|f| &f.line));
    }
    if let Some(av) = &a.available {
        b = b.cite(av.path, av.line);
    }
    recommend(b, ctx).build()
}

fn recommend(b: FindingBuilder, ctx: &Context<'_>) -> FindingBuilder {
    // The same action the OOM kill's finding gives, so that the report gives it once.
    let (find, command) = crate::analyze::oom::find_consumer(ctx);
    b.advice("Find the consumer and give the workloads limits that fit the node.")
        .recommend(find, Some(command), Risk::None, "now")
        .recommend(
            "Give the workload memory limits that fit the node, or move workloads away, so the \
         node keeps headroom above its watermarks.",
            None,
            Risk::Medium,
            "to stop it recurring",
        )
        .references(&[refs::VM_SYSCTL_DOC])
}

/// A global OOM kill whose Mem-Info shows the zones at or below min.
fn from_global_oom(rule: &MemoryExhaustion, ctx: &Context<'_>) -> Option<Finding> {
    let oom = lookup::oom_kills(ctx.facts).find(|o| {
        o.item.scope == OomScope::Global && o.item.mem_info.as_ref().is_some_and(below_min)
    })?;
    let mem = oom.item.mem_info.as_ref()?;
    let row = |z: &ZoneDump| {
        Some(format!(
            "{} {} free against a min watermark of {}",
            code(&z.zone),
            units::bytes(z.free_kb?.saturating_mul(1024)),
            units::bytes(z.min_kb?.saturating_mul(1024))
        ))
    };
    let rows: Vec<String> = mem.zones.iter().filter_map(row).collect();
    // The sentence names the zones that ran out; the explanation gives every zone.
    let out: Vec<String> = mem
        .zones
        .iter()
        .filter(|z| z.free_kb.is_some() && z.free_kb <= z.min_kb)
        .filter_map(row)
        .collect();
    let mut b = FindingBuilder::new(rule)
        .severity(Severity::Critical)
        .confidence(Confidence::High)
        .title("Memory exhausted: the host-wide OOM killer ran with zones below min")
        .sentence(format!(
            "Memory was used up, not fragmented: when the OOM killer ran, {}.",
            out.join("; ")
        ))
        .paragraph(format!(
            "The kernel ran the OOM killer for the whole host, and the memory report printed with \
             it shows each zone's free memory against its min watermark: {}.",
            rows.join("; ")
        ))
        .cite_opt(oom.path, oom.item.header.as_ref());
    for z in &mem.zones {
        b = b.cite_opt(oom.path, z.line.as_ref());
    }
    if let Some(v) = &oom.item.victim {
        b = b.cite(oom.path, &v.line);
    }
    Some(recommend(b, ctx).build())
}

/// Whether the highest zone with a min watermark is at or below it.
fn below_min(mem: &MemInfoDump) -> bool {
    mem.zones
        .iter()
        .rev()
        .find(|z| z.free_kb.is_some() && z.min_kb.is_some())
        .is_some_and(|z| z.free_kb <= z.min_kb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    fn run(facts: &crate::facts::Facts) -> Vec<Finding> {
        MemoryExhaustion.evaluate(&testkit::context(facts, None))
    }

    #[test]
    fn not_on_the_seed() {
        assert!(run(&testkit::seed_facts()).is_empty());
    }

    #[test]
    fn fires_when_memory_ran_out() {
        let facts = testkit::exhaustion_facts();
        let found = run(&facts);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert!(
            f.explanation
                .contains("`Normal` 52.7 MiB free against a min watermark of 56.6 MiB"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("Blocks of order 2 were still free"));
        assert!(f.explanation.contains("-1.000"));
        assert!(
            f.explanation
                .contains("only 95.7 MiB available of 15.6 GiB"),
            "{}",
            f.explanation
        );
        assert_eq!(f.confidence, Confidence::High);
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn global_oom_with_zones_below_min() {
        let mut facts = testkit::exhaustion_facts();
        let log = &mut facts.kernel_logs[0].value;
        let mem = log.alloc_failures[0].mem_info.clone();
        log.alloc_failures.clear();
        log.oom_kills.push(crate::facts::OomKill {
            scope: OomScope::Global,
            header: Some(crate::facts::Line::new(
                1,
                "java: page allocation failure: order:2, mode:0x6000c0(GFP_KERNEL), nodemask=(null)",
            )),
            mem_info: mem,
            ..Default::default()
        });
        let found = run(&facts);
        assert_eq!(found.len(), 1);
        assert!(found[0].explanation.contains("for the whole host"));
        assert!(testkit::evidence_is_real(&facts, &found[0].evidence));
    }

    #[test]
    fn not_on_modern_fragmentation() {
        assert!(run(&testkit::modern_fragmentation_facts()).is_empty());
    }
}
