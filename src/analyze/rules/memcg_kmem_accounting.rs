//! `memcg.kmem-accounting`: memory-cgroup kernel-memory accounting active on a kernel whose
//! implementation is known to fail (3.10 / RHEL 7).

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::kmem::{kmem_evidence, limit_switches_kmem_on, MEMCG_CACHE_FUNCTIONS};
use crate::analyze::lookup::trace_has;
use crate::analyze::meta::{Metric, MetricKind, Need, NeedWhen, RuleMeta};
use crate::analyze::{kernel, refs, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::sources::SourceKind;
use crate::units;

pub struct KmemAccounting;

static META: RuleMeta = RuleMeta {
    id: "memcg.kmem-accounting",
    role: Role::Factor,
    summary: "Kernel memory accounting is active on a kernel whose implementation is known to fail",
    doc: include_str!("../../../docs/findings/memcg.kmem-accounting.md"),
    verdict_rank: Some(70),
    incidents: &["contiguous-allocation", "cgroup-ids"],
    metrics: &[
        Metric::one(
            "inferred_memcg_ids_min",
            MetricKind::Count,
            "kmem-active memory cgroup ids inferred from the failed order, low end",
        ),
        Metric::one(
            "inferred_memcg_ids_max",
            MetricKind::Count,
            "same, high end",
        ),
        Metric::one(
            "per_memcg_caches",
            MetricKind::Count,
            "per-memcg cache copies in slabinfo",
        ),
        Metric::one(
            "evidence_kinds",
            MetricKind::Count,
            "independent kinds of kmem evidence",
        ),
    ],
    needs: &[Need {
        sources: &[SourceKind::Cgroups],
        when: NeedWhen::AllocFailureOnOldKernel,
        what: "no /proc/cgroups",
        why: "the number of memory cgroups, live and leaked by kmem accounting on this kernel",
        collect: Some("cat /proc/cgroups"),
    }],
};

impl Rule for KmemAccounting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let k = kmem_evidence(ctx.facts);
        if k.kinds() == 0 {
            return Vec::new();
        }
        let kernel = ctx.derived.incident_kernel();
        let affected = kernel
            .as_ref()
            .map(|ks| ks.version.is_rhel7() || ks.version.before(4, 6));
        if affected == Some(false) {
            return Vec::new();
        }
        let mut proven = Vec::new();
        if let Some(ks) = &kernel {
            proven.push(format!("the kernel is {}", code(&ks.version.release)));
        }
        if !k.gfp_flag.is_empty() {
            proven.push(
                "the failed allocation carried `__GFP_KMEMCG`, so it was charged to a memory \
                 cgroup's kernel-memory counter"
                    .to_string(),
            );
        }
        if !k.call_trace.is_empty() {
            proven.push(
                "the call trace runs through `kmem_cache_create_memcg`, the memcg-aware path \
                 every root slab cache creation takes once kmem accounting is on"
                    .to_string(),
            );
        }
        if k.per_memcg_cache_count > 0 {
            proven.push(format!(
                "`slabinfo` lists {} per-memcg cache copies (`name(id:cgroup)`)",
                k.per_memcg_cache_count
            ));
        }
        if !k.oom_kmem.is_empty() {
            proven.push("OOM reports show non-zero `kmem:` usage for a cgroup".to_string());
        }
        if !k.slub_memcg.is_empty() {
            proven.push("SLUB failed to allocate for a per-memcg cache copy".to_string());
        }
        let base = kernel
            .as_ref()
            .map(|k| format!("{}.{}", k.version.major, k.version.minor))
            .unwrap_or_else(|| "3.10".to_string());
        let sentence = if limit_switches_kmem_on(ctx) {
            format!(
                "The container's memory limit mattered because it switched on kernel-memory \
                 (kmem) accounting on a {base} kernel, where every new slab cache then needs a \
                 large array sized by the number of memory cgroups ever used."
            )
        } else {
            format!(
                "Kernel-memory (kmem) accounting was active on a {base} kernel, where every new \
                 slab cache needs a large array sized by the number of memory cgroups ever used."
            )
        };
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .sentence(sentence)
            .qualify(
                kernel
                    .as_ref()
                    .map(|k| k.version.family())
                    .unwrap_or_default(),
            )
            .title("Memory-cgroup kernel-memory accounting active on a 3.10-era kernel")
            .paragraph(format!(
                "Kernel memory accounting (kmem) of memory cgroups was active: {}.",
                proven.join("; ")
            ))
            .paragraph(
                "On 3.10 (RHEL 7 before 7.7) kmem accounting cannot reclaim what it charges and \
                 keeps a deleted container's memory cgroup alive while kernel objects stay \
                 charged to it. Each kmem-active cgroup gets its own copy of every slab cache it \
                 touches, and creating any new root slab cache allocates a parameter array with \
                 one pointer per kmem-active memory cgroup id (twice the count of ids, up to \
                 65535 entries). With many containers started since boot this array needs a \
                 large physically contiguous block.",
            );
        if let Some(a) = ctx.derived.main_failure.as_ref().map(|m| m.at) {
            let through_cache = MEMCG_CACHE_FUNCTIONS
                .iter()
                .any(|f| trace_has(&a.item.call_trace, f));
            let order = a.item.order;
            if through_cache && (2..=7).contains(&order) {
                let high = 4096u64 << order;
                let low = high / 2;
                let (plo, phi) = (low / 8, high / 8);
                b = b
                    .paragraph(format!(
                        "Inferred, not shown by the bundle: an order-{order} `kzalloc` is a size \
                         between {} and {}, that is {plo} to {phi} pointers; the array holds two \
                         entries per kmem-active memory cgroup id, so roughly {} to {} such ids \
                         had been used since boot. `grep memory /proc/cgroups` on the node (the \
                         `num_cgroups` column counts live and leaked memory cgroups) would \
                         confirm it.",
                        units::bytes(low),
                        units::bytes(high),
                        plo / 2,
                        phi / 2
                    ))
                    .metric("inferred_memcg_ids_min", plo / 2)
                    .metric("inferred_memcg_ids_max", phi / 2);
            }
        }
        let kinds = k.kinds() + usize::from(kernel.is_some());
        let confidence = match kinds {
            n if n >= 3 => Confidence::High,
            2 => Confidence::Medium,
            _ => Confidence::Low,
        };
        if confidence == Confidence::Low {
            b = b.paragraph(
                "Only one line shows it; the kernel release and `/proc/cgroups` would confirm it.",
            );
        }
        b = b
            .confidence(confidence)
            .metric("per_memcg_caches", k.per_memcg_cache_count as u64)
            .metric("evidence_kinds", kinds as u64);
        if let Some(ks) = &kernel {
            b = b.cite_opt(ks.path, ks.line);
        }
        let items = k
            .gfp_flag
            .into_iter()
            .take(2)
            .chain(k.call_trace.into_iter().take(3))
            .chain(k.per_memcg_caches)
            .chain(k.oom_kmem.into_iter().take(2))
            .chain(k.slub_memcg.into_iter().take(2));
        b = b.evidence(items);
        let nokmem_ok = kernel.as_ref().map(|ks| ks.version.supports_nokmem_param());
        let nokmem = match nokmem_ok {
            Some(true) => {
                "Boot with `cgroup.memory=nokmem` to disable kernel memory \
                           accounting; this kernel is recent enough for the parameter."
            }
            Some(false) => {
                "Upgrade to a kernel that honours `cgroup.memory=nokmem` (RHEL 7.7, \
                            3.10.0-1062, and later, by reports; upstream 4.6+) and boot with it; \
                            this kernel is older."
            }
            None => {
                "Boot with `cgroup.memory=nokmem` where the kernel supports it (upstream \
                     4.6+, RHEL 7.7 3.10.0-1062+ by reports); check that it took effect."
            }
        };
        // A node rebooted since into a kernel outside the affected range needs no kernel change.
        let since = ctx
            .derived
            .rebooted_since_failure()
            .map(|(_, now)| now)
            .filter(|now| !(now.version.is_rhel7() || now.version.before(4, 6)));
        b = b
            .recommend(
                "Count memory cgroups, live and leaked: a number in the thousands or near 65535 \
                 confirms the kmem leak.",
                Some("grep memory /proc/cgroups"),
                Risk::None,
                "now",
            )
            .recommend(
                "Run a runtime that does not switch kmem accounting on: runc v1.0.0-rc94 or \
                 later (ignores kmem), or runc built with the `nokmem` build tag (v1.0.0-rc6 and \
                 later); the same for kubelet, which vendors libcontainer.",
                Some("runc --version"),
                Risk::Medium,
                "to stop it recurring; new containers only, existing cgroups keep their accounting",
            );
        b = match since {
            Some(now) => b.recommend(
                format!(
                    "The node has since booted {}, outside the affected range: its kmem \
                     accounting reclaims and it creates no per-namespace conntrack cache. Check \
                     that containers with a memory limit start again; nodes still on the failing \
                     kernel need the runtime or kernel change.",
                    code(&now.version.release)
                ),
                Some("uname -r; grep memory /proc/cgroups"),
                Risk::None,
                "now",
            ),
            None => b
                .recommend(
                    nokmem,
                    Some("grubby --update-kernel=ALL --args=cgroup.memory=nokmem"),
                    Risk::Medium,
                    "at the next maintenance window (needs a reboot)",
                )
                .recommend_as(
                    kernel::KERNEL_UPGRADE,
                    "Move the node to a newer kernel (4.x or later) where kmem accounting \
                     reclaims and the per-namespace conntrack cache is gone.",
                    None,
                    Risk::Medium,
                    "planned upgrade",
                ),
        };
        b = b.references(&[
            refs::RUNC_1350,
            refs::RUNC_1921,
            refs::RUNC_2840,
            refs::MOBY_31037,
            refs::K8S_61937,
            refs::DOCKER_FOR_LINUX_841,
            refs::MEMCG_V1_DOC,
        ]);
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_shows_kmem_accounting() {
        let facts = testkit::seed_facts();
        let found = KmemAccounting.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.confidence, Confidence::High);
        assert!(f.explanation.contains("`__GFP_KMEMCG`"));
        assert!(
            f.explanation.contains("roughly 8192 to 16384 such ids"),
            "{}",
            f.explanation
        );
        assert!(f.explanation.contains("Inferred"));
        assert!(f
            .recommendations
            .iter()
            .any(|r| r.action.contains("this kernel is older")));
        let lines: Vec<(String, Option<u32>)> = f
            .evidence
            .iter()
            .map(|e| (e.path.clone(), e.line))
            .collect();
        assert!(lines.contains(&(testkit::UNAME.to_string(), Some(1))));
        assert!(lines.contains(&(testkit::DMESG.to_string(), Some(8))));
        assert!(lines.contains(&(testkit::DMESG.to_string(), Some(42))));
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn not_on_new_kernels_or_without_evidence() {
        let facts = testkit::modern_fragmentation_facts();
        assert!(KmemAccounting
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        let facts = testkit::exhaustion_facts();
        assert!(KmemAccounting
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }
}
