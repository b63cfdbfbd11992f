//! `container.killed`: a container's process was killed by a signal that was not the OOM
//! killer's: exit code 137 (SIGKILL) or 143 (SIGTERM), no `OOMKilled`, and no OOM report, OOM
//! event or `TaskOOM` for it. Says which kill it was when the kubelet's lines or the pod's
//! events say: a failed liveness probe, an eviction, a stop whose grace period ran out.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{lookup, Context, Rule};
use crate::derive::kube::{PodContainer, PodView};
use crate::derive::At;
use crate::facts::{DaemonRecord, KubeAction, KubeContainerState, KubeEvent, Line, OomScope};
use crate::report::{Confidence, Finding, Risk, Role, Severity};

pub struct ContainerKilled;

static META: RuleMeta = RuleMeta {
    id: "container.killed",
    role: Role::Symptom,
    summary: "A container was killed by a signal (exit 137 or 143) that was not the OOM killer's",
    doc: include_str!("../../../docs/findings/container.killed.md"),
    verdict_rank: None,
    incidents: &["container-kill"],
    metrics: &[
        Metric::one("containers", MetricKind::Count, "containers killed"),
        Metric::one("exit_code", MetricKind::Count, "the first one's exit code"),
        Metric::one(
            "grace_period_seconds",
            MetricKind::Count,
            "the grace period the kubelet gave it",
        ),
        Metric::one(
            "kill",
            MetricKind::Text,
            "which kill: liveness-probe, eviction, stop, unknown",
        ),
    ],
    needs: &[],
};

/// Who killed the container, as the bundle says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kill {
    Eviction,
    LivenessProbe,
    Stop,
    Unknown,
}

impl Kill {
    fn as_str(self) -> &'static str {
        match self {
            Kill::Eviction => "eviction",
            Kill::LivenessProbe => "liveness-probe",
            Kill::Stop => "stop",
            Kill::Unknown => "unknown",
        }
    }
}

/// One container's kill, with its evidence.
struct Killed<'a> {
    label: String,
    state: At<'a, KubeContainerState>,
    kill: Kill,
    grace_seconds: Option<u64>,
    /// What the bundle says of the kill's cause.
    cause: Vec<(&'a str, &'a Line)>,
}

/// 128 + SIGKILL, 128 + SIGTERM.
const KILL_EXIT_CODES: [i64; 2] = [137, 143];

fn signal_name(code: i64) -> &'static str {
    if code == 143 {
        "SIGTERM"
    } else {
        "SIGKILL"
    }
}

/// The container's termination by a signal, when it has one and nothing says it was an OOM kill.
fn killed_state<'a>(pod: &PodView<'a>, at: usize) -> Option<At<'a, KubeContainerState>> {
    let c = pod.containers.get(at)?;
    let mut states = c.statuses.iter().flat_map(|s| {
        s.item.terminations().map(move |t| At {
            path: s.path,
            item: t,
        })
    });
    if c.statuses
        .iter()
        .flat_map(|s| s.item.terminations())
        .any(|t| t.reason.as_deref() == Some("OOMKilled"))
    {
        return None;
    }
    let oom_report = pod
        .oom_kills
        .iter()
        .any(|o| o.container == Some(at) || o.container.is_none());
    let oom_event = c
        .log
        .iter()
        .any(|r| r.item.kube_action() == Some(&KubeAction::RuntimeOom));
    if oom_report || oom_event {
        return None;
    }
    states.find(|t| {
        t.item
            .exit_code
            .is_some_and(|code| KILL_EXIT_CODES.contains(&code))
    })
}

fn action<'a>(r: &At<'a, DaemonRecord>) -> Option<&'a KubeAction> {
    r.item.kube_action()
}

/// Whether a pod event is about container `name` failing its liveness probe.
fn liveness_event(e: &KubeEvent, name: Option<&str>) -> bool {
    let about_it = name.is_none_or(|n| !e.message.contains("Container ") || e.message.contains(n));
    about_it
        && ((e.reason == "Unhealthy" && e.message.starts_with("Liveness probe failed"))
            || (e.reason == "Killing" && e.message.contains("failed liveness probe")))
}

/// Which kill it was, and the lines that say it.
fn cause<'a>(
    pod: &PodView<'a>,
    c: &PodContainer<'a>,
) -> (Kill, Option<u64>, Vec<(&'a str, &'a Line)>) {
    let evicted_records = pod
        .records
        .iter()
        .filter(|r| r.item.reason.as_deref() == Some("Evicted"))
        .filter_map(|r| Some((r.path, r.item.reason_line.as_ref()?)));
    let evicted_events = pod
        .events
        .iter()
        .filter(|e| e.item.reason == "Evicted")
        .map(|e| (e.path, &e.item.line));
    let evicted_log = pod
        .log
        .iter()
        .filter(|r| action(r) == Some(&KubeAction::Evicted))
        .map(|r| (r.path, &r.item.line));
    let evicted: Vec<_> = evicted_records
        .chain(evicted_events)
        .chain(evicted_log)
        .collect();
    let grace = c.log.iter().find_map(|r| match action(r) {
        Some(KubeAction::Killing { grace_seconds }) => *grace_seconds,
        _ => None,
    });
    let killing: Vec<(&str, &Line)> = c
        .log
        .iter()
        .filter(|r| {
            matches!(
                action(r),
                Some(KubeAction::Killing { .. } | KubeAction::RuntimeStop { .. })
            )
        })
        .map(|r| (r.path, &r.item.line))
        .collect();
    if !evicted.is_empty() {
        return (Kill::Eviction, grace, [evicted, killing].concat());
    }
    // A failing probe is logged every period: its first failure stands for the others.
    let first_failure = c.log.iter().find(
        |r| matches!(action(r), Some(KubeAction::ProbeFailed { probe }) if probe == "Liveness"),
    );
    let restart = c
        .log
        .iter()
        .filter(|r| action(r) == Some(&KubeAction::LivenessRestart));
    let probe_log = first_failure.into_iter().chain(restart);
    let probe_events = pod
        .events
        .iter()
        .filter(|e| liveness_event(e.item, c.name.as_deref()))
        .map(|e| (e.path, &e.item.line));
    let probe: Vec<_> = probe_log
        .map(|r| (r.path, &r.item.line))
        .chain(probe_events)
        .collect();
    if !probe.is_empty() {
        return (Kill::LivenessProbe, grace, [probe, killing].concat());
    }
    if !killing.is_empty() {
        return (Kill::Stop, grace, killing);
    }
    (Kill::Unknown, None, Vec::new())
}

/// What the kill was, in words, for `code`.
fn cause_words(kill: Kill, code: i64, grace: Option<u64>, pod: &PodView<'_>) -> String {
    let grace_words = grace
        .map(|g| format!("its {g} s grace period"))
        .unwrap_or_else(|| "its grace period".to_string());
    let ending = if code == 143 {
        "it exited on the SIGTERM".to_string()
    } else {
        format!("it was still running when {grace_words} ran out, so SIGKILL ended it")
    };
    match kill {
        Kill::LivenessProbe => format!(
            "after failing its liveness probe: the kubelet restarts such a container, and {ending}"
        ),
        Kill::Eviction => {
            let short = pod
                .records
                .iter()
                .find_map(|r| r.item.low_resource.as_ref())
                .or_else(|| pod.events.iter().find_map(|e| e.item.low_resource.as_ref()))
                .map(|l| format!(" because the node was low on {}", l.resource))
                .unwrap_or_default();
            format!("when the kubelet evicted its pod{short}")
        }
        Kill::Stop => format!("when the kubelet stopped it, and {ending}"),
        Kill::Unknown => "by a signal whose sender the bundle does not name".to_string(),
    }
}

/// Whether the bundle shows a host-wide OOM kill: the kernel's report, or the kubelet's
/// `SystemOOM` (node-problem-detector's `OOMKilling`) event.
fn host_oom(ctx: &Context<'_>) -> bool {
    let facts = ctx.facts;
    let oom_event = |e: &KubeEvent| matches!(e.reason.as_str(), "SystemOOM" | "OOMKilling");
    lookup::oom_kills(facts).any(|k| k.item.scope == OomScope::Global)
        || facts
            .kube_nodes
            .iter()
            .flat_map(|s| &s.value)
            .any(|n| n.events.iter().any(oom_event))
        || facts
            .kube_events
            .iter()
            .flat_map(|s| &s.value)
            .any(oom_event)
}

impl Rule for ContainerKilled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut killed: Vec<Killed<'_>> = Vec::new();
        for pod in &ctx.derived.pods {
            for (at, c) in pod.containers.iter().enumerate() {
                let Some(state) = killed_state(pod, at) else {
                    continue;
                };
                let (kill, grace_seconds, cause) = cause(pod, c);
                killed.push(Killed {
                    label: pod.container_label(at),
                    state,
                    kill,
                    grace_seconds,
                    cause,
                });
            }
        }
        // A host-wide OOM kill is reported as `Error` with 137 too: a kill whose sender the
        // bundle does not name is then most likely that.
        if host_oom(ctx) {
            killed.retain(|k| k.kill != Kill::Unknown);
        }
        killed.sort_by_key(|k| k.kill);
        let Some(first) = killed.first() else {
            return Vec::new();
        };
        let code_first = first.state.item.exit_code.unwrap_or(137);
        let kernel_log = !ctx.facts.kernel_logs.is_empty();
        let mut b = FindingBuilder::new(self).severity(Severity::Warning);
        for k in &killed {
            b = b
                .cite(k.state.path, &k.state.item.line)
                .cite_opt(k.state.path, k.state.item.exit_code_line.as_ref());
            for (path, line) in &k.cause {
                b = b.cite(path, line);
            }
        }
        let pod = ctx
            .derived
            .pods
            .iter()
            .find(|p| (0..p.containers.len()).any(|i| p.container_label(i) == first.label));
        let words = pod
            .map(|p| cause_words(first.kill, code_first, first.grace_seconds, p))
            .unwrap_or_default();
        let reason = first
            .state
            .item
            .reason
            .as_deref()
            .map(|r| format!("Kubernetes reports `Reason: {r}`, not `OOMKilled`"))
            .unwrap_or_else(|| "Kubernetes does not report `OOMKilled`".to_string());
        let kernel = if kernel_log {
            ", and the kernel log has no OOM report for it"
        } else {
            ""
        };
        let names: BTreeSet<&str> = killed.iter().map(|k| k.label.as_str()).collect();
        let sentence = format!(
            "Container {} was killed with exit code {code_first} ({}) {words}; it was not \
             OOM-killed: {reason}{kernel}.",
            code(&first.label),
            signal_name(code_first),
        );
        let confidence = match (first.kill, kernel_log) {
            (Kill::Unknown, _) => Confidence::Low,
            (_, true) => Confidence::High,
            (_, false) => Confidence::Medium,
        };
        let mut b = b
            .title(format!(
                "Container {} was killed (exit {code_first}), not OOM-killed",
                first.label
            ))
            .sentence(sentence)
            .paragraph(
                "Exit code 128 + N means the process was ended by signal N: 137 is SIGKILL, 143 \
                 SIGTERM. The OOM killer sends SIGKILL too, but Kubernetes then reports \
                 `OOMKilled` and the kernel logs an OOM report; without them the kill came from \
                 outside: the kubelet stopping the container (a failed liveness probe, an \
                 eviction, a pod deleted or updated) or someone's `kill`. Raising the memory \
                 limit does not help here.",
            )
            .confidence(confidence)
            .metric("containers", names.len() as u64)
            .metric("exit_code", code_first)
            .metric_opt("grace_period_seconds", first.grace_seconds)
            .metric("kill", first.kill.as_str());
        if first.kill == Kill::Unknown && !kernel_log {
            b = b.paragraph(
                "A process killed by a host-wide OOM kill is reported as `Error` with 137 too: \
                 the bundle has no kernel log to rule that out.",
            );
        }
        if names.len() > 1 {
            b = b.paragraph(format!(
                "Killed the same way or otherwise: {}.",
                names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
            ));
        }
        b = match first.kill {
            Kill::LivenessProbe => b.recommend(
                "Find out why the probe failed (the `Unhealthy` events' message), and give the \
                 probe a timeout, period and failure threshold that the application can meet \
                 under load; a slow start wants a startup probe",
                Some("kubectl describe pod <pod> -n <namespace>"),
                Risk::Low,
                "When a liveness probe restarts a container that was only slow",
            ),
            Kill::Eviction => b.recommend(
                "See the node's memory pressure: set requests that match the pods' use, so that \
                 the scheduler does not overcommit the node",
                Some("kubectl describe node <node>"),
                Risk::None,
                "When pods are evicted for a resource the node is short of",
            ),
            Kill::Stop | Kill::Unknown => b.recommend(
                "Make the application exit on SIGTERM within its grace period, or lengthen \
                 `terminationGracePeriodSeconds`",
                None,
                Risk::Low,
                "When a stop ends with SIGKILL",
            ),
        };
        vec![b.build()]
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
        ContainerKilled.evaluate(&context(&facts, None))
    }

    /// A pod whose container was restarted after a liveness probe failed, with 137 and `Error`.
    const LIVENESS_POD: &str = "Name:         liveness-exec
Namespace:    default
Containers:
  liveness:
    Container ID:   containerd://0b3f5a8e6c2d4f1a9e7b5c3d1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a
    State:          Running
    Last State:     Terminated
      Reason:       Error
      Exit Code:    137
";

    #[test]
    fn a_liveness_probe_kill_is_named() {
        // The pod's events, as `kubectl describe` prints them under it.
        let events = data("kubectl_describe_pod/k8s-docs-liveness-exec-events-fragment.txt");
        let events: String = String::from_utf8_lossy(&events)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("  {l}\n"))
            .collect();
        let pod = format!("{LIVENESS_POD}Events:\n{events}");
        let f = run(&[(
            "describe-pod.txt",
            SourceKind::KubectlDescribePod,
            pod.as_bytes(),
        )]);
        assert_eq!(f.len(), 1, "{f:#?}");
        insta::assert_snapshot!(f[0].sentence, @"Container `default/liveness-exec/liveness` was killed with exit code 137 (SIGKILL) after failing its liveness probe: the kubelet restarts such a container, and it was still running when its grace period ran out, so SIGKILL ended it; it was not OOM-killed: Kubernetes reports `Reason: Error`, not `OOMKilled`.");
        assert_eq!(f[0].confidence, Confidence::Medium);
        // The state, its exit code, the `Unhealthy` event and the kubelet's `Killing`.
        assert_eq!(f[0].evidence.len(), 4, "{:#?}", f[0].evidence);
    }

    #[test]
    fn an_evicted_pod_container_is_killed_by_the_eviction() {
        let pod = data("kubectl_describe_pod/vijayrod-aks-evicted-containerstatusunknown.txt");
        let f = run(&[("describe-pod.txt", SourceKind::KubectlDescribePod, &pod)]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].sentence
                .contains("when the kubelet evicted its pod because the node was low on memory"),
            "{}",
            f[0].sentence
        );
    }

    #[test]
    fn an_oom_kill_with_137_is_not_this() {
        let pod = data("kubectl_describe_pod/vijayrod-aks-oomkilled-last-state-fragment.txt");
        assert!(run(&[("describe-pod.txt", SourceKind::KubectlDescribePod, &pod)]).is_empty());
        let yaml = data("kubectl_get_pod_yaml/k8s-docs-laststate-oomkilled-fragment.txt");
        assert!(run(&[("pod.yaml", SourceKind::KubePod, &yaml)]).is_empty());
    }

    #[test]
    fn a_137_with_a_kernel_oom_report_of_its_pod_is_not_this() {
        let pod = LIVENESS_POD
            .replace("liveness-exec", "nginx")
            .replace("  liveness:", "  nginx:")
            .replace(
                "0b3f5a8e6c2d4f1a9e7b5c3d1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a",
                "25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca",
            );
        let syslog = data("dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt");
        let f = run(&[
            (
                "describe-pod.txt",
                SourceKind::KubectlDescribePod,
                pod.as_bytes(),
            ),
            ("var/log/syslog", SourceKind::Syslog, &syslog),
        ]);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn a_json_fragment_with_137_and_error_is_a_kill_of_unknown_origin() {
        let json =
            data("kubectl_get_pod_json/k8s-53669-laststate-error-137-system-oom-fragment.txt");
        let f = run(&[("pod.json", SourceKind::KubePod, &json)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::Low);
        // With the node's `SystemOOM` events, that 137 is most likely the host's OOM kill.
        let events = data("kubectl_describe_node/k3s-838-events-systemoom-node-not-ready.txt");
        let f = run(&[
            ("pod.json", SourceKind::KubePod, &json),
            ("events.txt", SourceKind::KubeEvents, &events),
        ]);
        assert!(f.is_empty(), "{f:#?}");
    }
}
