//! `kernel.soft-lockup`: `watchdog: BUG: soft lockup - CPU#N stuck for Ns!` or an RCU stall
//! (`rcu: INFO: rcu_sched detected stalls on CPUs/tasks`): a CPU did not schedule for seconds.
//!
//! The watchdog repeats its report every threshold period while the CPU stays stuck, each time
//! with the time so far: a CPU's longest report is how long it was stuck.

use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::finding::{code, count, FindingBuilder};
use crate::analyze::lookup::{self, At};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{KernelMessage, KernelMessageKind};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct KernelSoftLockup;

static META: RuleMeta = RuleMeta {
    id: "kernel.soft-lockup",
    role: Role::Symptom,
    summary: "A CPU ran kernel code for seconds without scheduling (soft lockup or RCU stall)",
    doc: include_str!("../../../docs/findings/kernel.soft-lockup.md"),
    verdict_rank: None,
    incidents: &["cpu-stall"],
    metrics: &[
        Metric::one("lockup_reports", MetricKind::Count, "soft lockup reports"),
        Metric::one("cpus", MetricKind::Count, "distinct CPUs reported stuck"),
        Metric::one(
            "longest_stuck_s",
            MetricKind::Seconds,
            "longest time a CPU was reported stuck",
        ),
        Metric::one("rcu_stall_reports", MetricKind::Count, "RCU stall reports"),
    ],
    needs: &[],
};

/// What the soft lockup reports of one CPU say.
#[derive(Default)]
struct StuckCpu {
    reports: usize,
    longest_s: u64,
    /// The task of the longest report, with its pid.
    task: Option<(String, Option<u32>)>,
}

impl Rule for KernelSoftLockup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let stalls: Vec<At<'_, KernelMessage>> = lookup::kernel_messages(ctx.facts)
            .filter(|m| {
                matches!(
                    m.item.kind,
                    KernelMessageKind::SoftLockup { .. } | KernelMessageKind::RcuStall { .. }
                )
            })
            .collect();
        if stalls.is_empty() {
            return Vec::new();
        }
        let mut cpus: BTreeMap<Option<u32>, StuckCpu> = BTreeMap::new();
        let mut flavours: BTreeSet<&str> = BTreeSet::new();
        let mut lockups = 0;
        for m in &stalls {
            match &m.item.kind {
                KernelMessageKind::SoftLockup {
                    cpu,
                    seconds,
                    task,
                    pid,
                } => {
                    lockups += 1;
                    let c = cpus.entry(*cpu).or_default();
                    c.reports += 1;
                    let s = seconds.unwrap_or(0);
                    if c.task.is_none() || s > c.longest_s {
                        c.longest_s = c.longest_s.max(s);
                        c.task = task.clone().map(|t| (t, *pid));
                    }
                }
                KernelMessageKind::RcuStall { flavour } => {
                    flavours.insert(flavour);
                }
                _ => {}
            }
        }
        let rcu_stalls = stalls.len() - lockups;
        let longest = cpus.values().map(|c| c.longest_s).max().unwrap_or(0);

        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High);
        for m in stalls.iter().take(5) {
            b = b.cite(m.path, &m.item.line);
        }
        let rcu_text = rcu_stall_text(rcu_stalls, &flavours);
        let (title, sentence) = if lockups == 0 {
            (
                format!(
                    "RCU grace periods stalled, {}",
                    count(rcu_stalls, "report", "reports")
                ),
                format!(
                    "{rcu_text}: a CPU stopped passing through the scheduler, so RCU could not \
                     end its grace period, memory freed through RCU waited, and every task \
                     waiting for the grace period stalled with it."
                ),
            )
        } else {
            let stuck = stuck_cpus(&cpus);
            let over = if longest > 0 {
                format!(" for up to {longest} s")
            } else {
                String::new()
            };
            let rcu = if rcu_stalls > 0 {
                format!(" The same log has {rcu_text}.")
            } else {
                String::new()
            };
            (
                format!(
                    "{} stuck in the kernel{over}, {}",
                    capitalized(&stuck),
                    count(lockups, "soft lockup report", "soft lockup reports")
                ),
                format!(
                    "{stuck} ran kernel code{over} without scheduling (the watchdog's soft \
                     lockup report): nothing else ran there meanwhile, and tasks waiting on \
                     that CPU or on a lock it held stalled too.{rcu}"
                ),
            )
        };
        let mut b = b.title(title).sentence(sentence);
        if lockups > 0 {
            let lines: Vec<String> = cpus.iter().map(|(cpu, c)| cpu_line(*cpu, c)).collect();
            b = b.paragraph(format!(
                "The soft lockup watchdog reports a CPU that has not scheduled for longer than \
                 `kernel.watchdog_thresh` times two (20 s by default), again each period while it \
                 stays stuck: {}.",
                lines.join("; ")
            ));
        }
        if rcu_stalls > 0 {
            b = b.paragraph(format!(
                "An RCU stall warning ({}) means a grace period did not end within \
                 `rcu_cpu_stall_timeout` (21 to 60 s by kernel): a CPU looped with preemption or \
                 interrupts off, or did not get to run at all.",
                flavours
                    .iter()
                    .map(|f| code(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        vec![b
            .paragraph(
                "The call trace printed after the report says where the CPU was spinning: heavy \
                 reclaim or compaction (`shrink_`, `compact_` frames) points at memory \
                 pressure on a fragmented host; a trace in an ordinary spot on a virtual machine, \
                 with high steal time, points at the hypervisor taking the CPU away.",
            )
            .metric("lockup_reports", lockups as u64)
            .metric("cpus", cpus.len() as u64)
            .metric("longest_stuck_s", longest)
            .metric("rcu_stall_reports", rcu_stalls as u64)
            .recommend(
                "Read the call trace after the first report to see where the CPU was stuck",
                Some("dmesg | grep -A 60 -E 'soft lockup|detected stall'"),
                Risk::Low,
                "First",
            )
            .recommend(
                "On a virtual machine, compare the time with the hypervisor's CPU steal time",
                Some("sar -u"),
                Risk::Low,
                "When the trace is in ordinary code",
            )
            .build()]
    }
}

/// The stuck CPUs as a subject: `CPU 1`, `2 CPUs (0 and 3)`.
fn stuck_cpus(cpus: &BTreeMap<Option<u32>, StuckCpu>) -> String {
    let named: Vec<String> = cpus.keys().flatten().map(u32::to_string).collect();
    match (cpus.len(), named.as_slice()) {
        (1, [one]) => format!("CPU {one}"),
        (1, _) => "a CPU".to_string(),
        (n, [rest @ .., last]) if n == rest.len() + 1 => {
            format!("{n} CPUs ({} and {last})", rest.join(", "))
        }
        (n, _) => format!("{n} CPUs"),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One CPU's reports: ``CPU 1 stuck for 134 s in `syz-executor.3` (pid 16401), one report``.
fn cpu_line(cpu: Option<u32>, c: &StuckCpu) -> String {
    let name = cpu.map_or("a CPU".to_string(), |n| format!("CPU {n}"));
    let task = match &c.task {
        Some((t, Some(pid))) => format!(" in {} (pid {pid})", code(t)),
        Some((t, None)) => format!(" in {}", code(t)),
        None => String::new(),
    };
    let reports = count(c.reports, "report", "reports");
    if c.longest_s > 0 {
        format!("{name} stuck for {} s{task}, {reports}", c.longest_s)
    } else {
        format!("{name} stuck{task}, {reports}")
    }
}

/// The RCU stall reports in words: ``2 RCU stall warnings of `rcu_sched` ``.
fn rcu_stall_text(n: usize, flavours: &BTreeSet<&str>) -> String {
    let names: Vec<String> = flavours.iter().map(|f| code(f)).collect();
    let of = if names.is_empty() {
        String::new()
    } else {
        format!(" of {}", names.join(" and "))
    };
    format!(
        "{}{of}",
        count(n, "RCU stall warning", "RCU stall warnings")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Sourced};
    use crate::sources::SourceKind;

    /// The real 5.10 report: its `# source:` header kept in the file, left out here.
    const SYZKALLER: &str = include_str!(
        "../../../tests/data/dmesg_soft_lockup/syzkaller-5.10-rc6-caller-id-irq-stack.txt"
    );

    fn dmesg(text: &str) -> Facts {
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        Facts {
            kernel_logs: vec![Sourced {
                path: "dmesg".into(),
                value: crate::parse::kernel_log::parse(&body, SourceKind::Dmesg).log,
            }],
            ..Facts::default()
        }
    }

    fn explained(facts: &Facts) -> String {
        let f = KernelSoftLockup.evaluate(&context(facts, None));
        f.iter()
            .map(|f| format!("{}\n> {}\n\n{}", f.title, f.sentence, f.explanation))
            .collect()
    }

    #[test]
    fn real_5_10_soft_lockup() {
        let facts = dmesg(SYZKALLER);
        let f = KernelSoftLockup.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[0].line, Some(1));
        assert_eq!(f[0].metrics["longest_stuck_s"], 134);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(explained(&facts), @r###"
        CPU 1 stuck in the kernel for up to 134 s, one soft lockup report
        > CPU 1 ran kernel code for up to 134 s without scheduling (the watchdog's soft lockup report): nothing else ran there meanwhile, and tasks waiting on that CPU or on a lock it held stalled too.

        The soft lockup watchdog reports a CPU that has not scheduled for longer than `kernel.watchdog_thresh` times two (20 s by default), again each period while it stays stuck: CPU 1 stuck for 134 s in `syz-executor.3` (pid 16401), one report.

        The call trace printed after the report says where the CPU was spinning: heavy reclaim or compaction (`shrink_`, `compact_` frames) points at memory pressure on a fragmented host; a trace in an ordinary spot on a virtual machine, with high steal time, points at the hypervisor taking the CPU away.
        "###);
    }

    /// The watchdog's repeated reports of two CPUs in a 3.10 log, and an RCU stall warning.
    #[test]
    fn repeated_lockups_on_two_cpus_and_an_rcu_stall() {
        let facts = dmesg(
            "[ 1020.1] BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:212]\n\
             [ 1048.1] BUG: soft lockup - CPU#3 stuck for 48s! [kworker/3:1:212]\n\
             [ 1049.0] BUG: soft lockup - CPU#0 stuck for 23s! [dockerd:1841]\n\
             [ 1050.2] INFO: rcu_sched detected stalls on CPUs/tasks: { 3} (detected by 0, t=60002 jiffies)\n",
        );
        let f = KernelSoftLockup.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["lockup_reports"], 3);
        assert_eq!(f[0].metrics["cpus"], 2);
        assert_eq!(f[0].metrics["rcu_stall_reports"], 1);
        insta::assert_snapshot!(explained(&facts), @r###"
        2 CPUs (0 and 3) stuck in the kernel for up to 48 s, 3 soft lockup reports
        > 2 CPUs (0 and 3) ran kernel code for up to 48 s without scheduling (the watchdog's soft lockup report): nothing else ran there meanwhile, and tasks waiting on that CPU or on a lock it held stalled too. The same log has one RCU stall warning of `rcu_sched`.

        The soft lockup watchdog reports a CPU that has not scheduled for longer than `kernel.watchdog_thresh` times two (20 s by default), again each period while it stays stuck: CPU 0 stuck for 23 s in `dockerd` (pid 1841), one report; CPU 3 stuck for 48 s in `kworker/3:1` (pid 212), 2 reports.

        An RCU stall warning (`rcu_sched`) means a grace period did not end within `rcu_cpu_stall_timeout` (21 to 60 s by kernel): a CPU looped with preemption or interrupts off, or did not get to run at all.

        The call trace printed after the report says where the CPU was spinning: heavy reclaim or compaction (`shrink_`, `compact_` frames) points at memory pressure on a fragmented host; a trace in an ordinary spot on a virtual machine, with high steal time, points at the hypervisor taking the CPU away.
        "###);
    }

    /// A hung task, the watchdog's own start-up lines and the panic a soft lockup leads to are
    /// not soft lockups; neither is any case of the testkit.
    #[test]
    fn near_misses_do_not_raise_it() {
        let facts = dmesg(
            "[    0.2] NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.\n\
             [    0.3] watchdog: soft lockup threshold set to 20s\n\
             [  500.0] INFO: task dockerd:1234 blocked for more than 120 seconds.\n\
             [  517.3] Kernel panic - not syncing: softlockup: hung tasks\n",
        );
        assert!(KernelSoftLockup.evaluate(&context(&facts, None)).is_empty());
        for (name, case) in cases() {
            assert!(
                KernelSoftLockup.evaluate(&context(&case, None)).is_empty(),
                "{name}"
            );
        }
    }
}
