//! `container.killed`: a container's process was killed by a signal that was not the OOM
//! killer's: exit code 137 (SIGKILL) or 143 (SIGTERM), no `OOMKilled`, and no OOM report, OOM
//! event or `TaskOOM` for it. Says which kill it was when the kubelet's lines or the pod's
//! events say: a failed liveness probe, an eviction, a stop whose grace period ran out; or,
//! for a docker container, when the daemon's lines and `docker events` say: a daemon stop or
//! restart, a Swarm task stop (routine unless it repeats), a `docker stop`, a `docker kill`.

use std::collections::BTreeSet;

use crate::analyze::finding::{code, FindingBuilder};
use crate::analyze::meta::{Metric, MetricKind, RuleMeta};
use crate::analyze::{lookup, Context, Rule};
use crate::derive::containers::{signalled_exits, SignalledExit, SIGNAL_EXIT_CODES};
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
            "which kill: liveness-probe, eviction, stop, unknown, daemon-restart, \
             orchestrator-stop, kill",
        ),
    ],
    needs: &[],
};

/// Who killed the container, as the bundle says; the first in this order is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kill {
    Eviction,
    LivenessProbe,
    /// The docker daemon was stopped or restarted and stopped its containers.
    DaemonRestart,
    /// `docker kill`: a signal with no stop before it.
    Killed,
    Stop,
    /// An orchestrator (Swarm) stopped its task: routine unless it repeats.
    OrchestratorStop,
    Unknown,
}

impl Kill {
    fn as_str(self) -> &'static str {
        match self {
            Kill::Eviction => "eviction",
            Kill::LivenessProbe => "liveness-probe",
            Kill::DaemonRestart => "daemon-restart",
            Kill::Killed => "kill",
            Kill::Stop => "stop",
            Kill::OrchestratorStop => "orchestrator-stop",
            Kill::Unknown => "unknown",
        }
    }
}

/// Whose records tell the kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Kubelet,
    Docker,
}

/// One container's kill, with its evidence.
struct Killed<'a> {
    label: String,
    exit_code: i64,
    kill: Kill,
    grace_seconds: Option<u64>,
    /// The exit, then what the bundle says of the kill's cause.
    evidence: Vec<(&'a str, &'a Line)>,
    /// Which kill it was, in words.
    words: String,
    /// Why it was not an OOM kill, in the words of whoever recorded the exit.
    reason: String,
    engine: Engine,
    /// What names it to `kubectl` or `docker service`: the pod's `-n NAMESPACE NAME`, or the
    /// Swarm service's name, where the bundle says it.
    handle: Option<String>,
}

/// How many kills the evidence cites, and how many containers the finding names.
const CITED_KILLS: usize = 10;
const NAMED_KILLS: usize = 20;

/// 128 + SIGKILL, 128 + SIGTERM.
const KILL_EXIT_CODES: [i64; 2] = SIGNAL_EXIT_CODES;

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
        Kill::Stop | Kill::DaemonRestart | Kill::OrchestratorStop => {
            format!("when the kubelet stopped it, and {ending}")
        }
        Kill::Killed | Kill::Unknown => {
            "by a signal whose sender the bundle does not name".to_string()
        }
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
                let exit_code = state.item.exit_code.unwrap_or(137);
                let mut evidence = vec![(state.path, &state.item.line)];
                evidence.extend(state.item.exit_code_line.as_ref().map(|l| (state.path, l)));
                evidence.extend(cause);
                let reason = state
                    .item
                    .reason
                    .as_deref()
                    .map(|r| format!("Kubernetes reports `Reason: {r}`, not `OOMKilled`"))
                    .unwrap_or_else(|| "Kubernetes does not report `OOMKilled`".to_string());
                killed.push(Killed {
                    label: pod.container_label(at),
                    exit_code,
                    kill,
                    grace_seconds,
                    evidence,
                    words: cause_words(kill, exit_code, grace_seconds, pod),
                    reason,
                    engine: Engine::Kubelet,
                    handle: pod.name.as_ref().map(|name| match &pod.namespace {
                        Some(ns) => format!("{name} -n {ns}"),
                        None => name.clone(),
                    }),
                });
            }
        }
        killed.extend(docker_killed(ctx));
        // A host-wide OOM kill is reported as `Error` with 137 too: a kill whose sender the
        // bundle does not name is then most likely that.
        if host_oom(ctx) {
            killed.retain(|k| k.kill != Kill::Unknown);
        }
        killed.sort_by_key(|k| k.kill);
        let Some(first) = killed.first() else {
            return Vec::new();
        };
        let code_first = first.exit_code;
        let kernel_log = !ctx.facts.kernel_logs.is_empty();
        // One orchestrator stop that ran out of grace is routine: worth a note, not a warning.
        let routine = killed.iter().all(|k| k.kill == Kill::OrchestratorStop) && killed.len() == 1;
        let mut b = FindingBuilder::new(self).severity(if routine {
            Severity::Info
        } else {
            Severity::Warning
        });
        // The first kill is cited whole, each of the next few by its first line: a node that
        // stopped its containers by the thousand gets a readable finding.
        for (at, k) in killed.iter().take(CITED_KILLS).enumerate() {
            let lines = if at == 0 { k.evidence.len() } else { 1 };
            for (path, line) in k.evidence.iter().take(lines) {
                b = b.cite(path, line);
            }
        }
        let kernel = if kernel_log {
            ", and the kernel log has no OOM report for it"
        } else {
            ""
        };
        let names: BTreeSet<&str> = killed.iter().map(|k| k.label.as_str()).collect();
        let mut sentence = format!(
            "Container {} was killed with exit code {code_first} ({}) {}; it was not \
             OOM-killed: {}{kernel}.",
            code(&first.label),
            signal_name(code_first),
            first.words,
            first.reason,
        );
        if first.kill == Kill::OrchestratorStop {
            sentence.push_str(
                " An orchestrator stop whose grace period ran out is routine (a service update, \
                 a scale-down, a task moved to another node) unless it repeats.",
            );
        }
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
            .paragraph(match first.engine {
                Engine::Kubelet => {
                    "Exit code 128 + N means the process was ended by signal N: 137 is SIGKILL, \
                     143 SIGTERM. The OOM killer sends SIGKILL too, but Kubernetes then reports \
                     `OOMKilled` and the kernel logs an OOM report; without them the kill came \
                     from outside: the kubelet stopping the container (a failed liveness probe, \
                     an eviction, a pod deleted or updated) or someone's `kill`. Raising the \
                     memory limit does not help here."
                }
                Engine::Docker => {
                    "Exit code 128 + N means the process was ended by signal N: 137 is SIGKILL, \
                     143 SIGTERM. The OOM killer sends SIGKILL too, but docker then records an \
                     `oom` event and `OOMKilled: true`, and the kernel logs an OOM report; \
                     without them the kill came from outside: a stop (`docker stop`, a delete, \
                     a daemon restart, an orchestrator's stop) sends SIGTERM, then SIGKILL when \
                     the grace period runs out, and `docker kill` sends SIGKILL at once. Raising \
                     the memory limit does not help here."
                }
            })
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
            let mut listed: Vec<String> = names.iter().take(NAMED_KILLS).map(|n| code(n)).collect();
            if names.len() > NAMED_KILLS {
                listed.push(format!("and {} more", names.len() - NAMED_KILLS));
            }
            b = b.paragraph(format!(
                "Killed the same way or otherwise: {}.",
                listed.join(", ")
            ));
        }
        b = match (first.kill, first.engine) {
            (Kill::LivenessProbe, _) => b.recommend(
                "Find out why the probe failed (the `Unhealthy` events' message), and give the \
                 probe a timeout, period and failure threshold that the application can meet \
                 under load; a slow start wants a startup probe",
                first
                    .handle
                    .as_ref()
                    .map(|h| format!("kubectl describe pod {h}"))
                    .as_deref(),
                Risk::Low,
                "When a liveness probe restarts a container that was only slow",
            ),
            (Kill::Eviction, _) => b.recommend(
                "See the node's memory pressure: set requests that match the pods' use, so that \
                 the scheduler does not overcommit the node",
                Some(
                    &ctx.derived
                        .host
                        .as_ref()
                        .map(|h| format!("kubectl describe node {}", h.name))
                        .unwrap_or_else(|| "kubectl top nodes".to_string()),
                ),
                Risk::None,
                "When pods are evicted for a resource the node is short of",
            ),
            (Kill::DaemonRestart, _) => b.recommend(
                "Turn on `live-restore` in `/etc/docker/daemon.json`, so that a restart of the \
                 docker daemon leaves running containers alone, and make the application exit \
                 on SIGTERM within its stop timeout",
                Some("docker info --format '{{.LiveRestoreEnabled}}'"),
                Risk::Low,
                "When restarting the docker daemon kills its containers",
            ),
            // One stop is routine: what to do is to see whether it repeats.
            (Kill::OrchestratorStop, _) => b.recommend(
                "See whether the service's tasks keep ending in SIGKILL: one stop needs nothing; \
                 stops that repeat want an application that exits on SIGTERM within its grace \
                 period, or a longer `--stop-grace-period`",
                first
                    .handle
                    .as_ref()
                    .map(|service| format!("docker service ps --no-trunc {service}"))
                    .as_deref(),
                Risk::None,
                "When an orchestrator's stops end with SIGKILL",
            ),
            (Kill::Stop | Kill::Killed | Kill::Unknown, Engine::Docker) => b.recommend(
                "Make the application exit on SIGTERM within its stop timeout, or give it a \
                 longer one (`docker stop -t`, `--stop-timeout`)",
                None,
                Risk::Low,
                "When a stop ends with SIGKILL",
            ),
            (Kill::Stop | Kill::Killed | Kill::Unknown, Engine::Kubelet) => b.recommend(
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

/// The containers docker saw exit on a signal that was not the OOM killer's, with who sent it;
/// those of a Kubernetes pod are told from the kubelet's side.
fn docker_killed<'a>(ctx: &Context<'a>) -> Vec<Killed<'a>> {
    let views = &ctx.derived.containers;
    let of_a_pod = |id: &str| {
        ctx.derived
            .pods
            .iter()
            .flat_map(|p| &p.containers)
            .any(|c| c.has_id(id))
    };
    let mut out = Vec::new();
    for exit in signalled_exits(ctx.facts, views) {
        let Some(view) = views.get(exit.container) else {
            continue;
        };
        if exit.oom || of_a_pod(view.id) {
            continue;
        }
        out.push(docker_kill(view.label(), &exit));
    }
    out
}

/// One docker exit on a signal: which kill it was, from the daemon's lines and the events.
fn docker_kill<'a>(label: String, exit: &SignalledExit<'a>) -> Killed<'a> {
    let signals = exit.signals();
    let sigterm_first = signals
        .first()
        .is_some_and(|s| *s == "15" || *s == "SIGTERM");
    let grace_seconds = exit.forced.and_then(|f| match f.item.kube_action() {
        Some(KubeAction::RuntimeForcedKill { grace_seconds, .. }) => *grace_seconds,
        _ => None,
    });
    let stopped = sigterm_first || exit.forced.is_some() || exit.stop.is_some();
    let kill = if exit.shutdown.is_some() {
        Kill::DaemonRestart
    } else if stopped && exit.swarm_service().is_some() {
        Kill::OrchestratorStop
    } else if stopped {
        Kill::Stop
    } else if !signals.is_empty() {
        Kill::Killed
    } else {
        Kill::Unknown
    };
    let mut evidence: Vec<(&'a str, &'a Line)> = Vec::new();
    let mut reason = Vec::new();
    if let Some(c) = exit.inspect {
        let state = &c.item.state;
        evidence.extend(state.exit_code_line.as_ref().map(|l| (c.path, l)));
        if let Some(l) = state.oom_killed_line.as_ref() {
            evidence.push((c.path, l));
            reason.push("docker reports `OOMKilled: false`");
        }
    }
    if let Some(shutdown) = exit.shutdown {
        evidence.push((shutdown.path, &shutdown.item.line));
    }
    evidence.extend(exit.kills.iter().map(|k| (k.path, &k.item.line)));
    if let Some(f) = exit.forced {
        evidence.push((f.path, &f.item.line));
    }
    if let Some(d) = exit.die {
        evidence.push((d.path, &d.item.line));
        reason.push("docker recorded no `oom` event for it");
    }
    if let Some(s) = exit.stop {
        evidence.push((s.path, &s.item.line));
    }
    let grace_words = grace_seconds
        .map(|g| format!("its {g} s grace period"))
        .unwrap_or_else(|| "its grace period".to_string());
    let ending = if exit.exit_code == 143 {
        "it exited on the SIGTERM".to_string()
    } else {
        format!("it was still running when {grace_words} ran out, so SIGKILL ended it")
    };
    let words = match kill {
        Kill::DaemonRestart => {
            let signal = exit
                .shutdown
                .and_then(|s| match s.item.kube_action() {
                    Some(KubeAction::RuntimeShutdown { signal }) => Some(signal.as_str()),
                    _ => None,
                })
                .unwrap_or("terminated");
            format!(
                "when the docker daemon was stopped (`Processing signal '{signal}'`, a stop or \
                 restart of the daemon): the daemon stops its containers as it goes, and {ending}"
            )
        }
        Kill::OrchestratorStop => {
            let service = exit
                .swarm_service()
                .filter(|s| !s.is_empty())
                .map(|s| format!(" of service {}", code(s)))
                .unwrap_or_default();
            format!("when Swarm stopped its task{service}: docker sent it SIGTERM, and {ending}")
        }
        Kill::Stop => format!("when it was stopped (`docker stop` or a delete), and {ending}"),
        Kill::Killed => format!(
            "by `docker kill` (signal {}), with no SIGTERM first",
            signals.join(", then ")
        ),
        Kill::LivenessProbe | Kill::Eviction | Kill::Unknown => {
            "by a signal whose sender the bundle does not name".to_string()
        }
    };
    let reason = if reason.is_empty() {
        "docker does not report it".to_string()
    } else {
        reason.join(" and ")
    };
    Killed {
        label,
        exit_code: exit.exit_code,
        kill,
        grace_seconds,
        evidence,
        words,
        reason,
        engine: Engine::Docker,
        handle: exit.swarm_service().map(str::to_string),
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

    /// The recorded docker host (`tests/data/recorded/.../README.md`): `web-1` killed at a
    /// daemon restart, a busybox `dd` and four JVM runs killed by the memory cgroup's OOM killer.
    fn recorded(file: &str) -> Vec<u8> {
        data(&format!(
            "recorded/docker-20.10-cgroup1-oom-and-start-failures/{file}"
        ))
    }

    #[test]
    fn a_daemon_restart_kill_is_named_and_the_oom_kills_are_not_counted() {
        let (inspect, events, daemon, dmesg) = (
            recorded("docker_inspect"),
            recorded("docker_events"),
            recorded("dockerd.log"),
            recorded("dmesg"),
        );
        let f = run(&[
            ("docker_inspect", SourceKind::ContainerInspect, &inspect),
            ("docker_events", SourceKind::DockerEvents, &events),
            ("dockerd.log", SourceKind::DaemonLog, &daemon),
            ("dmesg", SourceKind::Dmesg, &dmesg),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        insta::assert_snapshot!(f[0].sentence, @"Container `web-1 (e83d4a00bbbe)` was killed with exit code 137 (SIGKILL) when the docker daemon was stopped (`Processing signal 'terminated'`, a stop or restart of the daemon): the daemon stops its containers as it goes, and it was still running when its 10 s grace period ran out, so SIGKILL ended it; it was not OOM-killed: docker reports `OOMKilled: false`, and the kernel log has no OOM report for it.");
        // web-1 only: the busybox and JVM kills had `oom` events and kernel OOM reports.
        assert_eq!(f[0].metrics.get("containers"), Some(&1u64.into()));
        assert_eq!(f[0].confidence, Confidence::High);
        let cited: Vec<String> = f[0].evidence.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            cited,
            [
                "docker_inspect",
                "docker_inspect",
                "dockerd.log",
                "dockerd.log"
            ]
        );
        // Without the daemon's log, the inspect document alone does not say who sent it.
        let f = run(&[
            ("docker_inspect", SourceKind::ContainerInspect, &inspect),
            ("dmesg", SourceKind::Dmesg, &dmesg),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].confidence, Confidence::Low);
        assert_eq!(f[0].metrics.get("kill"), Some(&"unknown".into()));
    }

    #[test]
    fn a_swarm_task_stop_is_routine_context() {
        let events = data("../../samples/seed-runc-unshare-enomem/docker-events.log");
        let messages = data("../../samples/seed-runc-unshare-enomem/messages");
        let f = run(&[
            ("docker-events.log", SourceKind::DockerEvents, &events),
            ("messages", SourceKind::Syslog, &messages),
        ]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].role, Role::Symptom);
        // One stop is routine: a note, not a warning.
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].metrics.get("kill"), Some(&"orchestrator-stop".into()));
        assert_eq!(
            f[0].metrics.get("grace_period_seconds"),
            Some(&10u64.into())
        );
        assert!(
            f[0].sentence
                .contains("when Swarm stopped its task of service `crm_api`")
                && f[0].sentence.ends_with(
                    "An orchestrator stop whose grace period ran out is routine (a service \
                     update, a scale-down, a task moved to another node) unless it repeats."
                ),
            "{}",
            f[0].sentence
        );
        // SIGTERM, SIGKILL, the daemon's line, the die and the stop.
        assert_eq!(f[0].evidence.len(), 5, "{:#?}", f[0].evidence);
    }

    #[test]
    fn docker_stop_and_docker_kill_from_events() {
        // The docker CLI reference's `docker events` example: `kill` 15, `kill` 9, `die` 137,
        // `stop`.
        let events = data("docker_events/cli-docs-text-filters.txt");
        let f = run(&[("events", SourceKind::DockerEvents, &events)]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].metrics.get("kill"), Some(&"stop".into()));
        // (The reference abbreviates two containers' ids alike: the first one's name stands.)
        assert!(
            f[0].sentence.contains(
                "was killed with exit code 137 (SIGKILL) when it was stopped (`docker stop` or a \
                 delete), and it was still running when its grace period ran out"
            ),
            "{}",
            f[0].sentence
        );
        // The same events without the SIGTERM and the stop: a `docker kill`.
        let text = String::from_utf8_lossy(&events);
        let killed: String = text
            .lines()
            .filter(|l| !l.contains("signal=15") && !l.contains("container stop d9cd"))
            .map(|l| format!("{l}\n"))
            .collect();
        let f = run(&[("events", SourceKind::DockerEvents, killed.as_bytes())]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].metrics.get("kill"), Some(&"kill".into()));
        assert!(
            f[0].sentence
                .contains("by `docker kill` (signal 9), with no SIGTERM first"),
            "{}",
            f[0].sentence
        );
    }

    #[test]
    fn a_docker_oom_kill_with_137_is_not_this() {
        // batch-1's `dd`: `oom` then `die` 137, and the kernel's report of its cgroup.
        let events = recorded("docker_events");
        let dmesg = recorded("dmesg");
        let f = run(&[
            ("docker_events", SourceKind::DockerEvents, &events),
            ("dmesg", SourceKind::Dmesg, &dmesg),
        ]);
        assert!(f.is_empty(), "{f:#?}");
    }
}
