//! `cgroup.pids-limit-reached`: a cgroup's `pids.max` stopped `fork` and `clone`.
//!
//! The evidence is the kernel's own: `cgroup: fork rejected by pids controller in <cgroup>`
//! (printed once per cgroup until its event count resets), or a `pids.events` `max` counter
//! above zero in the bundle's copy of the cgroup file system. A failed fork alone (`fork:
//! Resource temporarily unavailable`) is not: without a limit reached it is another limit.

use std::collections::BTreeMap;

use crate::analyze::finding::{code, count, times, FindingBuilder};
use crate::analyze::kernel::cgroups;
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{CgroupNode, KernelMessage, KernelMessageKind, Line};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct PidsLimitReached;

static META: RuleMeta = RuleMeta {
    id: "cgroup.pids-limit-reached",
    role: Role::Condition,
    summary: "A cgroup's pids limit stopped fork and clone (EAGAIN): not a memory problem",
    doc: include_str!("../../../docs/findings/cgroup.pids-limit-reached.md"),
    verdict_rank: Some(35),
    incidents: &["pids-limit"],
    metrics: &[
        Metric::one(
            "rejection_reports",
            MetricKind::Count,
            "`fork rejected by pids controller` lines",
        ),
        Metric::one(
            "cgroups",
            MetricKind::Count,
            "cgroups that reached their pids limit",
        ),
        Metric::one(
            "rejected_forks",
            MetricKind::Count,
            "forks the limit rejected, by `pids.events` `max`",
        ),
        Metric::one("pids_max", MetricKind::Count, "the cgroup's `pids.max`"),
        Metric::one(
            "pids_current",
            MetricKind::Count,
            "the cgroup's tasks at collection",
        ),
        Metric::one("cgroup", MetricKind::Text, "the cgroup that hit its limit"),
    ],
    needs: &[],
};

/// What the bundle says of one cgroup that reached its limit.
#[derive(Default)]
struct Limited<'a> {
    reports: Vec<lookup::At<'a, KernelMessage>>,
    node: Option<&'a CgroupNode>,
}

impl Rule for PidsLimitReached {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut cgroups: BTreeMap<&str, Limited<'_>> = BTreeMap::new();
        for m in lookup::kernel_messages(ctx.facts) {
            if let KernelMessageKind::PidsForkRejected { cgroup } = &m.item.kind {
                cgroups.entry(cgroup.as_str()).or_default().reports.push(m);
            }
        }
        for node in &ctx.facts.cgroup_nodes {
            let rejected = rejected_forks(node).is_some_and(|(n, _, _)| n > 0);
            let full = matches!(
                (node.single("pids.max"), node.single("pids.current")),
                (Some((_, Some(max), _)), Some((_, Some(now), _))) if now >= max
            );
            if rejected || full || cgroups.contains_key(node.cgroup.as_str()) {
                let entry = cgroups.entry(node.cgroup.as_str()).or_default();
                if entry.node.is_none() || node.files.iter().any(|f| f.name.starts_with("pids.")) {
                    entry.node = Some(node);
                }
            }
        }
        // The cgroup the kernel named most often, else the one with the most rejections.
        let Some((name, main)) = cgroups
            .iter()
            .max_by_key(|(name, l)| {
                (
                    l.reports.len(),
                    l.node.and_then(rejected_forks).map(|r| r.0),
                    std::cmp::Reverse(*name),
                )
            })
            .map(|(n, l)| (*n, l))
        else {
            return Vec::new();
        };
        let reports = lookup::count_in_fullest_log(&main.reports);
        let rejected = main.node.and_then(rejected_forks);
        // The limit that was hit may be an ancestor's: the kernel names the forking task's
        // cgroup, and charges every level up to the root.
        let has_limit = |n: &&CgroupNode| n.single("pids.max").is_some_and(|s| s.1.is_some());
        let holder = main.node.filter(has_limit).or_else(|| {
            ctx.facts
                .cgroup_nodes
                .iter()
                .filter(|n| has_limit(n) && cgroups::is_below(name, &n.cgroup))
                .max_by_key(|n| n.cgroup.len())
        });
        let limit = holder.and_then(|n| n.single("pids.max"));
        let current = holder.and_then(|n| n.single("pids.current"));
        let held_by = holder.map_or(name, |h| h.cgroup.as_str());

        let limit_text = match limit.map(|l| l.1) {
            Some(Some(max)) => format!("its `pids.max` of {max} tasks"),
            _ => "its pids limit".to_string(),
        };
        let current_text = match current.and_then(|c| c.1) {
            Some(n) => format!(" ({n} tasks in it at collection)"),
            None => String::new(),
        };
        let refused = match rejected.map(|r| r.0) {
            Some(n) if n > 0 => format!(
                "refused {} there (`pids.events` `max`)",
                count(usize::try_from(n).unwrap_or(usize::MAX), "fork", "forks")
            ),
            _ if reports == 0 => "will refuse the next fork there".to_string(),
            _ => format!(
                "refused forks there (`fork rejected by pids controller`, logged {}: the kernel \
                 logs it once per cgroup)",
                times(reports)
            ),
        };
        let others = cgroups
            .keys()
            .filter(|c| **c != name && **c != held_by)
            .count();
        let others_text = match others {
            0 => String::new(),
            1 => " Another cgroup reached its limit too.".to_string(),
            n => format!(" {n} other cgroups reached theirs too."),
        };
        // Forks that were refused make the limit the mechanism of a failure; a group at its
        // limit that refused nothing yet is a condition.
        let refused_any = reports > 0 || rejected.is_some_and(|r| r.0 > 0);
        let mut b = FindingBuilder::new(self)
            .role(if refused_any {
                Role::Mechanism
            } else {
                Role::Condition
            })
            .severity(if refused_any {
                Severity::Critical
            } else {
                Severity::Warning
            })
            .confidence(Confidence::High)
            .title(format!("cgroup {held_by} reached its pids limit"))
            .sentence(format!(
                "{} reached {limit_text}{current_text}: the pids controller {refused}, each \
                 `fork()` or `clone()` failing with EAGAIN (`Resource temporarily unavailable`). \
                 It is a task limit, not a memory shortage.{others_text}",
                if held_by == name {
                    format!("The cgroup {}", code(name))
                } else {
                    format!(
                        "The cgroup {} is inside {}, which",
                        code(name),
                        code(held_by)
                    )
                }
            ))
            .paragraph(
                "The pids controller counts the processes and threads of a cgroup and its \
                 children. When a fork would pass `pids.max`, the kernel fails it with EAGAIN and \
                 logs `cgroup: fork rejected by pids controller in <cgroup>` once, until the \
                 cgroup's event count is reset. Programs then report `fork: retry: Resource \
                 temporarily unavailable` or `can't create new thread`; a thread pool that cannot \
                 grow can look like a hang. Docker's `--pids-limit`, podman's `--pids-limit` \
                 (2048 by default), Kubernetes' pod pids limit and systemd's `TasksMax=` all set \
                 `pids.max`.",
            )
            .metric("rejection_reports", reports as u64)
            .metric("cgroups", (others + 1) as u64)
            .metric_opt("rejected_forks", rejected.map(|r| r.0))
            .metric_opt("pids_max", limit.and_then(|l| l.1))
            .metric_opt("pids_current", current.and_then(|c| c.1))
            .metric("cgroup", held_by.to_string());
        for m in main.reports.iter().take(3) {
            b = b.cite(m.path, &m.item.line);
        }
        if let Some((_, path, line)) = rejected {
            b = b.cite(path, line);
        }
        if let Some((file, _, line)) = limit {
            b = b.cite(&file.path, line);
        }
        if let Some((file, _, line)) = current {
            b = b.cite(&file.path, line);
        }
        vec![b
            .recommend(
                "Find what multiplied its tasks in the cgroup: a fork loop, a thread leak, a \
                 pool sized for a larger limit",
                Some("ps -eLf | awk '{print $2}' | sort | uniq -c | sort -rn | head"),
                Risk::Low,
                "First",
            )
            .recommend(
                "Raise the limit where the workload needs it: `docker run --pids-limit`, \
                 `podman run --pids-limit`, the kubelet's `podPidsLimit`, or `TasksMax=` of the \
                 systemd unit or slice",
                None,
                Risk::Medium,
                "When the task count is legitimate",
            )
            .build()]
    }
}

/// The `max` counter of a cgroup's `pids.events`: forks the limit refused, with its line.
fn rejected_forks(node: &CgroupNode) -> Option<(u64, &str, &Line)> {
    let (file, row) = node.counter("pids.events", "max")?;
    Some((
        u64::try_from(row.value?).ok()?,
        file.path.as_str(),
        &row.line,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;
    use crate::sources::SourceKind;

    /// The real sos journal excerpt: its header left out.
    const LXD: &str = include_str!(
        "../../../tests/data/pids_fork_rejected/hotsos-sos-ubuntu2004-fork-rejected-pids-lxd.txt"
    );

    fn journal(text: &str) -> Facts {
        kernel_log_facts(
            "sos_commands/logs/journalctl_--no-pager",
            text,
            SourceKind::Syslog,
        )
    }

    fn explained(facts: &Facts) -> String {
        explained_by(&PidsLimitReached, facts)
    }

    #[test]
    fn real_fork_rejected_line() {
        let facts = journal(LXD);
        let f = PidsLimitReached.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[0].line, Some(13));
        assert_eq!(f[0].metrics["rejection_reports"], 1);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(explained(&facts), @r###"
            cgroup /lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service reached its pids limit
            > The cgroup `/lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service` reached its pids limit: the pids controller refused forks there (`fork rejected by pids controller`, logged once: the kernel logs it once per cgroup), each `fork()` or `clone()` failing with EAGAIN (`Resource temporarily unavailable`). It is a task limit, not a memory shortage.

            The pids controller counts the processes and threads of a cgroup and its children. When a fork would pass `pids.max`, the kernel fails it with EAGAIN and logs `cgroup: fork rejected by pids controller in <cgroup>` once, until the cgroup's event count is reset. Programs then report `fork: retry: Resource temporarily unavailable` or `can't create new thread`; a thread pool that cannot grow can look like a hang. Docker's `--pids-limit`, podman's `--pids-limit` (2048 by default), Kubernetes' pod pids limit and systemd's `TasksMax=` all set `pids.max`.
            "###);
    }

    /// The same line with the cgroup's files: the limit and the count are named.
    #[test]
    fn with_the_cgroup_files() {
        let mut facts = journal(LXD);
        let dir = "sos/sys/fs/cgroup/lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service";
        file_into(&mut facts, &format!("{dir}/pids.max"), "2048\n");
        file_into(&mut facts, &format!("{dir}/pids.current"), "2048\n");
        file_into(&mut facts, &format!("{dir}/pids.events"), "max 317\n");
        let f = PidsLimitReached.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["pids_max"], 2048);
        assert_eq!(f[0].metrics["rejected_forks"], 317);
        assert_eq!(f[0].evidence.len(), 4);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"The cgroup `/lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service` reached its `pids.max` of 2048 tasks (2048 tasks in it at collection): the pids controller refused 317 forks there (`pids.events` `max`), each `fork()` or `clone()` failing with EAGAIN (`Resource temporarily unavailable`). It is a task limit, not a memory shortage.");
    }

    /// A fork that failed with EAGAIN in a container whose cgroup has no pids limit, and a
    /// `pids.events` that never counted a rejection, are not it; neither is a testkit case.
    #[test]
    fn near_misses_do_not_raise_it() {
        let mut facts = Facts::default();
        let dir = "sys/fs/cgroup/system.slice/docker-1c8fa019edd4.scope";
        file_into(&mut facts, &format!("{dir}/pids.max"), "max\n");
        file_into(&mut facts, &format!("{dir}/pids.current"), "31\n");
        file_into(
            &mut facts,
            &format!("{dir}/pids.events"),
            &without_header(include_str!(
                "../../../tests/data/cgroup_pids_events/elastic-v2-session-scope.txt"
            )),
        );
        file_into(
            &mut facts,
            "docker-run.txt",
            "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: fork/exec /proc/self/exe: resource temporarily unavailable: unknown.\n",
        );
        assert_eq!(facts.cgroup_nodes.len(), 1);
        assert!(PidsLimitReached.evaluate(&context(&facts, None)).is_empty());
        assert_silent_on_cases(&PidsLimitReached);
    }
}
