//! `risk.kmem-accounting`: on a node where nothing failed, a kernel whose memory-cgroup
//! kernel-memory (kmem) accounting leaks cgroups and needs large contiguous blocks (RHEL 7,
//! upstream before 4.6) runs a runc that switches that accounting on for every container with
//! a memory limit: the preconditions of container starts failing in `unshare()` with
//! `Cannot allocate memory`, measured.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::fragmentation::{largest_free_order, order_bytes, unusable_index};
use crate::analyze::kernel::kmem::kmem_evidence;
use crate::analyze::lookup::{self, RuncKmem};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{
    kernel_zone, memory_cgroups, round3, LARGEST_FREE_ORDER, MEMORY_CGROUPS,
};
use crate::analyze::{refs, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct KmemAccountingRisk;

static META: RuleMeta = RuleMeta {
    id: "risk.kmem-accounting",
    role: Role::Risk,
    summary: "A runtime that switches kmem accounting on, on a kernel whose kmem accounting fails",
    doc: include_str!("../../../docs/findings/risk.kmem-accounting.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one("kernel_release", MetricKind::Text, "the kernel"),
        Metric::one(
            "runc_version",
            MetricKind::Text,
            "the runc version, when the bundle gives it",
        ),
        MEMORY_CGROUPS,
        Metric::one(
            "cache_array_order",
            MetricKind::Order,
            "order of the array every new slab cache allocates for that many cgroups",
        ),
        LARGEST_FREE_ORDER,
        Metric::one(
            "headroom",
            MetricKind::Share,
            "share of the zone's free memory in blocks big enough for that array (0: none)",
        ),
    ],
    needs: &[],
};

/// The order of the parameter array a root slab cache creation allocates when `memcgs` memory
/// cgroups are kmem-active: two pointers per cgroup id (`memcg_caches_array_size`), capped at
/// 65535 entries.
pub fn cache_array_order(memcgs: u64) -> u32 {
    let bytes = memcgs.saturating_mul(2).min(65535).saturating_mul(8);
    let mut order = 0;
    while order_bytes(order) < bytes && order < 10 {
        order += 1;
    }
    order
}

impl Rule for KmemAccountingRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        // A failure that went through kmem accounting is told by its own findings.
        if lookup::alloc_failures(facts).next().is_some()
            || lookup::slub_failures(facts).next().is_some()
            || lookup::cache_create_failures(facts).next().is_some()
        {
            return Vec::new();
        }
        let Some(kernel) = ctx.derived.kernel.as_ref() else {
            return Vec::new();
        };
        let v = &kernel.version;
        // Every RHEL 7 build: from 7.7 the same allocation still fails (moby#40835), only the
        // `cgroup.memory=nokmem` boot parameter is there to avoid it.
        if !(v.is_rhel7() || v.before(4, 6)) {
            return Vec::new();
        }
        let runc = lookup::runc_version(facts);
        let enables = runc
            .and_then(|(_, r)| r.version.as_deref())
            .map(lookup::runc_kmem);
        let k = kmem_evidence(facts);
        let switched_on =
            matches!(enables, Some(RuncKmem::Enables { .. })) || k.per_memcg_cache_count > 0;
        if !switched_on || matches!(enables, Some(RuncKmem::Ignores { .. })) {
            return Vec::new();
        }
        let limited: Vec<_> = facts
            .containers
            .iter()
            .filter(|c| c.value.memory.limit_bytes.is_some_and(|l| l > 0))
            .collect();
        let memcgs = memory_cgroups(facts);
        let zone = kernel_zone(facts);
        let order = memcgs.map(|(_, c)| cache_array_order(c.num_cgroups));
        let largest = zone.and_then(|(_, z)| largest_free_order(&z.counts));
        let headroom = match (order, zone) {
            (Some(o), Some((_, z))) => Some(round3(1.0 - unusable_index(&z.counts, o))),
            _ => None,
        };
        let runc_words = match runc.and_then(|(_, r)| r.version.as_deref()) {
            Some(version) => format!("runc {}", code(version)),
            None => "a runc that makes per-memcg slab caches".to_string(),
        };
        let mut sentence = format!(
            "Exposed to the kmem-accounting failure of 3.10-era kernels: {runc_words} switches \
             kernel-memory accounting on for every container with a memory limit on {}",
            code(&v.release)
        );
        let mut margin = String::new();
        if let (Some((_, c)), Some(o)) = (memcgs, order) {
            margin = format!(
                "{} memory cgroups make every new slab cache (one per network namespace) \
                 allocate an order-{o} block ({})",
                c.num_cgroups,
                units::bytes(order_bytes(o))
            );
            if let Some((_, z)) = zone {
                margin.push_str(&match largest {
                    Some(l) if l >= o => format!(
                        ", and zone {} still has free blocks up to order {l}",
                        code(&z.zone)
                    ),
                    Some(l) => format!(
                        ", and zone {} has none: its largest free block is order {l}",
                        code(&z.zone)
                    ),
                    None => format!(", and zone {} has no free block at all", code(&z.zone)),
                });
            }
            sentence.push_str(&format!("; {margin}."));
        } else {
            sentence.push('.');
        }
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(if limited.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            })
            .precedes("memcg.kmem-accounting")
            .qualify(v.family())
            .title(match order {
                Some(o) => format!(
                    "kmem accounting on {}: the next slab cache needs an order-{o} block",
                    v.release
                ),
                None => format!("kmem accounting on {}", v.release),
            })
            .sentence(sentence)
            .paragraph(
                "On RHEL 7 kernels and upstream kernels before 4.6, kernel-memory \
                 accounting of memory cgroups cannot reclaim what it charges: a removed \
                 container's memory cgroup stays allocated while kernel objects are charged to \
                 it, and every new root slab cache allocates an array with two pointers per \
                 kmem-active cgroup id. runc 1.0.0-rc3 to rc93 switch that accounting on for \
                 every container with a memory limit. The count of memory cgroups only grows, \
                 and so does the order of the array, until a namespace creation asks for a \
                 block the fragmented zone no longer has: `failed to unshare namespaces: \
                 Cannot allocate memory`. From RHEL 7.7 the kernel can be booted with \
                 `cgroup.memory=nokmem` to keep the accounting off.",
            )
            .paragraph_opt((!margin.is_empty()).then(|| format!("On this node: {margin}.")))
            .metric("kernel_release", v.release.clone())
            .metric_opt("runc_version", runc.and_then(|(_, r)| r.version.clone()))
            .metric_opt("memory_cgroups", memcgs.map(|(_, c)| c.num_cgroups))
            .metric_opt("cache_array_order", order)
            .metric_opt("largest_free_order", largest)
            .metric("headroom", headroom.unwrap_or(0.0))
            .cite_opt(kernel.path, kernel.line);
        if let Some((path, r)) = runc {
            b = b.cite(path, &r.line);
        }
        b = b.evidence(k.per_memcg_caches);
        for c in limited.iter().take(2) {
            b = b.cite_opt(&c.path, c.value.memory.limit_line.as_ref());
        }
        if let Some((path, c)) = memcgs {
            b = b.cite(path, &c.line);
        }
        if let Some((path, z)) = zone {
            b = b.cite(path, &z.line);
        }
        let b = b
            .recommend(
                "Use a runc that leaves kmem accounting off: 1.0.0-rc6 or later built with the \
                 `nokmem` tag, or rc94 and later",
                Some("runc --version"),
                Risk::Low,
                "at the next maintenance window, before the cgroup count grows further",
            )
            .recommend(
                "Or boot with kernel memory accounting disabled (RHEL 7.7 and later kernels)",
                Some("grubby --update-kernel=ALL --args=cgroup.memory=nokmem"),
                Risk::Medium,
                "when the runtime cannot be changed; needs a reboot",
            )
            .references(&[
                refs::RUNC_1350,
                refs::RUNC_1921,
                refs::RUNC_2840,
                refs::MOBY_31037,
            ]);
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_array_order_follows_the_cgroup_count() {
        assert_eq!(cache_array_order(100), 0);
        assert_eq!(cache_array_order(10_412), 6);
        assert_eq!(cache_array_order(11_437), 6);
        assert_eq!(cache_array_order(20_000), 7);
        assert_eq!(cache_array_order(65_535), 7);
    }
}
