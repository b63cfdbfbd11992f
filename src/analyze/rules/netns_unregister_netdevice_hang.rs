//! `netns.unregister-netdevice-hang`: `unregister_netdevice: waiting for DEV to become free`.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, times, FindingBuilder};
use crate::analyze::lookup;
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{kernel, Context, Rule};
use crate::facts::KernelMessageKind;
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct UnregisterNetdeviceHang;

const MOBY_5618: &str = "https://github.com/moby/moby/issues/5618";

static META: RuleMeta = RuleMeta {
    id: "netns.unregister-netdevice-hang",
    role: Role::Mechanism,
    summary:
        "A network namespace teardown hangs: unregister_netdevice waits for a leaked reference",
    doc: include_str!("../../../docs/findings/netns.unregister-netdevice-hang.md"),
    verdict_rank: None,
    incidents: &["netns-teardown"],
    metrics: &[
        Metric::one(
            "messages",
            MetricKind::Count,
            "`unregister_netdevice` waits logged",
        ),
        Metric::one(
            "span_s",
            MetricKind::Seconds,
            "time from the first wait to the last",
        ),
    ],
    needs: &[],
};

impl Rule for UnregisterNetdeviceHang {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let waits: Vec<_> = lookup::kernel_messages(ctx.facts)
            .filter(|m| matches!(m.item.kind, KernelMessageKind::UnregisterNetdevice { .. }))
            .collect();
        let (Some(first), Some(last)) = (waits.first(), waits.last()) else {
            return Vec::new();
        };
        let devices: BTreeSet<String> = waits
            .iter()
            .filter_map(|m| match &m.item.kind {
                KernelMessageKind::UnregisterNetdevice { device, .. } => Some(device.clone()),
                _ => None,
            })
            .collect();
        let span = match (first.item.stamp.uptime_s, last.item.stamp.uptime_s) {
            (Some(a), Some(b)) if b >= a => Some(b - a),
            _ => None,
        };
        let mut b = FindingBuilder::new(self)
            .severity(Severity::Critical)
            .cite(first.path, &first.item.line);
        if waits.len() > 1 {
            b = b.cite(last.path, &last.item.line);
        }
        let dev: Vec<String> = devices.iter().map(|d| code(d)).collect();
        let mut text = format!(
            "The kernel logged `unregister_netdevice: waiting for ... to become free` {} for {}",
            times(waits.len()),
            dev.join(", ")
        );
        let blocked: BTreeSet<&str> = lookup::kernel_messages(ctx.facts)
            .filter_map(|m| match &m.item.kind {
                KernelMessageKind::HungTask { task, .. } => Some(task.as_str()),
                _ => None,
            })
            .collect();
        let behind = if blocked.is_empty() {
            String::new()
        } else {
            format!(
                "; {} reported blocked behind it",
                blocked
                    .iter()
                    .map(|t| code(t))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if blocked.len() == 1 { " was" } else { " were" }
            )
        };
        let sentence = format!(
            "Network namespace teardown was stuck{}: the kernel waited {} for {} to become free, \
             holding the lock every namespace creation and teardown needs, so container starts \
             and stops on the node hung{behind}.",
            span.map(|s| format!(" for {s:.0} s")).unwrap_or_default(),
            times(waits.len()),
            dev.join(", ")
        );
        if let Some(s) = span {
            text.push_str(&format!(", over {:.0} s", s));
        }
        text.push_str(
            ". A network namespace could not be destroyed because something still holds a \
             reference to one of its devices. The kernel retries every 10 seconds, holding a \
             lock that every other namespace creation and teardown needs, so container starts \
             and stops on the node hang behind it.",
        );
        vec![b
            .title("Network namespace teardown is stuck in unregister_netdevice")
            .sentence(sentence)
            .paragraph(text)
            .paragraph(
                "This is a kernel reference-count bug class, unrelated to memory pressure. It is \
                 fixed in different kernel releases for different leaks; a reboot clears it.",
            )
            .confidence(if waits.len() > 1 {
                Confidence::High
            } else {
                Confidence::Medium
            })
            .metric("messages", waits.len() as u64)
            .metric_opt("span_s", span.map(|s| s.round() as u64))
            .recommend(
                "Drain the node and reboot it to clear the stuck namespace",
                None,
                Risk::Medium,
                "When container starts and stops hang on the node",
            )
            .recommend_as(
                kernel::KERNEL_UPGRADE,
                "Upgrade the kernel to a release with the leak fixed for your network plugin",
                None,
                Risk::Medium,
                "To stop it recurring",
            )
            .references(&[MOBY_5618])
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::*;
    use crate::facts::{Facts, KernelMessage, Line, Sourced, Stamp};

    #[test]
    fn folds_repeats_into_one_finding() {
        assert!(UnregisterNetdeviceHang
            .evaluate(&context(&seed_facts(), None))
            .is_empty());
        let mut log = seed_kernel_log();
        for i in 0..30u32 {
            log.messages.push(KernelMessage {
                line: Line::new(
                    100 + i,
                    "unregister_netdevice: waiting for lo to become free. Usage count = 1",
                ),
                stamp: Stamp {
                    uptime_s: Some(1000.0 + 10.0 * f64::from(i)),
                    wall: None,
                },
                kind: KernelMessageKind::UnregisterNetdevice {
                    device: "lo".into(),
                    usage_count: Some(1),
                },
                message: "unregister_netdevice: waiting for lo to become free. Usage count = 1"
                    .into(),
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
        let f = UnregisterNetdeviceHang.evaluate(&context(&facts, None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].metrics["messages"], 30);
        assert_eq!(f[0].metrics["span_s"], 290);
        assert_eq!(f[0].evidence.len(), 2);
    }
}
