//! `risk.conntrack-table-full`: the connection tracking table is three quarters full or more;
//! when it is full the kernel drops the packets of new connections.

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::risk::{headroom, percent, sysctl_count};
use crate::analyze::{lookup, Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct ConntrackTableRisk;

/// The share of the table from which it is a risk.
const FROM_PERCENT: u64 = 75;

static META: RuleMeta = RuleMeta {
    id: "risk.conntrack-table-full",
    role: Role::Risk,
    summary: "The connection tracking table is three quarters full or more",
    doc: include_str!("../../../docs/findings/risk.conntrack-table-full.md"),
    verdict_rank: None,
    incidents: &[],
    metrics: &[
        Metric::one("entries", MetricKind::Count, "`nf_conntrack_count`"),
        Metric::one("limit", MetricKind::Count, "`nf_conntrack_max`"),
        Metric::one("headroom", MetricKind::Share, "share of the table left"),
    ],
    needs: &[],
};

impl Rule for ConntrackTableRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let facts = ctx.facts;
        if lookup::kernel_messages(facts)
            .any(|m| m.item.kind == KernelMessageKind::ConntrackTableFull)
        {
            return Vec::new();
        }
        let count = sysctl_count(facts, "net.netfilter.nf_conntrack_count");
        let max = sysctl_count(facts, "net.netfilter.nf_conntrack_max")
            .or_else(|| sysctl_count(facts, "net.nf_conntrack_max"));
        let (Some((cpath, cline, n)), Some((mpath, mline, max))) = (count, max) else {
            return Vec::new();
        };
        if max == 0 || n >= max || n.saturating_mul(100) < max.saturating_mul(FROM_PERCENT) {
            return Vec::new();
        }
        let b = FindingBuilder::new(self)
            .severity(Severity::Warning)
            .confidence(Confidence::High)
            .precedes("netfilter.conntrack-table-full")
            .title(format!(
                "Connection tracking table {} full: {n} of {max} entries",
                percent(n, max)
            ))
            .sentence(format!(
                "Exposed to a full connection tracking table: {n} of {} entries are in use \
                 ({}), {} left before the kernel drops the packets of new connections \
                 (`nf_conntrack: table full, dropping packet`).",
                code(&max.to_string()),
                percent(n, max),
                max - n
            ))
            .paragraph(
                "Every connection the node forwards or accepts through netfilter holds an \
                 entry until it times out. When the table is full, new connections are dropped \
                 at their first packet: probes time out and clients see connection timeouts \
                 while the node itself looks healthy.",
            )
            .metric("entries", n)
            .metric("limit", max)
            .metric("headroom", headroom(n, max))
            .cite(cpath, &cline.line)
            .cite(mpath, &mline.line)
            .recommend(
                "Raise the table size before it fills (each entry costs about 300 bytes of \
                 kernel memory)",
                Some("sysctl -w net.netfilter.nf_conntrack_max=$(( 2 * $(sysctl -n net.netfilter.nf_conntrack_max) ))"),
                Risk::Low,
                "now, and in the node's sysctl configuration",
            );
        vec![b.build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit;

    fn with_conntrack(count: i64, max: i64) -> crate::facts::Facts {
        let mut facts = testkit::healthy_facts();
        facts.sysctl.push(testkit::sysctl(&[
            ("net.netfilter.nf_conntrack_count", count),
            ("net.netfilter.nf_conntrack_max", max),
        ]));
        facts
    }

    #[test]
    fn three_quarters_full_is_a_risk() {
        let facts = with_conntrack(230_000, 262_144);
        let found = ConntrackTableRisk.evaluate(&testkit::context(&facts, None));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].metrics["headroom"], 0.123);
        let facts = with_conntrack(1_200, 262_144);
        assert!(ConntrackTableRisk
            .evaluate(&testkit::context(&facts, None))
            .is_empty());
        let full = with_conntrack(262_144, 262_144);
        assert!(ConntrackTableRisk
            .evaluate(&testkit::context(&full, None))
            .is_empty());
    }
}
