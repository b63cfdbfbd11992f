//! `bundle.evidence-gap`: evidence the analysis needed is missing, truncated or unreadable.

use crate::analyze::finding::{count, FindingBuilder};
use crate::analyze::gaps;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct EvidenceGap;

static META: RuleMeta = RuleMeta {
    id: "bundle.evidence-gap",
    role: Role::Observation,
    summary: "Evidence the analysis needed is missing, truncated or unreadable",
    doc: include_str!("../../../docs/findings/bundle.evidence-gap.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[Metric::one(
        "gaps",
        MetricKind::Count,
        "pieces of evidence missing",
    )],
    needs: &[],
};

impl Rule for EvidenceGap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let gaps = gaps::find(ctx.facts, &ctx.derived);
        if gaps.is_empty() {
            return Vec::new();
        }
        let list: Vec<String> = gaps.iter().map(|g| format!("- {}", g.sentence())).collect();
        vec![FindingBuilder::new(self)
            .severity(Severity::Info)
            .confidence(Confidence::High)
            .title(format!(
                "The bundle lacks {}",
                count(gaps.len(), "piece of evidence", "pieces of evidence")
            ))
            .paragraph(
                "The findings above stand on what the bundle holds. These would confirm them or \
                 close the open questions:",
            )
            .paragraph(list.join("\n"))
            .metric("gaps", gaps.len() as u64)
            .recommend(
                "Collect a complete bundle with postmortem's collector, which takes all of the \
                 above, read-only",
                Some("sh collect/postmortem-collect.sh --since \"48 hours ago\""),
                Risk::None,
                "Next time the failure occurs, or now if the node is still in that state",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;

    #[test]
    fn lists_the_gaps() {
        let f = EvidenceGap.evaluate(&context(&seed_facts(), None));
        assert_eq!(f.len(), 1);
        assert!(f[0].explanation.contains("- no /proc/slabinfo"));
        assert!(EvidenceGap
            .evaluate(&context(&healthy_facts(), None))
            .is_empty());
    }
}
