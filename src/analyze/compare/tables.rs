//! The side-by-side tables: memory composition, slab caches, host counts and versions, the
//! `vm.*` settings that differ.

use crate::units;
use std::collections::BTreeMap;

use super::*;

pub(super) fn meminfo(facts: &Facts) -> Option<&KeyValues> {
    facts.meminfo.first().map(|m| &m.value)
}

/// A meminfo value (kB) in bytes.
pub(super) fn kb_bytes(m: &KeyValues, key: &str) -> Option<u64> {
    m.value(key)
        .and_then(|v| u64::try_from(v).ok())
        .map(|kb| kb.saturating_mul(1024))
}

pub(super) fn memory_rows(failing: &Facts, baseline: &Facts) -> Vec<ComparedValue> {
    const PARTS: &[(&str, &str)] = &[
        ("MemTotal", "Total"),
        ("MemFree", "Free"),
        ("MemAvailable", "Available"),
        ("AnonPages", "Anonymous"),
        ("Cached", "Page cache"),
        ("Buffers", "Buffers"),
        ("Shmem", "Shared memory"),
        ("SReclaimable", "Slab, reclaimable"),
        ("SUnreclaim", "Slab, unreclaimable"),
        ("KernelStack", "Kernel stacks"),
        ("PageTables", "Page tables"),
    ];
    let (fm, bm) = (meminfo(failing), meminfo(baseline));
    if fm.is_none() && bm.is_none() {
        return Vec::new();
    }
    PARTS
        .iter()
        .filter_map(|(key, label)| {
            let f = fm.and_then(|m| kb_bytes(m, key));
            let b = bm.and_then(|m| kb_bytes(m, key));
            (f.is_some() || b.is_some()).then(|| ComparedValue {
                name: (*label).to_string(),
                failing: f.map(units::bytes),
                baseline: b.map(units::bytes),
                failing_value: f,
                baseline_value: b,
            })
        })
        .collect()
}

/// The family a slab cache belongs to: per-namespace copies (`nf_conntrack_ffff88036ea66180`)
/// fold into `nf_conntrack_<addr>`, per-memcg copies (`dentry(1234:docker)`) into
/// `dentry(<memcg>)`. `None` for a root cache.
pub(super) fn cache_family(name: &str) -> Option<String> {
    if let Some(open) = name.find('(') {
        if name.ends_with(')') && open > 0 {
            return Some(format!("{}(<memcg>)", &name[..open]));
        }
    }
    let (stem, tail) = name.rsplit_once('_')?;
    (tail.len() >= 8 && tail.chars().all(|c| c.is_ascii_hexdigit()) && !stem.is_empty())
        .then(|| format!("{stem}_<addr>"))
}

pub(super) fn slabinfo(facts: &Facts) -> Option<&SlabInfo> {
    facts.slabinfo.first().map(|s| &s.value)
}

/// Count of per-namespace slab caches (`nf_conntrack_<addr>` and kin).
pub(super) fn per_namespace_caches(facts: &Facts) -> Option<u64> {
    slabinfo(facts).map(|s| {
        s.caches
            .iter()
            .filter(|c| cache_family(&c.name).is_some_and(|f| f.ends_with("_<addr>")))
            .count() as u64
    })
}

/// Bytes per cache, with per-instance copies summed into their family.
pub(super) fn cache_bytes(s: &SlabInfo) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for c in &s.caches {
        let name = cache_family(&c.name).unwrap_or_else(|| c.name.clone());
        let e = out.entry(name).or_insert(0);
        *e = e.saturating_add(c.bytes);
    }
    out
}

pub(super) fn slab_rows(failing: &Facts, baseline: &Facts) -> Vec<SlabComparison> {
    let f = slabinfo(failing).map(cache_bytes).unwrap_or_default();
    let b = slabinfo(baseline).map(cache_bytes).unwrap_or_default();
    let top = |m: &BTreeMap<String, u64>| {
        let mut v: Vec<(&String, &u64)> = m.iter().collect();
        v.sort_by(|x, y| y.1.cmp(x.1).then_with(|| x.0.cmp(y.0)));
        v.into_iter()
            .take(SLAB_ROWS)
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
    };
    let mut names = top(&f);
    for n in top(&b) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut rows: Vec<SlabComparison> = names
        .into_iter()
        .map(|name| SlabComparison {
            failing_bytes: f.get(&name).copied(),
            baseline_bytes: b.get(&name).copied(),
            name,
        })
        .collect();
    rows.sort_by(|x, y| {
        let size = |r: &SlabComparison| r.failing_bytes.max(r.baseline_bytes);
        size(y).cmp(&size(x)).then_with(|| x.name.cmp(&y.name))
    });
    rows
}

pub(super) fn memory_cgroups(facts: &Facts) -> Option<u64> {
    facts
        .cgroups
        .first()?
        .value
        .controllers
        .iter()
        .find(|c| c.name == "memory")
        .map(|c| c.num_cgroups)
}

pub(super) fn host_rows(
    failing: &Facts,
    baseline: &Facts,
    fk: Option<&str>,
    bk: Option<&str>,
) -> Vec<ComparedValue> {
    let mut rows = Vec::new();
    let mut text = |name: &str, f: Option<String>, b: Option<String>| {
        if f.is_some() || b.is_some() {
            rows.push(ComparedValue {
                name: name.to_string(),
                failing: f,
                baseline: b,
                failing_value: None,
                baseline_value: None,
            });
        }
    };
    text("Kernel", fk.map(str::to_string), bk.map(str::to_string));
    let runtimes = |facts: &Facts| {
        let mut r: Vec<String> = facts
            .containers
            .iter()
            .filter_map(|c| c.value.runtime.clone())
            .collect();
        r.sort();
        r.dedup();
        (!r.is_empty()).then(|| r.join(", "))
    };
    text("Container runtime", runtimes(failing), runtimes(baseline));
    let versions = |facts: &Facts| {
        let mut r: Vec<String> = facts
            .runtime_versions
            .iter()
            .flat_map(|v| v.value.iter())
            .filter_map(|v| {
                v.version
                    .as_ref()
                    .map(|ver| format!("{} {ver}", v.component))
            })
            .collect();
        r.sort();
        r.dedup();
        (!r.is_empty()).then(|| r.join(", "))
    };
    text("Runtime versions", versions(failing), versions(baseline));
    let limits = |facts: &Facts| {
        let mut r: Vec<String> = facts
            .containers
            .iter()
            .map(|c| {
                let m = &c.value.memory;
                let limit = |v: Option<i64>| match v {
                    Some(b) if b > 0 => units::bytes(u64::try_from(b).unwrap_or(0)),
                    Some(_) => "unlimited".to_string(),
                    None => "not set".to_string(),
                };
                format!(
                    "memory {}, kernel memory {}",
                    limit(m.limit_bytes),
                    limit(m.kernel_bytes)
                )
            })
            .collect();
        r.sort();
        r.dedup();
        (!r.is_empty()).then(|| r.join("; "))
    };
    text("Container limits", limits(failing), limits(baseline));

    let mut count = |name: &str, f: Option<u64>, b: Option<u64>| {
        if f.is_some() || b.is_some() {
            rows.push(ComparedValue {
                name: name.to_string(),
                failing: f.map(|v| v.to_string()),
                baseline: b.map(|v| v.to_string()),
                failing_value: f,
                baseline_value: b,
            });
        }
    };
    let containers =
        |facts: &Facts| (!facts.containers.is_empty()).then_some(facts.containers.len() as u64);
    count(
        "Containers inspected",
        containers(failing),
        containers(baseline),
    );
    let stat = |facts: &Facts| facts.proc_stat.first().map(|s| s.value.clone());
    let (fs, bs) = (stat(failing), stat(baseline));
    count(
        "Processes created since boot",
        fs.as_ref().and_then(|s| s.processes),
        bs.as_ref().and_then(|s| s.processes),
    );
    count(
        "Processes running",
        fs.as_ref().and_then(|s| s.procs_running),
        bs.as_ref().and_then(|s| s.procs_running),
    );
    count(
        "CPUs",
        fs.as_ref().map(|s| u64::from(s.cpus)).filter(|c| *c > 0),
        bs.as_ref().map(|s| u64::from(s.cpus)).filter(|c| *c > 0),
    );
    // Threads: every thread has one kernel stack, and 3.10+ vmstat counts them in
    // `nr_kernel_stack` until 4.9, which made it a kB figure.
    let threads = |facts: &Facts, release: Option<&str>| {
        let before_4_9 = release.and_then(major_minor).is_some_and(|v| v < (4, 9));
        if !before_4_9 {
            return None;
        }
        facts
            .vmstat
            .first()
            .and_then(|v| v.value.value("nr_kernel_stack"))
            .and_then(|v| u64::try_from(v).ok())
    };
    // `/proc/loadavg` counts them directly.
    let threads = |facts: &Facts, release: Option<&str>| {
        facts
            .loadavg
            .first()
            .map(|l| l.value.threads)
            .or_else(|| threads(facts, release))
    };
    count("Threads", threads(failing, fk), threads(baseline, bk));
    count(
        "Memory cgroups",
        memory_cgroups(failing),
        memory_cgroups(baseline),
    );
    count(
        "Per-namespace slab caches",
        per_namespace_caches(failing),
        per_namespace_caches(baseline),
    );
    rows
}

/// `(major, minor)` of a release string (`3.10.0-514.el7.x86_64` -> `(3, 10)`).
pub(super) fn major_minor(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The `vm.*` settings whose values differ, where both nodes had a sysctl dump.
pub(super) fn sysctl_rows(failing: &Facts, baseline: &Facts) -> Vec<ComparedValue> {
    let vm = |facts: &Facts| -> Option<BTreeMap<String, String>> {
        let s = facts.sysctl.first()?;
        Some(
            s.value
                .entries
                .iter()
                .filter(|e| e.key.starts_with("vm."))
                .map(|e| {
                    // Masked as the whole `key = value` line would be, before the two part.
                    let value = e.raw.split_whitespace().collect::<Vec<_>>().join(" ");
                    (
                        e.key.clone(),
                        crate::redact::secrets::mask_value(&e.key, &value),
                    )
                })
                .collect(),
        )
    };
    let (Some(f), Some(b)) = (vm(failing), vm(baseline)) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = f.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| f.get(*k) != b.get(*k))
        .map(|k| ComparedValue {
            name: k.clone(),
            failing: f.get(k).cloned(),
            baseline: b.get(k).cloned(),
            failing_value: None,
            baseline_value: None,
        })
        .collect()
}
