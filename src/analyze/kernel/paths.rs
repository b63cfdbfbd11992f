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
    if receives_a_packet(failure) {
        return Some("receiving a network packet into a new socket buffer");
    }
    if resizes_rings(failure) {
        return Some("resizing a network interface's rings (`ethtool -G`)");
    }
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

/// The kind of call path in one word, for the incident signature (`netns-conntrack`): what
/// [`describe_path`] says, as a key.
pub fn path_class(failure: &AllocFailure) -> Option<&'static str> {
    let t = &failure.call_trace;
    if receives_a_packet(failure) {
        return Some("rx-packet");
    }
    if resizes_rings(failure) {
        return Some("ring-resize");
    }
    let netns = trace_has(t, "copy_net_ns") || trace_has(t, "nf_conntrack_init_net");
    let namespaces = netns || trace_has(t, "create_new_namespaces");
    let cache = trace_has(t, "kmem_cache_create") || trace_has(t, "kmem_cache_create_memcg");
    let clone = ["copy_process", "do_fork", "_do_fork", "kernel_clone"]
        .iter()
        .any(|f| trace_has(t, f));
    match (namespaces, cache) {
        (true, true) if trace_has(t, "nf_conntrack_init_net") => Some("netns-conntrack"),
        (true, true) => Some("netns-slab-cache"),
        (true, false) => Some("namespaces"),
        (false, true) => Some("slab-cache"),
        _ if clone => Some("fork"),
        _ => None,
    }
}

/// What the failure cost, in words, when the call path says: a received packet is dropped, a
/// ring resize fails. `None` where all the trace says is that the request failed.
pub fn consequence(failure: &AllocFailure) -> Option<&'static str> {
    if receives_a_packet(failure) {
        Some("so the network driver dropped the packet")
    } else if resizes_rings(failure) {
        Some("so the resize failed and the interface kept its rings")
    } else {
        None
    }
}

/// A network driver allocating the socket buffer of a packet it received (`__netdev_alloc_skb`
/// and kin, in the receive softirq or NAPI poll): on failure the driver drops the packet.
fn receives_a_packet(failure: &AllocFailure) -> bool {
    let t = &failure.call_trace;
    [
        "__netdev_alloc_skb",
        "netdev_alloc_skb",
        "__napi_alloc_skb",
        "napi_alloc_skb",
    ]
    .iter()
    .any(|f| trace_has(t, f))
        && (trace_has(t, "net_rx_action") || t.iter().any(|f| base(f).ends_with("_poll")))
}

/// `ethtool -G`: the ethtool ioctl (`dev_ethtool`) into a driver's `*_set_ringparam`.
fn resizes_rings(failure: &AllocFailure) -> bool {
    let t = &failure.call_trace;
    trace_has(t, "dev_ethtool") && t.iter().any(|f| base(f).ends_with("_set_ringparam"))
}

/// A frame's function without the compiler's suffix (`__kmalloc_reserve.isra.30`).
fn base(frame: &str) -> &str {
    frame.split('.').next().unwrap_or(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(trace: &[&str]) -> AllocFailure {
        AllocFailure {
            call_trace: trace.iter().map(|f| f.to_string()).collect(),
            ..AllocFailure::default()
        }
    }

    /// The call traces of two real reports, as the parser keeps them (innermost first): a
    /// 3.10 vmxnet3 receive in the softirq of an idle CPU, and a 5.x `ethtool -G` on an i40e
    /// interface.
    #[test]
    fn packet_receive_and_ring_resize() {
        let receive = failure(&[
            "dump_stack",
            "warn_alloc_failed",
            "__alloc_pages_nodemask",
            "alloc_pages_current",
            "__get_free_pages",
            "kmalloc_order_trace",
            "__kmalloc_node_track_caller",
            "__kmalloc_reserve.isra.30",
            "__alloc_skb",
            "__netdev_alloc_skb",
            "vmxnet3_rq_rx_complete",
            "vmxnet3_poll_rx_only",
            "net_rx_action",
            "__do_softirq",
        ]);
        assert_eq!(
            describe_path(&receive),
            Some("receiving a network packet into a new socket buffer")
        );
        assert_eq!(
            consequence(&receive),
            Some("so the network driver dropped the packet")
        );
        let rings = failure(&[
            "dump_stack",
            "warn_alloc.cold",
            "__alloc_pages_slowpath",
            "kmalloc_order",
            "__kmalloc",
            "i40e_set_ringparam",
            "dev_ethtool",
            "dev_ioctl",
            "sock_do_ioctl",
        ]);
        assert_eq!(
            describe_path(&rings),
            Some("resizing a network interface's rings (`ethtool -G`)")
        );
        assert!(consequence(&rings).is_some());
        // A socket buffer sent, not received, and a ring parameter read: neither.
        let send = failure(&["__alloc_skb", "sk_stream_alloc_skb", "tcp_sendmsg_locked"]);
        assert_eq!(describe_path(&send), None);
        assert_eq!(consequence(&send), None);
        let read = failure(&["i40e_get_ringparam", "dev_ethtool"]);
        assert_eq!(consequence(&read), None);
    }
}
