//! `risk.memcg-id-exhaustion`: the memory controller holds more than half of the 65535 ids
//! the kernel can give memory cgroups; when they run out no container or pod can be created.

use crate::analyze::finding::FindingBuilder;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{headroom, memory_cgroups, percent, MEMORY_CGROUPS};
use crate::analyze::{refs, Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct MemcgIdExhaustionRisk;

use crate::analyze::kernel::MEMCG_ID_MAX as ID_MAX;
/// From here on the count is a risk: half the ids are gone, and on kernels that pin removed
/// cgroups the count only grows.
const FROM: u64 = ID_MAX / 2;

static META: RuleMeta = RuleMeta {
    id: "risk.memcg-id-exhaustion",
    role: Role::Risk,
    summary: "More than half of the 65535 memory cgroup ids are in use",
    doc: include_str!("../../../docs/findings/risk.memcg-id-exhaustion.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        MEMORY_CGROUPS,
        Metric::one(
            "limit",
            MetricKind::Count,
            "ids the kernel can give (65535)",
        ),
        Metric::one("headroom", MetricKind::Share, "share of the ids left"),
    ],
    needs: &[],
};

impl Rule for MemcgIdExhaustionRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let Some((path, memory)) = memory_cgroups(ctx.facts) else {
            return Vec::new();
        };
        let n = memory.num_cgroups;
        // At the limit the condition itself is reported.
        if !(FROM..ID_MAX).contains(&n) {
            return Vec::new();
        }
        let left = ID_MAX - n;
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High)
            .precedes("memcg.cgroup-id-exhaustion")
            .title(format!(
                "{n} of {ID_MAX} memory cgroup ids in use ({})",
                percent(n, ID_MAX)
            ))
            .sentence(format!(
                "Exposed to memory cgroup id exhaustion: {n} of the kernel's {ID_MAX} memory \
                 cgroup ids are in use ({}), {left} left before no container or pod can be \
                 created (`mkdir ...: no space left on device`).",
                percent(n, ID_MAX)
            ))
            .paragraph(
                "`/proc/cgroups` counts the memory cgroups the kernel holds, removed ones it \
                 still keeps included: on kernels where kernel-memory charges pin a removed \
                 cgroup (3.10 / RHEL 7 with kmem accounting on), the count grows with every \
                 container started and never comes back down until a reboot.",
            )
            .metric("memory_cgroups", n)
            .metric("limit", ID_MAX)
            .metric("headroom", headroom(n, ID_MAX))
            .cite(path, &memory.line)
            .recommend(
                "Plan a reboot in a maintenance window to free the pinned cgroups, and stop the \
                 leak at its cause (a runc that leaves kmem accounting off)",
                Some("grep memory /proc/cgroups"),
                Risk::Medium,
                "before the count reaches 65535",
            )
            .references(&[refs::K8S_61937]);
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    fn with_memory_cgroups(n: u64) -> crate::facts::Facts {
        let mut facts = testkit::healthy_facts();
        facts.cgroups.push(crate::facts::Sourced {
            path: "proc/cgroups".into(),
            value: crate::facts::Cgroups {
                controllers: vec![crate::facts::CgroupController {
                    name: "memory".into(),
                    hierarchy: 6,
                    num_cgroups: n,
                    enabled: true,
                    line: crate::facts::Line::new(5, format!("memory\t6\t{n}\t1")),
                }],
            },
        });
        facts
    }

    #[test]
    fn half_the_ids_is_a_risk_and_the_limit_is_not() {
        let far = with_memory_cgroups(11_437);
        assert!(MemcgIdExhaustionRisk
            .evaluate(&testkit::context(&far, None))
            .is_empty());
        let near = with_memory_cgroups(52_000);
        let found = MemcgIdExhaustionRisk.evaluate(&testkit::context(&near, None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metrics["headroom"], 0.207);
        assert_eq!(found[0].signature, "memcg.cgroup-id-exhaustion");
        let full = with_memory_cgroups(65_535);
        assert!(MemcgIdExhaustionRisk
            .evaluate(&testkit::context(&full, None))
            .is_empty());
    }
}
