//! `memcg.high-throttling`: a cgroup v2 group ran at its `memory.high`.
//!
//! Above `memory.high` the kernel does not kill: it reclaims from the group and throttles the
//! tasks that allocate, which the workload feels as slowness. `memory.events` counts each time
//! the group went over in its `high` line; the group's `memory.pressure` (or the host's
//! `/proc/pressure/memory`) says how much of the time tasks stalled on memory. A group whose
//! `oom_kill` counter moved was killed, not only throttled: that is the OOM findings'.

use crate::analyze::finding::{code, count, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{CgroupHierarchy, CgroupNode, Line, PressureLine};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct HighThrottling;

/// Percent of time some task of the group stalled on memory (PSI `some`, the largest of its
/// averages) from which the throttling is said to weigh on the workload.
const PRESSURE_PERCENT: f64 = 10.0;

static META: RuleMeta = RuleMeta {
    id: "memcg.high-throttling",
    role: Role::Condition,
    summary:
        "A cgroup v2 group ran at its memory.high: reclaimed and throttled, without an OOM kill",
    doc: include_str!("../../../docs/findings/memcg.high-throttling.md"),
    verdict_rank: Some(55),
    incidents: &["memcg-throttling"],
    metrics: &[
        Metric::one(
            "high_events",
            MetricKind::Count,
            "`memory.events` `high` of the group",
        ),
        Metric::one(
            "memory_high_bytes",
            MetricKind::Bytes,
            "the group's `memory.high`",
        ),
        Metric::one(
            "memory_current_bytes",
            MetricKind::Bytes,
            "its usage at collection",
        ),
        Metric::one(
            "pressure_some_avg10",
            MetricKind::Index,
            "percent of the last 10 s some task stalled on memory",
        ),
        Metric::one(
            "pressure_some_avg300",
            MetricKind::Index,
            "percent of the last 300 s some task stalled on memory",
        ),
        Metric::one(
            "cgroups",
            MetricKind::Count,
            "groups that went over memory.high",
        ),
        Metric::one("cgroup", MetricKind::Text, "the group most throttled"),
    ],
    needs: &[],
};

/// A group that went over its `memory.high` and was not OOM-killed.
struct Throttled<'a> {
    node: &'a CgroupNode,
    high_events: u64,
    line: &'a Line,
    path: &'a str,
}

fn throttled(node: &CgroupNode) -> Option<Throttled<'_>> {
    if node.hierarchy != CgroupHierarchy::V2 {
        return None;
    }
    let (file, row) = node.counter("memory.events", "high")?;
    let high_events = u64::try_from(row.value?).ok().filter(|n| *n > 0)?;
    // `max` as memory.high: the events came from an ancestor's limit, which is its own group.
    if node.single("memory.high").is_some_and(|h| h.1.is_none()) {
        return None;
    }
    let killed = node
        .counter("memory.events", "oom_kill")
        .and_then(|(_, r)| r.value)
        .is_some_and(|n| n > 0);
    (!killed).then_some(Throttled {
        node,
        high_events,
        line: &row.line,
        path: &file.path,
    })
}

/// The largest of the `some` averages.
fn worst(line: &PressureLine) -> f64 {
    line.avg10.max(line.avg60).max(line.avg300)
}

impl Rule for HighThrottling {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let groups: Vec<Throttled<'_>> = ctx
            .facts
            .cgroup_nodes
            .iter()
            .filter_map(throttled)
            .collect();
        let Some(main) = groups
            .iter()
            .max_by_key(|t| (t.high_events, std::cmp::Reverse(t.node.cgroup.as_str())))
        else {
            return Vec::new();
        };
        let node = main.node;
        let own = node
            .pressure("memory.pressure")
            .and_then(|(f, p)| Some((f.path.as_str(), p.some.as_ref()?)));
        let host = ctx
            .facts
            .pressure
            .iter()
            .filter(|p| p.value.resource.as_deref() == Some("memory"))
            .find_map(|p| Some((p.path.as_str(), p.value.some.as_ref()?)));
        let pressure = own.or(host);
        let pressed = pressure.is_some_and(|(_, l)| worst(l) >= PRESSURE_PERCENT);
        let high = node.single("memory.high");
        let current = node.single("memory.current");
        let high_bytes = high.and_then(|h| h.1);
        let current_bytes = current.and_then(|c| c.1);

        let limit_text = match high_bytes {
            Some(h) => format!("its `memory.high` of {}", units::bytes(h)),
            None => "its `memory.high`".to_string(),
        };
        let usage_text = match current_bytes {
            Some(c) => format!("; it used {} at collection", units::bytes(c)),
            None => String::new(),
        };
        let pressure_text = match pressure {
            Some((_, l)) => format!(
                " Its tasks stalled on memory {:.2} % of the last 10 s and {:.2} % of the last \
                 5 minutes (PSI `some`{}){}.",
                l.avg10,
                l.avg300,
                if own.is_some() {
                    ", the group's own"
                } else {
                    ", the host's"
                },
                if pressed {
                    ": the throttling weighs on the workload"
                } else {
                    ": little now, so the throttling was in the past or is brief"
                }
            ),
            None => String::new(),
        };
        let others = groups.len() - 1;
        let mut b = FindingBuilder::new(self)
            .severity(if pressed {
                Severity::Warning
            } else {
                Severity::Info
            })
            .confidence(if pressure.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .title(format!("cgroup {} ran at its memory.high", node.cgroup))
            .sentence(format!(
                "The cgroup {} went over {limit_text} {} (`memory.events` `high`{usage_text}), \
                 and each time the kernel reclaimed from it and throttled the tasks that \
                 allocated, instead of killing: the workload was slowed, not OOM-killed.\
                 {pressure_text}{}",
                code(&node.cgroup),
                count(
                    usize::try_from(main.high_events).unwrap_or(usize::MAX),
                    "time",
                    "times"
                ),
                if others > 0 {
                    format!(
                        " {} went over theirs too.",
                        count(others, "other group", "other groups")
                    )
                } else {
                    String::new()
                }
            ))
            .paragraph(
                "`memory.high` is cgroup v2's throttle limit: above it the kernel reclaims the \
                 group's memory and makes its allocating tasks sleep, and only `memory.max` \
                 brings the OOM killer. Kubernetes sets it for the MemoryQoS feature, systemd as \
                 `MemoryHigh=`. A group held at `memory.high` spends its time in reclaim: \
                 latency grows while nothing is logged.",
            )
            .metric("high_events", main.high_events)
            .metric_opt("memory_high_bytes", high_bytes)
            .metric_opt("memory_current_bytes", current_bytes)
            .metric_opt("pressure_some_avg10", pressure.map(|(_, l)| l.avg10))
            .metric_opt("pressure_some_avg300", pressure.map(|(_, l)| l.avg300))
            .metric("cgroups", groups.len() as u64)
            .metric("cgroup", node.cgroup.clone())
            .cite(main.path, main.line);
        for (file, line) in [high, current]
            .into_iter()
            .flatten()
            .map(|(f, _, l)| (f.path.as_str(), l))
        {
            b = b.cite(file, line);
        }
        if let Some((path, l)) = pressure {
            b = b.cite(path, &l.line);
        }
        vec![b
            .recommend(
                "Watch the group's pressure and events while the workload runs",
                Some(&format!(
                    "cat /sys/fs/cgroup{0}/memory.pressure /sys/fs/cgroup{0}/memory.events",
                    node.cgroup.trim_end_matches('/')
                )),
                Risk::Low,
                "First",
            )
            .recommend(
                "Raise `memory.high` (systemd `MemoryHigh=`, the pod's memory limit and \
                 throttling factor) to the workload's working set, or reduce its memory use",
                None,
                Risk::Medium,
                "When the pressure is high",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    const DIR: &str = "sos/sys/fs/cgroup/user.slice/user-1000.slice/session-520.scope";

    /// A group over its `memory.high` 41 times, with the real 6.x memory.pressure of the
    /// session scope (zero averages) and the oomd fixture's hand-set ones.
    #[test]
    fn a_group_over_memory_high() {
        let mut facts = Facts::default();
        file_into(&mut facts, &format!("{DIR}/memory.high"), "1073741824\n");
        file_into(&mut facts, &format!("{DIR}/memory.current"), "1073610752\n");
        file_into(
            &mut facts,
            &format!("{DIR}/memory.events"),
            "low 0\nhigh 41\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
        );
        file_into(
            &mut facts,
            &format!("{DIR}/memory.pressure"),
            &without_header(include_str!(
                "../../../tests/data/psi/oomd-cgroup-memory-pressure-large-totals.txt"
            )),
        );
        let f = HighThrottling.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["high_events"], 41);
        assert_eq!(f[0].evidence.len(), 4);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(format!("{}\n> {}", f[0].title, f[0].sentence), @r###"
    cgroup /user.slice/user-1000.slice/session-520.scope ran at its memory.high
    > The cgroup `/user.slice/user-1000.slice/session-520.scope` went over its `memory.high` of 1 GiB 41 times (`memory.events` `high`; it used 1024 MiB at collection), and each time the kernel reclaimed from it and throttled the tasks that allocated, instead of killing: the workload was slowed, not OOM-killed. Its tasks stalled on memory 1.11 % of the last 10 s and 3.33 % of the last 5 minutes (PSI `some`, the group's own): little now, so the throttling was in the past or is brief.
    "###);
    }

    /// The real counters of a killed docker scope (`high 3` and `oom_kill 1`), and the real
    /// all-zero counters of a session scope, are not throttling; nor is a testkit case.
    #[test]
    fn near_misses_do_not_raise_it() {
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            "sys/fs/cgroup/system.slice/docker-1c8f.scope/memory.events",
            &without_header(include_str!(
                "../../../tests/data/cgroup_memory_events/elastic-v2-5x-docker-scope-no-oom-group-kill.txt"
            )),
        );
        file_into(
            &mut facts,
            &format!("{DIR}/memory.events"),
            &without_header(include_str!(
                "../../../tests/data/cgroup_memory_events/elastic-v2-6x-with-oom-group-kill.txt"
            )),
        );
        assert_eq!(facts.cgroup_nodes.len(), 2);
        assert!(HighThrottling.evaluate(&context(&facts, None)).is_empty());
        assert_silent_on_cases(&HighThrottling);
    }
}
