//! Containers joined across the sources that name them.
//!
//! One container shows up in an inspect document (full id, name, limits, state), in `docker
//! events` (full id, `name=` attribute), in the kernel's memory-cgroup OOM reports (its id in the
//! cgroup path: `/docker/<id>`, `docker-<id>.scope`, `kubepods/.../<id>`) and in runtime errors
//! (a name or an id near the error). A view joins them: the same id (one a prefix of the other:
//! events and errors often print 12 characters), or the same name.
//!
//! The order of a container's events is read here once: a `die` that follows a `create` of the
//! same container with no `start` between them is a start that failed.

use crate::facts::{Container, DockerEvent, Facts, OomKill, OomScope, RuntimeError};

use super::At;

/// Exit codes docker gives a container whose process never ran: 127 (command not found) and
/// 128 (the runtime failed before exec).
const NEVER_RAN_EXIT_CODES: &[i64] = &[127, 128];

/// Shortest id prefix that names a container (docker's short form).
const SHORT_ID: usize = 12;

/// One container, as every source that names it shows it.
#[derive(Debug, Clone)]
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

    fn is(&self, id: &str, name: Option<&str>) -> bool {
        let (x, y) = (self.id, id);
        (!x.is_empty() && !y.is_empty() && (x.starts_with(y) || y.starts_with(x)))
            || (name.is_some_and(|n| !n.is_empty()) && self.name == name)
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

/// The containers of the bundle, inspected ones first, then by first mention; and the starts
/// that failed.
pub fn join(facts: &Facts) -> (Vec<ContainerView<'_>>, Vec<FailedStart<'_>>) {
    let mut views: Vec<ContainerView<'_>> = Vec::new();
    for c in &facts.containers {
        let at = At {
            path: c.path.as_str(),
            item: &c.value,
        };
        let name = c.value.name.as_deref();
        match views.iter_mut().find(|v| v.is(&c.value.id, name)) {
            // The same container inspected twice (`docker inspect` and its OCI config): the
            // first document stands.
            Some(v) => v.name = v.name.or(name),
            None => views.push(ContainerView {
                id: c.value.id.as_str(),
                name,
                inspect: Some(at),
                events: Vec::new(),
                oom_kills: Vec::new(),
                errors: Vec::new(),
            }),
        }
    }
    let mut failed = Vec::new();
    for s in &facts.docker_events {
        for e in s.value.iter() {
            if !(e.object_type == "container" || e.object_type.is_empty()) {
                continue;
            }
            let at = At {
                path: s.path.as_str(),
                item: e,
            };
            let view = view_for(&mut views, e.actor_id.as_str(), e.name());
            view.events.push(at);
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
            let at = At {
                path: s.path.as_str(),
                item: e,
            };
            if let Some(v) = views.iter_mut().find(|v| v.is(named, Some(named))) {
                v.errors.push(at);
            }
        }
    }
    for log in &facts.kernel_logs {
        for k in &log.value.oom_kills {
            if k.scope != OomScope::Memcg {
                continue;
            }
            let cgroup = k.memcg.as_deref().or(k.task_memcg.as_deref()).unwrap_or("");
            for v in views
                .iter_mut()
                .filter(|v| cgroup_names_container(cgroup, v.id))
            {
                v.oom_kills.push(At {
                    path: log.path.as_str(),
                    item: k,
                });
            }
        }
    }
    (views, failed)
}

/// The view of the container with `id` or `name`, made when there is none; a longer id or a
/// name learned on the way is kept.
fn view_for<'v, 'a>(
    views: &'v mut Vec<ContainerView<'a>>,
    id: &'a str,
    name: Option<&'a str>,
) -> &'v mut ContainerView<'a> {
    let at = match views.iter().position(|v| v.is(id, name)) {
        Some(i) => i,
        None => {
            views.push(ContainerView {
                id: "",
                name: None,
                inspect: None,
                events: Vec::new(),
                oom_kills: Vec::new(),
                errors: Vec::new(),
            });
            views.len() - 1
        }
    };
    let view = &mut views[at];
    if id.len() > view.id.len() {
        view.id = id;
    }
    view.name = view.name.or(name.filter(|n| !n.is_empty()));
    view
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
