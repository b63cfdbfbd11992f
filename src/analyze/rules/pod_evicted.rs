//! `pod.evicted`: the kubelet evicted pods because the node ran short of a resource, or
//! refused to admit them for the node's condition.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{Context, Rule};
use crate::derive::kube::PodView;
use crate::facts::{KubeAction, Line, LowResource};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct PodEvicted;

static META: RuleMeta = RuleMeta {
    id: "pod.evicted",
    role: Role::Symptom,
    summary: "The kubelet evicted pods, or refused them, because the node ran short of a resource",
    doc: include_str!("../../../docs/findings/pod.evicted.md"),
    verdict_rank: None,
    incidents: &["node-pressure"],
    metrics: &[
        Metric::one("pods_evicted", MetricKind::Count, "pods evicted"),
        Metric::one(
            "pods_rejected",
            MetricKind::Count,
            "pods refused at admission",
        ),
        Metric::one(
            "resource",
            MetricKind::Text,
            "the resource the node was short of",
        ),
    ],
    needs: &[],
};

/// How the kubelet turned a pod away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Evicted,
    Rejected,
}

/// A pod's eviction or rejection, the lines that say it, and what the node was short of.
struct Turned<'a> {
    outcome: Outcome,
    lines: Vec<(&'a str, &'a Line)>,
    low: Option<&'a LowResource>,
}

fn outcome<'a>(pod: &PodView<'a>) -> Option<Turned<'a>> {
    let mut lines: Vec<(&str, &Line)> = Vec::new();
    let mut low = None;
    for r in &pod.records {
        if r.item.reason.as_deref() == Some("Evicted") {
            lines.extend(r.item.reason_line.as_ref().map(|l| (r.path, l)));
            low = low.or(r.item.low_resource.as_ref());
        }
    }
    for e in &pod.events {
        if e.item.reason == "Evicted" {
            lines.push((e.path, &e.item.line));
            low = low.or(e.item.low_resource.as_ref());
        }
    }
    let evicted_log = pod
        .log
        .iter()
        .filter(|r| r.item.kube_action() == Some(&KubeAction::Evicted));
    lines.extend(evicted_log.map(|r| (r.path, &r.item.line)));
    if !lines.is_empty() {
        return Some(Turned {
            outcome: Outcome::Evicted,
            lines,
            low,
        });
    }
    let rejected: Vec<(&str, &Line)> = pod
        .log
        .iter()
        .filter(|r| matches!(r.item.kube_action(), Some(KubeAction::AdmitRejected { .. })))
        .map(|r| (r.path, &r.item.line))
        .collect();
    (!rejected.is_empty()).then_some(Turned {
        outcome: Outcome::Rejected,
        lines: rejected,
        low: None,
    })
}

impl Rule for PodEvicted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut b = FindingBuilder::new(self).severity(Severity::Warning);
        let mut evicted: BTreeSet<String> = BTreeSet::new();
        let mut rejected: BTreeSet<String> = BTreeSet::new();
        let mut low: Option<&LowResource> = None;
        for pod in &ctx.derived.pods {
            let Some(turned) = outcome(pod) else {
                continue;
            };
            for (path, line) in turned.lines {
                b = b.cite(path, line);
            }
            low = low.or(turned.low);
            match turned.outcome {
                Outcome::Evicted => evicted.insert(pod.label()),
                Outcome::Rejected => rejected.insert(pod.label()),
            };
        }
        if evicted.is_empty() && rejected.is_empty() {
            return Vec::new();
        }
        // What the kubelet's own lines say it reclaimed, or refused pods for.
        let mut reclaimed: Option<String> = None;
        for s in &ctx.facts.daemon_logs {
            for r in &s.value {
                match r.kube_action() {
                    Some(KubeAction::EvictionReclaim { resource }) => {
                        b = b.cite(&s.path, &r.line);
                        reclaimed = reclaimed.or(Some(resource.clone()));
                    }
                    Some(KubeAction::AdmitRejected { conditions }) if low.is_none() => {
                        reclaimed = reclaimed.or(Some(conditions.clone()));
                    }
                    _ => {}
                }
            }
        }
        // The node's own pressure condition, as `kubectl describe node` shows it.
        for s in &ctx.facts.kube_nodes {
            for c in s.value.iter().flat_map(|n| &n.conditions) {
                if c.status == "True" && c.kind.ends_with("Pressure") {
                    b = b.cite(&s.path, &c.line);
                    reclaimed = reclaimed.or(Some(c.kind.clone()));
                }
            }
        }
        let resource = low
            .map(|l| l.resource.clone())
            .or(reclaimed)
            .filter(|r| !r.is_empty());
        let list =
            |set: &BTreeSet<String>| set.iter().map(|p| code(p)).collect::<Vec<_>>().join(", ");
        let short = resource
            .as_deref()
            .map(|r| format!(" because the node was low on {r}"))
            .unwrap_or_default();
        let figures = low
            .and_then(|l| Some((l.threshold.as_deref()?, l.available.as_deref()?)))
            .map(|(t, a)| format!(" ({a} available against an eviction threshold of {t})"))
            .unwrap_or_default();
        let mut sentence = String::new();
        if !evicted.is_empty() {
            sentence.push_str(&format!(
                "The kubelet evicted pod {}{short}{figures}: it stopped the pod's containers to \
                 reclaim {}, which is not an OOM kill.",
                list(&evicted),
                resource.as_deref().unwrap_or("what the node was short of")
            ));
        }
        if !rejected.is_empty() {
            if !sentence.is_empty() {
                sentence.push(' ');
            }
            sentence.push_str(&format!(
                "The kubelet refused to admit pod {} for the node's condition{}.",
                list(&rejected),
                resource
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
        vec![b
            .title(if rejected.is_empty() {
                format!("The kubelet evicted {}", list(&evicted))
            } else {
                "The kubelet evicted or refused pods for the node's pressure".to_string()
            })
            .sentence(sentence)
            .paragraph(
                "The kubelet evicts pods when a node resource falls below its eviction threshold \
                 (`memory.available<100Mi` by default), starting with the pods that use the most \
                 above their requests; while the node reports the pressure condition it refuses \
                 new pods. The node, not the pod's own limit, ran short.",
            )
            .confidence(if evicted.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            })
            .metric("pods_evicted", evicted.len() as u64)
            .metric("pods_rejected", rejected.len() as u64)
            .metric_opt("resource", resource)
            .recommend(
                "Compare the pods' requests with their real use, so that the scheduler does not \
                 overcommit the node, and see what else holds the node's memory",
                Some(&match &ctx.derived.host {
                    Some(h) => format!(
                        "kubectl describe node {}; kubectl top pods -A --sort-by=memory",
                        h.name
                    ),
                    None => "kubectl top nodes; kubectl top pods -A --sort-by=memory".to_string(),
                }),
                Risk::None,
                "When pods are evicted for node pressure",
            )
            .recommend(
                "Reserve memory for the system and the kubelet (`--system-reserved`, \
                 `--kube-reserved`) so that pods cannot starve the node",
                None,
                Risk::Low,
                "When the node's own daemons are squeezed",
            )
            .build()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testkit::context;
    use crate::parse::testing::{data, facts_of};
    use crate::sources::SourceKind;

    fn run(files: &[(&str, SourceKind, &[u8])]) -> Vec<Finding> {
        let facts = facts_of(files);
        PodEvicted.evaluate(&context(&facts, None))
    }

    #[test]
    fn an_evicted_pod_with_the_kubelets_lines() {
        let pod = data("kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt");
        let log = data("kubelet_log/vijayrod-aks-syslog-eviction-manager-memory.txt");
        let f = run(&[
            ("describe-pod.txt", SourceKind::KubectlDescribePod, &pod),
            ("var/log/syslog", SourceKind::Syslog, &log),
        ]);
        assert_eq!(f.len(), 1);
        insta::assert_snapshot!(f[0].sentence, @"The kubelet evicted pod `default/nginx` because the node was low on memory (225800Ki available against an eviction threshold of 750Mi): it stopped the pod's containers to reclaim memory, which is not an OOM kill.");
        assert_eq!(f[0].confidence, Confidence::High);
    }

    #[test]
    fn a_rejected_pod_in_the_older_kubelet_log() {
        let log = data("kubelet_log/k8s-52386-file-eviction-thresholds-1.7.txt");
        assert!(run(&[("kubelet.log", SourceKind::DaemonLog, &log)]).is_empty());
        let rejected = "I0120 00:20:07.544864   32406 eviction_manager.go:142] Failed to admit pod kube-proxy-bbrr6_kube-system(860629c4-fd5e-11e7-880c-6c626d3ed96f) - node has conditions: [MemoryPressure]\n";
        let f = run(&[("kubelet.log", SourceKind::DaemonLog, rejected.as_bytes())]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].sentence
                .contains("refused to admit pod `kube-system/kube-proxy-bbrr6`"),
            "{}",
            f[0].sentence
        );
    }

    #[test]
    fn the_nodes_pressure_condition_is_cited() {
        let pod = data("kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt");
        let node =
            data("kubectl_describe_node/k8s-52386-1.7-tabbed-memorypressure-true-wrapped.txt");
        let f = run(&[
            ("describe-pod.txt", SourceKind::KubectlDescribePod, &pod),
            ("describe-node.txt", SourceKind::KubectlDescribeNode, &node),
        ]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.path == "describe-node.txt" && e.text.starts_with("MemoryPressure")),
            "{:#?}",
            f[0].evidence
        );
    }

    #[test]
    fn a_deleted_pod_is_not_evicted() {
        let log = data("kubelet_log/vijayrod-aks-syslog-pod-delete-killing-grace-period.txt");
        assert!(run(&[("var/log/syslog", SourceKind::Syslog, &log)]).is_empty());
    }
}
