//! `host.process-pressure`: thousands of processes or threads, network namespaces or memory
//! cgroups on the host, each of which costs kernel memory (task structs, page tables, per-netns
//! caches, per-cgroup structures).

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::caches::is_per_netns_conntrack;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{Facts, Line};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct HostProcessPressure;

/// Thread count above which the host is called busy (each thread has a task struct and a
/// kernel stack: 16 KiB on x86_64).
const THREADS: u64 = 2000;
/// Network namespaces above which per-netns kernel caches add up.
const NETNS: u64 = 200;
/// Memory cgroups above which per-cgroup kernel structures add up.
const MEMCGS: u64 = 2000;

struct Count<'a> {
    value: u64,
    path: &'a str,
    line: &'a Line,
}

fn task_structs(facts: &Facts) -> Option<Count<'_>> {
    facts.slabinfo.iter().find_map(|s| {
        let c = s.value.caches.iter().find(|c| c.name == "task_struct")?;
        Some(Count {
            value: c.active_objs,
            path: &s.path,
            line: &c.line,
        })
    })
}

fn netns_caches(facts: &Facts) -> Option<(u64, &str, &Line)> {
    facts.slabinfo.iter().find_map(|s| {
        let caches: Vec<_> = s
            .value
            .caches
            .iter()
            .filter(|c| is_per_netns_conntrack(&c.name))
            .collect();
        let first = caches.first()?;
        Some((caches.len() as u64, s.path.as_str(), &first.line))
    })
}

fn memory_cgroups(facts: &Facts) -> Option<Count<'_>> {
    facts.cgroups.iter().find_map(|s| {
        let c = s.value.controllers.iter().find(|c| c.name == "memory")?;
        Some(Count {
            value: c.num_cgroups,
            path: &s.path,
            line: &c.line,
        })
    })
}

static META: RuleMeta = RuleMeta {
    id: "host.process-pressure",
    role: Role::Factor,
    summary: "Thousands of processes, threads, namespaces or cgroups on the host add kernel memory pressure",
    doc: include_str!("../../../docs/findings/host.process-pressure.md"),
    verdict_rank: Some(110),
    incidents: &["contiguous-allocation", "host-oom", "cgroup-ids"],
    metrics: &[
        Metric::one("threads", MetricKind::Count, "task structs in use"),
        Metric::one("network_namespaces", MetricKind::Count, "per-namespace conntrack caches"),
        Metric::one("memory_cgroups", MetricKind::Count, "memory cgroups"),
    ],
    needs: &[],
};

impl Rule for HostProcessPressure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        let mut b = FindingBuilder::new(self).severity(Severity::Warning);
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = task_structs(facts).filter(|t| t.value >= THREADS) {
            parts.push(format!(
                "{} task structs in use (one per thread: about {} threads)",
                t.value, t.value
            ));
            b = b.cite(t.path, t.line).metric("threads", t.value);
        }
        if let Some((n, path, line)) = netns_caches(facts).filter(|(n, ..)| *n >= NETNS) {
            parts.push(format!(
                "{n} per-namespace conntrack slab caches (one per network namespace, such as {})",
                code(line.text.split_whitespace().next().unwrap_or(""))
            ));
            b = b.cite(path, line).metric("network_namespaces", n);
        }
        if let Some(m) = memory_cgroups(facts).filter(|m| m.value >= MEMCGS) {
            parts.push(format!(
                "{} memory cgroups, deleted ones still pinned by kernel memory included",
                m.value
            ));
            b = b.cite(m.path, m.line).metric("memory_cgroups", m.value);
        }
        if parts.is_empty() {
            return Vec::new();
        }
        vec![b
            .title("The host runs thousands of threads, namespaces or cgroups")
            .paragraph(format!("The host carries {}.", parts.join("; ")))
            .paragraph(
                "Each of these holds kernel memory that is neither swappable nor movable (task \
                 structs and kernel stacks, page tables, per-namespace and per-cgroup caches). On a \
                 busy node they fragment memory and make large contiguous kernel allocations \
                 harder; with kmem accounting on 3.10 kernels, every cgroup also grows the arrays \
                 allocated when a slab cache is created.",
            )
            .confidence(Confidence::Medium)
            .recommend(
                "Spread the workload: fewer containers per node, or more nodes",
                None,
                Risk::Low,
                "When the node runs far more containers than its peers",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{CgroupController, Cgroups, Sourced};

    #[test]
    fn fires_above_the_thresholds_only() {
        let mut facts = seed_facts();
        assert!(HostProcessPressure
            .evaluate(&context(&facts, None))
            .is_empty());
        facts.cgroups.push(Sourced {
            path: "proc/cgroups".into(),
            value: Cgroups {
                controllers: vec![CgroupController {
                    name: "memory".into(),
                    hierarchy: 10,
                    num_cgroups: 12045,
                    enabled: true,
                    line: Line::new(9, "memory\t10\t12045\t1"),
                }],
            },
        });
        let f = HostProcessPressure.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["memory_cgroups"], 12045);
    }
}
