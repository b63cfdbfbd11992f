//! What a kernel call path was doing, in words.

use crate::analyze::lookup::trace_has;
use crate::facts::AllocFailure;

/// What the call path was doing, in words, when it is recognisable.
pub fn describe_path(failure: &AllocFailure) -> Option<&'static str> {
    let t = &failure.call_trace;
    let netns = trace_has(t, "copy_net_ns") || trace_has(t, "nf_conntrack_init_net");
    let unshare = [
        "SyS_unshare",
        "sys_unshare",
        "__x64_sys_unshare",
        "__do_sys_unshare",
    ]
    .iter()
    .any(|f| trace_has(t, f));
    let clone = ["copy_process", "do_fork", "_do_fork", "kernel_clone"]
        .iter()
        .any(|f| trace_has(t, f));
    let cache = trace_has(t, "kmem_cache_create") || trace_has(t, "kmem_cache_create_memcg");
    match (
        netns || trace_has(t, "create_new_namespaces"),
        unshare,
        cache,
    ) {
        (true, true, true) => Some(
            "creating a new network namespace through `unshare()`, which made the kernel create a \
             slab cache for the namespace",
        ),
        (true, true, false) => Some("creating new namespaces through `unshare()`"),
        (true, false, _) if clone => Some("creating new namespaces while cloning a process"),
        (true, false, _) => Some("creating new namespaces"),
        (false, _, true) => Some("creating a slab cache"),
        _ if clone => Some("creating a process (fork or clone)"),
        _ => None,
    }
}
