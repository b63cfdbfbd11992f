//! `memcg.limit-reached`: a memory cgroup's usage reached its limit.

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::kernel::cgroups;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::oom;
use crate::analyze::{lookup, refs, Context, Rule};
use crate::derive::kube::OomLevel;
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct LimitReached;

static META: RuleMeta = RuleMeta {
    id: "memcg.limit-reached",
    role: Role::Condition,
    summary: "A memory cgroup's usage reached its limit (usage == limit, failcnt > 0)",
    doc: include_str!("../../../docs/findings/memcg.limit-reached.md"),
    verdict_rank: Some(30),
    incidents: &["memcg-oom"],
    metrics: &[
        Metric::one("usage_bytes", MetricKind::Bytes, "the cgroup's usage"),
        Metric::one("limit_bytes", MetricKind::Bytes, "the cgroup's limit"),
        Metric::one(
            "failcnt",
            MetricKind::Count,
            "times the cgroup hit its limit",
        ),
        Metric::one("oom_kills", MetricKind::Count, "OOM kills in the cgroup"),
    ],
    needs: &[],
};

impl Rule for LimitReached {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        let mut from_kills: Vec<Advised> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        // A runtime's or an application's sizing that explains a cgroup's kills gives the advice
        // for its limit.
        let sized = oom::sized_limits(ctx);
        // Each kill once, however many logs keep a copy of its report.
        let events = &ctx.derived.oom_events;
        for o in events.iter().map(|e| e.kill) {
            let k = o.item;
            let at_limit = matches!(
                (k.memory_usage_kb, k.memory_limit_kb),
                (Some(u), Some(l)) if l > 0 && u >= l
            );
            if !oom::at_limit(k) {
                continue;
            }
            let cgroup = k
                .memcg
                .clone()
                .or_else(|| k.task_memcg.clone())
                .unwrap_or_else(|| "(cgroup not named)".to_string());
            if seen.contains(&cgroup) {
                continue;
            }
            seen.push(cgroup.clone());
            let kills = events
                .iter()
                .filter(|x| x.limit_cgroup() == Some(cgroup.as_str()))
                .count();
            let limit = k
                .memory_limit_kb
                .map(|l| units::bytes(l.saturating_mul(1024)));
            let b = FindingBuilder::new(self)
                .severity(Severity::Warning)
                .confidence(if at_limit {
                    Confidence::High
                } else {
                    Confidence::Medium
                })
                .title(format!(
                    "{} reached its {} limit",
                    match lookup::pod_oom(&ctx.derived, k) {
                        Some(p) if p.level == OomLevel::Pod => {
                            format!("The memory cgroup of pod {}", p.pod)
                        }
                        Some(p) if p.level == OomLevel::Container => {
                            format!("The memory cgroup of container {}", p.target)
                        }
                        _ => format!("Memory cgroup {cgroup}"),
                    },
                    limit.clone().unwrap_or_else(|| "memory".to_string())
                ))
                .paragraph(format!(
                    "The memory cgroup {} used {} against a limit of {}{}, and the kernel ran the \
                     OOM killer inside it {}{}. The workload needed more memory than \
                     the limit allows; the host itself was not out of memory.",
                    code(&cgroup),
                    k.memory_usage_kb
                        .map(|u| units::bytes(u.saturating_mul(1024)))
                        .unwrap_or_else(|| "?".to_string()),
                    limit.clone().unwrap_or_else(|| "?".to_string()),
                    k.memory_failcnt
                        .filter(|f| *f > 0)
                        .map(|f| format!(" (the limit was hit {f} times: `failcnt`)"))
                        .unwrap_or_default(),
                    times(kills),
                    k.victim
                        .as_ref()
                        .map(|v| format!("; it killed {}", code(&v.comm)))
                        .unwrap_or_default()
                ))
                .sentence(format!(
                    "The cgroup used {} of its {} limit{}, so the workload needs more memory than \
                     the limit allows, or leaks.",
                    k.memory_usage_kb
                        .map(|u| units::bytes(u.saturating_mul(1024)))
                        .unwrap_or_else(|| "all".to_string()),
                    limit.clone().unwrap_or_else(|| "memory".to_string()),
                    k.memory_failcnt
                        .filter(|f| *f > 0)
                        .map(|f| format!(" and had hit the limit {f} times"))
                        .unwrap_or_default()
                ))
                .memcg_usage(k)
                .metric("oom_kills", kills as u64)
                .cite_opt(o.path, k.header.as_ref())
                .cite_opt(o.path, k.memcg_line.as_ref())
                .cite_opt(o.path, k.memory_line.as_ref())
                .cite_opt(o.path, k.victim.as_ref().map(|v| &v.line))
                .references(&[refs::MEMCG_V1_DOC]);
            // The unit whose limit it is, as `systemctl status` shows it.
            let b = match oom::unit_of_cgroup(ctx, &cgroup) {
                Some(u) => b
                    .cite(u.path, &u.item.line)
                    .cite_opt(u.path, u.item.memory_line.as_ref()),
                None => b,
            };
            if b.has_evidence() {
                // A runtime's or an application's sizing that explains the kills advises on this
                // limit instead.
                let advice =
                    (!oom::sizing_advised(ctx, &sized, &cgroup)).then_some((cgroup, limit));
                from_kills.push((b, advice));
            }
        }
        let (action, command) = advice_of(ctx, &from_kills);
        out.extend(with_one_advice(from_kills, action, command.as_deref()));
        let mut from_files: Vec<Advised> = Vec::new();
        for limit in ctx
            .facts
            .cgroup_nodes
            .iter()
            .filter_map(cgroups::memory_limit)
        {
            if !limit.reached() || seen.contains(&limit.node.cgroup) {
                continue;
            }
            seen.push(limit.node.cgroup.clone());
            let advice = (!oom::sizing_advised(ctx, &sized, &limit.node.cgroup)).then(|| {
                (
                    limit.node.cgroup.clone(),
                    Some(units::bytes(limit.limit_bytes)),
                )
            });
            from_files.push((limit_in_files(self, &limit), advice));
        }
        let (action, command) = match from_files.as_slice() {
            [_] => (
                Some(
                    "Measure the workload's peak memory and size the limit to it with headroom, \
                     or reduce the workload's memory use."
                        .to_string(),
                ),
                None,
            ),
            _ => advice_of(ctx, &from_files),
        };
        out.extend(with_one_advice(from_files, action, command.as_deref()));
        out
    }
}

/// A finding being built, with the limit it advises on (its cgroup and the limit in words), if
/// any.
type Advised = (FindingBuilder, Option<(String, Option<String>)>);

/// The one recommendation for the limits of `findings`: each limit's owner named in it, so that
/// several containers at their limits get one action that lists them rather than one each.
fn advice_of(ctx: &Context<'_>, findings: &[Advised]) -> (Option<String>, Option<String>) {
    let limits: Vec<(&str, Option<&str>)> = findings
        .iter()
        .filter_map(|(_, a)| a.as_ref())
        .map(|(cgroup, limit)| (cgroup.as_str(), limit.as_deref()))
        .collect();
    match limits.as_slice() {
        [] => (None, None),
        _ => {
            let (action, command) = oom::limits_advice(ctx, &limits);
            (Some(action), command)
        }
    }
}

/// The findings built, the first that advises carrying the one recommendation.
fn with_one_advice(
    findings: Vec<Advised>,
    action: Option<String>,
    command: Option<&str>,
) -> Vec<Finding> {
    let mut action = action;
    findings
        .into_iter()
        .map(|(b, advice)| {
            let given = if advice.is_some() {
                action.take()
            } else {
                None
            };
            let b = match given {
                Some(a) => b.recommend(a, command, Risk::Low, "before restarting the workload"),
                None => b,
            };
            b.build()
        })
        .collect()
}

/// The finding from a group's own files: its limit, its usage, and how often it hit the limit.
fn limit_in_files(rule: &LimitReached, limit: &cgroups::MemoryLimit<'_>) -> FindingBuilder {
    let cgroup = &limit.node.cgroup;
    let v2 = limit.node.hierarchy == crate::facts::CgroupHierarchy::V2;
    let usage = limit
        .usage_bytes
        .map(|u| format!("used {} of", units::bytes(u)))
        .unwrap_or_else(|| "reached".to_string());
    let hits = match limit.hits.filter(|h| *h > 0) {
        Some(h) if v2 => format!(
            ", and its allocations met the limit {} (`memory.events` `max`)",
            times(h)
        ),
        Some(h) => format!(", and hit it {} (`memory.failcnt`)", times(h)),
        None => String::new(),
    };
    let mut b = FindingBuilder::new(rule)
        .severity(Severity::Warning)
        .confidence(Confidence::Medium)
        .title(format!(
            "Memory cgroup {cgroup} reached its {} limit",
            units::bytes(limit.limit_bytes)
        ))
        .sentence(format!(
            "The memory cgroup {} {usage} its {} limit{hits}: at the limit the kernel reclaims \
             from the group, and runs the OOM killer inside it when reclaim cannot keep up.",
            code(cgroup),
            units::bytes(limit.limit_bytes)
        ))
        .paragraph(
            "Read from the cgroup's own files at collection (`memory.max` and `memory.current` \
             on cgroup v2, `memory.limit_in_bytes`, `memory.usage_in_bytes` and \
             `memory.failcnt` on v1): the workload needs about as much memory as the limit \
             allows, or more.",
        )
        .metric("limit_bytes", limit.limit_bytes)
        .metric_opt("usage_bytes", limit.usage_bytes)
        .metric_opt("failcnt", limit.hits)
        .references(&[refs::MEMCG_V1_DOC]);
    for (path, line) in limit.lines.iter().flatten() {
        b = b.cite(path, line);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;
    use crate::facts::{Line, OomKill, OomScope};

    pub fn memcg_oom() -> OomKill {
        OomKill {
            header: Some(Line::new(
                100,
                "[2751100.000000] java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0",
            )),
            scope: OomScope::Memcg,
            memcg: Some("/docker/3c9f2d1a7b6e".to_string()),
            memory_usage_kb: Some(262144),
            memory_limit_kb: Some(262144),
            memory_failcnt: Some(412),
            memory_line: Some(Line::new(
                102,
                "[2751100.000100] memory: usage 262144kB, limit 262144kB, failcnt 412",
            )),
            ..Default::default()
        }
    }

    #[test]
    fn usage_at_limit() {
        let mut facts = testkit::seed_facts();
        assert!(LimitReached
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        facts.kernel_logs[0].value.oom_kills.push(memcg_oom());
        facts.kernel_logs[0].value.oom_kills.push(memcg_oom());
        let found = LimitReached.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metrics["oom_kills"], 2);
        assert!(found[0]
            .explanation
            .contains("used 256 MiB against a limit of 256 MiB"));
        assert!(found[0].explanation.contains("412 times"));
        assert_eq!(found[0].confidence, Confidence::High);
    }
}

/// `memcg.limit-reached` from a cgroup's own files.
#[cfg(test)]
mod files {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;

    const POD: &str = "sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice";

    /// A v2 pod at its `memory.max`, its allocations having met the limit 57 times.
    #[test]
    fn a_v2_group_at_its_max() {
        let mut facts = Facts::default();
        file_into(&mut facts, &format!("{POD}/memory.max"), "268435456\n");
        file_into(&mut facts, &format!("{POD}/memory.current"), "268292096\n");
        file_into(
            &mut facts,
            &format!("{POD}/memory.events"),
            "low 0\nhigh 0\nmax 57\noom 0\noom_kill 0\n",
        );
        let f = LimitReached.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["failcnt"], 57);
        assert_eq!(f[0].evidence.len(), 3);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(f[0].sentence, @"The memory cgroup `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice` used 256 MiB of its 256 MiB limit, and its allocations met the limit 57 times (`memory.events` `max`): at the limit the kernel reclaims from the group, and runs the OOM killer inside it when reclaim cannot keep up.");
    }

    /// The real v1 files of an EKS container with a 2 GiB limit that it never hit
    /// (`memory.failcnt` 0), using 1.1 GiB: not at its limit. With a `failcnt` above zero the
    /// same files are the finding's.
    #[test]
    fn a_v1_container_below_its_limit() {
        let dir = "sys/fs/cgroup/memory/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice/cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496.scope";
        let with_failcnt = |failcnt: &str| {
            let mut facts = Facts::default();
            file_into(
                &mut facts,
                &format!("{dir}/memory.limit_in_bytes"),
                &without_header(include_str!(
                    "../../../tests/data/cgroup_single_value/elastic-v1-memory.limit_in_bytes-2Gi.txt"
                )),
            );
            file_into(&mut facts, &format!("{dir}/memory.failcnt"), failcnt);
            file_into(
                &mut facts,
                &format!("{dir}/memory.usage_in_bytes"),
                "1197862912\n",
            );
            facts
        };
        let real = with_failcnt(&without_header(include_str!(
            "../../../tests/data/cgroup_single_value/elastic-v1-memory.failcnt-zero.txt"
        )));
        assert_eq!(real.cgroup_nodes.len(), 1);
        assert!(LimitReached.evaluate(&context(&real, None)).is_empty());
        let hit = with_failcnt("12\n");
        let f = LimitReached.evaluate(&context(&hit, None));
        assert_eq!(f[0].metrics["failcnt"], 12);
    }
}
