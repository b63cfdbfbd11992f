//! `container.memory-limit`: the failing container's memory limit and what it did on this host.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::kernel::kmem::kmem_evidence;
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, Need, NeedWhen, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::{Container, OomScope};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::sources::SourceKind;
use crate::units;

pub struct ContainerMemoryLimit;

/// Whether a cgroup path names the container (`/docker/<id>`, `docker-<id>.scope`).
fn cgroup_names(path: &str, c: &Container) -> bool {
    let id = c.id.as_str();
    id.len() >= 12 && (path.contains(id) || path.contains(&id[..12]))
}

static META: RuleMeta = RuleMeta {
    id: "container.memory-limit",
    role: Role::Factor,
    summary: "The failing container's memory limit, and what it switched on or caused on this host",
    doc: include_str!("../../../docs/findings/container.memory-limit.md"),
    verdict_rank: Some(90),
    incidents: &["contiguous-allocation", "memcg-oom"],
    metrics: &[
        Metric::one("limit_bytes", MetricKind::Bytes, "the container's memory limit"),
        Metric::one("usage_bytes", MetricKind::Bytes, "its memory cgroup's usage at the OOM kill"),
        Metric::one("kernel_memory_bytes", MetricKind::Bytes, "the container's kernel-memory limit"),
    ],
    needs: &[
        Need {
            sources: &[SourceKind::ContainerInspect],
            when: NeedWhen::StartFailure,
            what: "no docker inspect of the failing container",
            why: "its memory limit, runtime and `State.Error`; sosreport skips containers that never started",
            collect: Some("docker inspect $(docker ps -aq)"),
        },
        Need {
            sources: &[SourceKind::RuntimeVersion],
            when: NeedWhen::ContainerFailure,
            what: "runtime version unknown",
            why: "whether runc switched on kmem accounting for containers with a memory limit depends on its version (1.0.0-rc3 to rc93 do, unless built with nokmem)",
            collect: Some("runc --version; docker version"),
        },
    ],
};

impl Rule for ContainerMemoryLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some(c) = ctx.derived.failing_container() else {
            return Vec::new();
        };
        let Some(limit) = c.item.memory.limit_bytes.filter(|l| *l > 0) else {
            return Vec::new();
        };
        let name = c.item.name.as_deref().unwrap_or(&c.item.id);
        let limit_u = u64::try_from(limit).unwrap_or(0);

        // A limit smaller than the working set: a memcg OOM in this container's cgroup.
        let oom = lookup::oom_kills(ctx.facts).find(|o| {
            o.item.scope == OomScope::Memcg
                && o.item
                    .memcg
                    .as_deref()
                    .or(o.item.task_memcg.as_deref())
                    .is_some_and(|p| cgroup_names(p, c.item))
        });
        if let Some(o) = oom {
            let at_limit = matches!(
                (o.item.memory_usage_kb, o.item.memory_limit_kb),
                (Some(u), Some(l)) if u >= l
            );
            let b = FindingBuilder::new(self)
                .severity(Severity::Warning)
                .confidence(if at_limit {
                    Confidence::High
                } else {
                    Confidence::Medium
                })
                .title(format!(
                    "Container {name} hit its {} memory limit",
                    units::bytes(limit_u)
                ))
                .paragraph(format!(
                    "The container {} runs with a memory limit of {} and the kernel's OOM killer \
                     ran inside its memory cgroup{}. The limit is smaller than what the workload \
                     used at that moment.",
                    code(name),
                    units::bytes(limit_u),
                    if at_limit {
                        " with usage equal to the limit"
                    } else {
                        ""
                    }
                ))
                .metric("limit_bytes", limit)
                .metric_opt(
                    "usage_bytes",
                    o.item.memory_usage_kb.map(|v| v.saturating_mul(1024)),
                )
                .cite(
                    c.path,
                    c.item.memory.limit_line.as_ref().unwrap_or(&c.item.line),
                )
                .cite_opt(o.path, o.item.header.as_ref())
                .cite_opt(o.path, o.item.memory_line.as_ref())
                .references(&[refs::MEMCG_V1_DOC]);
            // The limit's advice is given once, with its numbers, where the limit reached or a
            // runtime's sizing is told.
            let advised = crate::analyze::oom::limit_advised(ctx, o.item);
            let b = if advised {
                b
            } else {
                b.recommend(
                    "Size the limit to the workload's measured peak (plus headroom), or reduce \
                     the workload's memory use.",
                    None,
                    Risk::Low,
                    "before restarting the container",
                )
            };
            return vec![b.build()];
        }

        // The kmem case: a limit switches kmem accounting on (runc rc3..rc93) on a 3.10 kernel.
        let kernel = ctx.derived.incident_kernel();
        let old_kernel = kernel
            .as_ref()
            .is_some_and(|k| k.version.is_rhel7() || k.version.before(4, 6));
        let k = kmem_evidence(ctx.facts);
        let kmem_proven = !k.gfp_flag.is_empty() || !k.call_trace.is_empty();
        if !(old_kernel && kmem_proven) {
            return Vec::new();
        }
        let runc = lookup::runc_version(ctx.facts);
        let runc_kmem = runc
            .and_then(|(_, r)| r.version.as_deref())
            .map(lookup::runc_kmem)
            .unwrap_or(lookup::RuncKmem::Unknown);
        // A runc that does not switch kmem on for limited containers takes the limit out of the
        // story: whatever made kmem accounting active, it was not this limit.
        if matches!(runc_kmem, lookup::RuncKmem::Ignores { .. }) {
            return Vec::new();
        }
        let runtime = c
            .item
            .runtime
            .as_deref()
            .map(|r| {
                format!(
                    "the runtime is {} but its version is not in the bundle",
                    code(r)
                )
            })
            .unwrap_or_else(|| "the runtime and its version are not in the bundle".to_string());
        let (proven_runc, inferred_runc) = match &runc_kmem {
            lookup::RuncKmem::Enables { version } => (
                format!("; runc {} is in the affected range", code(version)),
                String::new(),
            ),
            _ => (
                String::new(),
                format!("that runc was in the affected range ({runtime}); and "),
            ),
        };
        let release = kernel
            .as_ref()
            .map(|k| code(&k.version.release))
            .unwrap_or_default();
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::Medium)
            .title(format!(
                "Container {name}'s {} memory limit switches on kmem accounting on a 3.10 kernel",
                units::bytes(limit_u)
            ))
            .paragraph(format!(
                "The container {} was configured with a memory limit of {}. With runc v1.0.0-rc3 \
                 to v1.0.0-rc93 on cgroup v1, any memory limit makes runc switch on kernel-memory \
                 accounting for the container's cgroup (it writes 1 and then -1 to \
                 `memory.kmem.limit_in_bytes`). On this kernel ({release}) every new root slab \
                 cache then allocates the memory-cgroup parameter array, which is what needed the \
                 large contiguous block.",
                code(name),
                units::bytes(limit_u),
            ))
            .paragraph(format!(
                "Proven by the bundle: the limit is set; the kernel is {release}; the failed \
                 allocation {}{proven_runc}. Inferred: {inferred_runc}\
                 how much this container's own limit mattered, since the array's size depends \
                 on every kmem-active memory cgroup since boot, not only this one. That a start \
                 without a limit succeeds is consistent with this, because runc then skips kmem \
                 accounting for that container.",
                if !k.gfp_flag.is_empty() && !k.call_trace.is_empty() {
                    "carried `__GFP_KMEMCG` and ran through `kmem_cache_create_memcg`"
                } else if !k.gfp_flag.is_empty() {
                    "carried `__GFP_KMEMCG`"
                } else {
                    "ran through `kmem_cache_create_memcg`"
                }
            ))
            .metric("limit_bytes", limit)
            .metric_opt("kernel_memory_bytes", c.item.memory.kernel_bytes)
            .cite(
                c.path,
                c.item.memory.limit_line.as_ref().unwrap_or(&c.item.line),
            )
            .cite_opt(c.path, c.item.state.error_line.as_ref());
        if let Some(ks) = &kernel {
            b = b.cite_opt(ks.path, ks.line);
        }
        if let (lookup::RuncKmem::Enables { .. }, Some((path, r))) = (&runc_kmem, runc) {
            b = b.cite(path, &r.line).confidence(Confidence::High);
        }
        b = b
            .evidence(k.gfp_flag.into_iter().take(1))
            .evidence(k.call_trace.into_iter().take(1))
            .recommend(
                "Check the runc version on the node: v1.0.0-rc3 to rc93 without the `nokmem` \
                 build tag switch kmem accounting on for every container with a memory limit.",
                Some("runc --version; docker info --format '{{.RuncCommit.ID}}'"),
                Risk::None,
                "now",
            )
            .recommend(
                "Removing the memory limit is not a fix. It made the start succeed only \
                 because runc then skipped kmem accounting for this one container; the node \
                 stays fragmented, the next container with a limit fails the same way, and the \
                 workload runs unbounded. Fix the runtime or the kernel instead \
                 (`memcg.kmem-accounting`).",
                None,
                Risk::High,
                "do not remove limits as the fix",
            )
            .references(&[
                refs::RUNC_1350,
                refs::RUNC_2840,
                refs::MOBY_31037,
                refs::OCI_CONFIG_LINUX,
            ]);
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    #[test]
    fn seed_limit_switches_kmem_on() {
        let facts = testkit::seed_facts();
        let found = ContainerMemoryLimit.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.metrics["limit_bytes"], 268435456);
        assert!(f.title.contains("256 MiB"));
        assert!(f.explanation.contains("Proven by the bundle"));
        assert!(f.explanation.contains("Inferred"));
        assert!(f.explanation.contains("version is not in the bundle"));
        assert!(f
            .recommendations
            .iter()
            .any(|r| r.risk == Risk::High
                && r.action.contains("Removing the memory limit is not a fix")));
        assert_eq!(f.evidence[0].line, Some(62));
        assert!(testkit::evidence_is_real(&facts, &f.evidence));
    }

    #[test]
    fn the_runc_version_decides_whether_the_limit_mattered() {
        use crate::facts::{Line, RuntimeVersion, Sourced};
        let with_runc = |version: &str| {
            let mut facts = testkit::seed_facts();
            facts.runtime_versions.push(Sourced {
                path: "runc-version.txt".into(),
                value: vec![RuntimeVersion {
                    component: "runc".into(),
                    version: Some(version.into()),
                    commit: None,
                    line: Line::new(1, format!("runc version {version}")),
                }],
            });
            facts
        };
        let facts = with_runc("1.0.0-rc3");
        let found = ContainerMemoryLimit.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].confidence, Confidence::High);
        assert!(found[0]
            .explanation
            .contains("runc `1.0.0-rc3` is in the affected range"));
        assert!(found[0]
            .evidence
            .iter()
            .any(|e| e.path == "runc-version.txt"));
        let facts = with_runc("1.0.0-rc95");
        assert!(ContainerMemoryLimit
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }

    #[test]
    fn no_blame_without_evidence() {
        // No limit.
        let mut facts = testkit::seed_facts();
        facts.containers[0].value.memory.limit_bytes = Some(0);
        assert!(ContainerMemoryLimit
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        // A limit, but nothing ties kmem accounting to the failure.
        let mut facts = testkit::seed_facts();
        facts.kernel_logs[0].value.alloc_failures.clear();
        facts.kernel_logs[0].value.cache_create_failures.clear();
        assert!(ContainerMemoryLimit
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
    }

    #[test]
    fn memcg_oom_at_the_limit() {
        let mut facts = testkit::seed_facts();
        facts.kernel_logs[0].value.alloc_failures.clear();
        let header = crate::facts::Line::new(
            100,
            "[2751100.000000] java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0",
        );
        let mem = crate::facts::Line::new(
            102,
            "[2751100.000100] memory: usage 262144kB, limit 262144kB, failcnt 412",
        );
        facts.kernel_logs[0]
            .value
            .oom_kills
            .push(crate::facts::OomKill {
                header: Some(header),
                scope: OomScope::Memcg,
                memcg: Some(
                    "/docker/3c9f2d1a7b6e0c55a1f0d4be2a8e9c7f1d2b3a4c5d6e7f8091a2b3c4d5e6f708"
                        .to_string(),
                ),
                memory_usage_kb: Some(262144),
                memory_limit_kb: Some(262144),
                memory_failcnt: Some(412),
                memory_line: Some(mem),
                ..Default::default()
            });
        let found = ContainerMemoryLimit.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert!(found[0].explanation.contains("usage equal to the limit"));
        assert_eq!(found[0].confidence, Confidence::High);
        assert_eq!(found[0].evidence.len(), 3);
    }
}
