//! Pods and their containers joined across every source that names them.
//!
//! A Kubernetes container shows up by its pod's namespace and name and its own name (`kubectl`,
//! the kubelet's structured log), by its pod's uid (the kubelet's log, `kubectl get -o json`,
//! `crictl inspect`'s labels, the kubepods cgroup path), and by its runtime id (`kubectl`'s
//! `containerID`, `crictl`, the containerd log, the `<runtime>-<id>.scope` or `/<id>` at the
//! end of the kubepods cgroup path). [`join`] makes one [`PodView`] of each pod and one
//! [`PodContainer`] of each of its containers, whichever of these names each source gives: a
//! uid decides first, then the namespace and name (a source without a namespace matches any),
//! and a container is its runtime id (one a prefix of the other: `crictl ps` prints 13
//! characters) or its name within its pod.
//!
//! An OOM report whose cgroup is under `kubepods` is placed at its pod, and told a host-wide
//! OOM kill (whose `task_memcg` names the victim's cgroup), a pod-level OOM (`oom_memcg` is the pod's slice: the pod's limit, the sum of its containers',
//! was hit) from a container-level one (`oom_memcg` is the container's own cgroup) by the
//! cgroup whose limit was hit ([`KubeOom::level`]).

use crate::facts::{
    DaemonRecord, Facts, KubeContainer, KubeEvent, KubeLogEvent, KubePod, OomKill, OomScope,
};

use super::At;

/// Shortest runtime id prefix that names a container (`crictl ps` prints 13 characters).
const SHORT_ID: usize = 12;

/// The Kubernetes quality-of-service class, which names the pod's parent cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl Qos {
    pub fn as_str(self) -> &'static str {
        match self {
            Qos::Guaranteed => "Guaranteed",
            Qos::Burstable => "Burstable",
            Qos::BestEffort => "BestEffort",
        }
    }
}

/// What a kubepods cgroup path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubepodsPath {
    pub qos: Qos,
    /// The pod's uid, with `-` (the systemd driver writes `_`).
    pub pod_uid: String,
    /// The container's runtime id, when the path goes down to a container.
    pub container_id: Option<String>,
}

/// Read a kubepods cgroup path, of either cgroup driver:
/// - cgroupfs: `/kubepods/<qos>/pod<uid>/<id>`, guaranteed pods without the `<qos>` level;
/// - systemd: `/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/
///   <runtime>-<id>.scope`, and the `<slice>:<runtime>:<id>` form of an OCI `cgroupsPath`.
///
/// Any prefix (`/sys/fs/cgroup/memory`, a kind node's `kubelet.slice/kubelet-`) is allowed.
pub fn kubepods_path(cgroup: &str) -> Option<KubepodsPath> {
    let (path, colon_id) = match cgroup.split(':').collect::<Vec<_>>().as_slice() {
        [slice, _runtime, id] => (*slice, Some(*id)),
        _ => (cgroup, None),
    };
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let at = comps.iter().position(|c| c.contains("kubepods"))?;
    let mut qos = Qos::Guaranteed;
    let mut pod_uid = None;
    let mut container_id = colon_id.map(str::to_string);
    for (i, comp) in comps.iter().enumerate().skip(at) {
        let name = comp.strip_suffix(".slice").unwrap_or(comp);
        if name.contains("burstable") {
            qos = Qos::Burstable;
        } else if name.contains("besteffort") {
            qos = Qos::BestEffort;
        }
        if let Some(uid) = name.rsplit_once("pod").map(|(_, u)| u) {
            if is_uid(uid) {
                pod_uid = Some(uid.replace('_', "-"));
                if let Some(next) = comps.get(i + 1) {
                    container_id = container_id.or_else(|| scope_id(next));
                }
                break;
            }
        }
    }
    Some(KubepodsPath {
        qos,
        pod_uid: pod_uid?,
        container_id: container_id.filter(|id| id.len() >= SHORT_ID),
    })
}

/// `5931aa75-4603-4e65-b552-7c71cf55cfb5` (or with `_`): 32 hex digits and 4 separators.
fn is_uid(s: &str) -> bool {
    s.len() == 36
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_')
}

/// The runtime id of a container cgroup: `cri-containerd-<id>.scope`, `crio-<id>.scope`,
/// `docker-<id>.scope`, or `<id>` itself.
fn scope_id(comp: &str) -> Option<String> {
    let name = comp.strip_suffix(".scope").unwrap_or(comp);
    let id = name.rsplit('-').next().unwrap_or(name);
    (id.len() >= SHORT_ID && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_string())
}

/// Whether two runtime ids are the same container: one a prefix of the other, of at least the
/// short form's length.
pub fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a.len().min(b.len()) >= SHORT_ID && (a.starts_with(b) || b.starts_with(a))
}

/// The level whose limit an OOM kill of a pod's container hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OomLevel {
    /// The host ran out (a global OOM kill whose victim was in the pod): Kubernetes then says
    /// `Reason: Error`, not `OOMKilled`.
    Host,
    /// The pod's cgroup: the sum of its containers' limits.
    Pod,
    /// The container's own cgroup.
    Container,
}

/// An OOM report whose victim was in a pod.
#[derive(Debug, Clone, Copy)]
pub struct KubeOom<'a> {
    pub at: At<'a, OomKill>,
    pub level: OomLevel,
    /// The container whose task was killed, when the report names it.
    pub container: Option<usize>,
}

/// A container of a pod, as every source names it.
#[derive(Debug, Clone, Default)]
pub struct PodContainer<'a> {
    pub name: Option<String>,
    /// The runtime ids of its runs: a restarted container is the same container of its pod,
    /// run again under a new id.
    pub ids: Vec<String>,
    /// Its statuses as `kubectl` or `crictl inspect` show them.
    pub statuses: Vec<At<'a, KubeContainer>>,
    /// The kubelet's and the runtime's lines about it.
    pub log: Vec<At<'a, DaemonRecord>>,
}

impl PodContainer<'_> {
    /// Whether runtime `id` is one of its runs'.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.iter().any(|i| same_id(i, id))
    }

    /// Its memory limit, as the first status that says it.
    pub fn memory_limit_bytes(&self) -> Option<u64> {
        self.statuses.iter().find_map(|s| s.item.memory_limit_bytes)
    }
}

/// A pod, as every source names it.
#[derive(Debug, Clone, Default)]
pub struct PodView<'a> {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
    pub qos: Option<&'static str>,
    /// Its `kubectl` records (`describe`, `get -o json|yaml`, `crictl inspect`).
    pub records: Vec<At<'a, KubePod>>,
    /// Cluster events about it: `kubectl get events`, the `Events:` of `kubectl describe`.
    pub events: Vec<At<'a, KubeEvent>>,
    /// The kubelet's and the runtime's lines about it.
    pub log: Vec<At<'a, DaemonRecord>>,
    pub containers: Vec<PodContainer<'a>>,
    pub oom_kills: Vec<KubeOom<'a>>,
}

impl PodView<'_> {
    /// `namespace/name`, the name alone, or the uid.
    pub fn label(&self) -> String {
        match (&self.namespace, &self.name, &self.uid) {
            (Some(ns), Some(n), _) => format!("{ns}/{n}"),
            (None, Some(n), _) => n.clone(),
            (_, None, Some(uid)) => format!("pod {uid}"),
            _ => "a pod".to_string(),
        }
    }

    /// `namespace/pod/container` for container `at`; its name or short id, or the pod's label,
    /// for what the bundle does not name.
    pub fn container_label(&self, at: usize) -> String {
        let c = self.containers.get(at);
        let name = c.and_then(|c| c.name.as_deref());
        let id = c
            .and_then(|c| c.ids.first())
            .map(|id| id.chars().take(SHORT_ID).collect::<String>());
        match name {
            Some(n) if self.name.is_some() => format!("{}/{n}", self.label()),
            Some(n) if self.uid.is_some() => format!("{n} in {}", self.label()),
            Some(n) => n.to_string(),
            None => id.unwrap_or_else(|| self.label()),
        }
    }

    fn named(&self, namespace: Option<&str>, name: &str) -> bool {
        self.name.as_deref() == Some(name)
            && match (namespace, self.namespace.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// The container named `name` (names are unique in a pod) or, for a source that gives no
    /// name, run under runtime `id`; made when neither is known yet.
    fn container(&mut self, id: Option<&str>, name: Option<&str>) -> usize {
        let by_name = name.and_then(|n| {
            self.containers
                .iter()
                .position(|c| c.name.as_deref() == Some(n))
        });
        let by_id = || {
            let id = id?;
            self.containers
                .iter()
                .position(|c| c.has_id(id) && (name.is_none() || c.name.is_none()))
        };
        let at = by_name.or_else(by_id).unwrap_or_else(|| {
            self.containers.push(PodContainer::default());
            self.containers.len() - 1
        });
        if let Some(c) = self.containers.get_mut(at) {
            if let Some(id) = id {
                match c.ids.iter_mut().find(|i| same_id(i, id)) {
                    Some(known) if id.len() > known.len() => *known = id.to_string(),
                    Some(_) => {}
                    None => c.ids.push(id.to_string()),
                }
            }
            if c.name.is_none() {
                c.name = name.map(str::to_string);
            }
        }
        at
    }
}

/// The pod whose OOM reports hold `kill`, and that report as placed in it.
pub fn oom_of<'p, 'a>(
    pods: &'p [PodView<'a>],
    kill: &OomKill,
) -> Option<(&'p PodView<'a>, &'p KubeOom<'a>)> {
    pods.iter().find_map(|p| {
        let o = p.oom_kills.iter().find(|o| std::ptr::eq(o.at.item, kill))?;
        Some((p, o))
    })
}

/// The pods of a bundle, in order of first mention.
#[derive(Debug, Clone, Default)]
pub struct Pods<'a> {
    pub pods: Vec<PodView<'a>>,
}

impl<'a> Pods<'a> {
    /// The pod of `uid`, or of `namespace/name`, made when neither is known yet.
    fn pod(&mut self, uid: Option<&str>, namespace: Option<&str>, name: Option<&str>) -> usize {
        let found = uid
            .and_then(|u| self.pods.iter().position(|p| p.uid.as_deref() == Some(u)))
            .or_else(|| {
                let name = name?;
                self.pods.iter().position(|p| {
                    p.named(namespace, name)
                        && match (uid, p.uid.as_deref()) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        }
                })
            });
        let at = found.unwrap_or_else(|| {
            self.pods.push(PodView::default());
            self.pods.len() - 1
        });
        if let Some(p) = self.pods.get_mut(at) {
            p.uid = p.uid.take().or(uid.map(str::to_string));
            p.namespace = p.namespace.take().or(namespace.map(str::to_string));
            p.name = p.name.take().or(name.map(str::to_string));
        }
        at
    }

    /// The pod and container whose runtime id is `id`.
    fn by_container_id(&self, id: &str) -> Option<(usize, usize)> {
        self.pods.iter().enumerate().find_map(|(p, pod)| {
            let c = pod.containers.iter().position(|c| c.has_id(id))?;
            Some((p, c))
        })
    }

    /// File a kubelet or runtime line.
    fn log(&mut self, at: At<'a, DaemonRecord>, event: &KubeLogEvent) {
        let named = event.pod.is_some() || event.pod_uid.is_some();
        let (pod, container) = if named {
            let p = self.pod(
                event.pod_uid.as_deref(),
                event.namespace.as_deref(),
                event.pod.as_deref(),
            );
            let c = (event.container.is_some() || event.container_id.is_some()).then(|| {
                self.pods.get_mut(p).map(|pod| {
                    pod.container(event.container_id.as_deref(), event.container.as_deref())
                })
            });
            (p, c.flatten())
        } else {
            match event
                .container_id
                .as_deref()
                .and_then(|id| self.by_container_id(id))
            {
                Some((p, c)) => (p, Some(c)),
                // A runtime line about a container no pod names: nothing to join it to.
                None => return,
            }
        };
        if let Some(p) = self.pods.get_mut(pod) {
            p.log.push(at);
            if let Some(c) = container.and_then(|c| p.containers.get_mut(c)) {
                c.log.push(at);
            }
        }
    }
}

/// The pods of `facts`, joined across every source.
pub fn join(facts: &Facts) -> Pods<'_> {
    let mut pods = Pods::default();
    for s in &facts.kube_pods {
        for record in &s.value {
            let at = pods.pod(
                record.uid.as_deref(),
                record.namespace.as_deref(),
                record.name.as_deref(),
            );
            let Some(p) = pods.pods.get_mut(at) else {
                continue;
            };
            p.records.push(At {
                path: &s.path,
                item: record,
            });
            for e in &record.events {
                p.events.push(At {
                    path: &s.path,
                    item: e,
                });
            }
            for c in &record.containers {
                let name = Some(c.name.as_str()).filter(|n| !n.is_empty());
                let ci = p.container(c.id.as_deref(), name);
                if let Some(pc) = p.containers.get_mut(ci) {
                    // The runs before this one, under their own ids.
                    for id in c.terminations().filter_map(|t| t.id.as_deref()) {
                        if !pc.has_id(id) {
                            pc.ids.push(id.to_string());
                        }
                    }
                    pc.statuses.push(At {
                        path: &s.path,
                        item: c,
                    });
                }
            }
        }
    }
    for s in &facts.cri_containers {
        for row in &s.value {
            let Some(pod) = row.pod.as_deref() else {
                continue;
            };
            let at = pods.pod(None, None, Some(pod));
            if let Some(p) = pods.pods.get_mut(at) {
                p.container(Some(&row.id), row.name.as_deref());
            }
        }
    }
    for s in &facts.kube_events {
        for e in &s.value {
            let Some(object) = e.object.as_deref() else {
                continue;
            };
            let Some(name) = object
                .strip_prefix("pod/")
                .or_else(|| (!object.contains('/')).then_some(object))
            else {
                continue;
            };
            let at = pods.pod(None, e.namespace.as_deref(), Some(name));
            if let Some(p) = pods.pods.get_mut(at) {
                p.events.push(At {
                    path: &s.path,
                    item: e,
                });
            }
        }
    }
    for s in &facts.daemon_logs {
        for r in &s.value {
            if let Some(event) = &r.kube {
                pods.log(
                    At {
                        path: &s.path,
                        item: r,
                    },
                    event,
                );
            }
        }
    }
    for log in &facts.kernel_logs {
        for k in &log.value.oom_kills {
            let limited = k.memcg.as_deref().and_then(kubepods_path);
            let task = k.task_memcg.as_deref().and_then(kubepods_path);
            let Some(named) = task.as_ref().or(limited.as_ref()) else {
                continue;
            };
            // `kubectl describe` prints no uid, but the container's id.
            let by_id = named
                .container_id
                .as_deref()
                .and_then(|id| pods.by_container_id(id))
                .map(|(p, _)| p)
                .filter(|&p| {
                    pods.pods
                        .get(p)
                        .and_then(|p| p.uid.as_deref())
                        .is_none_or(|u| u == named.pod_uid)
                });
            let at = by_id.unwrap_or_else(|| pods.pod(Some(&named.pod_uid), None, None));
            let Some(p) = pods.pods.get_mut(at) else {
                continue;
            };
            p.uid = p.uid.take().or(Some(named.pod_uid.clone()));
            p.qos = p.qos.or(Some(named.qos.as_str()));
            let container = named
                .container_id
                .as_deref()
                .map(|id| p.container(Some(id), None));
            let level = match &limited {
                _ if k.scope != OomScope::Memcg => OomLevel::Host,
                Some(l) if l.container_id.is_none() => OomLevel::Pod,
                _ => OomLevel::Container,
            };
            p.oom_kills.push(KubeOom {
                at: At {
                    path: &log.path,
                    item: k,
                },
                level,
                container,
            });
        }
    }
    // A pod only the events of another kind of object named, or a runtime line, is no pod.
    pods.pods.retain(|p| {
        !p.records.is_empty()
            || !p.oom_kills.is_empty()
            || !p.log.is_empty()
            || !p.events.is_empty()
            || !p.containers.is_empty()
    });
    pods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_drivers_every_qos_class() {
        const UID: &str = "5931aa75-4603-4e65-b552-7c71cf55cfb5";
        const ID: &str = "25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca";
        let cases: [(&str, Qos, Option<&str>); 6] = [
            (
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice/cri-containerd-25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca.scope",
                Qos::Burstable,
                Some(ID),
            ),
            (
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice",
                Qos::Burstable,
                None,
            ),
            (
                "/kubepods.slice/kubepods-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice/crio-25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca.scope",
                Qos::Guaranteed,
                Some(ID),
            ),
            (
                "/kubepods/besteffort/pod5931aa75-4603-4e65-b552-7c71cf55cfb5/25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca",
                Qos::BestEffort,
                Some(ID),
            ),
            (
                "/kubepods/pod5931aa75-4603-4e65-b552-7c71cf55cfb5",
                Qos::Guaranteed,
                None,
            ),
            (
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5931aa75_4603_4e65_b552_7c71cf55cfb5.slice/docker-25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca.scope",
                Qos::BestEffort,
                Some(ID),
            ),
        ];
        for (path, qos, id) in cases {
            let p = kubepods_path(path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(
                (p.qos, p.pod_uid.as_str(), p.container_id.as_deref()),
                (qos, UID, id),
                "{path}"
            );
        }
    }

    #[test]
    fn an_oci_cgroups_path_and_a_v1_mount_prefix() {
        let p = kubepods_path(
            "kubelet-kubepods-burstable-pod44e4b37f_504f_4f1c_80f3_4137bfbec5e4.slice:cri-containerd:f3a240d625b1e97b859e29f81360fd79538021c46eaafb325dc0fa195c8e4b6a",
        )
        .expect("a cgroupsPath");
        assert_eq!(p.pod_uid, "44e4b37f-504f-4f1c-80f3-4137bfbec5e4");
        assert!(p
            .container_id
            .is_some_and(|id| id.starts_with("f3a240d625b1")));
        assert!(kubepods_path(
            "/sys/fs/cgroup/memory/kubepods/burstable/pod0b7c2a54-3f1e-4a8b-9d6e-2f5a1c7e8b90"
        )
        .is_some());
    }

    #[test]
    fn not_kubepods() {
        assert_eq!(
            kubepods_path("/docker/7c1e9a4f3b2d8e6a0f5c4b3a2918d7e6"),
            None
        );
        assert_eq!(kubepods_path("/system.slice/docker-abc.scope"), None);
        assert_eq!(
            kubepods_path("/kubepods.slice/kubepods-burstable.slice"),
            None
        );
    }
}

#[cfg(test)]
mod join_tests {
    use super::*;
    use crate::parse::testing::{data as sample, facts_of as facts};
    use crate::sources::SourceKind;

    /// A `kubectl describe pod` that names the container the kernel's report names by id.
    const DESCRIBE: &str = "Name:         nginx
Namespace:    default
Containers:
  nginx:
    Container ID:   containerd://25a38b5b8d556d7983d975577f5ac75ebbcfb4b269e6deaa0a0440c1ffc969ca
    State:          Running
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
";

    /// The one pod of `pods`, checked to have `label` and `uid`.
    fn only_pod<'p, 'a>(pods: &'p [PodView<'a>], label: &str, uid: &str) -> &'p PodView<'a> {
        let [p] = pods else {
            panic!("one pod: {pods:#?}")
        };
        assert_eq!((p.label().as_str(), p.uid.as_deref()), (label, Some(uid)));
        p
    }

    #[test]
    fn a_pod_level_oom_joins_the_pod_kubectl_names() {
        let facts = facts(&[
            (
                "var/log/syslog",
                SourceKind::Syslog,
                &sample("dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt"),
            ),
            (
                "describe-pod.txt",
                SourceKind::KubectlDescribePod,
                DESCRIBE.as_bytes(),
            ),
        ]);
        let pods = join(&facts).pods;
        let p = only_pod(
            &pods,
            "default/nginx",
            "5931aa75-4603-4e65-b552-7c71cf55cfb5",
        );
        assert_eq!(p.qos, Some("Burstable"));
        assert_eq!(p.containers.len(), 1);
        // The first report is whole; the second is cut after its header.
        let first = &p.oom_kills[0];
        assert_eq!(first.level, OomLevel::Pod);
        assert_eq!(first.container, Some(0));
        assert_eq!(p.container_label(0), "default/nginx/nginx");
        // containerd's TaskOOM names the same container.
        assert!(p.containers[0].log.iter().any(|r| r
            .item
            .kube
            .as_ref()
            .is_some_and(|k| k.action == crate::facts::KubeAction::RuntimeOom)));
        assert!(oom_of(&pods, first.at.item).is_some());
    }

    #[test]
    fn kubelet_lines_join_by_uid_and_name() {
        let facts = facts(&[(
            "var/log/syslog",
            SourceKind::Syslog,
            &sample("containerd_log/vijayrod-aks-syslog-container-lifecycle-grep.txt"),
        )]);
        let pods = join(&facts).pods;
        let p = only_pod(
            &pods,
            "default/nginx",
            "5da5612b-9738-493c-af51-a213072997f6",
        );
        // The kubelet's kill and containerd's stop of the same container.
        assert_eq!(p.containers.len(), 1);
        assert_eq!(p.containers[0].log.len(), 2);
    }
}
