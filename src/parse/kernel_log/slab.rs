//! Slab allocator failures: `SLUB: Unable to allocate memory on node ...` with its `cache:` line,
//! and `kmem_cache_create(NAME) failed with error -12`.

use crate::facts::{CacheCreateFailure, SlubFailure, Warning};

use super::alloc_failure::{parse_gfp, value_after};
use super::LogLine;

/// `SLUB: Unable to allocate memory on node -1 (gfp=0x8020)` (3.x/4.x) or
/// `SLUB: Unable to allocate memory on node -1, gfp=0xdc0(GFP_KERNEL|__GFP_ZERO)` (5.x).
pub fn parse_slub(body: &str, l: &LogLine<'_>, warnings: &mut Vec<Warning>) -> Option<SlubFailure> {
    let at = body.find("SLUB: Unable to allocate memory on node")?;
    let rest = &body[at + "SLUB: Unable to allocate memory on node".len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    let node = match rest[..end].parse::<i32>() {
        Ok(n) => n,
        Err(_) => {
            warnings.push(Warning::at(l.no, "SLUB failure: node is not a number"));
            return None;
        }
    };
    let gfp = value_after(rest, "gfp=").and_then(|v| parse_gfp(v.trim_end_matches(')')));
    Some(SlubFailure {
        line: l.line(),
        stamp: l.stamp.clone(),
        node,
        gfp,
        cache: None,
        memcg_id: None,
        memcg_name: None,
        object_size: None,
        buffer_size: None,
        default_order: None,
        min_order: None,
        cache_line: None,
    })
}

/// Offer a line following a SLUB header: the `cache:` line and `node N: slabs:` lines belong to it.
pub fn feed_slub(s: &mut SlubFailure, l: &LogLine<'_>) -> bool {
    let t = l.body.trim();
    if let Some(rest) = t.strip_prefix("cache:") {
        if s.cache_line.is_some() {
            return false;
        }
        let rest = rest.trim();
        let name_end = rest.find(',').unwrap_or(rest.len());
        let name = &rest[..name_end];
        match name.split_once('(') {
            Some((base, suffix)) if suffix.ends_with(')') => {
                s.cache = Some(base.to_string());
                let inner = &suffix[..suffix.len() - 1];
                match inner.split_once(':') {
                    Some((id, cg)) => {
                        s.memcg_id = Some(id.to_string());
                        s.memcg_name = Some(cg.to_string());
                    }
                    None => s.memcg_id = Some(inner.to_string()),
                }
            }
            _ => s.cache = Some(name.to_string()),
        }
        s.object_size = number_after(rest, "object size: ");
        s.buffer_size = number_after(rest, "buffer size: ");
        s.default_order = number_after(rest, "default order: ");
        s.min_order = number_after(rest, "min order: ");
        s.cache_line = Some(l.line());
        return true;
    }
    t.starts_with("node ") && t.contains("slabs:")
}

fn number_after<T: std::str::FromStr>(s: &str, key: &str) -> Option<T> {
    value_after(s, key).and_then(|v| v.parse().ok())
}

/// `kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12`.
pub fn parse_cache_create(body: &str, l: &LogLine<'_>) -> Option<CacheCreateFailure> {
    let at = body.find("kmem_cache_create(")?;
    let rest = &body[at + "kmem_cache_create(".len()..];
    let close = rest.find(") failed with error")?;
    let error = rest[close + ") failed with error".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(CacheCreateFailure {
        line: l.line(),
        stamp: l.stamp.clone(),
        cache: rest[..close].to_string(),
        error,
        call_trace: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Stamp;

    static STAMP: Stamp = Stamp {
        uptime_s: None,
        wall: None,
    };
    fn ll(body: &str) -> LogLine<'_> {
        LogLine {
            no: 3,
            text: body,
            body,
            stamp: &STAMP,
            continuation: false,
        }
    }

    #[test]
    fn slub_both_eras_and_memcg_cache() {
        let mut w = Vec::new();
        let b = "SLUB: Unable to allocate memory on node -1 (gfp=0x8020)";
        let mut s = parse_slub(b, &ll(b), &mut w).unwrap();
        assert_eq!(s.node, -1);
        assert_eq!(s.gfp.as_ref().map(|g| g.raw), Some(0x8020));
        let c = "  cache: ip6_dst_cache(1234:docker-abc.scope), object size: 448, buffer size: 448, default order: 2, min order: 0";
        assert!(feed_slub(&mut s, &ll(c)));
        assert_eq!(s.cache.as_deref(), Some("ip6_dst_cache"));
        assert_eq!(s.memcg_id.as_deref(), Some("1234"));
        assert_eq!(s.memcg_name.as_deref(), Some("docker-abc.scope"));
        assert_eq!(s.object_size, Some(448));
        assert_eq!(s.default_order, Some(2));
        assert_eq!(s.min_order, Some(0));
        assert!(feed_slub(
            &mut s,
            &ll("  node 0: slabs: 10, objs: 100, free: 0")
        ));
        assert!(!feed_slub(&mut s, &ll("eth0: link up")));

        let b = "SLUB: Unable to allocate memory on node -1, gfp=0xdc0(GFP_KERNEL|__GFP_ZERO)";
        let s = parse_slub(b, &ll(b), &mut w).unwrap();
        let g = s.gfp.unwrap();
        assert_eq!(g.raw, 0xdc0);
        assert_eq!(g.printed, vec!["GFP_KERNEL", "__GFP_ZERO"]);
        assert!(w.is_empty());
    }

    #[test]
    fn cache_create() {
        let b = "kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12";
        let c = parse_cache_create(b, &ll(b)).unwrap();
        assert_eq!(c.cache, "nf_conntrack_ffff88036ea66180");
        assert_eq!(c.error, -12);
    }
}
