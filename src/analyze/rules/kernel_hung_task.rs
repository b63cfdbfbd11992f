//! `kernel.hung-task`: `INFO: task X:PID blocked for more than N seconds`.

use std::collections::BTreeMap;

use crate::analyze::finding::{code, count, times, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct KernelHungTask;

static META: RuleMeta = RuleMeta {
    id: "kernel.hung-task",
    role: Role::Symptom,
    summary: "A task was blocked in the kernel for longer than the hung-task timeout",
    doc: include_str!("../../../docs/findings/kernel.hung-task.md"),
    verdict_rank: None,
    incidents: &["netns-teardown", "hung-task"],
    metrics: &[
        Metric::one("reports", MetricKind::Count, "hung-task reports"),
        Metric::one("tasks", MetricKind::Count, "distinct tasks reported"),
    ],
    needs: &[],
};

impl Rule for KernelHungTask {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let hung: Vec<_> = lookup::kernel_messages(ctx.facts)
            .filter(|m| matches!(m.item.kind, KernelMessageKind::HungTask { .. }))
            .collect();
        if hung.is_empty() {
            return Vec::new();
        }
        // Tasks by name, with the longest block reported.
        let mut tasks: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for m in &hung {
            if let KernelMessageKind::HungTask { task, seconds, .. } = &m.item.kind {
                let e = tasks.entry(task.clone()).or_insert((0, 0));
                e.0 += 1;
                e.1 = e.1.max(seconds.unwrap_or(0));
            }
        }
        let mut b = FindingBuilder::new(self).severity(Severity::Warning);
        for m in hung.iter().take(5) {
            b = b.cite(m.path, &m.item.line);
        }
        let names: Vec<String> = tasks
            .iter()
            .map(|(t, (n, s))| {
                if *s > 0 {
                    format!("{} ({}, blocked > {s} s)", code(t), times(*n as usize))
                } else {
                    format!("{} ({})", code(t), times(*n as usize))
                }
            })
            .collect();
        let waits_on_netns = lookup::kernel_messages(ctx.facts)
            .any(|m| matches!(m.item.kind, KernelMessageKind::UnregisterNetdevice { .. }));
        let longest = tasks.values().map(|(_, s)| *s).max().unwrap_or(0);
        let over = if longest > 0 {
            format!(" for more than {longest} s")
        } else {
            String::new()
        };
        let (title, who) = match tasks.keys().next() {
            Some(t) if tasks.len() == 1 => (format!("{t} blocked in the kernel{over}"), code(t)),
            _ => (
                format!("{} tasks blocked in the kernel{over}", tasks.len()),
                format!("{} tasks", tasks.len()),
            ),
        };
        let mut b = b
            .title(format!(
                "{title}, {}",
                count(hung.len(), "report", "reports")
            ))
            .sentence(format!(
                "{who} {} blocked in the kernel{over} ({}): stuck in uninterruptible sleep, it \
                 could not finish whatever it was doing, and everything waiting on it stalled \
                 too.",
                if tasks.len() == 1 { "was" } else { "were" },
                count(hung.len(), "hung-task report", "hung-task reports")
            ))
            .paragraph(format!(
                "The kernel reported tasks stuck in uninterruptible sleep for longer than \
                 `kernel.hung_task_timeout_secs`: {}.",
                names.join(", ")
            ));
        if waits_on_netns {
            b = b.paragraph(
                "The same log shows `unregister_netdevice` waiting for a device to become free: \
                 tasks that create or destroy network namespaces block behind that wait (see \
                 `netns.unregister-netdevice-hang`).",
            );
        }
        vec![b
            .confidence(Confidence::High)
            .metric("reports", hung.len() as u64)
            .metric("tasks", tasks.len() as u64)
            .recommend(
                "Dump the blocked tasks' kernel stacks to see what they wait on",
                Some("echo w > /proc/sysrq-trigger; dmesg | tail -n 200"),
                Risk::Low,
                "While tasks are still blocked",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, KernelMessage, Line, Sourced, Stamp};

    #[test]
    fn fires_on_hung_tasks_only() {
        assert!(KernelHungTask
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
        let mut log = seed_kernel_log();
        log.messages.push(KernelMessage {
            line: Line::new(
                99,
                "[ 500.0] INFO: task dockerd:1234 blocked for more than 120 seconds.",
            ),
            stamp: Stamp::default(),
            kind: KernelMessageKind::HungTask {
                task: "dockerd".into(),
                pid: Some(1234),
                seconds: Some(120),
            },
            message: "INFO: task dockerd:1234 blocked for more than 120 seconds.".into(),
            repeat: None,
        });
        let facts = Facts {
            kernel_logs: vec![Sourced {
                path: "dmesg".into(),
                value: log,
            }],
            ..Facts::default()
        };
        let f = KernelHungTask.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .explanation
            .contains("`dockerd` (once, blocked > 120 s)"));
        assert_eq!(f[0].evidence[0].line, Some(99));
    }
}
