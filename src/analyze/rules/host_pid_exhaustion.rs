//! `host.pid-exhaustion`: the host ran out of process ids or tasks.
//!
//! Every process and thread takes a pid below `kernel.pid_max`, and the kernel allows at most
//! `kernel.threads-max` tasks at once. The tasks at collection (`/proc/loadavg`'s fourth field,
//! else the `task_struct` objects of slabinfo) are compared with both: `fork()` fails at
//! `threads-max` tasks, and within the 300 reserved pids of `pid_max`; short of that the node is
//! at risk, not out (`risk.pid-exhaustion`). Kernels without commit 35f71bc0a09a ("fork: report
//! pid reservation failure properly") failed such a fork with ENOMEM, so the shell said
//! `fork: Cannot allocate memory` on a host with memory to spare.

use crate::analyze::finding::FindingBuilder;
use crate::analyze::lookup::{self, Stated};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::TaskLimitKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct PidExhaustion;

/// Pids below this are not handed out again once the pids have wrapped (`RESERVED_PIDS` of
/// kernel/pid.c): tasks within it of `pid_max` leave no pid to give.
const RESERVED_PIDS: u64 = 300;

/// Whether `tasks` have used up `limit`: `fork()` fails at `threads-max` tasks, and at
/// `pid_max` less the reserved pids.
fn used_up(kind: TaskLimitKind, tasks: u64, limit: u64) -> bool {
    match kind {
        TaskLimitKind::PidMax => tasks.saturating_add(RESERVED_PIDS) >= limit,
        TaskLimitKind::ThreadsMax => tasks >= limit,
    }
}

static META: RuleMeta = RuleMeta {
    id: "host.pid-exhaustion",
    role: Role::Condition,
    summary: "The host ran out of process ids or tasks (pid_max, threads-max): fork fails, with ENOMEM on older kernels",
    doc: include_str!("../../../docs/findings/host.pid-exhaustion.md"),
    verdict_rank: Some(36),
    incidents: &["pid-exhaustion"],
    metrics: &[
        Metric::one("tasks", MetricKind::Count, "processes and threads at collection"),
        Metric::one("pid_max", MetricKind::Count, "`kernel.pid_max`"),
        Metric::one("threads_max", MetricKind::Count, "`kernel.threads-max`"),
        Metric::one("limit_share", MetricKind::Share, "tasks as a share of the lower limit"),
    ],
    needs: &[],
};

impl Rule for PidExhaustion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(tasks) = lookup::task_count(ctx.facts) else {
            return Vec::new();
        };
        let pid_max = lookup::task_limit(ctx.facts, TaskLimitKind::PidMax);
        let threads_max = lookup::task_limit(ctx.facts, TaskLimitKind::ThreadsMax);
        // The limit used up decides, the lower first.
        let Some((kind, limit)) = [
            pid_max.map(|l| (TaskLimitKind::PidMax, l)),
            threads_max.map(|l| (TaskLimitKind::ThreadsMax, l)),
        ]
        .into_iter()
        .flatten()
        .filter(|(kind, l)| l.value > 0 && used_up(*kind, tasks.value, l.value))
        .min_by_key(|(_, l)| l.value) else {
            return Vec::new();
        };
        let share = tasks.value as f64 / limit.value as f64;
        let name = kind.sysctl();
        let what = match kind {
            TaskLimitKind::PidMax => "process ids",
            TaskLimitKind::ThreadsMax => "tasks the kernel allows",
        };
        let b = FindingBuilder::new(self)
            .severity(Severity::Critical)
            .confidence(Confidence::High)
            .title(format!(
                "{} tasks on the host against `{name}` = {}",
                tasks.value, limit.value
            ))
            .sentence(format!(
                "The host ran {} processes and threads against `{name}` = {}: the {what} were \
                 used up, so `fork()` and `clone()` failed for want of a {}, not of memory. Kernels without commit 35f71bc0a09a (\"fork: report pid reservation \
                 failure properly\") return ENOMEM for it, which the shell prints as `fork: \
                 Cannot allocate memory` on a host with memory free; later kernels return \
                 EAGAIN (`Resource temporarily unavailable`).",
                tasks.value,
                limit.value,
                match kind {
                    TaskLimitKind::PidMax => "process id",
                    TaskLimitKind::ThreadsMax => "task slot",
                }
            ))
            .paragraph(
                "Every process and every thread takes a pid below `kernel.pid_max` (32768 by \
                 default, 4194304 where systemd raises it on 64-bit), and the kernel allows at \
                 most `kernel.threads-max` tasks at once (sized from RAM at boot). A pid \
                 namespace, `RLIMIT_NPROC` (`ulimit -u`) and a cgroup's `pids.max` limit a part \
                 of the host the same way. A host that runs out is usually leaking threads or \
                 zombie processes, or runs a fork storm.",
            )
            .metric("tasks", tasks.value)
            .metric_opt("pid_max", pid_max.map(|l| l.value))
            .metric_opt("threads_max", threads_max.map(|l| l.value))
            .metric("limit_share", (share.min(1.0) * 1000.0).round() / 1000.0);
        let cite = |b: FindingBuilder, s: Option<Stated<'_>>| match s {
            Some(s) => b.cite(s.path, s.line),
            None => b,
        };
        let b = cite(cite(cite(b, Some(tasks)), pid_max), threads_max);
        vec![b
            .recommend(
                "Find the processes with the most threads, and zombies that nobody reaps",
                Some("ps -eo nlwp,pid,ppid,stat,comm --sort=-nlwp | head; ps -eo stat | grep -c '^Z'"),
                Risk::Low,
                "First",
            )
            .recommend(
                "Raise the limit while the leak is found",
                Some(&match threads_max {
                    // threads-max binds too when the tasks come near it: double it with pid_max.
                    Some(t) if tasks.value * 10 >= t.value * 9 => format!(
                        "sysctl -w kernel.pid_max=4194304 kernel.threads-max={}",
                        t.value.saturating_mul(2)
                    ),
                    _ => "sysctl -w kernel.pid_max=4194304".to_string(),
                }),
                Risk::Medium,
                "When the task count is legitimate",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    /// A host at its pid limit: the default `pid_max` (32768, from sysctl output) and a
    /// `/proc/loadavg` at 32,700 tasks, within the reserved pids of it.
    #[test]
    fn a_host_at_pid_max() {
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            "proc/loadavg",
            "312.04 298.77 250.10 9/32700 32767\n",
        );
        file_into(
            &mut facts,
            "sysctl.txt",
            "kernel.pid_max = 32768\nkernel.threads-max = 1029371\nvm.min_free_kbytes = 67584\n",
        );
        let f = PidExhaustion.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["pid_max"], 32768);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(format!("{}\n> {}", f[0].title, f[0].sentence), @r###"
            32700 tasks on the host against `kernel.pid_max` = 32768
            > The host ran 32700 processes and threads against `kernel.pid_max` = 32768: the process ids were used up, so `fork()` and `clone()` failed for want of a process id, not of memory. Kernels without commit 35f71bc0a09a ("fork: report pid reservation failure properly") return ENOMEM for it, which the shell prints as `fork: Cannot allocate memory` on a host with memory free; later kernels return EAGAIN (`Resource temporarily unavailable`).
            "###);
    }

    /// A node with 719 tasks and the real `pid_max` of 4194304 is nowhere near; nor is a
    /// testkit case.
    #[test]
    fn near_misses_do_not_raise_it() {
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            "proc/loadavg",
            &without_header(include_str!(
                "../../../tests/data/proc_loadavg/node-exporter-fixture.txt"
            )),
        );
        file_into(
            &mut facts,
            "sos/proc/sys/kernel/pid_max",
            &without_header(include_str!(
                "../../../tests/data/pid_max/hotsos-ubuntu2004-4194304.txt"
            )),
        );
        assert_eq!(facts.task_limits.len(), 1);
        assert!(PidExhaustion.evaluate(&context(&facts, None)).is_empty());
        assert_silent_on_cases(&PidExhaustion);
    }
}
