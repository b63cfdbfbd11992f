//! The rules, one file each, named after the finding id (`mm.external-fragmentation` ->
//! `mm_external_fragmentation.rs`).

use super::Rule;

pub mod bundle_evidence_gap;
pub mod cgroup_create_failure;
pub mod cgroup_pids_limit_reached;
pub mod container_exec_failure;
pub mod container_killed;
pub mod container_memory_limit;
pub mod container_oom_killed;
pub mod container_start_failure;
pub mod host_pid_exhaustion;
pub mod host_process_pressure;
pub mod kernel_hung_task;
pub mod kernel_known_defect;
pub mod kernel_soft_lockup;
pub mod memcg_cgroup_id_exhaustion;
pub mod memcg_high_throttling;
pub mod memcg_kmem_accounting;
pub mod memcg_kmem_limit_reached;
pub mod memcg_limit_reached;
pub mod mm_alloc_stall;
pub mod mm_compaction_ineffective;
pub mod mm_external_fragmentation;
pub mod mm_high_order_alloc_failure;
pub mod mm_memory_exhaustion;
pub mod mm_slab_cache_create_failure;
pub mod mm_slab_growth;
pub mod mm_slub_alloc_failure;
pub mod net_tcp_memory_pressure;
pub mod netfilter_conntrack_table_full;
pub mod netns_unregister_netdevice_hang;
pub mod oom_app_sizing;
pub mod oom_kill;
pub mod oom_runtime_sizing;
pub mod pod_evicted;
pub mod risk_conntrack_table_full;
pub mod risk_high_order_fragmentation;
pub mod risk_kmem_accounting;
pub mod risk_memcg_id_exhaustion;
pub mod risk_memory_watermarks;
pub mod risk_pid_exhaustion;
pub mod runtime_namespace_unsupported;

/// Every rule, in report order: symptoms, mechanisms, conditions, factors, observations, risks.
pub static ALL: &[&dyn Rule] = &[
    // Symptoms.
    &container_start_failure::ContainerStartFailure,
    &container_exec_failure::ContainerExecFailure,
    &container_oom_killed::ContainerOomKilled,
    &cgroup_create_failure::CgroupCreateFailure,
    &kernel_hung_task::KernelHungTask,
    &kernel_soft_lockup::KernelSoftLockup,
    &container_killed::ContainerKilled,
    &pod_evicted::PodEvicted,
    // Mechanisms.
    &mm_high_order_alloc_failure::HighOrderAllocFailure,
    &mm_slab_cache_create_failure::SlabCacheCreateFailure,
    &mm_slub_alloc_failure::SlubAllocFailure,
    &oom_kill::OomMemcgKill,
    &oom_kill::OomGlobalKill,
    &netfilter_conntrack_table_full::ConntrackTableFull,
    &netns_unregister_netdevice_hang::UnregisterNetdeviceHang,
    &runtime_namespace_unsupported::NamespaceUnsupported,
    &mm_alloc_stall::AllocStall,
    // Conditions.
    &mm_external_fragmentation::ExternalFragmentation,
    &mm_memory_exhaustion::MemoryExhaustion,
    &mm_slab_growth::SlabGrowth,
    &oom_runtime_sizing::OomRuntimeSizing,
    &oom_app_sizing::OomAppSizing,
    &memcg_limit_reached::LimitReached,
    &memcg_kmem_limit_reached::KmemLimitReached,
    &memcg_cgroup_id_exhaustion::CgroupIdExhaustion,
    &cgroup_pids_limit_reached::PidsLimitReached,
    &host_pid_exhaustion::PidExhaustion,
    &net_tcp_memory_pressure::TcpMemoryPressure,
    &memcg_high_throttling::HighThrottling,
    // Factors.
    &memcg_kmem_accounting::KmemAccounting,
    &container_memory_limit::ContainerMemoryLimit,
    &kernel_known_defect::KernelKnownDefect,
    &host_process_pressure::HostProcessPressure,
    // Observations.
    &mm_compaction_ineffective::CompactionIneffective,
    &bundle_evidence_gap::EvidenceGap,
    // Risks: preconditions measured on a node in which nothing failed.
    &risk_high_order_fragmentation::HighOrderFragmentationRisk,
    &risk_kmem_accounting::KmemAccountingRisk,
    &risk_memcg_id_exhaustion::MemcgIdExhaustionRisk,
    &risk_conntrack_table_full::ConntrackTableRisk,
    &risk_pid_exhaustion::PidExhaustionRisk,
    &risk_memory_watermarks::MemoryWatermarksRisk,
];

#[cfg(test)]
mod tests {
    use super::ALL;
    use crate::analyze::testkit;
    use crate::report::Role;

    #[test]
    fn catalogue_is_consistent() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        let mut last = Role::Symptom;
        for r in ALL {
            let (area, name) = r.id().split_once('.').unwrap();
            assert!(!area.is_empty() && !name.is_empty());
            assert!(r
                .id()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'));
            assert!(
                r.doc().starts_with(&format!("# {}\n", r.id())),
                "{}",
                r.id()
            );
            assert!(r.doc().contains("## What to do"), "{}", r.id());
            assert!(!r.summary().is_empty());
            assert!(r.role() >= last, "{} out of report order", r.id());
            last = r.role();
        }
    }

    #[test]
    fn every_rule_keeps_its_id_and_quotes_real_lines() {
        let facts = testkit::seed_facts();
        let healthy = testkit::healthy_facts();
        for case in [
            testkit::seed_facts(),
            testkit::exhaustion_facts(),
            testkit::modern_fragmentation_facts(),
        ] {
            let ctx = testkit::context(&case, Some(&healthy));
            for r in ALL {
                for f in r.evaluate(&ctx) {
                    assert_eq!(f.id, r.id());
                    // A gap is the absence of lines: it has nothing to quote.
                    if f.id != "bundle.evidence-gap" {
                        assert!(!f.evidence.is_empty(), "{} without evidence", f.id);
                    }
                    assert!(testkit::evidence_is_real(&case, &f.evidence), "{}", f.id);
                    assert!(!f.explanation.is_empty());
                }
            }
        }
        let ctx = testkit::context(&facts, None);
        let fired: Vec<&str> = ALL
            .iter()
            .filter(|r| !r.evaluate(&ctx).is_empty())
            .map(|r| r.id())
            .collect();
        assert_eq!(
            fired,
            [
                "container.start-failure",
                "mm.high-order-alloc-failure",
                "mm.slab-cache-create-failure",
                "mm.external-fragmentation",
                "mm.slab-growth",
                "memcg.kmem-accounting",
                "container.memory-limit",
                "kernel.known-defect",
                "bundle.evidence-gap",
            ]
        );
    }
}
