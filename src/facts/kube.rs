//! Kubernetes and CRI facts: pods and their containers as `kubectl` shows them, cluster events,
//! `crictl ps` rows, and what a kubelet or runtime log line says happened to a pod.
//!
//! Names are kept as Kubernetes prints them: a pod is `namespace/name`, a container is named
//! within its pod, and a container id is the runtime's id without its `containerd://` (or
//! `cri-o://`, `docker://`) scheme, which is kept apart in `runtime`.

use serde::Serialize;

use super::{Line, WallClock};

/// A pod, from `kubectl describe pod`, `kubectl get pod -o json|yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KubePod {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    pub node: Option<String>,
    /// `Guaranteed`, `Burstable`, `BestEffort`.
    pub qos: Option<String>,
    /// `Running`, `Failed`, `Pending`, ...
    pub phase: Option<String>,
    /// The pod's own reason (`Evicted`).
    pub reason: Option<String>,
    /// The pod's status message (`The node was low on resource: memory. ...`).
    pub message: Option<String>,
    /// The line of the reason, or of the message when there is no reason.
    pub reason_line: Option<Line>,
    /// What the node was short of, when the message says the pod was evicted for it.
    pub low_resource: Option<LowResource>,
    pub containers: Vec<KubeContainer>,
    /// The events `kubectl describe` lists under the pod.
    pub events: Vec<KubeEvent>,
    /// The line that names the pod (`Name:`, `"name":`), or the first line read of it.
    pub line: Line,
}

impl KubePod {
    /// `namespace/name`, or the name alone.
    pub fn label(&self) -> String {
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => format!("{ns}/{n}"),
            (None, Some(n)) => n.clone(),
            (Some(ns), None) => format!("{ns}/?"),
            (None, None) => String::new(),
        }
    }
}

/// A container of a pod and its status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KubeContainer {
    pub name: String,
    /// The runtime's id, without its scheme.
    pub id: Option<String>,
    /// The scheme of the id: `containerd`, `cri-o`, `docker`.
    pub runtime: Option<String>,
    pub memory_limit_bytes: Option<u64>,
    pub restart_count: Option<u64>,
    pub state: Option<KubeContainerState>,
    pub last_state: Option<KubeContainerState>,
    pub line: Line,
}

impl KubeContainer {
    /// Its current and previous states, that are terminations.
    pub fn terminations(&self) -> impl Iterator<Item = &KubeContainerState> {
        [&self.state, &self.last_state]
            .into_iter()
            .flatten()
            .filter(|s| s.state == "Terminated")
    }
}

/// A container state: `Running`, `Waiting` or `Terminated`, with its reason and exit code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KubeContainerState {
    pub state: String,
    /// The runtime id of the run this state is of, when the source gives it (a previous run's
    /// id differs from the container's current one).
    pub id: Option<String>,
    /// `OOMKilled`, `Error`, `Completed`, `ContainerStatusUnknown`, `CrashLoopBackOff`, ...
    pub reason: Option<String>,
    pub exit_code: Option<i64>,
    pub signal: Option<i64>,
    pub message: Option<String>,
    pub finished: Option<WallClock>,
    /// The reason's line, or the state's.
    pub line: Line,
    /// The exit code's line, when it is another.
    pub exit_code_line: Option<Line>,
}

/// A Kubernetes event: `kubectl get events`, or the `Events:` of a `kubectl describe`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KubeEvent {
    /// `Normal` or `Warning`.
    pub kind: Option<String>,
    /// `Killing`, `Unhealthy`, `Evicted`, `OOMKilling`, `SystemOOM`, `BackOff`, ...
    pub reason: String,
    /// The object it is about: `pod/name`, `node/name`, or the name alone.
    pub object: Option<String>,
    pub namespace: Option<String>,
    /// The component that reported it (`kubelet`, `kubelet, node01`).
    pub from: Option<String>,
    pub message: String,
    /// What the node was short of, when the message says so (an `Evicted` event).
    pub low_resource: Option<LowResource>,
    pub count: Option<u64>,
    pub time: Option<WallClock>,
    pub line: Line,
}

/// A node, from `kubectl describe node`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KubeNode {
    pub name: Option<String>,
    pub conditions: Vec<KubeCondition>,
    /// The events `kubectl describe` lists under the node (`SystemOOM`, `EvictionThresholdMet`).
    pub events: Vec<KubeEvent>,
    pub line: Line,
}

/// A node condition: `MemoryPressure True KubeletHasInsufficientMemory ...`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KubeCondition {
    /// `Ready`, `MemoryPressure`, `DiskPressure`, `PIDPressure`.
    pub kind: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    pub reason: Option<String>,
    pub line: Line,
}

/// What an eviction message says the node was short of: `The node was low on resource:
/// memory. Threshold quantity: 750Mi, available: 225800Ki.`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LowResource {
    /// `memory`, `ephemeral-storage`, `pids`, or a node condition (`MemoryPressure`).
    pub resource: String,
    /// The eviction threshold, as printed (`750Mi`).
    pub threshold: Option<String>,
    /// What was available, as printed (`225800Ki`).
    pub available: Option<String>,
}

/// A row of `crictl ps -a`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CriContainer {
    pub id: String,
    pub image: Option<String>,
    pub state: Option<String>,
    pub name: Option<String>,
    pub attempt: Option<u64>,
    pub pod_id: Option<String>,
    pub pod: Option<String>,
    pub line: Line,
}

/// What a kubelet or container runtime log line says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KubeAction {
    /// The kubelet stops a container and gives it this long to exit before it is killed.
    Killing { grace_seconds: Option<u64> },
    /// A probe (`Liveness`, `Readiness`, `Startup`) failed.
    ProbeFailed { probe: String },
    /// A container failed its liveness probe and is restarted.
    LivenessRestart,
    /// The eviction manager evicted the pod.
    Evicted,
    /// The eviction manager reclaims a resource the node is short of (`memory`).
    EvictionReclaim { resource: String },
    /// A pod was not admitted because of the node's conditions (`MemoryPressure`).
    AdmitRejected { conditions: String },
    /// The runtime reported an OOM event of the container (containerd `TaskOOM`).
    RuntimeOom,
    /// The runtime stops a container, giving it this long before it kills it.
    RuntimeStop { timeout_seconds: Option<u64> },
    /// The kubelet holds back restarting a container that keeps failing (`CrashLoopBackOff`),
    /// for this long (`5m0s`).
    BackOff { delay: Option<String> },
    /// The runtime killed a container that had not exited within this long of the signal it
    /// was sent first (dockerd's `failed to exit within 10s of signal 15 - using the force`).
    RuntimeForcedKill {
        grace_seconds: Option<u64>,
        signal: Option<u32>,
    },
    /// The runtime daemon was told to stop (dockerd's `Processing signal 'terminated'`): unless
    /// it keeps them alive (`live-restore`), it stops its containers as it goes.
    RuntimeShutdown { signal: String },
}

impl KubeAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            KubeAction::Killing { .. } => "killing",
            KubeAction::ProbeFailed { .. } => "probe_failed",
            KubeAction::LivenessRestart => "liveness_restart",
            KubeAction::Evicted => "evicted",
            KubeAction::EvictionReclaim { .. } => "eviction_reclaim",
            KubeAction::AdmitRejected { .. } => "admit_rejected",
            KubeAction::RuntimeOom => "runtime_oom",
            KubeAction::RuntimeStop { .. } => "runtime_stop",
            KubeAction::BackOff { .. } => "back_off",
            KubeAction::RuntimeForcedKill { .. } => "runtime_forced_kill",
            KubeAction::RuntimeShutdown { .. } => "runtime_shutdown",
        }
    }
}

/// A kubelet or runtime log line read for what it says of a pod or container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeLogEvent {
    pub action: KubeAction,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub pod_uid: Option<String>,
    pub container: Option<String>,
    /// The runtime's id, without its scheme.
    pub container_id: Option<String>,
    /// What the line adds: a failed probe's output.
    pub detail: Option<String>,
}

impl KubeLogEvent {
    pub fn new(action: KubeAction) -> KubeLogEvent {
        KubeLogEvent {
            action,
            namespace: None,
            pod: None,
            pod_uid: None,
            container: None,
            container_id: None,
            detail: None,
        }
    }

    /// `namespace/pod`, or what of it is known.
    pub fn pod_label(&self) -> Option<String> {
        match (&self.namespace, &self.pod) {
            (Some(ns), Some(p)) => Some(format!("{ns}/{p}")),
            (None, Some(p)) => Some(p.clone()),
            _ => None,
        }
    }
}
