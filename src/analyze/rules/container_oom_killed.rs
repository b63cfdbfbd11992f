//! `container.oom-killed`: a container's process was killed because its memory cgroup hit its
//! limit.

use crate::units;
use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::derive::kube::OomLevel;
use crate::derive::At;
use crate::facts::{Container, KubeAction, OomKill, OomScope};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct ContainerOomKilled;

fn container_label(c: &Container) -> String {
    let id: String = c.id.chars().take(12).collect();
    match &c.name {
        Some(n) if !n.is_empty() => format!("{n} ({id})"),
        _ => id,
    }
}

/// Cite a kernel OOM report's cgroup, usage and kill lines, and note its victim once.
fn cite_kill(b: FindingBuilder, k: At<'_, OomKill>, victims: &mut Vec<String>) -> FindingBuilder {
    if let Some(v) = &k.item.victim {
        if !victims.contains(&v.comm) {
            victims.push(v.comm.clone());
        }
    }
    b.cite_opt(k.path, k.item.memcg_line.as_ref())
        .cite_opt(k.path, k.item.memory_line.as_ref())
        .cite_opt(k.path, k.item.victim.as_ref().map(|v| &v.line))
}

static META: RuleMeta = RuleMeta {
    id: "container.oom-killed",
    role: Role::Symptom,
    summary: "A container's process was killed because its memory cgroup hit its limit",
    doc: include_str!("../../../docs/findings/container.oom-killed.md"),
    verdict_rank: None,
    incidents: &["memcg-oom"],
    metrics: &[
        Metric::one("containers", MetricKind::Count, "containers OOM-killed"),
        Metric::one(
            "limit_bytes",
            MetricKind::Bytes,
            "the container's memory limit",
        ),
    ],
    needs: &[],
};

impl Rule for ContainerOomKilled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut sources: BTreeSet<&str> = BTreeSet::new();
        // Each container's own limit: containers of one bundle seldom share theirs.
        let mut limits: BTreeMap<String, i64> = BTreeMap::new();

        for c in &facts.containers {
            if c.value.state.oom_killed == Some(true) {
                b = b.cite_opt(&c.path, c.value.state.oom_killed_line.as_ref());
                let label = container_label(&c.value);
                if let Some(l) = c.value.memory.limit_bytes.filter(|l| *l > 0) {
                    limits.insert(label.clone(), l);
                }
                names.insert(label);
                sources.insert(&c.path);
            }
        }
        for s in &facts.docker_events {
            for e in s.value.iter().filter(|e| e.action == "oom") {
                b = b.cite(&s.path, &e.line);
                names.insert(match e.name() {
                    Some(n) => format!("{n} ({})", e.actor_id.chars().take(12).collect::<String>()),
                    None => e.actor_id.chars().take(12).collect(),
                });
                sources.insert(&s.path);
            }
        }
        let mut kernel_victims: Vec<String> = Vec::new();
        // Reports whose memory cgroup is a container the bundle knows (inspect, events), each
        // kill once however many logs keep a copy of it.
        let in_container = |cg: Option<&str>| {
            cg.is_some_and(|cg| {
                ctx.derived
                    .containers
                    .iter()
                    .any(|v| crate::derive::cgroup_names_container(cg, v.id))
            })
        };
        let kernel_kills: Vec<_> = ctx
            .derived
            .oom_events
            .iter()
            .filter(|e| e.kill.item.scope == OomScope::Memcg && in_container(e.limit_cgroup()))
            .collect();
        for e in &kernel_kills {
            let k = e.kill;
            b = cite_kill(b, k, &mut kernel_victims);
            sources.insert(k.path);
        }
        // Groups of containers whose own OOM-kill counter moved (cgroup v2 `memory.events`).
        for c in crate::analyze::kernel::cgroups::oom_kill_counters(facts) {
            let known = facts
                .containers
                .iter()
                .find(|k| crate::derive::cgroup_names_container(&c.node.cgroup, &k.value.id));
            let name = match (
                known,
                crate::analyze::kernel::cgroups::container_id(&c.node.cgroup),
            ) {
                (Some(k), _) => container_label(&k.value),
                (None, Some(id)) => id.chars().take(12).collect(),
                (None, None) => continue,
            };
            b = b.cite(c.path, c.line);
            names.insert(name);
            sources.insert(c.path);
        }
        // Kubernetes: `Reason: OOMKilled`, the kubepods cgroup of a kernel report, a `TaskOOM`.
        let mut pod_level: Vec<String> = Vec::new();
        let mut in_kube = false;
        let mut pod_kernel_kills = 0usize;
        for pod in &ctx.derived.pods {
            for (at, c) in pod.containers.iter().enumerate() {
                let label = pod.container_label(at);
                for s in &c.statuses {
                    for t in s.item.terminations() {
                        if t.reason.as_deref() == Some("OOMKilled") {
                            b = b
                                .cite(s.path, &t.line)
                                .cite_opt(s.path, t.exit_code_line.as_ref());
                            names.insert(label.clone());
                            sources.insert(s.path);
                            in_kube = true;
                            if let Some(l) = s
                                .item
                                .memory_limit_bytes
                                .and_then(|l| i64::try_from(l).ok())
                            {
                                limits.entry(label.clone()).or_insert(l);
                            }
                        }
                    }
                }
                for r in c
                    .log
                    .iter()
                    .filter(|r| r.item.kube_action() == Some(&KubeAction::RuntimeOom))
                {
                    b = b.cite(r.path, &r.item.line);
                    names.insert(label.clone());
                    sources.insert(r.path);
                }
            }
            for o in &pod.oom_kills {
                let k = o.at;
                // Each kill once (its kept copy), and not again when a container view cited it.
                let kept = ctx
                    .derived
                    .oom_events
                    .iter()
                    .any(|e| std::ptr::eq(e.kill.item, k.item));
                let cited = kernel_kills
                    .iter()
                    .any(|e| std::ptr::eq(e.kill.item, k.item));
                if o.level == OomLevel::Host || !kept || cited {
                    continue;
                }
                b = cite_kill(b, k, &mut kernel_victims);
                pod_kernel_kills += 1;
                let label = o
                    .container
                    .map_or_else(|| pod.label(), |c| pod.container_label(c));
                names.insert(label.clone());
                sources.insert(k.path);
                in_kube = true;
                let hit = k
                    .item
                    .memory_limit_kb
                    .and_then(|l| i64::try_from(l.saturating_mul(1024)).ok());
                if o.level == OomLevel::Pod {
                    // The pod's limit is the one that was hit.
                    if let Some(h) = hit {
                        limits.insert(label, h);
                    }
                    pod_level.push(format!(
                        "The limit that was hit is pod {}'s{}: the sum of its containers' \
                         limits, not one container's own.",
                        code(&pod.label()),
                        hit.map(|h| format!(" ({})", units::bytes(u64::try_from(h).unwrap_or(0))))
                            .unwrap_or_default()
                    ));
                } else if let Some(h) = hit {
                    limits.entry(label).or_insert(h);
                }
            }
        }
        if !b.has_evidence() {
            return Vec::new();
        }
        let list: Vec<String> = names
            .iter()
            .map(
                |n| match limits.get(n).and_then(|l| u64::try_from(*l).ok()) {
                    Some(l) if names.len() > 1 => {
                        format!("{} (limit {})", code(n), units::bytes(l))
                    }
                    _ => code(n),
                },
            )
            .collect();
        let mut text = match list.len() {
            0 => "The kernel's OOM killer killed a process of a container because the container's \
                  memory cgroup reached its limit."
                .to_string(),
            1 => format!(
                "Container {} was OOM-killed: a process in it was killed because the container's \
                 memory cgroup reached its limit.",
                list.join(", ")
            ),
            _ => format!(
                "Containers {} were OOM-killed: a process in each was killed because its \
                 memory cgroup reached its limit.",
                list.join(", ")
            ),
        };
        let limit = (limits.len() == 1)
            .then(|| limits.values().next().copied())
            .flatten();
        if let Some(l) = limit.filter(|_| names.len() == 1) {
            text.push_str(&format!(
                " Its memory limit is {}.",
                units::bytes(u64::try_from(l).unwrap_or(0))
            ));
        }
        pod_level.dedup();
        for p in &pod_level {
            text.push(' ');
            text.push_str(p);
        }
        if !kernel_victims.is_empty() {
            text.push_str(&format!(
                " The kernel log names the killed {}: {}.",
                if kernel_victims.len() == 1 {
                    "process"
                } else {
                    "processes"
                },
                kernel_victims
                    .iter()
                    .map(|v| code(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let confidence = if sources.len() >= 2 {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let b = b
            .title(if names.len() == 1 {
                format!(
                    "Container {} was OOM-killed",
                    names.iter().next().map(String::as_str).unwrap_or("")
                )
            } else {
                "A container was OOM-killed".to_string()
            })
            .paragraph(text)
            .paragraph_opt(repetition(ctx))
            .paragraph(format!(
                "This is the container's own limit at work, not a host-wide shortage: the host may \
                 have plenty of free memory. {}",
                why_words(ctx, &names)
            ))
            .confidence(confidence)
            .metric("containers", names.len() as u64)
            .metric_opt("limit_bytes", limit);
        // With the kernel's report of the kill, the limit's own finding gives the advice, with
        // its numbers; without it, this finding is all the bundle has.
        let b = if kernel_kills.is_empty() && pod_kernel_kills == 0 {
            b.recommend(
                "Compare the container's peak memory use with its limit before changing either",
                Some(if in_kube {
                    "kubectl top pods -A --containers"
                } else {
                    "docker stats --no-stream"
                }),
                Risk::None,
                "To tell a limit set too low from a leak",
            )
            .recommend(
                if in_kube {
                    "Raise the container's `resources.limits.memory` in its pod template to its \
                     measured working set plus headroom (and its request with it)"
                } else {
                    "Raise the container's memory limit to its measured working set plus headroom"
                },
                None,
                Risk::Low,
                "When the workload legitimately needs more than the limit",
            )
        } else {
            b
        };
        vec![b.build()]
    }
}

/// Why the containers `names` reached their limits, as far as this finding tells it: a runtime
/// told it may grow past the limit (its sizing is told with the numbers to fix it), else the
/// workload's need or a leak.
fn why_words(ctx: &Context<'_>, names: &BTreeSet<String>) -> String {
    let sized: BTreeSet<String> = crate::analyze::oom::sized_limits(ctx)
        .into_iter()
        .map(|s| s.label)
        .filter(|l| names.contains(l))
        .collect();
    let plain = "Either the workload needs more than its limit, or it leaks.";
    if sized.is_empty() {
        plain.to_string()
    } else if sized.len() == names.len() {
        "Here the runtime inside was allowed to grow past the limit: its own sizing is told with \
         the numbers to fix it."
            .to_string()
    } else {
        format!(
            "In {}, the runtime inside was allowed to grow past the limit: its own sizing is told \
             with the numbers to fix it. For the others: either the workload needs more than its \
             limit, or it leaks.",
            sized.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Containers killed more than once, and restarted in between: `report-worker-2` was
/// OOM-killed 3 times and started again twice. Read from each container's `oom` and `start`
/// events, and from the kernel's reports of its cgroup (each kill once), whose victims'
/// resident sizes show whether it grew from one kill to the next.
fn repetition(ctx: &Context<'_>) -> Option<String> {
    let mut told = Vec::new();
    for v in &ctx.derived.containers {
        let kernel: Vec<u64> = ctx
            .derived
            .oom_events
            .iter()
            .filter(|e| {
                e.limit_cgroup()
                    .is_some_and(|cg| crate::derive::cgroup_names_container(cg, v.id))
            })
            .filter_map(|e| e.kill.item.victim.as_ref())
            .filter_map(|victim| {
                let kb = victim.anon_rss_kb?
                    + victim.file_rss_kb.unwrap_or(0)
                    + victim.shmem_rss_kb.unwrap_or(0);
                Some(kb.saturating_mul(1024))
            })
            .collect();
        let events = v.events.iter().filter(|e| e.item.action == "oom").count();
        let ooms = events.max(kernel.len());
        if ooms < 2 {
            continue;
        }
        let first_oom = v.events.iter().position(|e| e.item.action == "oom");
        let restarts = first_oom.map_or(0, |at| {
            v.events
                .iter()
                .skip(at)
                .filter(|e| e.item.action == "start")
                .count()
        });
        let mut s = format!("{} was OOM-killed {}", code(&v.label()), times(ooms));
        if restarts > 0 {
            s.push_str(&format!(
                " and started again {} in between (its restart policy, or an operator): the \
                 same limit was hit each time",
                times(restarts)
            ));
        }
        if kernel.len() >= 2 {
            let sizes: Vec<String> = kernel.iter().map(|b| units::bytes(*b)).collect();
            s.push_str(&format!(
                "; the killed process was resident at {} at each kill",
                sizes.join(", ")
            ));
        }
        told.push(s);
    }
    told.extend(pod_restart_loops(ctx));
    (!told.is_empty()).then(|| format!("{}.", told.join("; ")))
}

/// The containers of pods that were OOM-killed and that the kubelet restarted again and again:
/// its `Back-off restarting failed container` lines and `BackOff` events (`CrashLoopBackOff`),
/// and the restart count of its status, said with the container's OOM kills.
fn pod_restart_loops(ctx: &Context<'_>) -> Vec<String> {
    let mut told = Vec::new();
    for pod in &ctx.derived.pods {
        for (at, c) in pod.containers.iter().enumerate() {
            let kernel = pod
                .oom_kills
                .iter()
                .filter(|o| o.container == Some(at) && o.level != OomLevel::Host)
                .count();
            let reported = c.statuses.iter().any(|s| {
                s.item
                    .terminations()
                    .any(|t| t.reason.as_deref() == Some("OOMKilled"))
            });
            if kernel == 0 && !reported {
                continue;
            }
            // Back-offs past a log's first routine records are folded into a kept one: each
            // counts with its repeats, and the last delay is known only when none was folded.
            let backoffs: Vec<(Option<&str>, u64)> = c
                .log
                .iter()
                .filter_map(|r| match r.item.kube_action() {
                    Some(KubeAction::BackOff { delay }) => Some((
                        delay.as_deref(),
                        r.item.repeat.as_ref().map_or(0, |rep| rep.count),
                    )),
                    _ => None,
                })
                .collect();
            let folded = backoffs.iter().any(|(_, repeats)| *repeats > 0);
            let logged = backoffs
                .iter()
                .fold(0u64, |n, (_, repeats)| n.saturating_add(1 + repeats));
            // Cluster events name the container in their message since 1.26, else only the pod.
            let name = c.name.as_deref().unwrap_or_default();
            let events: u64 = pod
                .events
                .iter()
                .filter(|e| {
                    e.item.reason == "BackOff"
                        && e.item.message.contains("restarting failed container")
                        && (pod.containers.len() == 1
                            || (!name.is_empty() && e.item.message.contains(name)))
                })
                .map(|e| e.item.count.unwrap_or(1))
                .sum();
            let restarts = c.statuses.iter().filter_map(|s| s.item.restart_count).max();
            let held = logged.max(events);
            if held == 0 && restarts.is_none_or(|r| r < 2) {
                continue;
            }
            let mut s = format!("{} was OOM-killed", code(&pod.container_label(at)));
            if kernel > 0 {
                s.push_str(&format!(" {} (kernel reports)", times(kernel)));
            }
            if let Some(r) = restarts.filter(|r| *r > 0) {
                s.push_str(&format!(", restarted {} (`Restart Count`)", times(r)));
            }
            if held > 0 {
                let longest = backoffs
                    .iter()
                    .filter_map(|(delay, _)| *delay)
                    .next_back()
                    .filter(|_| !folded);
                s.push_str(&format!(
                    ", and the kubelet held back restarting it {} (`CrashLoopBackOff`{}): a \
                     restart loop, each run killed at the same limit",
                    times(held),
                    longest
                        .map(|d| format!(", the last time for {d}"))
                        .unwrap_or_default()
                ));
            }
            told.push(s);
        }
    }
    told
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, Line, OomKill, OomScope, OomVictim, Sourced};

    fn run(facts: &Facts) -> Vec<Finding> {
        ContainerOomKilled.evaluate(&context(facts, None))
    }

    #[test]
    fn silent_on_the_seed() {
        assert!(run(&seed_facts()).is_empty());
    }

    #[test]
    fn fires_on_inspect_flag_and_a_memcg_report_naming_the_container() {
        let mut facts = seed_facts();
        let id = facts.containers[0].value.id.clone();
        facts.containers[0].value.state.oom_killed = Some(true);
        facts.containers[0].value.state.oom_killed_line =
            Some(Line::new(12, "            \"OOMKilled\": true,"));
        let mut log = seed_kernel_log();
        log.oom_kills.push(OomKill {
            scope: OomScope::Memcg,
            memcg: Some(format!("/docker/{id}")),
            memcg_line: Some(Line::new(
                200,
                format!("Task in /docker/{id} killed as a result of limit of /docker/{id}"),
            )),
            victim: Some(OomVictim {
                comm: "java".into(),
                line: Line::new(
                    210,
                    "Killed process 1234 (java) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
                ),
                ..OomVictim::default()
            }),
            ..OomKill::default()
        });
        facts.kernel_logs = vec![Sourced {
            path: "dmesg".into(),
            value: log,
        }];
        let f = run(&facts);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::High);
        assert!(f[0].explanation.contains("`java`"));
        assert_eq!(f[0].evidence.len(), 3);
    }

    #[test]
    fn a_pod_level_oom_is_named_by_namespace_pod_and_container() {
        use crate::parse::testing::{data, facts_of};
        use crate::sources::SourceKind;
        let describe = "kubectl describe po nginx
Name:         nginx
Namespace:    default
Containers:
  nginx:
    Container ID:   containerd://25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca
    State:          Running
      Started:      Thu, 12 Oct 2023 19:00:49 +0000
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
";
        let syslog = data("dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt");
        let facts = facts_of(&[
            ("var/log/syslog", SourceKind::Syslog, &syslog),
            (
                "describe-pod.txt",
                SourceKind::KubectlDescribePod,
                describe.as_bytes(),
            ),
        ]);
        let f = run(&facts);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].title, "Container default/nginx/nginx was OOM-killed");
        assert_eq!(f[0].confidence, Confidence::High);
        assert!(
            f[0].explanation
                .contains("The limit that was hit is pod `default/nginx`'s (100 MiB)"),
            "{}",
            f[0].explanation
        );
        // Kubernetes' reason and exit code, containerd's TaskOOM, the kernel's usage and victim
        // lines.
        assert_eq!(f[0].evidence.len(), 5, "{:#?}", f[0].evidence);
    }

    #[test]
    fn matches_cgroup_paths() {
        let id = "3c9f2d1a7b6e0c55a1f0d4be2a8e9c7f";
        assert!(crate::derive::cgroup_names_container(
            "/docker/3c9f2d1a7b6e0c55a1f0d4be2a8e9c7f",
            id
        ));
        assert!(crate::derive::cgroup_names_container(
            "/system.slice/docker-3c9f2d1a7b6e.scope",
            id
        ));
        assert!(!crate::derive::cgroup_names_container("/docker/ffff", id));
        assert!(!crate::derive::cgroup_names_container("/docker/abc", "abc"));
    }
}

/// `container.oom-killed` from a container's cgroup v2 `memory.events`.
#[cfg(test)]
mod counters {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    /// The real counters of a docker scope with `oom_kill 1`: the container is named by the id
    /// in its cgroup; a system service's group with the same counters is no container.
    #[test]
    fn a_docker_scope_counted_an_oom_kill() {
        let events = without_header(include_str!(
            "../../../tests/data/cgroup_memory_events/elastic-v2-5x-docker-scope-no-oom-group-kill.txt"
        ));
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            "sys/fs/cgroup/system.slice/sshd.service/memory.events",
            &events,
        );
        assert!(ContainerOomKilled
            .evaluate(&context(&facts, None))
            .is_empty());
        file_into(
            &mut facts,
            "sys/fs/cgroup/system.slice/docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope/memory.events",
            &events,
        );
        let f = ContainerOomKilled.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].title, "Container 1c8fa019edd4 was OOM-killed");
        assert!(evidence_is_real(&facts, &f[0].evidence));
    }
}
