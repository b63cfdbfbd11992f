//! Slab caches the kernel makes one of per namespace or per memory cgroup, read from their
//! names.

/// Whether a cache name is a per-network-namespace conntrack cache (`nf_conntrack_<address>`
/// on upstream kernels, `nf_conntrack_<number>` on RHEL 7.9).
pub fn is_per_netns_conntrack(name: &str) -> bool {
    name.strip_prefix("nf_conntrack_")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether a slab cache name is a per-memcg copy: `name(id:cgroup)`.
pub fn is_per_memcg_cache(name: &str) -> bool {
    let Some(open) = name.rfind('(') else {
        return false;
    };
    let inner = &name[open + 1..];
    inner.ends_with(')') && inner.contains(':') && open > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_netns_names() {
        assert!(is_per_netns_conntrack("nf_conntrack_ffff88036ea66180"));
        assert!(is_per_netns_conntrack("nf_conntrack_48971"));
        assert!(!is_per_netns_conntrack("nf_conntrack"));
        assert!(!is_per_netns_conntrack("nf_conntrack_expect"));
    }

    #[test]
    fn per_memcg_names() {
        assert!(is_per_memcg_cache("dentry(1234:docker-3c9f.scope)"));
        assert!(is_per_memcg_cache("ip6_dst_cache(0:abc)"));
        assert!(!is_per_memcg_cache("dentry"));
        assert!(!is_per_memcg_cache("(x:y)"));
        assert!(!is_per_memcg_cache("nf_conntrack_ffff88036ea66180"));
    }
}
