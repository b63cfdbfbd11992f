//! Kernel knowledge shared by the rules: which slab caches are per namespace or per memory
//! cgroup, what shows kmem accounting at work, what a call path was doing, what a refused
//! namespace means, what a cgroup's counters say of its limit and OOM kills.
//!
//! Rule files are leaves: they read facts, the derived facts and this module, never another
//! rule. Whatever two rules (or a rule and the root cause) both need to know about the kernel
//! lives here.

pub mod caches;
pub mod cgroups;
pub mod errors;
pub mod kmem;
pub mod paths;

/// The memory controller's id space (`MEM_CGROUP_ID_MAX`): no more memory cgroups than this
/// can exist, removed ones the kernel still keeps included.
pub const MEMCG_ID_MAX: u64 = 65535;

/// The topic ([`crate::report::Recommendation::topic`]) of the advice to move a node to a
/// kernel outside a defect's range: `memcg.kmem-accounting`, `kernel.known-defect` and
/// `netns.unregister-netdevice-hang` each give it, and a report lists it once.
pub const KERNEL_UPGRADE: &str = "kernel-upgrade";
