//! Containers joined across the sources that name them.
//!
//! One container shows up in an inspect document (full id, name, limits, state), in `docker
//! events` (full id, `name=` attribute), in the kernel's memory-cgroup OOM reports (its id in the
//! cgroup path: `/docker/<id>`, `docker-<id>.scope`, `kubepods/.../<id>`) and in runtime errors
//! (a name or an id near the error). A view joins them: the same id (one a prefix of the other:
//! events and errors often print 12 characters), or the same name where one side has no id (a
//! container recreated under its name is another container, with another id).
//!
//! The order of a container's events is read here once: a `die` that follows a `create` of the
//! same container with no `start` between them is a start that failed; a `die` with exit code
//! 137 or 143 is an exit on a signal, read with the `kill` events before it, the `stop` after
//! it and the daemon's lines of the same kill ([`signalled_exits`]).

use foldhash::HashMap;

use jiff::{SignedDuration, Timestamp};

use crate::facts::{
    Container, DaemonRecord, DockerEvent, Facts, KubeAction, OomKill, OomScope, RuntimeError,
    WallClock,
};

use super::kube::PodView;
use super::At;

/// Exit codes docker gives a container whose process never ran: 127 (command not found) and
/// 128 (the runtime failed before exec).
const NEVER_RAN_EXIT_CODES: &[i64] = &[127, 128];

/// Shortest id prefix that names a container (docker's short form).
const SHORT_ID: usize = 12;

/// One container, as every source that names it shows it.
#[derive(Debug, Clone, Default)]
pub struct ContainerView<'a> {
    /// The longest id known (`""` when only a name is).
    pub id: &'a str,
    pub name: Option<&'a str>,
    /// Its inspect document (or OCI config), when the bundle has one.
    pub inspect: Option<At<'a, Container>>,
    /// Its `docker events`, in bundle order.
    pub events: Vec<At<'a, DockerEvent>>,
    /// Memory-cgroup OOM reports whose cgroup path names it.
    pub oom_kills: Vec<At<'a, OomKill>>,
    /// Runtime errors that name it.
    pub errors: Vec<At<'a, RuntimeError>>,
}

impl ContainerView<'_> {
    /// `name (short id)`, or what of the two is known.
    pub fn label(&self) -> String {
        let id: String = self.id.chars().take(SHORT_ID).collect();
        match self.name {
            Some(n) if !n.is_empty() && !id.is_empty() => format!("{n} ({id})"),
            Some(n) if !n.is_empty() => n.to_string(),
            _ => id,
        }
    }

    /// Whether `id` is this container's, one of the two a prefix of the other.
    fn has_id(&self, id: &str) -> bool {
        let (x, y) = (self.id, id);
        !x.is_empty() && !y.is_empty() && (x.starts_with(y) || y.starts_with(x))
    }
}

/// A container start that failed: a `die` with a never-ran exit code after a `create` of the
/// same container, with no `start` between them (or with exit code 128 whatever came before).
#[derive(Debug, Clone, Copy)]
pub struct FailedStart<'a> {
    /// The `docker events` file.
    pub path: &'a str,
    pub die: &'a DockerEvent,
    pub create: Option<&'a DockerEvent>,
}

/// Whether a cgroup path names a container: its full id, or a 12-character prefix, appears in
/// the path (`/docker/<id>`, `docker-<id>.scope`, `kubepods/.../<id>`).
pub fn cgroup_names_container(cgroup: &str, id: &str) -> bool {
    let id = id.trim();
    if id.len() < SHORT_ID {
        return false;
    }
    let short = id.get(..SHORT_ID).unwrap_or(id);
    cgroup.contains(id) || cgroup.contains(short)
}

/// What [`join`] finds.
pub struct Joined<'a> {
    pub containers: Vec<ContainerView<'a>>,
    pub failed_starts: Vec<FailedStart<'a>>,
    /// Memory-cgroup OOM reports whose cgroup is one of the containers, each once, in bundle
    /// order.
    pub oom_kills: Vec<At<'a, OomKill>>,
}

/// Where each container's view is, by short id and by name: a container host's events name a
/// few hundred containers thousands of times.
#[derive(Default)]
struct Index<'a> {
    by_short_id: HashMap<&'a str, usize>,
    by_name: HashMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    /// The view of the container with `id` (a prefix either way) or, where one of the two has
    /// no id, `name`.
    fn find(&self, views: &[ContainerView<'a>], id: &str, name: Option<&str>) -> Option<usize> {
        let by_id = match id.get(..SHORT_ID) {
            Some(short) => self.by_short_id.get(short).copied(),
            // An id shorter than docker's short form: compared with each.
            None if !id.is_empty() => views.iter().position(|v| v.has_id(id)),
            None => None,
        };
        by_id.or_else(|| {
            let at = name
                .filter(|n| !n.is_empty())
                .and_then(|n| self.by_name.get(n).copied())?;
            let view_id = views.get(at).map_or("", |v| v.id);
            (id.is_empty() || view_id.is_empty()).then_some(at)
        })
    }

    fn note(&mut self, at: usize, id: &'a str, name: Option<&'a str>) {
        if let Some(short) = id.get(..SHORT_ID) {
            self.by_short_id.entry(short).or_insert(at);
        }
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            // The latest container of a name is the one a later mention without an id means.
            self.by_name.insert(n, at);
        }
    }
}

/// The containers of the bundle, inspected ones first, then by first mention; the starts that
/// failed; and the OOM reports of containers.
pub fn join(facts: &Facts) -> Joined<'_> {
    let mut views: Vec<ContainerView<'_>> = Vec::new();
    let mut index = Index::default();
    for c in &facts.containers {
        let id = c.value.id.as_str();
        let name = c.value.name.as_deref();
        match index.find(&views, id, name) {
            // The same container inspected twice (`docker inspect` and its OCI config): the
            // first document stands.
            Some(at) => {
                if let Some(v) = views.get_mut(at) {
                    v.name = v.name.or(name);
                }
            }
            None => {
                index.note(views.len(), id, name);
                views.push(ContainerView {
                    id,
                    name,
                    inspect: Some(At {
                        path: c.path.as_str(),
                        item: &c.value,
                    }),
                    ..ContainerView::default()
                });
            }
        }
    }
    let mut failed = Vec::new();
    for s in &facts.docker_events {
        for e in &s.value {
            if !(e.object_type == "container" || e.object_type.is_empty()) {
                continue;
            }
            let (id, name) = (e.actor_id.as_str(), e.name());
            let at = index.find(&views, id, name).unwrap_or_else(|| {
                views.push(ContainerView::default());
                views.len() - 1
            });
            index.note(at, id, name);
            if let Some(view) = views.get_mut(at) {
                // A longer id or a name learned on the way is kept.
                if id.len() > view.id.len() {
                    view.id = id;
                }
                view.name = view.name.or(name.filter(|n| !n.is_empty()));
                view.events.push(At {
                    path: s.path.as_str(),
                    item: e,
                });
            }
        }
        failed.extend(
            dies_without_start(&s.value)
                .into_iter()
                .map(|(die, create)| FailedStart {
                    path: s.path.as_str(),
                    die,
                    create,
                }),
        );
    }
    for s in &facts.runtime_errors {
        for e in &s.value {
            let Some(named) = e.container.as_deref().filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            // The error names a container by id or by name: either joins.
            let at = index
                .find(&views, named, None)
                .or_else(|| index.find(&views, "", Some(named)));
            if let Some(v) = at.and_then(|at| views.get_mut(at)) {
                v.errors.push(At {
                    path: s.path.as_str(),
                    item: e,
                });
            }
        }
    }
    let mut oom_kills = Vec::new();
    for log in &facts.kernel_logs {
        for k in &log.value.oom_kills {
            if k.scope != OomScope::Memcg {
                continue;
            }
            let at = At {
                path: log.path.as_str(),
                item: k,
            };
            let cgroup = k.memcg.as_deref().or(k.task_memcg.as_deref()).unwrap_or("");
            let mut known = false;
            for v in views
                .iter_mut()
                .filter(|v| cgroup_names_container(cgroup, v.id))
            {
                v.oom_kills.push(at);
                known = true;
            }
            if known {
                oom_kills.push(at);
            }
        }
    }
    Joined {
        containers: views,
        failed_starts: failed,
        oom_kills,
    }
}

/// `die` events that follow a `create` of the same container with no `start` in between, with
/// that `create`.
fn dies_without_start(events: &[DockerEvent]) -> Vec<(&DockerEvent, Option<&DockerEvent>)> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.action != "die"
            || !e
                .exit_code()
                .is_some_and(|c| NEVER_RAN_EXIT_CODES.contains(&c))
        {
            continue;
        }
        let same = |x: &&DockerEvent| same_container(x, e);
        let before = events.get(..i).unwrap_or_default();
        let last_start = before.iter().rposition(|x| same(&x) && x.action == "start");
        let last_create = before
            .iter()
            .rposition(|x| same(&x) && x.action == "create");
        let started = match (last_start, last_create) {
            (Some(s), Some(c)) => s > c,
            (Some(_), None) => true,
            _ => false,
        };
        // A start event can also come after the die when the daemon reports a failed start
        // that way; a die with exit code 127/128 is a start failure either way.
        if !started || e.exit_code() == Some(128) {
            out.push((e, last_create.and_then(|c| before.get(c))));
        }
    }
    out
}

fn same_container(a: &DockerEvent, b: &DockerEvent) -> bool {
    let (x, y) = (a.actor_id.as_str(), b.actor_id.as_str());
    (!x.is_empty() && !y.is_empty() && (x.starts_with(y) || y.starts_with(x)))
        || (a.name().is_some() && a.name() == b.name())
}

/// The container whose id the cgroup path names ([`cgroup_names_container`]), the first in
/// `views` order.
pub fn container_of_cgroup<'v, 'a>(
    views: &'v [ContainerView<'a>],
    cgroup: &str,
) -> Option<&'v ContainerView<'a>> {
    views.iter().find(|v| cgroup_names_container(cgroup, v.id))
}

/// 128 + SIGKILL, 128 + SIGTERM: the exit codes of a process ended by the signals a stop sends.
pub const SIGNAL_EXIT_CODES: [i64; 2] = [137, 143];

/// The grace period `docker stop` gives when the daemon's line does not say.
const DEFAULT_STOP_GRACE_SECONDS: i64 = 10;

/// A container that exited on a signal (exit code 137 or 143) as docker recorded it, with what
/// the bundle says of who sent the signal.
#[derive(Debug, Clone)]
pub struct SignalledExit<'a> {
    /// The container: an index into the views [`signalled_exits`] was given.
    pub container: usize,
    pub exit_code: i64,
    /// The `die` event with that exit code.
    pub die: Option<At<'a, DockerEvent>>,
    /// The inspect document, when its state is this exit (the container's last).
    pub inspect: Option<At<'a, Container>>,
    /// The `kill` events (each with its `signal`) since the container's previous start.
    pub kills: Vec<At<'a, DockerEvent>>,
    /// The `stop` event that followed the `die`: a `docker stop` (or a delete, or an
    /// orchestrator's stop) sent the kills.
    pub stop: Option<At<'a, DockerEvent>>,
    /// The daemon's line that it killed the container once its grace period ran out.
    pub forced: Option<At<'a, DaemonRecord>>,
    /// The daemon's line that it was told to stop, shortly before the kill: a daemon stop or
    /// restart stops its containers.
    pub shutdown: Option<At<'a, DaemonRecord>>,
    /// Whether the bundle says the OOM killer sent it: `OOMKilled: true`, an `oom` event since
    /// the start, or a kernel OOM report of its cgroup with no kill from docker.
    pub oom: bool,
}

impl SignalledExit<'_> {
    /// When it exited, as exactly as the bundle says.
    fn when(&self) -> Option<Timestamp> {
        self.die
            .and_then(|d| instant(d.item.time.as_ref()))
            .or_else(|| self.forced.and_then(|f| instant(f.item.time.as_ref())))
            .or_else(|| {
                self.inspect
                    .and_then(|c| instant(c.item.state.finished_at.as_ref()))
            })
    }

    /// The Swarm service whose task the container ran, from its events' labels (`""` when
    /// only the task is named).
    pub fn swarm_service(&self) -> Option<&str> {
        let label = |key: &str| {
            self.die
                .iter()
                .chain(&self.kills)
                .find_map(|e| e.item.attributes.get(key))
                .map(|v| &**v)
        };
        label("com.docker.swarm.service.name")
            .or_else(|| label("com.docker.swarm.task.id").map(|_| ""))
    }

    /// The signals docker sent it, in order (`kill` events' `signal`).
    pub fn signals(&self) -> Vec<&str> {
        self.kills
            .iter()
            .filter_map(|k| k.item.attributes.get("signal").map(|s| &**s))
            .collect()
    }
}

fn instant(w: Option<&WallClock>) -> Option<Timestamp> {
    match w? {
        WallClock::Instant { at } => Some(*at),
        _ => None,
    }
}

/// The daemon records of the runtime's kills and stops, each with its path.
fn runtime_records<'a>(
    facts: &'a Facts,
    wanted: impl Fn(&KubeAction) -> bool,
) -> Vec<At<'a, DaemonRecord>> {
    facts
        .daemon_logs
        .iter()
        .flat_map(|s| {
            s.value.iter().map(move |r| At {
                path: s.path.as_str(),
                item: r,
            })
        })
        .filter(|r| r.item.kube_action().is_some_and(&wanted))
        .collect()
}

/// The exits on a signal of `views`' containers (see [`SignalledExit`]), container by
/// container in view order, each container's in event order.
pub fn signalled_exits<'a>(
    facts: &'a Facts,
    views: &[ContainerView<'a>],
) -> Vec<SignalledExit<'a>> {
    let forced = runtime_records(facts, |a| matches!(a, KubeAction::RuntimeForcedKill { .. }));
    let shutdowns = runtime_records(facts, |a| matches!(a, KubeAction::RuntimeShutdown { .. }));
    let mut out = Vec::new();
    for (at, view) in views.iter().enumerate() {
        let mut exits = exits_of(at, view);
        if let Some(inspect) = view.inspect {
            let state = &inspect.item.state;
            let code = state.exit_code.filter(|c| SIGNAL_EXIT_CODES.contains(c));
            match (exits.last_mut(), code) {
                // The inspect document is the state after the container's last exit.
                (Some(last), Some(code)) if last.exit_code == code => {
                    last.inspect = Some(inspect);
                }
                // An exit the events do not show (they are kept in the daemon's memory only).
                (None, Some(code)) if state.running != Some(true) => exits.push(SignalledExit {
                    inspect: Some(inspect),
                    ..SignalledExit::new(at, code)
                }),
                _ => {}
            }
        }
        let kernel_oom = !view.oom_kills.is_empty();
        for exit in &mut exits {
            exit.forced = forced_kill_of(&forced, view, exit);
            exit.oom = exit.oom
                || exit
                    .inspect
                    .is_some_and(|c| c.item.state.oom_killed == Some(true))
                || (kernel_oom && exit.kills.is_empty() && exit.forced.is_none());
            exit.shutdown = shutdown_before(&shutdowns, exit);
        }
        out.extend(exits);
    }
    out
}

impl<'a> SignalledExit<'a> {
    fn new(container: usize, exit_code: i64) -> SignalledExit<'a> {
        SignalledExit {
            container,
            exit_code,
            die: None,
            inspect: None,
            kills: Vec::new(),
            stop: None,
            forced: None,
            shutdown: None,
            oom: false,
        }
    }
}

/// The exits on a signal that `view`'s events show, with the kills and `oom` events since the
/// start before each, and the `stop` after it.
fn exits_of<'a>(at: usize, view: &ContainerView<'a>) -> Vec<SignalledExit<'a>> {
    let mut out: Vec<SignalledExit<'a>> = Vec::new();
    let mut kills = Vec::new();
    let mut oom = false;
    // The exit a `stop` may still follow.
    let mut open: Option<usize> = None;
    for e in &view.events {
        match e.item.action.as_str() {
            "start" => {
                kills.clear();
                oom = false;
                open = None;
            }
            "kill" => kills.push(*e),
            "oom" => oom = true,
            "die" => {
                open = None;
                match e.item.exit_code().filter(|c| SIGNAL_EXIT_CODES.contains(c)) {
                    Some(code) => {
                        open = Some(out.len());
                        out.push(SignalledExit {
                            die: Some(*e),
                            kills: std::mem::take(&mut kills),
                            oom,
                            ..SignalledExit::new(at, code)
                        });
                    }
                    None => kills.clear(),
                }
                oom = false;
            }
            "stop" => {
                if let Some(exit) = open.take().and_then(|i| out.get_mut(i)) {
                    exit.stop = Some(*e);
                }
            }
            _ => {}
        }
    }
    out
}

/// The daemon's forced kill of `view`'s container that ended `exit`: its id names the
/// container, and it is at most a minute from the exit when both times are known.
fn forced_kill_of<'a>(
    forced: &[At<'a, DaemonRecord>],
    view: &ContainerView<'_>,
    exit: &SignalledExit<'_>,
) -> Option<At<'a, DaemonRecord>> {
    let when = exit.when();
    forced
        .iter()
        .filter(|r| {
            r.item
                .kube
                .as_ref()
                .and_then(|k| k.container_id.as_deref())
                .is_some_and(|id| view.has_id(id) && id.len() >= SHORT_ID.min(view.id.len()))
        })
        .find(|r| match (when, instant(r.item.time.as_ref())) {
            (Some(exit), Some(kill)) => {
                exit.duration_since(kill).abs() <= SignedDuration::from_secs(60)
            }
            _ => true,
        })
        .copied()
}

/// The daemon's last line that it was told to stop, within the grace period (and a margin)
/// before `exit`.
fn shutdown_before<'a>(
    shutdowns: &[At<'a, DaemonRecord>],
    exit: &SignalledExit<'_>,
) -> Option<At<'a, DaemonRecord>> {
    let when = exit.when()?;
    let grace = exit
        .forced
        .and_then(|f| match f.item.kube_action() {
            Some(KubeAction::RuntimeForcedKill { grace_seconds, .. }) => *grace_seconds,
            _ => None,
        })
        .and_then(|g| i64::try_from(g).ok())
        .unwrap_or(DEFAULT_STOP_GRACE_SECONDS);
    let window = SignedDuration::from_secs(grace.saturating_add(30));
    shutdowns
        .iter()
        .rev()
        .find(|r| {
            instant(r.item.time.as_ref())
                .is_some_and(|t| t <= when && when.duration_since(t) <= window)
        })
        .copied()
}

/// `namespace/pod/container` for a runtime error that a kubelet line ties to its pod
/// ([`RuntimeError::pod`], [`RuntimeError::pod_uid`]) and names the container of: a pod
/// named by its uid alone, or without its namespace, is named from `pods` (`<container> in pod
/// <uid>` when they do not know it). `None` for an
/// error whose line names no pod or no container.
pub fn kube_label_of_error(error: &RuntimeError, pods: &[PodView<'_>]) -> Option<String> {
    let container = error.container.as_deref().filter(|c| !c.is_empty())?;
    let known = pods.iter().find(|p| {
        let by_uid = error.pod_uid.is_some() && p.uid == error.pod_uid;
        let by_name = error
            .pod
            .as_deref()
            .is_some_and(|named| match named.split_once('/') {
                Some((ns, name)) => {
                    p.name.as_deref() == Some(name)
                        && p.namespace.as_deref().is_none_or(|n| n == ns)
                }
                None => p.name.as_deref() == Some(named),
            });
        by_uid || by_name
    });
    let pod = match (error.pod.as_deref(), known) {
        (Some(named), _) if named.contains('/') => named.to_string(),
        (_, Some(p)) if p.name.is_some() => p.label(),
        (Some(named), _) => named.to_string(),
        // As the derived pods name a container of a pod known by its uid alone.
        (None, _) => return Some(format!("{container} in pod {}", error.pod_uid.as_deref()?)),
    };
    Some(format!("{pod}/{container}"))
}

#[cfg(test)]
mod kube_label_tests {
    use super::*;
    use crate::facts::{Line, RuntimeErrorKind};

    fn error(pod: Option<&str>, uid: Option<&str>, container: Option<&str>) -> RuntimeError {
        RuntimeError {
            line: Line::new(1, "x"),
            time: None,
            kind: RuntimeErrorKind::StartFailure,
            exit_status: None,
            failed_step: None,
            errno_text: None,
            cgroup_path: None,
            go_locations: Vec::new(),
            container: container.map(str::to_string),
            setup: None,
            pod: pod.map(str::to_string),
            pod_uid: uid.map(str::to_string),
        }
    }

    #[test]
    fn a_kubelet_error_is_named_by_its_pod() {
        let uid = "5e0c7a4e-2b7d-4c41-9a3f-1f6e2d9b8c70";
        let pods = [PodView {
            namespace: Some("shop".into()),
            name: Some("web-6d4cf56db6-x7k2p".into()),
            uid: Some(uid.into()),
            ..PodView::default()
        }];
        let named = |e: &RuntimeError| kube_label_of_error(e, &pods);
        let full = error(Some("shop/web-6d4cf56db6-x7k2p"), None, Some("app"));
        assert_eq!(
            named(&full).as_deref(),
            Some("shop/web-6d4cf56db6-x7k2p/app")
        );
        // By uid only, or by name without a namespace: the derived pod names it.
        let by_uid = error(None, Some(uid), Some("app"));
        assert_eq!(
            named(&by_uid).as_deref(),
            Some("shop/web-6d4cf56db6-x7k2p/app")
        );
        let by_name = error(Some("web-6d4cf56db6-x7k2p"), None, Some("app"));
        assert_eq!(
            named(&by_name).as_deref(),
            Some("shop/web-6d4cf56db6-x7k2p/app")
        );
        // A pod the bundle knows nothing more of, by uid: said as such.
        let unknown = error(
            None,
            Some("0b7c2a54-3f1e-4a8b-9d6e-2f5a1c7e8b90"),
            Some("app"),
        );
        assert_eq!(
            kube_label_of_error(&unknown, &[]).as_deref(),
            Some("app in pod 0b7c2a54-3f1e-4a8b-9d6e-2f5a1c7e8b90")
        );
        // No container, or no pod: no Kubernetes name.
        assert_eq!(named(&error(Some("shop/web"), None, None)), None);
        assert_eq!(named(&error(None, None, Some("app"))), None);
    }
}
