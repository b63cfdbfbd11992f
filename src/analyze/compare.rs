//! The failing node beside a baseline node (`postmortem report FAILING --baseline HEALTHY`).
//!
//! A single bundle says what the failing node looked like; a healthy node of the same fleet says
//! which of those numbers are unusual. This module reads the facts of both bundles (never text)
//! and builds the report's [`Comparison`]: the free lists per order per zone side by side, the
//! fragmentation index the kernel would compute from each, memory composition, slab caches, host
//! counts, versions, the `vm.*` settings that differ and the containers' limits. The differences
//! that bear on a memory-allocation verdict come first, each as a plain sentence built from the
//! numbers; the rest follow.
//!
//! A baseline is only worth comparing with when it is healthy. [`baseline_problems`] says why it
//! is not (its own allocation failures or OOM kills, or no free high-order block either), so that
//! the report can say so plainly and rules do not draw confidence from it.

use std::collections::BTreeMap;

use crate::derive::Derived;
use crate::facts::{BuddyZone, Facts, FreeLists, KeyValues, SlabInfo};
use crate::report::{
    BaselineInfo, ComparedValue, Comparison, Finding, Severity, SlabComparison, ZoneComparison,
};

/// The order from which a request is "costly" to the allocator (`PAGE_ALLOC_COSTLY_ORDER` is 3):
/// with no failed request to go by, a zone without a free block of this order or above is short
/// of high-order memory.
const HIGH_ORDER: u32 = 4;

/// How many slab caches of each node the comparison lists.
const SLAB_ROWS: usize = 10;

/// Compare the failing node's facts with the baseline's. `baseline_findings` are the findings the
/// analysis made of the baseline bundle on its own (its critical ones make it unhealthy).
pub fn build(
    failing_derived: &Derived<'_>,
    baseline_derived: &Derived<'_>,
    baseline_name: &str,
    baseline_findings: &[Finding],
) -> Comparison {
    let (failing, baseline) = (failing_derived.facts(), baseline_derived.facts());
    let failed = failed_request(failing_derived);
    let order = failed.as_ref().map(|f| f.order);
    let zones = zone_comparisons(failing, baseline, failed.as_ref());

    let mut problems = baseline_problems(baseline, order);
    let mut critical: Vec<&str> = Vec::new();
    for f in baseline_findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
    {
        if !critical.contains(&f.id.as_str()) {
            critical.push(&f.id);
        }
    }
    if !critical.is_empty() {
        problems.push(format!(
            "its own analysis has critical findings ({})",
            critical
                .iter()
                .map(|id| code(id))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let healthy = problems.is_empty();

    let mut notes = Vec::new();
    if !healthy {
        notes.push(format!(
            "The baseline is not healthy: {}. Differences from it do not show what a healthy \
             node looks like, and no finding draws confidence from it.",
            problems.join("; ")
        ));
    }
    let release = |d: &Derived<'_>| d.kernel.as_ref().map(|k| k.version.release.clone());
    let (fk, bk) = (release(failing_derived), release(baseline_derived));
    if let (Some(f), Some(b)) = (&fk, &bk) {
        if f != b {
            notes.push(format!(
                "The baseline runs another kernel ({} against {} on the failing node): the \
                 allocator, its defaults and what a container limit switches on may differ, so \
                 part of any difference may come from the kernel rather than the workload.",
                code(b),
                code(f)
            ));
        }
    }
    if baseline.buddyinfo.is_empty() {
        notes.push(
            "The baseline has no `/proc/buddyinfo`: free blocks per order cannot be compared."
                .into(),
        );
    }
    let lacking: Vec<&str> = [
        (
            !failing.meminfo.is_empty() && baseline.meminfo.is_empty(),
            "`/proc/meminfo`",
        ),
        (
            !failing.slabinfo.is_empty() && baseline.slabinfo.is_empty(),
            "`/proc/slabinfo`",
        ),
        (
            !failing.cgroups.is_empty() && baseline.cgroups.is_empty(),
            "`/proc/cgroups`",
        ),
        (
            !failing.sysctl.is_empty() && baseline.sysctl.is_empty(),
            "`vm.*` sysctl settings",
        ),
        (
            !failing.proc_stat.is_empty() && baseline.proc_stat.is_empty(),
            "`/proc/stat`",
        ),
        (
            !failing.containers.is_empty() && baseline.containers.is_empty(),
            "container inspect output",
        ),
    ]
    .into_iter()
    .filter_map(|(lacks, what)| lacks.then_some(what))
    .collect();
    if !lacking.is_empty() {
        notes.push(format!(
            "The baseline bundle has no {}: where the tables below show the failing node only, \
             nothing was compared.",
            lacking.join(", ")
        ));
    }

    let memory = memory_rows(failing, baseline);
    let slab_top = slab_rows(failing, baseline);
    let host = host_rows(failing, baseline, fk.as_deref(), bk.as_deref());
    let sysctl = sysctl_rows(failing, baseline);

    let key_differences = key_sentences(failing, baseline, &zones, order, healthy);
    // Rows a key sentence already named are not repeated among the other differences.
    let named: Vec<&str> = [
        ("Available", "memory available"),
        ("Slab, reclaimable", "Reclaimable slab"),
        ("Memory cgroups", "memory cgroups"),
        ("Per-namespace slab caches", "per-namespace slab caches"),
    ]
    .into_iter()
    .filter(|(_, words)| key_differences.iter().any(|k| k.contains(words)))
    .map(|(row, _)| row)
    .collect();
    let other_differences = other_sentences(&memory, &host, &sysctl, &named);

    Comparison {
        baseline: BaselineInfo {
            name: baseline_name.to_string(),
            hostname: baseline_derived.host.as_ref().map(|h| h.name.clone()),
            kernel: bk,
        },
        baseline_healthy: healthy,
        baseline_problems: problems,
        notes,
        key_differences,
        other_differences,
        zones,
        memory,
        slab_top,
        host,
        sysctl,
    }
}

/// Why a baseline node cannot stand for a healthy one, in plain words (empty when it can):
/// allocation failures or OOM kills in its own kernel log, or no free block of order `order`
/// (the failed request's, else `HIGH_ORDER`) or above in its main zone.
pub fn baseline_problems(baseline: &Facts, order: Option<u32>) -> Vec<String> {
    let mut problems = Vec::new();
    let failures: usize = baseline
        .kernel_logs
        .iter()
        .map(|k| k.value.alloc_failures.len())
        .max()
        .unwrap_or(0);
    if failures > 0 {
        problems.push(format!(
            "its own kernel log has {failures} page allocation failure{}",
            plural(failures)
        ));
    }
    let ooms: usize = baseline
        .kernel_logs
        .iter()
        .map(|k| k.value.oom_kills.len())
        .max()
        .unwrap_or(0);
    if ooms > 0 {
        problems.push(format!(
            "its own kernel log has {ooms} OOM kill{}",
            plural(ooms)
        ));
    }
    let threshold = order.unwrap_or(HIGH_ORDER);
    if let Some(buddy) = baseline.buddyinfo.first() {
        for z in main_zones(&buddy.value.zones) {
            let largest = largest_free_order(&z.counts);
            if largest.is_none_or(|o| o < threshold) {
                problems.push(format!(
                    "it has no free block of order {threshold} or above in {} either ({})",
                    zone_label(z.node, &z.zone),
                    match largest {
                        Some(o) => format!("largest free order {o}"),
                        None => "no free block at all".to_string(),
                    }
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Buddy arithmetic
// ---------------------------------------------------------------------------------------------

use super::finding::code;
use super::fragmentation::{fragmentation_index, human_bytes, largest_free_order};

/// The fragmentation index of every order the counts have.
fn indices(counts: &[u64]) -> Vec<f64> {
    (0..counts.len())
        .map(|o| fragmentation_index(counts, u32::try_from(o).unwrap_or(u32::MAX)).unwrap_or(0.0))
        .collect()
}

/// Free blocks of order `order` or above.
fn blocks_from(counts: &[u64], order: u32) -> u64 {
    counts
        .iter()
        .skip(usize::try_from(order).unwrap_or(usize::MAX))
        .fold(0u64, |a, &c| a.saturating_add(c))
}

/// The zones that matter for a kernel allocation: every zone but DMA (16 MiB, never the
/// preferred zone on a 64-bit node), or all of them when that leaves none.
fn main_zones(zones: &[BuddyZone]) -> Vec<&BuddyZone> {
    let main: Vec<&BuddyZone> = zones.iter().filter(|z| z.zone != "DMA").collect();
    if main.is_empty() {
        zones.iter().collect()
    } else {
        // The highest zone of each node is where GFP_KERNEL allocations start.
        let mut highest: BTreeMap<u32, &BuddyZone> = BTreeMap::new();
        for z in main {
            highest.insert(z.node, z);
        }
        highest.into_values().collect()
    }
}

/// Rank of a zone name in the kernel's zone order, unknown names last.
fn zone_rank(zone: &str) -> usize {
    ["DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"]
        .iter()
        .position(|z| *z == zone)
        .unwrap_or(usize::MAX)
}

// ---------------------------------------------------------------------------------------------
// Zones
// ---------------------------------------------------------------------------------------------

/// The failed request the comparison is about: its order and the free lists printed with it.
struct Failed {
    order: u32,
    zones: Vec<(u32, String, FreeLists)>,
}

/// The failed request of the failing node: its main failure.
fn failed_request(derived: &Derived<'_>) -> Option<Failed> {
    let failure = derived.main_failure.as_ref()?.at.item;
    let zones = failure
        .mem_info
        .iter()
        .flat_map(|m| m.zones.iter())
        .filter_map(|z| {
            z.free_lists
                .clone()
                .map(|fl| (z.node.unwrap_or(0), z.zone.clone(), fl))
        })
        .collect();
    Some(Failed {
        order: failure.order,
        zones,
    })
}

fn zone_comparisons(
    failing: &Facts,
    baseline: &Facts,
    failed: Option<&Failed>,
) -> Vec<ZoneComparison> {
    let buddy = |facts: &Facts| -> Vec<(u32, String, Vec<u64>)> {
        facts
            .buddyinfo
            .first()
            .map(|b| {
                b.value
                    .zones
                    .iter()
                    .map(|z| (z.node, z.zone.clone(), z.counts.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let at_failure: Vec<(u32, String, Vec<u64>)> = failed
        .map(|f| {
            f.zones
                .iter()
                .map(|(n, z, fl)| (*n, z.clone(), fl.counts.clone()))
                .collect()
        })
        .unwrap_or_default();
    let at_collection = buddy(failing);
    let at_baseline = buddy(baseline);

    let mut keys: Vec<(u32, String)> = Vec::new();
    for (n, z, _) in at_failure.iter().chain(&at_collection).chain(&at_baseline) {
        if !keys.iter().any(|(kn, kz)| kn == n && kz == z) {
            keys.push((*n, z.clone()));
        }
    }
    keys.sort_by_key(|(n, z)| (*n, zone_rank(z)));
    let find = |rows: &[(u32, String, Vec<u64>)], n: u32, z: &str| {
        rows.iter()
            .find(|(rn, rz, _)| *rn == n && rz == z)
            .map(|(_, _, c)| c.clone())
    };
    keys.into_iter()
        .map(|(node, zone)| {
            let failure = find(&at_failure, node, &zone);
            let collection = find(&at_collection, node, &zone);
            let base = find(&at_baseline, node, &zone);
            ZoneComparison {
                node,
                extfrag_failure: failure.as_deref().map(indices),
                extfrag_collection: collection.as_deref().map(indices),
                extfrag_baseline: base.as_deref().map(indices),
                largest_free_order_failure: failure.as_deref().and_then(largest_free_order),
                largest_free_order_collection: collection.as_deref().and_then(largest_free_order),
                largest_free_order_baseline: base.as_deref().and_then(largest_free_order),
                failure,
                collection,
                baseline: base,
                zone,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------------------------

/// The differences that bear on a memory verdict, most telling first.
fn key_sentences(
    failing: &Facts,
    baseline: &Facts,
    zones: &[ZoneComparison],
    order: Option<u32>,
    healthy: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let threshold = order.unwrap_or(HIGH_ORDER);
    // The zone the comparison is about: the preferred zone of the failed request on node 0, the
    // highest zone both nodes have.
    let zone = zones
        .iter()
        .filter(|z| z.baseline.is_some() && (z.failure.is_some() || z.collection.is_some()))
        .filter(|z| z.zone != "DMA")
        .max_by_key(|z| (std::cmp::Reverse(z.node), zone_rank(&z.zone)));
    if let Some(z) = zone {
        out.push(buddy_sentence(z, threshold, order.is_some()));
        if let Some(s) = index_sentence(z, threshold) {
            out.push(s);
        }
    }

    let (fm, bm) = (meminfo(failing), meminfo(baseline));
    if let (Some(fa), Some(ba)) = (
        fm.and_then(|m| kb_bytes(m, "MemAvailable")),
        bm.and_then(|m| kb_bytes(m, "MemAvailable")),
    ) {
        // Equal memory says something only when the baseline had the large blocks.
        if fa >= ba && healthy {
            out.push(format!(
                "The failing node had at least as much memory available ({}) as the baseline \
                 ({}): the difference is in how free memory was split into blocks, not in how \
                 much there was.",
                human_bytes(fa),
                human_bytes(ba)
            ));
        } else if fa.saturating_mul(2) < ba {
            out.push(format!(
                "The failing node had {} available against {} on the baseline: it was short of \
                 memory, not only of large blocks.",
                human_bytes(fa),
                human_bytes(ba)
            ));
        }
    }

    if let (Some(fm), Some(bm)) = (fm, bm) {
        let share = |m: &KeyValues| {
            let total = kb_bytes(m, "MemTotal").filter(|t| *t > 0)?;
            let reclaimable = kb_bytes(m, "SReclaimable")?;
            Some((reclaimable, reclaimable as f64 / total as f64))
        };
        if let (Some((fr, fs)), Some((br, bs))) = (share(fm), share(bm)) {
            if fs >= 0.10 && fs >= bs * 1.5 {
                out.push(format!(
                    "Reclaimable slab held {} ({:.0}% of RAM) on the failing node against {} \
                     ({:.0}%) on the baseline; compaction cannot move slab pages, so a large \
                     slab keeps free memory in small pieces.",
                    human_bytes(fr),
                    fs * 100.0,
                    human_bytes(br),
                    bs * 100.0
                ));
            }
        }
    }

    let (fns, bns) = (
        per_namespace_caches(failing),
        per_namespace_caches(baseline),
    );
    if let (Some(f), Some(b)) = (fns, bns) {
        if f > b.saturating_mul(2) && f >= 10 {
            out.push(format!(
                "The failing node has {f} per-namespace slab caches (`nf_conntrack_<addr>` and \
                 kin, one per network namespace) against {b} on the baseline: each new namespace \
                 creates one, and creating one needs a high-order allocation."
            ));
        }
    }

    let (fmc, bmc) = (memory_cgroups(failing), memory_cgroups(baseline));
    if let (Some(f), Some(b)) = (fmc, bmc) {
        if f > b.saturating_mul(2) && f >= 1000 {
            out.push(format!(
                "The failing node has {f} memory cgroups against {b} on the baseline; with \
                 kernel-memory accounting, every slab cache created keeps an array sized by \
                 that count."
            ));
        }
    }
    out
}

/// "In `Normal`, the failing node had no free block above order 3 at the failure; the
/// baseline has 3442 free blocks of order 6 or above (1202 of order 6, ...)."
fn buddy_sentence(z: &ZoneComparison, threshold: u32, requested: bool) -> String {
    let what = |largest: Option<u32>| match largest {
        Some(o) => format!("no free block above order {o}"),
        None => "no free block at all".to_string(),
    };
    let mut failing = Vec::new();
    if z.failure.is_some() {
        failing.push(format!(
            "{} at the failure",
            what(z.largest_free_order_failure)
        ));
    }
    if z.collection.is_some() {
        failing.push(format!(
            "{} at collection",
            what(z.largest_free_order_collection)
        ));
    }
    let failing = failing.join(" and ");
    let base = z.baseline.as_deref().unwrap_or(&[]);
    let above = blocks_from(base, threshold);
    let which = if requested {
        format!("order {threshold} (the failed request's) or above")
    } else {
        format!("order {threshold} or above")
    };
    let base_words = if above == 0 {
        format!(
            "the baseline has no free block of {which} either ({})",
            what(z.largest_free_order_baseline)
        )
    } else {
        let per_order: Vec<String> = base
            .iter()
            .enumerate()
            .skip(usize::try_from(threshold).unwrap_or(usize::MAX))
            .filter(|(_, c)| **c > 0)
            .map(|(o, c)| format!("{c} of order {o}"))
            .collect();
        format!(
            "the baseline has {above} free block{} of {which}: {}",
            plural64(above),
            per_order.join(", ")
        )
    };
    format!(
        "In {}, the failing node had {failing}; {base_words}.",
        zone_label(z.node, &z.zone)
    )
}

fn index_sentence(z: &ZoneComparison, order: u32) -> Option<String> {
    let at = |v: &Option<Vec<f64>>| {
        v.as_ref()
            .and_then(|v| v.get(usize::try_from(order).ok()?).copied())
    };
    let base = at(&z.extfrag_baseline)?;
    let mut failing = Vec::new();
    if let Some(v) = at(&z.extfrag_failure) {
        failing.push(format!("{} at the failure", index3(v)));
    }
    if let Some(v) = at(&z.extfrag_collection) {
        failing.push(format!("{} at collection", index3(v)));
    }
    if failing.is_empty() {
        return None;
    }
    Some(format!(
        "The fragmentation index of {} at order {order} is {} on the failing node and {} on the \
         baseline ({}).",
        zone_label(z.node, &z.zone),
        failing.join(", "),
        index3(base),
        index_meaning(base)
    ))
}

fn index_meaning(value: f64) -> &'static str {
    if value < 0.0 {
        "a free block of the order exists"
    } else if value >= 0.5 {
        "a request of the order would fail for fragmentation"
    } else {
        "a request of the order would fail for lack of memory"
    }
}

/// Differences that do not decide the verdict.
fn other_sentences(
    memory: &[ComparedValue],
    host: &[ComparedValue],
    sysctl: &[ComparedValue],
    named: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    let host = host.iter().filter(|r| !named.contains(&r.name.as_str()));
    let memory = memory.iter().filter(|r| !named.contains(&r.name.as_str()));
    for row in host {
        if let (Some(f), Some(b)) = (&row.failing, &row.baseline) {
            if f != b {
                out.push(format!(
                    "{}: {} on the failing node, {} on the baseline.",
                    row.name,
                    code(f),
                    code(b)
                ));
            }
        }
    }
    for row in memory {
        if let (Some(f), Some(b)) = (row.failing_value, row.baseline_value) {
            // Only differences a person would notice: a quarter or more, and 64 MiB or more.
            let (hi, lo) = (f.max(b), f.min(b));
            if hi - lo >= 64 << 20 && hi - lo >= hi / 4 {
                out.push(format!(
                    "{}: {} on the failing node, {} on the baseline.",
                    row.name,
                    human_bytes(f),
                    human_bytes(b)
                ));
            }
        }
    }
    for row in sysctl {
        out.push(format!(
            "{} is {} on the failing node and {} on the baseline.",
            code(&row.name),
            row.failing
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "not set".into()),
            row.baseline
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "not set".into()),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

fn meminfo(facts: &Facts) -> Option<&KeyValues> {
    facts.meminfo.first().map(|m| &m.value)
}

/// A meminfo value (kB) in bytes.
fn kb_bytes(m: &KeyValues, key: &str) -> Option<u64> {
    m.value(key)
        .and_then(|v| u64::try_from(v).ok())
        .map(|kb| kb.saturating_mul(1024))
}

fn memory_rows(failing: &Facts, baseline: &Facts) -> Vec<ComparedValue> {
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
                failing: f.map(human_bytes),
                baseline: b.map(human_bytes),
                failing_value: f,
                baseline_value: b,
            })
        })
        .collect()
}

/// The family a slab cache belongs to: per-namespace copies (`nf_conntrack_ffff88036ea66180`)
/// fold into `nf_conntrack_<addr>`, per-memcg copies (`dentry(1234:docker)`) into
/// `dentry(<memcg>)`. `None` for a root cache.
fn cache_family(name: &str) -> Option<String> {
    if let Some(open) = name.find('(') {
        if name.ends_with(')') && open > 0 {
            return Some(format!("{}(<memcg>)", &name[..open]));
        }
    }
    let (stem, tail) = name.rsplit_once('_')?;
    (tail.len() >= 8 && tail.chars().all(|c| c.is_ascii_hexdigit()) && !stem.is_empty())
        .then(|| format!("{stem}_<addr>"))
}

fn slabinfo(facts: &Facts) -> Option<&SlabInfo> {
    facts.slabinfo.first().map(|s| &s.value)
}

/// Count of per-namespace slab caches (`nf_conntrack_<addr>` and kin).
fn per_namespace_caches(facts: &Facts) -> Option<u64> {
    slabinfo(facts).map(|s| {
        s.caches
            .iter()
            .filter(|c| cache_family(&c.name).is_some_and(|f| f.ends_with("_<addr>")))
            .count() as u64
    })
}

/// Bytes per cache, with per-instance copies summed into their family.
fn cache_bytes(s: &SlabInfo) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for c in &s.caches {
        let name = cache_family(&c.name).unwrap_or_else(|| c.name.clone());
        let e = out.entry(name).or_insert(0);
        *e = e.saturating_add(c.bytes);
    }
    out
}

fn slab_rows(failing: &Facts, baseline: &Facts) -> Vec<SlabComparison> {
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

fn memory_cgroups(facts: &Facts) -> Option<u64> {
    facts
        .cgroups
        .first()?
        .value
        .controllers
        .iter()
        .find(|c| c.name == "memory")
        .map(|c| c.num_cgroups)
}

fn host_rows(
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
                    Some(b) if b > 0 => human_bytes(u64::try_from(b).unwrap_or(0)),
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
fn major_minor(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The `vm.*` settings whose values differ, where both nodes had a sysctl dump.
fn sysctl_rows(failing: &Facts, baseline: &Facts) -> Vec<ComparedValue> {
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

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

fn zone_label(node: u32, zone: &str) -> String {
    format!("{} of node {node}", code(zone))
}

fn index3(value: f64) -> String {
    format!("{value:.3}")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural64(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analyze::testkit;
    use crate::derive::derive;
    use crate::facts::{BuddyInfo, BuddyZone, Line, Sourced};

    fn buddy(zones: &[(&str, Vec<u64>)]) -> Sourced<BuddyInfo> {
        Sourced {
            path: "proc/buddyinfo".into(),
            value: BuddyInfo {
                zones: zones
                    .iter()
                    .enumerate()
                    .map(|(i, (zone, counts))| BuddyZone {
                        node: 0,
                        zone: (*zone).to_string(),
                        counts: counts.clone(),
                        line: Line::new(i as u32 + 1, ""),
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn seed_against_healthy_leads_with_the_normal_zone() {
        let (seed, healthy) = (testkit::seed_facts(), testkit::healthy_facts());
        let c = build(&derive(&seed), &derive(&healthy), "healthy-node", &[]);
        assert!(c.baseline_healthy);
        assert!(c.notes.iter().all(|n| !n.contains("not healthy")));
        let first = &c.key_differences[0];
        assert!(first.starts_with("In `Normal` of node 0, the failing node had no free block above order 3 at the failure"), "{first}");
        assert!(
            first.contains("1202 of order 6, 1160 of order 7, 1075 of order 8"),
            "{first}"
        );
        let normal = c.zones.iter().find(|z| z.zone == "Normal").unwrap();
        assert_eq!(normal.largest_free_order_failure, Some(3));
        assert_eq!(normal.largest_free_order_baseline, Some(10));
        assert_eq!(
            normal.extfrag_failure.as_ref().unwrap()[6],
            fragmentation_index(&[15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0], 6).unwrap()
        );
    }

    #[test]
    fn the_failing_node_is_no_baseline_for_itself() {
        let seed = testkit::seed_facts();
        let problems = baseline_problems(&seed, Some(6));
        assert!(problems[0].starts_with("its own kernel log has 1 page allocation failure"));
        assert!(problems
            .iter()
            .any(|p| p.contains("no free block of order 6 or above in `Normal` of node 0")));
        let c = build(&derive(&seed), &derive(&seed), "seed", &[]);
        assert!(!c.baseline_healthy);
        assert!(c.notes[0].starts_with("The baseline is not healthy: "));
    }

    #[test]
    fn high_order_threshold_without_a_failed_request() {
        let mut facts = Facts::default();
        facts.buddyinfo.push(buddy(&[
            ("DMA", vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]),
            ("Normal", vec![500, 300, 20, 5, 0, 0, 0, 0, 0, 0, 0]),
        ]));
        assert_eq!(
            baseline_problems(&facts, None),
            ["it has no free block of order 4 or above in `Normal` of node 0 either (largest free order 3)"]
        );
        facts.buddyinfo[0].value.zones[1].counts[4] = 1;
        assert!(baseline_problems(&facts, None).is_empty());
    }

    #[test]
    fn per_instance_caches_fold_into_families() {
        assert_eq!(
            cache_family("nf_conntrack_ffff88036ea66180").as_deref(),
            Some("nf_conntrack_<addr>")
        );
        assert_eq!(
            cache_family("dentry(1234:docker)").as_deref(),
            Some("dentry(<memcg>)")
        );
        assert_eq!(cache_family("kmalloc-512"), None);
        assert_eq!(cache_family("ext4_inode_cache"), None);
    }

    #[test]
    fn code_spans_cannot_be_closed_by_their_content() {
        assert_eq!(code("Normal"), "`Normal`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    proptest! {
        #[test]
        fn any_free_lists_compare_without_panic(
            a in proptest::collection::vec(any::<u64>(), 0..14),
            b in proptest::collection::vec(any::<u64>(), 0..14),
            order in 0u32..70,
        ) {
            let mut failing = testkit::seed_facts();
            failing.buddyinfo = vec![buddy(&[("Normal", a)])];
            failing.kernel_logs[0].value.alloc_failures[0].order = order;
            let mut base = Facts::default();
            base.buddyinfo.push(buddy(&[("Normal", b)]));
            let c = build(&derive(&failing), &derive(&base), "b", &[]);
            prop_assert!(!c.zones.is_empty());
        }
    }
}
