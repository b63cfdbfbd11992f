//! `/proc/slabinfo` (version 2.x) and `slabtop -o`.
//!
//! slabinfo rows: `name active_objs num_objs objsize objperslab pagesperslab : tunables limit
//! batchcount sharedfactor : slabdata active_slabs num_slabs sharedavail`. Names are kept as
//! printed, including per-memcg suffixes (`dentry(1234:docker-abc)`) and names wider than the
//! column. Memory held = num_slabs x pagesperslab x page size, with a 4 KiB page: slabinfo does
//! not print the page size, and 4 KiB is the page size of x86-64 and of the default arm64 and
//! riscv64 builds that bundles come from.
//!
//! slabtop rows: `OBJS ACTIVE USE OBJ SIZE SLABS OBJ/SLAB CACHE SIZE NAME`, sizes in KiB with a
//! `K` suffix (`0.19K`, `1234K`); the memory held is the CACHE SIZE column.
//!
//! A line that has the shape of a row (slabinfo: ` : slabdata ` or a name followed by numbers;
//! slabtop: a leading number) and cannot be read is a warning; other lines are ignored.

use crate::facts::{SlabCache, SlabInfo, Warning};
use crate::parse::text::{clean, fields, is_prompt_line, numbered_lines};
use crate::parse::{line, Parsed};
use crate::sources::{Format, Head, Parse, Paths, SourceKind, Strength};

/// Page size assumed for `pagesperslab`: see the module documentation.
const PAGE_BYTES: u64 = 4096;

/// Parse `/proc/slabinfo`.
pub fn parse_slabinfo(text: &str) -> Parsed<SlabInfo> {
    let mut info = SlabInfo::default();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let l = cleaned.as_ref();
        if let Some(v) = l.strip_prefix("slabinfo - version:") {
            info.version = Some(v.trim().to_string());
            continue;
        }
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = fields(l).collect();
        let has_sections = tokens.contains(&":");
        let second_is_number = tokens
            .get(1)
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
        if !has_sections && !second_is_number {
            continue;
        }
        match slabinfo_row(&tokens) {
            Some(mut cache) => {
                cache.line = line(no, raw);
                info.caches.push(cache);
            }
            None => warnings.push(Warning::at(no, "slabinfo row not read; skipped")),
        }
    }
    Parsed::new(info, warnings)
}

fn slabinfo_row(tokens: &[&str]) -> Option<SlabCache> {
    let mut parts = tokens.split(|t| *t == ":");
    let head = parts.next()?;
    // The five numbers end the head; the name is what precedes them.
    let split = head.len().checked_sub(5)?;
    if split == 0 {
        return None;
    }
    let name = head.get(..split)?.join(" ");
    let nums: Vec<u64> = head
        .get(split..)?
        .iter()
        .map(|t| t.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    let [active_objs, num_objs, objsize, objperslab, pagesperslab] = nums.as_slice() else {
        return None;
    };
    let mut active_slabs = None;
    let mut num_slabs = None;
    for part in parts {
        match part {
            ["tunables", rest @ ..] => {
                if rest.iter().any(|t| t.parse::<u64>().is_err()) {
                    return None;
                }
            }
            ["slabdata", a, n, ..] => {
                active_slabs = Some(a.parse::<u64>().ok()?);
                num_slabs = Some(n.parse::<u64>().ok()?);
            }
            _ => return None,
        }
    }
    let bytes = match num_slabs {
        Some(slabs) => slabs.checked_mul(*pagesperslab)?.checked_mul(PAGE_BYTES)?,
        None => num_objs.checked_mul(*objsize)?,
    };
    Some(SlabCache {
        name,
        active_objs: *active_objs,
        num_objs: *num_objs,
        objsize: *objsize,
        objperslab: Some(*objperslab),
        pagesperslab: Some(*pagesperslab),
        active_slabs,
        num_slabs,
        bytes,
        line: Default::default(),
    })
}

/// Parse `slabtop -o` (one-shot) output.
pub fn parse_slabtop(text: &str) -> Parsed<SlabInfo> {
    let mut info = SlabInfo::default();
    let mut warnings = Vec::new();
    for (no, raw) in numbered_lines(text) {
        if is_prompt_line(raw) {
            continue;
        }
        let cleaned = clean(raw);
        let tokens: Vec<&str> = fields(&cleaned).collect();
        let starts_with_number = tokens
            .first()
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
        if !starts_with_number {
            // Summary lines (`Active / Total Objects (% used) : ...`), the column header, prose.
            continue;
        }
        match slabtop_row(&tokens) {
            Some(mut cache) => {
                cache.line = line(no, raw);
                info.caches.push(cache);
            }
            None => warnings.push(Warning::at(no, "slabtop row not read; skipped")),
        }
    }
    Parsed::new(info, warnings)
}

fn slabtop_row(tokens: &[&str]) -> Option<SlabCache> {
    let [objs, active, usage, objsize, slabs, per_slab, cache_size, name @ ..] = tokens else {
        return None;
    };
    if name.is_empty() || !usage.ends_with('%') {
        return None;
    }
    usage.trim_end_matches('%').parse::<f64>().ok()?;
    Some(SlabCache {
        name: name.join(" "),
        active_objs: active.parse().ok()?,
        num_objs: objs.parse().ok()?,
        objsize: size_bytes(objsize)?,
        objperslab: Some(per_slab.parse().ok()?),
        pagesperslab: None,
        active_slabs: None,
        num_slabs: Some(slabs.parse().ok()?),
        bytes: size_bytes(cache_size)?,
        line: Default::default(),
    })
}

/// slabtop sizes: a decimal number of KiB with a `K` suffix (`M`/`G` accepted too), rounded to
/// whole bytes.
fn size_bytes(token: &str) -> Option<u64> {
    let (number, scale) = if let Some(n) = token.strip_suffix('K') {
        (n, 1024.0)
    } else if let Some(n) = token.strip_suffix('M') {
        (n, 1024.0 * 1024.0)
    } else if let Some(n) = token.strip_suffix('G') {
        (n, 1024.0 * 1024.0 * 1024.0)
    } else {
        return None;
    };
    if !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let v: f64 = number.parse().ok()?;
    let bytes = (v * scale).round();
    // u64::MAX as f64 rounds up to 2^64; stay below it.
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

/// `/proc/slabinfo`.
pub(crate) const SLABINFO: Format = Format {
    kind: SourceKind::Slabinfo,
    paths: Paths {
        sosreport: &["proc/slabinfo"],
        collector: &["proc/slabinfo"],
        supportconfig: &["/proc/slabinfo"],
        plain: &["slabinfo*"],
    },
    sniff: Some(sniff_slabinfo),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse_slabinfo(&String::from_utf8_lossy(bytes));
        let n = p.value.caches.len() as u64;
        super::file_counted(&mut facts.slabinfo, path, p, n)
    }),
};

/// `slabtop -o`.
pub(crate) const SLABTOP: Format = Format {
    kind: SourceKind::Slabtop,
    paths: Paths {
        sosreport: &["sos_commands/memory/slabtop*"],
        collector: &[],
        supportconfig: &["slabtop*"],
        plain: &["slabtop*"],
    },
    sniff: Some(sniff_slabtop),
    parse: Parse::Whole(|facts, path, bytes| {
        let p = parse_slabtop(&String::from_utf8_lossy(bytes));
        let n = p.value.caches.len() as u64;
        super::file_counted(&mut facts.slabinfo, path, p, n)
    }),
};

fn sniff_slabinfo(head: &Head<'_>) -> Option<Strength> {
    head.lines()
        .any(|l| {
            l.starts_with("slabinfo - version:")
                || (l.starts_with("# name") && l.contains("<active_objs>"))
        })
        .then_some(Strength::Strong)
}

fn sniff_slabtop(head: &Head<'_>) -> Option<Strength> {
    head.lines()
        .any(|l| {
            l.starts_with("Active / Total Objects")
                || (l.starts_with("OBJS ACTIVE") && l.contains("OBJ SIZE"))
        })
        .then_some(Strength::Strong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::buddyinfo::test_data;
    use proptest::prelude::*;

    fn cache<'a>(s: &'a SlabInfo, name: &str) -> &'a SlabCache {
        s.caches
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no cache {name}"))
    }

    #[test]
    fn rhel7_slabinfo() {
        let p = parse_slabinfo(&test_data("slabinfo/insights-v2.1-rhel7.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let s = &p.value;
        assert_eq!(s.version.as_deref(), Some("2.1"));
        let xfs = cache(s, "xfs_inode");
        assert_eq!(
            (xfs.active_objs, xfs.num_objs, xfs.objsize),
            (4857, 5120, 960)
        );
        assert_eq!((xfs.objperslab, xfs.pagesperslab), (Some(8), Some(2)));
        assert_eq!((xfs.active_slabs, xfs.num_slabs), (Some(640), Some(640)));
        assert_eq!(xfs.bytes, 640 * 2 * 4096);
        let tcp6 = cache(s, "TCPv6");
        assert_eq!(tcp6.bytes, 8 * 4096);
        let conntrack = cache(s, "nf_conntrack_ffffffffaf313a40");
        assert_eq!(conntrack.num_slabs, Some(50));
        assert_eq!(conntrack.line.no, 4);
        assert_eq!(cache(s, "hugetlbfs_inode_cache").num_objs, 13);
    }

    #[test]
    fn long_names_and_memcg_names() {
        let p = parse_slabinfo(&test_data("slabinfo/procfs-v2.1-nvidia-kvm.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let s = &p.value;
        let nv = cache(s, "nvidia_stack_cache");
        assert_eq!(
            (nv.num_objs, nv.objsize, nv.num_slabs),
            (326, 12624, Some(163))
        );
        assert_eq!(nv.bytes, 163 * 8 * 4096);
        assert_eq!(cache(s, "iwl_cmd_pool:0000:04:00.0").num_objs, 128);
        let p = parse_slabinfo(&test_data("slabinfo/insights-memcg-docstring.txt"));
        assert_eq!(p.value.caches.len(), 5);
        let text = "dentry(1234:docker-abc)   100    120    192   21    1 : tunables    0    0    0 : slabdata      6      6      0\n";
        let p = parse_slabinfo(text);
        assert_eq!(p.value.caches[0].name, "dentry(1234:docker-abc)");
        assert_eq!(p.value.caches[0].bytes, 6 * 4096);
    }

    #[test]
    fn broken_slabinfo_rows() {
        let text = "slabinfo - version: 2.1\nfoo 1 2 3 4 : tunables 0 0 0 : slabdata 1 1 0\n\
                    bar 1 2 3 4 5 : tunables 0 0 0 : slabdata x 1 0\nThe dentry cache is large.\n";
        let p = parse_slabinfo(text);
        assert!(p.value.caches.is_empty());
        let lines: Vec<_> = p.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3)]);
    }

    #[test]
    fn slabtop_one_shot() {
        let text = " Active / Total Objects (% used)    : 2478366 / 2504624 (99.0%)\n\
                    \x20Active / Total Slabs (% used)      : 117003 / 117003 (100.0%)\n\
                    \x20Active / Total Caches (% used)     : 78 / 105 (74.3%)\n\
                    \x20Active / Total Size (% used)       : 5380581.95K / 5390210.22K (99.8%)\n\
                    \x20Minimum / Average / Maximum Object : 0.01K / 2.15K / 15.88K\n\n\
                    \x20 OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME                   \n\
                    1071420 1071420 100%    0.19K  51020       21    204080K dentry\n\
                    \x20 4838   4838 100%    0.94K    284       17      4544K xfs_inode\n\
                    \x20   85     85 100%    2.06K      5       17       160K per memcg name\n\
                    \x20   85     85 10x%    2.06K      5       17       160K broken\n";
        let p = parse_slabtop(text);
        let s = &p.value;
        assert_eq!(s.version, None);
        assert_eq!(s.caches.len(), 3);
        let dentry = cache(s, "dentry");
        assert_eq!(dentry.num_objs, 1071420);
        assert_eq!(dentry.objsize, 195);
        assert_eq!(dentry.num_slabs, Some(51020));
        assert_eq!(dentry.objperslab, Some(21));
        assert_eq!(dentry.bytes, 204080 * 1024);
        assert_eq!(dentry.line.no, 8);
        assert_eq!(cache(s, "per memcg name").bytes, 160 * 1024);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(11));
    }

    #[test]
    fn slabtop_procps_ng_4() {
        let p = parse_slabtop(&test_data("slabtop/procps-ng-6x-o.txt"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let s = &p.value;
        assert_eq!(s.caches.len(), 13);
        let bh = &s.caches[0];
        assert_eq!(bh.name, "buffer_head");
        assert_eq!((bh.num_objs, bh.active_objs), (565695, 563420));
        assert_eq!(bh.objsize, 102);
        assert_eq!(bh.num_slabs, Some(14505));
        assert_eq!(bh.bytes, 58020 * 1024);
        assert_eq!(bh.line.no, 8);
        assert_eq!(cache(s, "dentry").bytes, 23016 * 1024);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_slabinfo(&s);
            let _ = parse_slabtop(&s);
        }

        #[test]
        fn never_panics_on_rowlike(s in "([a-z]{1,4}( [0-9]{1,20}){0,6}( : (tunables|slabdata)( [0-9x]{1,20}){0,3}){0,3}\n){0,4}") {
            let _ = parse_slabinfo(&s);
        }
    }
}
