//! `netfilter.conntrack-table-full`: `nf_conntrack: table full, dropping packet`.

use std::collections::BTreeMap;

use crate::analyze::finding::{times, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::retention::weight;

pub struct ConntrackTableFull;

static META: RuleMeta = RuleMeta {
    id: "netfilter.conntrack-table-full",
    role: Role::Mechanism,
    summary: "The connection tracking table was full and the kernel dropped packets",
    doc: include_str!("../../../docs/findings/netfilter.conntrack-table-full.md"),
    verdict_rank: Some(60),
    incidents: &["conntrack-table"],
    metrics: &[
        Metric::one(
            "messages",
            MetricKind::Count,
            "`table full, dropping packet` messages logged",
        ),
        Metric::one("nf_conntrack_max", MetricKind::Count, "the table size"),
        Metric::one(
            "nf_conntrack_count",
            MetricKind::Count,
            "entries in use at collection",
        ),
    ],
    needs: &[],
};

impl Rule for ConntrackTableFull {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let full: Vec<_> = lookup::kernel_messages(ctx.facts)
            .filter(|m| m.item.kind == KernelMessageKind::ConntrackTableFull)
            .collect();
        if full.is_empty() {
            return Vec::new();
        }
        // dmesg and syslog hold copies of the same messages: count within the fullest log.
        // Each message stands for the repeats folded into it as the log was read.
        let mut per_log: BTreeMap<&str, u64> = BTreeMap::new();
        for m in &full {
            let n = per_log.entry(m.path).or_default();
            *n = n.saturating_add(weight(&m.item.repeat));
        }
        let messages = per_log.into_values().max().unwrap_or(0);
        let mut suppressed_per_log: BTreeMap<&str, u64> = BTreeMap::new();
        for m in lookup::kernel_messages(ctx.facts) {
            if let KernelMessageKind::RateLimited {
                suppressed: Some(n),
            } = m.item.kind
            {
                let sum = suppressed_per_log.entry(m.path).or_default();
                *sum = sum.saturating_add(n.saturating_mul(weight(&m.item.repeat)));
            }
        }
        let suppressed = suppressed_per_log.into_values().max().unwrap_or(0);
        let mut b = FindingBuilder::new(self).severity(Severity::Critical);
        for m in full.iter().take(3) {
            b = b.cite(m.path, &m.item.line);
        }
        let sysctl = |key: &str| {
            ctx.facts.sysctl.iter().find_map(|s| {
                let kv = s.value.get(key)?;
                Some((kv.value?, s.path.as_str(), &kv.line))
            })
        };
        let max = sysctl("net.netfilter.nf_conntrack_max");
        let count = sysctl("net.netfilter.nf_conntrack_count");
        if let Some((_, p, l)) = max {
            b = b.cite(p, l);
        }
        if let Some((_, p, l)) = count {
            b = b.cite(p, l);
        }
        let rate_limited = if suppressed > 0 {
            format!(" (and rate-limited {suppressed} more messages)")
        } else {
            String::new()
        };
        let mut text = format!(
            "The kernel logged `table full, dropping packet` {}{rate_limited}: new connections \
             were dropped because the connection tracking table had no free entry.",
            times(messages),
        );
        let held = match (max, count) {
            (Some((m, ..)), Some((c, ..))) => format!(" ({c} of {m} entries at collection)"),
            (Some((m, ..)), None) => format!(" ({m} entries)"),
            _ => String::new(),
        };
        let sentence = format!(
            "The conntrack table was full{held}, so the kernel dropped the packets of new \
             connections: it logged `table full, dropping packet` {}{rate_limited}, and \
             connections through the node timed out or were refused.",
            times(messages),
        );
        match (max, count) {
            (Some((m, ..)), Some((c, ..))) => text.push_str(&format!(
                " At collection the table held {c} of {m} entries."
            )),
            (Some((m, ..)), None) => text.push_str(&format!(" The table's size is {m} entries.")),
            _ => {}
        }
        vec![b
            .title("The conntrack table was full: packets were dropped")
            .sentence(sentence)
            .paragraph(text)
            .paragraph(
                "Containers and Kubernetes services NAT through conntrack, so a full table shows as \
                 timeouts and refused connections, often on one node only.",
            )
            .confidence(Confidence::High)
            .metric("messages", messages)
            .metric_opt("nf_conntrack_max", max.map(|m| m.0))
            .metric_opt("nf_conntrack_count", count.map(|c| c.0))
            .recommend(
                "See how full the table is and who holds the entries",
                Some("sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max; conntrack -S"),
                Risk::None,
                "First",
            )
            .recommend(
                "Raise the table size (each entry costs about 300 bytes of kernel memory)",
                Some("sysctl -w net.netfilter.nf_conntrack_max=<2x current>"),
                Risk::Low,
                "When the count sits at the maximum under normal load",
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
    fn fires_on_table_full() {
        assert!(ConntrackTableFull
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
        let mut log = seed_kernel_log();
        for i in 0..3 {
            log.messages.push(KernelMessage {
                line: Line::new(100 + i, "[ 9.0] nf_conntrack: table full, dropping packet"),
                stamp: Stamp::default(),
                kind: KernelMessageKind::ConntrackTableFull,
                message: "nf_conntrack: table full, dropping packet".into(),
                repeat: None,
            });
        }
        let facts = Facts {
            kernel_logs: vec![Sourced {
                path: "dmesg".into(),
                value: log,
            }],
            ..Facts::default()
        };
        let f = ConntrackTableFull.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["messages"], 3);
        assert_eq!(f[0].evidence.len(), 3);
    }

    #[test]
    fn copies_in_dmesg_and_syslog_count_once() {
        let mut log = seed_kernel_log();
        log.messages.push(KernelMessage {
            line: Line::new(99, "[ 8.9] net_ratelimit: 1207 callbacks suppressed"),
            stamp: Stamp::default(),
            kind: KernelMessageKind::RateLimited {
                suppressed: Some(1207),
            },
            message: "net_ratelimit: 1207 callbacks suppressed".into(),
            repeat: None,
        });
        for i in 0..2 {
            log.messages.push(KernelMessage {
                line: Line::new(100 + i, "[ 9.0] nf_conntrack: table full, dropping packet"),
                stamp: Stamp::default(),
                kind: KernelMessageKind::ConntrackTableFull,
                message: "nf_conntrack: table full, dropping packet".into(),
                repeat: None,
            });
        }
        let facts = Facts {
            kernel_logs: vec![
                Sourced {
                    path: "dmesg".into(),
                    value: log.clone(),
                },
                Sourced {
                    path: "var/log/messages".into(),
                    value: log,
                },
            ],
            ..Facts::default()
        };
        let f = &ConntrackTableFull.evaluate(&context(&facts, None))[0];
        assert_eq!(f.metrics["messages"], 2);
        assert!(
            f.explanation.contains("twice (and rate-limited 1207 more"),
            "{}",
            f.explanation
        );
    }
}
