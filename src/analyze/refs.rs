//! Sources the findings cite: upstream issues, commits and kernel documentation.

pub const VM_SYSCTL_DOC: &str = "https://docs.kernel.org/admin-guide/sysctl/vm.html";
pub const VMSTAT_C: &str = "https://github.com/torvalds/linux/blob/master/mm/vmstat.c";
pub const WATERMARK_ORDER0_COMMIT: &str = "https://git.kernel.org/torvalds/c/97a16fc82a7c";
pub const KERNEL_PARAMS_DOC: &str =
    "https://docs.kernel.org/admin-guide/kernel-parameters.html (cgroup.memory=nokmem)";
pub const RUNC_1350: &str = "https://github.com/opencontainers/runc/pull/1350";
pub const RUNC_1921: &str = "https://github.com/opencontainers/runc/pull/1921";
pub const RUNC_2840: &str = "https://github.com/opencontainers/runc/pull/2840";
pub const RUNC_1725: &str = "https://github.com/opencontainers/runc/issues/1725";
pub const MOBY_31037: &str = "https://github.com/moby/moby/issues/31037";
pub const MOBY_35545: &str = "https://github.com/moby/moby/issues/35545";
pub const MOBY_29638: &str = "https://github.com/moby/moby/issues/29638";
pub const MOBY_24559: &str = "https://github.com/moby/moby/issues/24559";
pub const MOBY_40835: &str = "https://github.com/moby/moby/issues/40835";
pub const K8S_61937: &str = "https://github.com/kubernetes/kubernetes/issues/61937";
pub const K8S_72998: &str = "https://github.com/kubernetes/kubernetes/issues/72998";
pub const K8S_96701: &str = "https://github.com/kubernetes/kubernetes/issues/96701";
pub const DOCKER_FOR_LINUX_841: &str = "https://github.com/docker/for-linux/issues/841";
pub const MEMCG_V1_DOC: &str = "https://docs.kernel.org/admin-guide/cgroup-v1/memory.html";
pub const OCI_CONFIG_LINUX: &str =
    "https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#memory";
