//! `mm.slab-growth`: kernel slab holds an outsized share of RAM.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::caches::{is_per_memcg_cache, is_per_netns_conntrack};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::Line;
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct SlabGrowth;

/// Share of RAM above which slab is called outsized.
const OUTSIZED: f64 = 0.20;

struct SlabTotals<'a> {
    total: u64,
    reclaimable: Option<u64>,
    ram: u64,
    from: &'static str,
    cites: Vec<(&'a str, &'a Line)>,
}

fn totals<'a>(ctx: &Context<'a>) -> Option<SlabTotals<'a>> {
    let f = ctx.facts;
    if let (Some(slab), Some(ram)) = (
        lookup::meminfo_bytes(f, "Slab"),
        lookup::meminfo_bytes(f, "MemTotal"),
    ) {
        let mut cites = vec![(slab.1, slab.2)];
        let rec = lookup::meminfo_bytes(f, "SReclaimable");
        if let Some(r) = rec {
            cites.push((r.1, r.2));
        }
        if let Some(u) = lookup::meminfo_bytes(f, "SUnreclaim") {
            cites.push((u.1, u.2));
        }
        return Some(SlabTotals {
            total: slab.0,
            reclaimable: rec.map(|r| r.0),
            ram: ram.0,
            from: "/proc/meminfo",
            cites,
        });
    }
    let failure = ctx.derived.main_failure.as_ref()?.at;
    let mem = failure.item.mem_info.as_ref()?;
    let pages = |k: &str| mem.counters_pages.get(k).copied();
    let rec = pages("slab_reclaimable")?;
    let unrec = pages("slab_unreclaimable").unwrap_or(0);
    let ram = mem.pages_ram?;
    let cites = mem
        .zones
        .iter()
        .filter(|z| z.fields_kb.contains_key("slab_reclaimable"))
        .filter_map(|z| z.line.as_ref().map(|l| (failure.path, l)))
        .collect();
    Some(SlabTotals {
        total: rec.saturating_add(unrec).saturating_mul(4096),
        reclaimable: Some(rec.saturating_mul(4096)),
        ram: ram.saturating_mul(4096),
        from: "the Mem-Info block of the failure report",
        cites,
    })
}

static META: RuleMeta = RuleMeta {
    id: "mm.slab-growth",
    role: Role::Condition,
    summary: "Kernel slab holds an outsized share of RAM",
    doc: include_str!("../../../docs/findings/mm.slab-growth.md"),
    verdict_rank: Some(80),
    incidents: &[],
    metrics: &[
        Metric::one("slab_bytes", MetricKind::Bytes, "slab in use"),
        Metric::one("ram_bytes", MetricKind::Bytes, "RAM"),
        Metric::one("slab_share", MetricKind::Share, "slab's share of RAM"),
        Metric::one(
            "slab_reclaimable_bytes",
            MetricKind::Bytes,
            "reclaimable slab",
        ),
        Metric::one(
            "per_netns_caches",
            MetricKind::Count,
            "per-namespace conntrack caches",
        ),
        Metric::one(
            "per_memcg_caches",
            MetricKind::Count,
            "per-memcg cache copies",
        ),
    ],
    needs: &[],
};

impl Rule for SlabGrowth {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(t) = totals(ctx) else {
            return Vec::new();
        };
        if t.ram == 0 {
            return Vec::new();
        }
        let share = t.total as f64 / t.ram as f64;
        if share < OUTSIZED {
            return Vec::new();
        }
        let mut b =
            FindingBuilder::new(self)
                .severity(Severity::Warning)
                .title(format!(
                    "Slab holds {} ({:.0}% of RAM)",
                    units::bytes(t.total),
                    share * 100.0
                ))
                .paragraph(format!(
                    "Kernel slab caches held {} of {} RAM ({:.0}%), according to {}.{}",
                    units::bytes(t.total),
                    units::bytes(t.ram),
                    share * 100.0,
                    t.from,
                    t.reclaimable
                        .map(|r| format!(
                        " {} of it ({:.0}%) is reclaimable (dentries, inodes and kin), the rest \
                         cannot be freed without freeing the objects' owners.",
                        units::bytes(r),
                        if t.total > 0 { r as f64 * 100.0 / t.total as f64 } else { 0.0 }
                    ))
                        .unwrap_or_default()
                ))
                .paragraph(
                    "Reclaimable is not movable: compaction cannot migrate slab pages, so slab \
                 spread over memory keeps the allocator from rebuilding large blocks until the \
                 objects themselves are freed.",
                )
                .metric("slab_bytes", t.total)
                .metric("ram_bytes", t.ram)
                .metric("slab_share", share)
                .metric_opt("slab_reclaimable_bytes", t.reclaimable);
        for (p, l) in &t.cites {
            b = b.cite(p, l);
        }
        let mut confidence = Confidence::Medium;
        if let Some(table) = ctx.facts.slabinfo.first() {
            confidence = Confidence::High;
            let mut caches: Vec<_> = table.value.caches.iter().collect();
            caches.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
            let top: Vec<String> = caches
                .iter()
                .take(5)
                .map(|c| format!("{} {}", code(&c.name), units::bytes(c.bytes)))
                .collect();
            let netns = caches
                .iter()
                .filter(|c| is_per_netns_conntrack(&c.name))
                .count();
            let memcg = caches
                .iter()
                .filter(|c| is_per_memcg_cache(&c.name))
                .count();
            b = b.paragraph(format!(
                "Largest caches in {}: {}.{}{}",
                code(&table.path),
                top.join(", "),
                if netns > 0 {
                    format!(
                        " {netns} per-namespace conntrack caches (`nf_conntrack_<address>`), one \
                         per network namespace alive."
                    )
                } else {
                    String::new()
                },
                if memcg > 0 {
                    format!(
                        " {memcg} per-memcg cache copies (`name(id:cgroup)`): kmem accounting \
                         gives every container cgroup its own copy of each cache it uses."
                    )
                } else {
                    String::new()
                }
            ));
            b = b
                .metric("per_netns_caches", netns as u64)
                .metric("per_memcg_caches", memcg as u64);
            for c in caches.iter().take(5) {
                b = b.cite(&table.path, &c.line);
            }
        } else {
            b = b.paragraph(
                "The bundle has no `/proc/slabinfo`, so the caches that grew cannot be named; \
                 `slabtop -o` or `/proc/slabinfo` from the node would.",
            );
        }
        vec![b
            .confidence(confidence)
            .recommend(
                "See which caches grew.",
                Some("slabtop -o -s c | head -20"),
                Risk::None,
                "now",
            )
            .recommend(
                "Free reclaimable slab (dentries and inodes); costs I/O while the caches refill.",
                Some("sync; echo 2 > /proc/sys/vm/drop_caches"),
                Risk::Low,
                "when slab crowds out large allocations",
            )
            .references(&[refs::VM_SYSCTL_DOC])
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_slab_is_outsized() {
        let facts = testkit::seed_facts();
        let found = SlabGrowth.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert!(f.title.contains("55% of RAM"), "{}", f.title);
        assert!(
            f.explanation.contains("5.8 GiB of it (65%) is reclaimable"),
            "{}",
            f.explanation
        );
        assert!(f
            .explanation
            .contains("compaction cannot migrate slab pages"));
        assert_eq!(f.confidence, Confidence::Medium);
        assert_eq!(f.evidence[0].line, Some(27));
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn small_slab_is_quiet() {
        let facts = testkit::exhaustion_facts();
        assert!(SlabGrowth
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }
}
