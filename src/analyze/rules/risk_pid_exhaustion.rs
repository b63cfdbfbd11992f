//! `risk.pid-exhaustion`: the tasks on the node use three quarters or more of `pid_max`; when
//! the pids run out, `fork()` fails with `EAGAIN` for everyone, containers and sshd alike.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{headroom, percent, sysctl_count};
use crate::analyze::{Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct PidExhaustionRisk;

/// The share of `pid_max` from which it is a risk.
const FROM_PERCENT: u64 = 75;

/// The pids below 300 are not handed out again once the pids have wrapped (`RESERVED_PIDS` of
/// `kernel/pid.c`): within that many of `pid_max` the pids are used up, which is
/// `host.pid-exhaustion`'s, not a risk.
const RESERVED_PIDS: u64 = 300;

static META: RuleMeta = RuleMeta {
    id: "risk.pid-exhaustion",
    role: Role::Risk,
    summary: "The node's tasks use three quarters or more of kernel.pid_max",
    doc: include_str!("../../../docs/findings/risk.pid-exhaustion.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one(
            "tasks",
            MetricKind::Count,
            "tasks (threads) that exist, from `/proc/loadavg`",
        ),
        Metric::one("limit", MetricKind::Count, "`kernel.pid_max`"),
        Metric::one("headroom", MetricKind::Share, "share of the pids left"),
    ],
    needs: &[],
};

impl Rule for PidExhaustionRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        let Some(load) = facts.loadavg.first() else {
            return Vec::new();
        };
        let Some((path, line, max)) = sysctl_count(facts, "kernel.pid_max") else {
            return Vec::new();
        };
        let n = load.value.threads;
        if max == 0
            || n.saturating_add(RESERVED_PIDS) >= max
            || n.saturating_mul(100) < max.saturating_mul(FROM_PERCENT)
        {
            return Vec::new();
        }
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High)
            .precedes("host.pid-exhaustion")
            .title(format!(
                "{n} tasks against kernel.pid_max {max} ({})",
                percent(n, max)
            ))
            .sentence(format!(
                "Exposed to pid exhaustion: {n} tasks exist against {} {max} ({}), {} pids \
                 left before every `fork()` and `clone()` on the node fails.",
                code("kernel.pid_max"),
                percent(n, max),
                max - n
            ))
            .paragraph(
                "Every process and thread holds a pid. When `pid_max` is reached, creating one \
                 fails with `EAGAIN` (`fork: Resource temporarily unavailable`, `runtime: failed \
                 to create new OS thread`) for every program, not only the one that leaks.",
            )
            .metric("tasks", n)
            .metric("limit", max)
            .metric("headroom", headroom(n, max))
            .cite(&load.path, &load.value.line)
            .cite(path, &line.line)
            .recommend(
                "Find what holds the threads, and raise `kernel.pid_max` (up to 4194304 on \
                 64-bit kernels) while it is fixed",
                Some("ps -eLf --no-headers | awk '{print $1}' | sort | uniq -c | sort -rn | head; sysctl -w kernel.pid_max=4194304"),
                Risk::Low,
                "now",
            );
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;
    use crate::facts::{Line, LoadAvg, Sourced};

    fn node(threads: u64, pid_max: i64) -> crate::facts::Facts {
        let mut facts = testkit::healthy_facts();
        facts.loadavg.push(Sourced {
            path: "proc/loadavg".into(),
            value: LoadAvg {
                load: [0.5, 0.4, 0.3],
                running: 1,
                threads,
                line: Line::new(1, format!("0.50 0.40 0.30 1/{threads} 4242")),
            },
        });
        facts
            .sysctl
            .push(testkit::sysctl(&[("kernel.pid_max", pid_max)]));
        facts
    }

    #[test]
    fn most_pids_in_use_is_a_risk() {
        let found = PidExhaustionRisk.evaluate(&testkit::context(&node(30_000, 32_768), None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metrics["headroom"], 0.084);
        assert!(PidExhaustionRisk
            .evaluate(&testkit::context(&node(900, 4_194_304), None))
            .is_empty());
    }

    /// Within the reserved pids of `pid_max` the pids are used up: that is the failure, not
    /// the risk of it.
    #[test]
    fn used_up_pids_are_not_a_risk() {
        assert!(PidExhaustionRisk
            .evaluate(&testkit::context(&node(32_500, 32_768), None))
            .is_empty());
        assert_eq!(
            PidExhaustionRisk
                .evaluate(&testkit::context(&node(32_400, 32_768), None))
                .len(),
            1
        );
    }
}
