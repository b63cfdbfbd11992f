//! `memcg.kmem-accounting`: memory-cgroup kernel-memory accounting active on a kernel whose
//! implementation is known to fail (3.10 / RHEL 7).

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::fragmentation::human_bytes;
use crate::analyze::lookup::{self, trace_has};
use crate::analyze::zones::gfp_flags;
use crate::analyze::{refs, Context, Rule};
use crate::facts::Facts;
use crate::report::{Confidence, Evidence, Finding, Risk, Role, Severity};

pub struct KmemAccounting;

const MEMCG_CACHE_FUNCTIONS: &[&str] = &[
    "kmem_cache_create_memcg",
    "memcg_alloc_cache_params",
    "memcg_register_cache",
    "memcg_update_cache_size",
    "memcg_update_all_caches",
];

/// Whether a slab cache name is a per-memcg copy: `name(id:cgroup)`.
pub fn is_per_memcg_cache(name: &str) -> bool {
    let Some(open) = name.rfind('(') else {
        return false;
    };
    let inner = &name[open + 1..];
    inner.ends_with(')') && inner.contains(':') && open > 0
}

/// The kinds of kmem evidence found, with their lines.
#[derive(Debug, Default)]
pub struct KmemEvidence {
    pub gfp_flag: Vec<Evidence>,
    pub call_trace: Vec<Evidence>,
    pub per_memcg_caches: Vec<Evidence>,
    pub per_memcg_cache_count: usize,
    pub oom_kmem: Vec<Evidence>,
    pub slub_memcg: Vec<Evidence>,
}

impl KmemEvidence {
    /// How many independent kinds of evidence were found.
    pub fn kinds(&self) -> usize {
        [
            !self.gfp_flag.is_empty(),
            !self.call_trace.is_empty(),
            !self.per_memcg_caches.is_empty(),
            !self.oom_kmem.is_empty(),
            !self.slub_memcg.is_empty(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }
}

/// Collect what shows kmem accounting at work.
pub fn kmem_evidence(facts: &Facts) -> KmemEvidence {
    let mut k = KmemEvidence::default();
    for a in lookup::alloc_failures(facts) {
        if gfp_flags(&a.item.gfp).any(|f| f == "__GFP_KMEMCG") {
            k.gfp_flag
                .push(crate::analyze::evidence::cite(a.path, &a.item.header));
        }
        for line in &a.item.trace_lines {
            if MEMCG_CACHE_FUNCTIONS.iter().any(|f| line.text.contains(f)) {
                k.call_trace
                    .push(crate::analyze::evidence::cite(a.path, line));
            }
        }
    }
    for c in lookup::cache_create_failures(facts) {
        if MEMCG_CACHE_FUNCTIONS
            .iter()
            .any(|f| trace_has(&c.item.call_trace, f))
        {
            k.call_trace
                .push(crate::analyze::evidence::cite(c.path, &c.item.line));
        }
    }
    for s in &facts.slabinfo {
        for cache in &s.value.caches {
            if is_per_memcg_cache(&cache.name) {
                k.per_memcg_cache_count += 1;
                if k.per_memcg_caches.len() < 3 {
                    k.per_memcg_caches
                        .push(crate::analyze::evidence::cite(&s.path, &cache.line));
                }
            }
        }
    }
    for o in lookup::oom_kills(facts) {
        if let Some(line) = &o.item.kmem_line {
            if o.item.kmem_usage_kb.is_some_and(|u| u > 0) {
                k.oom_kmem
                    .push(crate::analyze::evidence::cite(o.path, line));
            }
        }
    }
    for s in lookup::slub_failures(facts) {
        if s.item.memcg_id.is_some() {
            k.slub_memcg.push(crate::analyze::evidence::cite(
                s.path,
                s.item.cache_line.as_ref().unwrap_or(&s.item.line),
            ));
        }
    }
    k
}

impl Rule for KmemAccounting {
    fn id(&self) -> &'static str {
        "memcg.kmem-accounting"
    }
    fn role(&self) -> Role {
        Role::Factor
    }
    fn summary(&self) -> &'static str {
        "Kernel memory accounting is active on a kernel whose implementation is known to fail"
    }
    fn doc(&self) -> &'static str {
        include_str!("../../../docs/findings/memcg.kmem-accounting.md")
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
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
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
                        human_bytes(low),
                        human_bytes(high),
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
                .recommend(
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

    #[test]
    fn per_memcg_names() {
        assert!(is_per_memcg_cache("dentry(1234:docker-3c9f.scope)"));
        assert!(is_per_memcg_cache("ip6_dst_cache(0:abc)"));
        assert!(!is_per_memcg_cache("dentry"));
        assert!(!is_per_memcg_cache("(x:y)"));
    }
}
