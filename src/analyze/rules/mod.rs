//! The rules, one file each, named after the finding id (`mm.external-fragmentation` ->
//! `mm_external_fragmentation.rs`).

use super::Rule;

pub mod container_memory_limit;
pub mod memcg_cgroup_id_exhaustion;
pub mod memcg_kmem_accounting;
pub mod memcg_kmem_limit_reached;
pub mod memcg_limit_reached;
pub mod mm_external_fragmentation;
pub mod mm_high_order_alloc_failure;
pub mod mm_memory_exhaustion;
pub mod mm_slab_cache_create_failure;
pub mod mm_slab_growth;
pub mod mm_slub_alloc_failure;

/// Every rule, in report order: symptoms, mechanisms, conditions, factors, observations.
pub static ALL: &[&dyn Rule] = &[
    // Mechanisms.
    &mm_high_order_alloc_failure::HighOrderAllocFailure,
    &mm_slab_cache_create_failure::SlabCacheCreateFailure,
    &mm_slub_alloc_failure::SlubAllocFailure,
    // Conditions.
    &mm_external_fragmentation::ExternalFragmentation,
    &mm_memory_exhaustion::MemoryExhaustion,
    &mm_slab_growth::SlabGrowth,
    &memcg_limit_reached::LimitReached,
    &memcg_kmem_limit_reached::KmemLimitReached,
    &memcg_cgroup_id_exhaustion::CgroupIdExhaustion,
    // Factors.
    &memcg_kmem_accounting::KmemAccounting,
    &container_memory_limit::ContainerMemoryLimit,
];
