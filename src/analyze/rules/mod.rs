//! The rules, one file each, named after the finding id (`mm.external-fragmentation` ->
//! `mm_external_fragmentation.rs`).

use super::Rule;

pub mod bundle_evidence_gap;
pub mod cgroup_create_failure;
pub mod container_oom_killed;
pub mod container_start_failure;
pub mod host_process_pressure;
pub mod kernel_hung_task;
pub mod kernel_known_defect;
pub mod mm_compaction_ineffective;
pub mod mm_high_order_alloc_failure;
pub mod netfilter_conntrack_table_full;
pub mod netns_unregister_netdevice_hang;
pub mod oom_kill;
pub mod runtime_namespace_unsupported;

/// Every rule, in report order: symptoms, mechanisms, conditions, factors, observations.
pub static ALL: &[&dyn Rule] = &[
    // Symptoms.
    &container_start_failure::ContainerStartFailure,
    &container_oom_killed::ContainerOomKilled,
    &cgroup_create_failure::CgroupCreateFailure,
    &kernel_hung_task::KernelHungTask,
    // Mechanisms.
    &mm_high_order_alloc_failure::HighOrderAllocFailure,
    &oom_kill::OomMemcgKill,
    &oom_kill::OomGlobalKill,
    &netfilter_conntrack_table_full::ConntrackTableFull,
    &netns_unregister_netdevice_hang::UnregisterNetdeviceHang,
    &runtime_namespace_unsupported::NamespaceUnsupported,
    // Factors.
    &kernel_known_defect::KernelKnownDefect,
    &host_process_pressure::HostProcessPressure,
    // Observations.
    &mm_compaction_ineffective::CompactionIneffective,
    &bundle_evidence_gap::EvidenceGap,
];
