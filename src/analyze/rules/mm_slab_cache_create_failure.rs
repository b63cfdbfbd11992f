//! `mm.slab-cache-create-failure`: the kernel could not create a slab cache.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::caches::is_per_netns_conntrack;
use crate::analyze::lookup::{self, trace_has};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Role, Severity};

pub struct SlabCacheCreateFailure;

static META: RuleMeta = RuleMeta {
    id: "mm.slab-cache-create-failure",
    role: Role::Mechanism,
    summary: "The kernel could not create a slab cache (kmem_cache_create failed)",
    doc: include_str!("../../../docs/findings/mm.slab-cache-create-failure.md"),
    verdict_rank: None,
    incidents: &["contiguous-allocation"],
    metrics: &[
        Metric::one("failures", MetricKind::Count, "failed cache creations"),
        Metric::one(
            "cache",
            MetricKind::Text,
            "the cache that could not be created",
        ),
        Metric::one(
            "error",
            MetricKind::Integer,
            "the error the kernel returned (-12 is ENOMEM)",
        ),
        Metric::one(
            "cache_is_per_netns",
            MetricKind::Flag,
            "the cache is a per-network-namespace conntrack cache",
        ),
    ],
    needs: &[],
};

impl Rule for SlabCacheCreateFailure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let failures: Vec<_> = lookup::cache_create_failures(ctx.facts).collect();
        let nf_lines: Vec<_> = lookup::kernel_messages(ctx.facts)
            .filter(|m| m.item.kind == KernelMessageKind::NfConnCacheFailure)
            .collect();
        if failures.is_empty() && nf_lines.is_empty() {
            return Vec::new();
        }
        let first = failures.first();
        // The kernel that printed the failure, else the one of the incident.
        let kernel = first
            .and_then(|f| ctx.derived.kernel_at(f.path, f.item.line.no, None))
            .or_else(|| ctx.derived.incident_kernel().cloned());
        let cache = first.map(|f| f.item.cache.as_str());
        let netns = cache.is_some_and(is_per_netns_conntrack) || !nf_lines.is_empty();
        let memcg_path = failures.iter().any(|f| {
            trace_has(&f.item.call_trace, "kmem_cache_create_memcg")
                || trace_has(&f.item.call_trace, "memcg_alloc_cache_params")
                || trace_has(&f.item.call_trace, "memcg_register_cache")
        });

        let mut b = FindingBuilder::new(self)
            .severity(Severity::Critical)
            .confidence(if failures.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            });
        let mut opening = match first {
            Some(f) => {
                let errno = match f.item.error {
                    -12 => " (`-12` is ENOMEM: out of memory for this request)".to_string(),
                    e => format!(" (error `{e}`)"),
                };
                format!(
                    "The kernel failed to create the slab cache {}{}.",
                    code(&f.item.cache),
                    errno
                )
            }
            None => "The kernel failed to create the conntrack slab cache of a new network \
                     namespace."
                .to_string(),
        };
        if failures.len() > 1 {
            opening.push_str(&format!(
                " It happened {} times in the bundle.",
                failures.len()
            ));
        }
        if !nf_lines.is_empty() {
            opening.push_str(
                " Netfilter then gave up on the namespace (`Unable to create nf_conn slab \
                 cache`), so the `unshare()`/`clone()` that asked for it returned ENOMEM.",
            );
        }
        b = b.title(match cache {
            Some(c) if netns => format!("Per-namespace conntrack cache {c} could not be created"),
            Some(c) => format!("Slab cache {c} could not be created"),
            None => "Per-namespace conntrack cache could not be created".to_string(),
        });
        b = b.paragraph(opening);
        if netns {
            let range = match &kernel {
                Some(k) if k.version.has_per_netns_conntrack_cache() => format!(
                    " This kernel ({}) is in that range.",
                    code(&k.version.release)
                ),
                Some(k) => format!(
                    " This kernel ({}) is outside that range, so the cache name points to a \
                     vendor backport or to another kernel than the one the bundle reports.",
                    code(&k.version.release)
                ),
                None => String::new(),
            };
            b = b.paragraph(format!(
                "On kernels 2.6.33 to 4.6 every new network namespace creates its own conntrack \
                 slab cache, named `nf_conntrack_` followed by the address of the namespace \
                 (a number on RHEL 7.9), as soon as the `nf_conntrack` module is loaded (Docker \
                 loads it for its NAT rules). Every container start with its own network \
                 namespace therefore creates a new root slab cache.{range}"
            ));
        }
        if memcg_path {
            b = b.paragraph(
                "The trace runs through `kmem_cache_create_memcg`: with memory-cgroup kernel \
                 memory accounting active, creating a root cache on 3.10 also allocates the \
                 cache's per-memcg parameter array, one pointer per kmem-active memory cgroup id, \
                 and that array is what needed the large contiguous block.",
            );
        }
        b = b
            .metric("failures", failures.len() as u64)
            .metric_opt("cache", cache.map(str::to_string))
            .metric_opt("error", first.map(|f| i64::from(f.item.error)))
            .metric("cache_is_per_netns", netns)
            .references(&[refs::MOBY_31037]);
        for f in failures.iter().take(5) {
            b = b.cite(f.path, &f.item.line);
        }
        for m in nf_lines.iter().take(5) {
            b = b.cite(m.path, &m.item.line);
        }
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_conntrack_cache_failure() {
        let facts = testkit::seed_facts();
        let found = SlabCacheCreateFailure.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.metrics["cache"], "nf_conntrack_ffff88036ea66180");
        assert_eq!(f.metrics["error"], -12);
        assert_eq!(f.metrics["cache_is_per_netns"], true);
        assert!(f.explanation.contains("2.6.33 to 4.6"));
        assert!(f.explanation.contains("is in that range"));
        assert!(f.explanation.contains("`kmem_cache_create_memcg`"));
        let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
        assert_eq!(lines, [42, 58]);
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn silent_without_the_lines() {
        let facts = testkit::exhaustion_facts();
        assert!(SlabCacheCreateFailure
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }
}
