//! `net.tcp-memory-pressure`: TCP ran out of its own memory budget.
//!
//! `tcp_check_oom()` logs `TCP: out of memory -- consider tuning tcp_mem` when the memory of
//! all TCP sockets passes the third value of `net.ipv4.tcp_mem` (pages), and `TCP: too many
//! orphaned sockets` when orphans pass `net.ipv4.tcp_max_orphans`; both are rate-limited. The
//! socket that asked is then reset. `/proc/net/sockstat` says how close the host was at
//! collection. It is TCP's limit, not host memory exhaustion.

use crate::analyze::finding::{count, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::facts::{KernelMessage, KernelMessageKind};
use crate::report::{Confidence, Finding, Risk, Role, Severity};
use crate::units;

pub struct TcpMemoryPressure;

static META: RuleMeta = RuleMeta {
    id: "net.tcp-memory-pressure",
    role: Role::Condition,
    summary: "TCP ran out of its own memory budget (tcp_mem) or of orphan sockets: not host memory exhaustion",
    doc: include_str!("../../../docs/findings/net.tcp-memory-pressure.md"),
    verdict_rank: Some(65),
    incidents: &["tcp-memory"],
    metrics: &[
        Metric::one(
            "out_of_memory_reports",
            MetricKind::Count,
            "`TCP: out of memory` lines",
        ),
        Metric::one(
            "orphan_reports",
            MetricKind::Count,
            "`TCP: too many orphaned sockets` lines",
        ),
        Metric::one("tcp_mem_pages", MetricKind::Pages, "TCP memory at collection (sockstat)"),
        Metric::one(
            "tcp_mem_limit_pages",
            MetricKind::Pages,
            "the third value of `net.ipv4.tcp_mem`",
        ),
        Metric::one("orphans", MetricKind::Count, "orphaned TCP sockets at collection"),
        Metric::one("max_orphans", MetricKind::Count, "`net.ipv4.tcp_max_orphans`"),
    ],
    needs: &[],
};

impl Rule for TcpMemoryPressure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let pick = |kind: &KernelMessageKind| -> Vec<lookup::At<'_, KernelMessage>> {
            lookup::kernel_messages(ctx.facts)
                .filter(|m| m.item.kind == *kind)
                .collect()
        };
        let oom = pick(&KernelMessageKind::TcpOutOfMemory);
        let orphan_lines = pick(&KernelMessageKind::TcpTooManyOrphans);
        let sockstat = ctx.facts.sockstat.first();
        let tcp_mem = lookup::sysctl(ctx.facts, "net.ipv4.tcp_mem");
        let mem_limit = tcp_mem.and_then(|r| {
            r.item
                .raw
                .split_ascii_whitespace()
                .nth(2)
                .and_then(|v| v.parse::<u64>().ok())
        });
        let max_orphans = lookup::sysctl(ctx.facts, "net.ipv4.tcp_max_orphans");
        let max_orphans_value = max_orphans.and_then(|r| u64::try_from(r.item.value?).ok());
        let mem_pages = sockstat.and_then(|s| s.value.tcp_mem_pages);
        let orphans = sockstat.and_then(|s| s.value.tcp_orphan);
        let over_mem = matches!((mem_pages, mem_limit), (Some(m), Some(l)) if l > 0 && m >= l);
        let over_orphans =
            matches!((orphans, max_orphans_value), (Some(o), Some(l)) if l > 0 && o >= l);
        if oom.is_empty() && orphan_lines.is_empty() && !over_mem && !over_orphans {
            return Vec::new();
        }
        let n_oom = lookup::count_in_fullest_log(&oom);
        let n_orphan = lookup::count_in_fullest_log(&orphan_lines);
        let mut reported = Vec::new();
        if n_oom > 0 {
            reported.push(format!(
                "{} (`TCP: out of memory -- consider tuning tcp_mem`)",
                count(n_oom, "out-of-memory report", "out-of-memory reports")
            ));
        }
        if n_orphan > 0 {
            reported.push(format!(
                "{} (`TCP: too many orphaned sockets`)",
                count(n_orphan, "orphan report", "orphan reports")
            ));
        }
        let what = if reported.is_empty() {
            "At collection TCP was over its limit".to_string()
        } else {
            format!("The kernel logged {}", reported.join(" and "))
        };
        let now = match (mem_pages, mem_limit, orphans, max_orphans_value) {
            (Some(m), Some(l), _, _) => format!(
                " TCP held {m} pages ({}) against a `tcp_mem` limit of {l} pages ({}) at \
                 collection.",
                units::bytes(m.saturating_mul(4096)),
                units::bytes(l.saturating_mul(4096))
            ),
            (Some(m), None, _, _) => format!(
                " TCP held {m} pages ({}) at collection.",
                units::bytes(m.saturating_mul(4096))
            ),
            _ => String::new(),
        };
        let orphan_now = match (orphans, max_orphans_value) {
            (Some(o), Some(l)) => format!(" {o} orphaned sockets against `tcp_max_orphans` {l}."),
            (Some(o), None) if o > 0 => format!(" {o} orphaned sockets."),
            _ => String::new(),
        };
        // The kernel's lines say TCP refused memory and reset connections: a failure, whose
        // mechanism the limit is; sockstat alone shows a condition.
        let mut b = FindingBuilder::new(self)
            .role(if reported.is_empty() {
                Role::Condition
            } else {
                Role::Mechanism
            })
            .severity(Severity::Warning)
            .confidence(if reported.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            })
            .title(if n_oom > 0 || over_mem {
                "TCP ran out of its memory budget (tcp_mem)".to_string()
            } else {
                "TCP had too many orphaned sockets".to_string()
            })
            .sentence(format!(
                "{what}: {}, so the kernel reset the connections that asked for more.\
                 {now}{orphan_now} It is TCP's own limit, not host memory exhaustion: free \
                 memory says nothing about it.",
                match (n_oom > 0 || over_mem, n_orphan > 0 || over_orphans) {
                    (true, true) =>
                        "the memory of all TCP sockets passed TCP's own budget \
                                     (`net.ipv4.tcp_mem`, in pages) and orphaned sockets passed \
                                     `net.ipv4.tcp_max_orphans`",
                    (true, false) =>
                        "the memory of all TCP sockets passed TCP's own budget \
                                      (`net.ipv4.tcp_mem`, in pages)",
                    _ => "orphaned sockets passed `net.ipv4.tcp_max_orphans`",
                }
            ))
            .paragraph(
                "`tcp_mem` holds three values in pages: below the first TCP does not limit \
                 itself, above the second it enters memory pressure and shrinks buffers, and at \
                 the third it refuses more memory (`tcp_check_oom`). Orphans are sockets the \
                 program closed that still hold data to send; each can pin up to 64 KiB. Many \
                 connections with large buffers, slow or vanished peers, or a proxy under a \
                 load test fill both.",
            )
            .metric("out_of_memory_reports", n_oom as u64)
            .metric("orphan_reports", n_orphan as u64)
            .metric_opt("tcp_mem_pages", mem_pages)
            .metric_opt("tcp_mem_limit_pages", mem_limit)
            .metric_opt("orphans", orphans)
            .metric_opt("max_orphans", max_orphans_value);
        for m in oom.iter().chain(&orphan_lines).take(3) {
            b = b.cite(m.path, &m.item.line);
        }
        if let Some(s) = sockstat {
            b = b.cite_opt(&s.path, s.value.tcp_line.as_ref());
        }
        for row in [tcp_mem, max_orphans].into_iter().flatten() {
            b = b.cite(row.path, &row.item.line);
        }
        vec![b
            .recommend(
                "Compare TCP's memory with its limit, and find the sockets that hold it \
                 (`ss -tmn`)",
                Some("cat /proc/net/sockstat; sysctl net.ipv4.tcp_mem net.ipv4.tcp_max_orphans"),
                Risk::Low,
                "First",
            )
            .recommend(
                "Raise `net.ipv4.tcp_mem` (and `tcp_max_orphans`) to what the host's memory and \
                 connection count call for, or cap the buffers (`tcp_rmem`, `tcp_wmem`)",
                None,
                Risk::Medium,
                "When the connection count is legitimate",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::Facts;
    use crate::sources::SourceKind;

    /// The real repeated lines of a stress test; the real sockstat and `tcp_mem` of the
    /// troubleshooting write-up, orphans over the maximum.
    #[test]
    fn real_out_of_memory_lines_and_sockstat() {
        let mut facts = kernel_log_facts(
            "dmesg",
            include_str!(
                "../../../tests/data/dmesg_tcp_oom/tempesta-1763-dmesg-repeated-trailing-spaces.txt"
            ),
            SourceKind::Dmesg,
        );
        let f = TcpMemoryPressure.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["out_of_memory_reports"], 7);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        file_into(
            &mut facts,
            "sockstat.txt",
            &without_header(include_str!(
                "../../../tests/data/proc_sockstat/geekgao-articles-7-orphans-over-max.txt"
            )),
        );
        file_into(
            &mut facts,
            "sysctl.txt",
            "net.ipv4.tcp_mem = 21180\t28243\t42360\nnet.ipv4.tcp_max_orphans = 65536\n",
        );
        let f = TcpMemoryPressure.evaluate(&context(&facts, None));
        assert_eq!(f[0].metrics["tcp_mem_limit_pages"], 42360);
        assert_eq!(f[0].metrics["orphans"], 65738);
        assert!(evidence_is_real(&facts, &f[0].evidence));
        insta::assert_snapshot!(format!("{}\n> {}", f[0].title, f[0].sentence), @r###"
    TCP ran out of its memory budget (tcp_mem)
    > The kernel logged 7 out-of-memory reports (`TCP: out of memory -- consider tuning tcp_mem`): the memory of all TCP sockets passed TCP's own budget (`net.ipv4.tcp_mem`, in pages) and orphaned sockets passed `net.ipv4.tcp_max_orphans`, so the kernel reset the connections that asked for more. TCP held 22016 pages (86 MiB) against a `tcp_mem` limit of 42360 pages (165 MiB) at collection. 65738 orphaned sockets against `tcp_max_orphans` 65536. It is TCP's own limit, not host memory exhaustion: free memory says nothing about it.
    "###);
    }

    /// A busy host's sockstat with no TCP message and below its limits is not it; nor is a
    /// testkit case.
    #[test]
    fn near_misses_do_not_raise_it() {
        let mut facts = Facts::default();
        file_into(
            &mut facts,
            "proc/net/sockstat",
            &without_header(include_str!(
                "../../../tests/data/proc_sockstat/insights-busy-host-orphans.txt"
            )),
        );
        file_into(
            &mut facts,
            "sysctl.txt",
            "net.ipv4.tcp_mem = 188208\t250944\t376416\nnet.ipv4.tcp_max_orphans = 65536\n",
        );
        assert_eq!(facts.sockstat.len(), 1);
        assert!(TcpMemoryPressure
            .evaluate(&context(&facts, None))
            .is_empty());
        assert_silent_on_cases(&TcpMemoryPressure);
    }
}
