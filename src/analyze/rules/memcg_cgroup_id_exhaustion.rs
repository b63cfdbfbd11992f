//! `memcg.cgroup-id-exhaustion`: memory cgroups reached the kernel's 65535 id limit.

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{refs, Context, Rule};
use crate::facts::RuntimeErrorKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct CgroupIdExhaustion;

use crate::analyze::kernel::MEMCG_ID_MAX as ID_MAX;
/// How close to the limit counts as "near".
const NEAR: u64 = 60000;

static META: RuleMeta = RuleMeta {
    id: "memcg.cgroup-id-exhaustion",
    role: Role::Condition,
    summary: "The number of memory cgroups reached the kernel's 65535 id limit",
    doc: include_str!("../../../docs/findings/memcg.cgroup-id-exhaustion.md"),
    verdict_rank: Some(50),
    incidents: &["cgroup-ids"],
    metrics: &[
        Metric::one(
            "memory_cgroups",
            MetricKind::Count,
            "memory cgroups the kernel counts",
        ),
        Metric::one(
            "mkdir_failures",
            MetricKind::Count,
            "cgroup creations refused with ENOSPC",
        ),
    ],
    needs: &[],
};

impl Rule for CgroupIdExhaustion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let count = ctx.facts.cgroups.iter().find_map(|c| {
            c.value
                .controllers
                .iter()
                .find(|x| x.name == "memory")
                .map(|x| (c.path.as_str(), x))
        });
        let near = count.filter(|(_, c)| c.num_cgroups >= NEAR);
        let mkdir: Vec<_> = lookup::runtime_errors(ctx.facts)
            .filter(|e| {
                e.item.kind == RuntimeErrorKind::CgroupCreate
                    && e.item
                        .cgroup_path
                        .as_deref()
                        .is_none_or(|p| p.contains("memory"))
                    && e.item
                        .line
                        .text
                        .to_ascii_lowercase()
                        .contains("no space left on device")
            })
            .collect();
        if near.is_none() && mkdir.is_empty() {
            return Vec::new();
        }
        let confidence = match (near.is_some(), mkdir.len()) {
            (true, n) if n > 0 => Confidence::High,
            (true, _) => Confidence::Medium,
            (false, n) if n >= 3 => Confidence::Medium,
            _ => Confidence::Low,
        };
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Critical)
            .confidence(confidence)
            .title("Memory cgroup ids exhausted: new containers cannot get a memory cgroup")
            .sentence(format!(
                "The disk was not full: the kernel had used up its {ID_MAX} memory cgroup ids{}, \
                 deleted cgroups still pinned by their kernel memory among them, so no new \
                 container can get a memory cgroup until the node reboots.",
                near.map(|(_, c)| format!(" (`/proc/cgroups` counts {})", c.num_cgroups))
                    .unwrap_or_default()
            ))
            .advice(
                "Move the workloads away and reboot the node to release the leaked ids, then stop \
                 the leak with a runc that does not switch on kmem accounting (v1.0.0-rc94 or \
                 later, or built with `nokmem`), `cgroup.memory=nokmem`, or a newer kernel.",
            );
        if let Some((_, c)) = near {
            b = b.paragraph(format!(
                "`/proc/cgroups` counts {} memory cgroups, against a kernel limit of {ID_MAX} \
                 ids. Deleted cgroups whose kernel memory is still charged stay counted (kmem \
                 accounting on 3.10 kernels leaks them), so the count climbs with every container \
                 started.",
                c.num_cgroups
            ));
            b = b.metric("memory_cgroups", c.num_cgroups);
        }
        if !mkdir.is_empty() {
            b = b.paragraph(format!(
                "Creating a memory cgroup failed with `no space left on device` {}{}: that is \
                 the id allocator refusing, not a full disk.",
                times(mkdir.len()),
                mkdir
                    .first()
                    .and_then(|e| e.item.cgroup_path.as_deref())
                    .map(|p| format!(" (for example {})", code(p)))
                    .unwrap_or_default()
            ));
        }
        if near.is_none() {
            b = b.paragraph(
                "The bundle has no `/proc/cgroups` with a count near the limit; \
                 `grep memory /proc/cgroups` on the node would confirm it.",
            );
        }
        if let Some((p, c)) = count {
            b = b.cite(p, &c.line);
        }
        for e in mkdir.iter().take(3) {
            b = b.cite(e.path, &e.item.line);
        }
        vec![b
            .metric("mkdir_failures", mkdir.len() as u64)
            .recommend(
                "Count memory cgroups.",
                Some("grep memory /proc/cgroups"),
                Risk::None,
                "now",
            )
            .recommend(
                "Reboot the node to release the leaked ids, after moving its workloads away.",
                None,
                Risk::Medium,
                "to restore service",
            )
            .recommend(
                "Stop the leak: runc without kmem accounting (v1.0.0-rc94+, or built with \
                 `nokmem`), `cgroup.memory=nokmem`, or a newer kernel.",
                None,
                Risk::Medium,
                "to stop it recurring",
            )
            .references(&[
                refs::K8S_61937,
                refs::MOBY_24559,
                refs::K8S_96701,
                refs::RUNC_1921,
            ])
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;
    use crate::facts::{CgroupController, Cgroups, Line, Sourced};

    #[test]
    fn near_the_limit() {
        let mut facts = testkit::seed_facts();
        assert!(CgroupIdExhaustion
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        facts.cgroups.push(Sourced {
            path: "proc/cgroups".to_string(),
            value: Cgroups {
                controllers: vec![CgroupController {
                    name: "memory".to_string(),
                    hierarchy: 9,
                    num_cgroups: 65532,
                    enabled: true,
                    line: Line::new(11, "memory\t9\t65532\t1"),
                }],
            },
        });
        let found = CgroupIdExhaustion.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metrics["memory_cgroups"], 65532);
        assert_eq!(found[0].confidence, Confidence::Medium);
        assert!(testkit::evidence_is_real(&facts, &found[0].evidence));
    }
}
