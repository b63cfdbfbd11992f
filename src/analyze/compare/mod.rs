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

use crate::analyze::finding::{code, count, index3};
use crate::analyze::fragmentation::largest_free_order;
use crate::derive::Derived;
use crate::facts::{BuddyZone, Facts, FreeLists, KeyValues, SlabInfo};
use crate::report::{
    BaselineInfo, ComparedValue, Comparison, Finding, Severity, SlabComparison, ZoneComparison,
};

mod sentences;
mod tables;
mod zones;

use sentences::*;
use tables::*;
use zones::*;

/// The order from which a request is "costly" to the allocator (`PAGE_ALLOC_COSTLY_ORDER` is 3):
/// with no failed request to go by, a zone without a free block of this order or above is short
/// of high-order memory.
pub(super) const HIGH_ORDER: u32 = 4;

/// How many slab caches of each node the comparison lists.
pub(super) const SLAB_ROWS: usize = 10;

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
            "its own kernel log has {}",
            count(
                failures,
                "page allocation failure",
                "page allocation failures"
            )
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
            "its own kernel log has {}",
            count(ooms, "OOM kill", "OOM kills")
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

pub(super) fn zone_label(node: u32, zone: &str) -> String {
    format!("{} of node {node}", code(zone))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analyze::fragmentation::fragmentation_index;
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
        assert!(problems[0].starts_with("its own kernel log has one page allocation failure"));
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
