//! `kernel.known-defect`: the kernel version falls in a range with a documented defect that
//! matches the evidence. A version alone never fires this rule: the bundle must show the defect's
//! signature too.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::{self, kmem};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct KernelKnownDefect;

static META: RuleMeta = RuleMeta {
    id: "kernel.known-defect",
    role: Role::Factor,
    summary: "The kernel version has a documented defect that matches the evidence",
    doc: include_str!("../../../docs/findings/kernel.known-defect.md"),
    verdict_rank: Some(100),
    incidents: &["contiguous-allocation", "netns-teardown", "cgroup-ids"],
    metrics: &[
        Metric::one(
            "kernel_release",
            MetricKind::Text,
            "the kernel with the defect",
        ),
        Metric::one("defects", MetricKind::Count, "defects matched"),
    ],
    needs: &[],
};

impl Rule for KernelKnownDefect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        let Some(kernel) = ctx.derived.incident_kernel() else {
            return Vec::new();
        };
        let v = &kernel.version;
        let mut b = FindingBuilder::new(self).severity(Severity::Warning);
        let mut defects: Vec<&str> = Vec::new();
        let mut words: Vec<&str> = Vec::new();
        let mut refs_used: Vec<&str> = Vec::new();
        // The kernel the node has booted since the failure, while it is outside the range of
        // every defect found.
        let mut booted_past = ctx.derived.rebooted_since_failure().map(|(_, now)| now);

        // 1. 3.10-era kmem accounting: no reclaim of kernel memory, memcg ids pinned by dead
        // cgroups, large memcg_caches arrays on every root cache creation.
        if v.before(4, 0) && kmem::shown_by_failures(facts) {
            let mut text = format!(
                "Kernel {} has the 3.x memcg kernel-memory accounting, which cannot reclaim \
                 kernel memory charged to a cgroup, keeps deleted cgroups (and their ids) alive \
                 while kmem charges remain, and makes every new root slab cache allocate an array \
                 sized by the number of kmem-active cgroups. The bundle shows kmem accounting at \
                 work.",
                code(&v.release)
            );
            if v.is_rhel7() && !v.supports_nokmem_param() {
                text.push_str(
                    " On this RHEL 7 build the `cgroup.memory=nokmem` boot parameter is not \
                     reported to work (it is from 3.10.0-1062, RHEL 7.7): the fix has to come \
                     from the runtime (runc built with `nokmem`) or a newer kernel.",
                );
            }
            b = b.paragraph(text);
            for a in lookup::alloc_failures(facts).take(1) {
                b = b.cite(a.path, &a.item.header);
            }
            defects.push("3.x kmem accounting");
            words.push("its 3.x kmem accounting, which pins deleted memory cgroups and their ids");
            booted_past = booted_past.filter(|now| !now.version.before(4, 0));
            refs_used.extend([refs::RUNC_1921, refs::RUNC_1725, refs::K8S_61937]);
        }

        // 2. Per-netns nf_conntrack slab caches (2.6.33 to 4.6): every new network namespace
        // creates a root slab cache.
        let conntrack_cache_failures: Vec<_> = lookup::cache_create_failures(facts)
            .filter(|c| c.item.cache.starts_with("nf_conntrack_"))
            .collect();
        if v.has_per_netns_conntrack_cache() && !conntrack_cache_failures.is_empty() {
            b = b.paragraph(format!(
                "Kernel {} creates a separate `nf_conntrack_<address>` slab cache for every new \
                 network namespace (kernels 2.6.33 to 4.6; RHEL 7 keeps this). Creating that cache \
                 failed here, so creating the namespace failed. From 4.7 on there is one global \
                 conntrack cache.",
                code(&v.release)
            ));
            for c in conntrack_cache_failures.iter().take(1) {
                b = b.cite(c.path, &c.item.line);
            }
            defects.push("per-netns conntrack slab cache");
            words.push("a conntrack slab cache created for every network namespace");
            booted_past = booted_past.filter(|now| !now.version.has_per_netns_conntrack_cache());
            refs_used.push(refs::MOBY_31037);
        }

        // 3. unregister_netdevice reference leaks.
        let waits: Vec<_> = lookup::kernel_messages(facts)
            .filter(|m| matches!(m.item.kind, KernelMessageKind::UnregisterNetdevice { .. }))
            .collect();
        if let Some(w) = waits.first() {
            b = b
                .paragraph(format!(
                    "`unregister_netdevice: waiting for ...` on kernel {} is the signature of a \
                     network device reference leak; several such leaks were fixed across 3.x to \
                     5.x kernels, each in specific releases.",
                    code(&v.release)
                ))
                .cite(w.path, &w.item.line);
            defects.push("netdevice reference leak");
            words.push(
                "network device reference leaks that leave a namespace's teardown waiting \
                 forever, fixed only in specific releases of each kernel series",
            );
            // Fixed in specific releases of each series: no kernel is known to be past it.
            booted_past = None;
            refs_used.push("https://github.com/moby/moby/issues/5618");
        }

        if defects.is_empty() {
            return Vec::new();
        }
        b = match booted_past {
            Some(now) => b.recommend(
                format!(
                    "The node has since booted {}, outside the affected range: check that the \
                     failure has not come back since the reboot",
                    code(&now.version.release)
                ),
                Some("uname -r"),
                Risk::None,
                "now",
            ),
            None => b.recommend_as(
                kernel::KERNEL_UPGRADE,
                "Plan a kernel upgrade to a release outside the affected range",
                None,
                Risk::Medium,
                "To stop the failure class recurring",
            ),
        };
        vec![b
            .cite_opt(kernel.path, kernel.line)
            .title(format!(
                "Kernel {} has a known defect matching the evidence: {}",
                v.release,
                defects.join(", ")
            ))
            .confidence(if defects.len() > 1 {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .sentence(format!(
                "Kernel {} has {} behind this: {}.",
                code(&v.release),
                if words.len() == 1 {
                    "a known defect"
                } else {
                    "known defects"
                },
                words.join("; and ")
            ))
            .metric("kernel_release", v.release.clone())
            .metric("defects", defects.len() as u64)
            .references(&refs_used)
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;

    #[test]
    fn the_seed_kernel_matches_two_defects() {
        let facts = seed_facts();
        let f = KernelKnownDefect.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["defects"], 2);
        assert!(f[0].explanation.contains("nf_conntrack_<address>"));
        assert!(evidence_is_real(&facts, &f[0].evidence));
    }

    #[test]
    fn a_version_alone_is_not_a_defect() {
        assert!(KernelKnownDefect
            .evaluate(&context(&healthy_facts(), None))
            .is_empty());
        assert!(KernelKnownDefect
            .evaluate(&context(&modern_fragmentation_facts(), None))
            .is_empty());
    }
}
