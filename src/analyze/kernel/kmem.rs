//! Memory-cgroup kernel-memory (kmem) accounting at work, as the bundle shows it: GFP flags,
//! call traces through the memcg-aware cache paths, per-memcg cache copies, kmem usage in OOM
//! reports and SLUB failures for a cgroup's copy of a cache.

use super::caches::is_per_memcg_cache;
use crate::analyze::evidence::cite;
use crate::analyze::lookup::{self, trace_has};
use crate::analyze::zones::gfp_flags;
use crate::analyze::Context;
use crate::facts::Facts;
use crate::report::Evidence;

/// Functions that only run when memcg kmem accounting is active: the memcg-aware paths every
/// root slab cache creation takes (3.10 names and RHEL 7.7+ names).
pub const MEMCG_CACHE_FUNCTIONS: &[&str] = &[
    "kmem_cache_create_memcg",
    "memcg_alloc_cache_params",
    "memcg_register_cache",
    "memcg_update_cache_size",
    "memcg_update_cache_sizes",
    "memcg_update_all_caches",
];

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
            k.gfp_flag.push(cite(a.path, &a.item.header));
        }
        for line in &a.item.trace_lines {
            if MEMCG_CACHE_FUNCTIONS.iter().any(|f| line.text.contains(f)) {
                k.call_trace.push(cite(a.path, line));
            }
        }
    }
    for c in lookup::cache_create_failures(facts) {
        if MEMCG_CACHE_FUNCTIONS
            .iter()
            .any(|f| trace_has(&c.item.call_trace, f))
        {
            k.call_trace.push(cite(c.path, &c.item.line));
        }
    }
    for s in &facts.slabinfo {
        for cache in &s.value.caches {
            if is_per_memcg_cache(&cache.name) {
                k.per_memcg_cache_count += 1;
                if k.per_memcg_caches.len() < 3 {
                    k.per_memcg_caches.push(cite(&s.path, &cache.line));
                }
            }
        }
    }
    for o in lookup::oom_kills(facts) {
        if let Some(line) = &o.item.kmem_line {
            if o.item.kmem_usage_kb.is_some_and(|u| u > 0) {
                k.oom_kmem.push(cite(o.path, line));
            }
        }
    }
    for s in lookup::slub_failures(facts) {
        if s.item.memcg_id.is_some() {
            k.slub_memcg.push(cite(
                s.path,
                s.item.cache_line.as_ref().unwrap_or(&s.item.line),
            ));
        }
    }
    k
}

/// Whether the failing container has a memory limit and a runc that may switch kmem accounting
/// on for it (v1.0.0-rc3 to rc93 do on cgroup v1; a version outside that range takes the limit
/// out of the story).
pub fn limit_switches_kmem_on(ctx: &Context<'_>) -> bool {
    let limited = ctx
        .derived
        .failing_container()
        .is_some_and(|c| c.item.memory.limit_bytes.is_some_and(|l| l > 0));
    let ignores = lookup::runc_version(ctx.facts)
        .and_then(|(_, r)| r.version.as_deref())
        .map(lookup::runc_kmem)
        .is_some_and(|k| matches!(k, lookup::RuncKmem::Ignores { .. }));
    let k = kmem_evidence(ctx.facts);
    let proven = !k.gfp_flag.is_empty() || !k.call_trace.is_empty();
    limited && proven && !ignores
}

/// Whether the kernel's own failures (allocation and SLUB reports) or slabinfo show memcg kmem
/// accounting at work.
pub fn shown_by_failures(facts: &Facts) -> bool {
    let in_failures = lookup::alloc_failures(facts).any(|a| {
        gfp_flags(&a.item.gfp).any(|f| f == "__GFP_KMEMCG")
            || MEMCG_CACHE_FUNCTIONS
                .iter()
                .any(|f| trace_has(&a.item.call_trace, f))
    });
    let in_slub = lookup::slub_failures(facts).any(|s| s.item.memcg_id.is_some());
    let in_slab = facts
        .slabinfo
        .iter()
        .any(|s| s.value.caches.iter().any(|c| is_per_memcg_cache(&c.name)));
    in_failures || in_slub || in_slab
}
