//! OOM knowledge shared by the rules: who consumed the memory at a kill ([`consumers`]), how a
//! runtime sized itself against its limit ([`sizing`]), and which memory cgroups a runtime's
//! sizing explains ([`sized_limits`]), so that one rule gives the sizing advice and the others
//! leave it out.
//!
//! Rule files are leaves: they read facts, the derived facts (OOM kills counted once, in
//! [`crate::derive::oom`]) and this module, never another rule.

pub mod apps;
pub mod consumers;
pub mod explains;
pub mod sizing;

use crate::analyze::Context;
use crate::derive::oom::OomEvent;
use crate::derive::{At, ContainerView};
use crate::facts::{Container, OomScope, SystemdUnitStatus};

/// The OOM kills of a scope, each once, in bundle order.
pub fn events<'c, 'a>(ctx: &'c Context<'a>, scope: OomScope) -> Vec<&'c OomEvent<'a>> {
    ctx.derived
        .oom_events
        .iter()
        .filter(|e| e.kill.item.scope == scope)
        .collect()
}

/// A memory limit that a runtime's own sizing does not fit: the runtime may grow past it, or
/// leaves itself too little of it.
#[derive(Debug, Clone)]
pub struct SizedLimit<'a> {
    /// The container whose runtime is sized.
    pub container: At<'a, Container>,
    /// `name (short id)`.
    pub label: String,
    /// The limit, in bytes.
    pub limit: u64,
    pub sizing: sizing::Sizing,
    pub verdict: sizing::Verdict,
    /// The OOM kills of its cgroup, each once.
    pub kills: usize,
}

/// Every OOM-killed container whose runtime's sizing does not fit its memory limit, in the
/// order of the bundle's containers. A container counts as OOM-killed when a kernel report's
/// cgroup names it or its inspect says `OOMKilled`.
pub fn sized_limits<'a>(ctx: &Context<'a>) -> Vec<SizedLimit<'a>> {
    let memcg = events(ctx, OomScope::Memcg);
    let mut out = Vec::new();
    for view in &ctx.derived.containers {
        let Some(inspect) = view.inspect else {
            continue;
        };
        let kills: Vec<&&OomEvent<'_>> = memcg
            .iter()
            .filter(|e| names_view(e.limit_cgroup(), view) || names_view(e.task_cgroup(), view))
            .collect();
        if kills.is_empty() && inspect.item.state.oom_killed != Some(true) {
            continue;
        }
        // The limit the kernel enforced, else the one the container was given.
        let limit = kills
            .iter()
            .find_map(|e| e.kill.item.memory_limit_kb)
            .map(|k| k.saturating_mul(1024))
            .or_else(|| {
                inspect
                    .item
                    .memory
                    .limit_bytes
                    .and_then(|l| u64::try_from(l).ok())
            })
            .filter(|l| *l > 0);
        let Some(limit) = limit else {
            continue;
        };
        for s in sizing::of_container(inspect.item) {
            if let Some(verdict) = s.verdict(limit) {
                out.push(SizedLimit {
                    container: inspect,
                    label: view.label(),
                    limit,
                    sizing: s,
                    verdict,
                    kills: kills.len(),
                });
                break;
            }
        }
    }
    out
}

fn names_view(cgroup: Option<&str>, view: &ContainerView<'_>) -> bool {
    cgroup.is_some_and(|c| crate::derive::cgroup_names_container(c, view.id))
}

/// Whether a runtime's sizing explains the OOM kills of the memory cgroup at `cgroup`.
pub fn sizing_explains(sized: &[SizedLimit<'_>], cgroup: &str) -> bool {
    sized
        .iter()
        .any(|s| crate::derive::cgroup_names_container(cgroup, &s.container.item.id))
}

/// Whether a specific sizing recommendation covers the memory cgroup at `cgroup`: a runtime's
/// sizing ([`sized_limits`]) or an application's ([`explains::app_sizing_explains`]). The
/// generic advice to measure the peak and size the limit is then left out for it.
pub fn sizing_advised(ctx: &Context<'_>, sized: &[SizedLimit<'_>], cgroup: &str) -> bool {
    sizing_explains(sized, cgroup) || explains::app_sizing_explains(ctx, cgroup)
}

/// Whose limit a memory cgroup OOM kill hit and who consumed it, in sentences: the owner of
/// the limiting cgroup and whether the limit was a parent's, then the largest consumers of the
/// task table with their share of the limit, then what the cgroup held.
pub fn memcg_attribution(ctx: &Context<'_>, event: &OomEvent<'_>) -> Vec<String> {
    use crate::analyze::finding::code;
    let k = event.kill.item;
    let mut out = Vec::new();
    // An owner known only by its cgroup is named by its path once, not twice.
    let with_path = |cgroup: &str| {
        let owner = owner_words(ctx, cgroup, false);
        if owner.contains(&code(cgroup)) {
            owner
        } else {
            format!("{owner} ({})", code(cgroup))
        }
    };
    if let Some(cg) = event.limit_cgroup() {
        let owner = with_path(cg);
        let mut s = format!("The limit hit was that of {owner}.");
        if event.limit_is_parents() {
            if let Some(task) = event.task_cgroup() {
                s = format!(
                    "The limit hit was that of {owner}, a parent of the victim's own cgroup {}: \
                     every cgroup below it shares that limit, so the victim may have been killed \
                     for memory its siblings used.",
                    with_path(task)
                );
            }
        }
        out.push(s);
        let shared_said = event.limit_is_parents();
        out.extend(unit_of_cgroup(ctx, cg).map(|u| unit_words(u.item, shared_said)));
    }
    if let (None, Some(u)) = (event.limit_cgroup(), &event.unit) {
        out.push(unit_attribution(ctx, u));
    }
    let limit = k
        .memory_limit_kb
        .map(|l| l.saturating_mul(1024))
        .unwrap_or(0);
    if limit > 0 {
        out.extend(consumers::sentence(k, limit, "the limit"));
    }
    out.extend(consumers::memcg_composition(k));
    out
}

/// Whose limit a kill line without a cgroup hit, as systemd's line names its unit: the unit,
/// and the limit of the unit or of the slice above it as `systemctl status` shows them.
fn unit_attribution(ctx: &Context<'_>, unit: &crate::derive::oom::UnitOom<'_>) -> String {
    use crate::derive::oom::CgroupOwner;
    let owner = match crate::derive::oom::cgroup_owner(unit.name, &ctx.derived.containers) {
        CgroupOwner::Cgroup(_) => CgroupOwner::Unit(unit.name.to_string()),
        o => o,
    };
    let mut s = format!(
        "The kill line names no cgroup; systemd names the unit it hit in the same seconds, {} \
         (`{}`).",
        owner.describe(),
        unit.record.item.message.replace('`', "'")
    );
    let status = |name: &str| {
        ctx.facts
            .systemd_units
            .iter()
            .flat_map(|s| s.value.iter())
            .find(|u| u.name == name)
    };
    let own = status(unit.name);
    // The limit may be the unit's own or that of the slice it runs in.
    let slice = own
        .and_then(|u| u.cgroup.as_deref())
        .and_then(|c| c.trim_end_matches('/').rsplit_once('/'))
        .and_then(|(parent, _)| parent.rsplit('/').next())
        .filter(|p| p.ends_with(".slice"))
        .and_then(status);
    for u in [own, slice].into_iter().flatten() {
        if !u.memory_limits.is_empty() || u.name.ends_with(".slice") {
            s.push(' ');
            s.push_str(&unit_words(u, false));
        }
    }
    s
}

/// Who consumed the host's memory at a global OOM kill: the largest consumers of the task
/// table with their share of RAM, and the unreclaimable slab and swap of its `Mem-Info:` block.
pub fn global_attribution(ctx: &Context<'_>, event: &OomEvent<'_>) -> Vec<String> {
    let k = event.kill.item;
    let ram = k
        .mem_info
        .as_ref()
        .and_then(consumers::ram_bytes)
        .or_else(|| ctx.derived.available.as_ref().and_then(|a| a.total_bytes));
    let mut out = Vec::new();
    if let Some(ram) = ram.filter(|r| *r > 0) {
        out.extend(consumers::sentence(k, ram, "RAM"));
        if let Some(mi) = &k.mem_info {
            out.extend(consumers::host_composition(mi, ram));
        }
    }
    out.extend(overcommit(ctx));
    out
}

/// What the host had promised against what it can back, at collection: `Committed_AS` against
/// `CommitLimit`, and the overcommit mode that decides whether the limit is enforced.
fn overcommit(ctx: &Context<'_>) -> Option<String> {
    use crate::derive::meminfo_bytes;
    use crate::units::bytes;
    let (committed, _, _) = meminfo_bytes(ctx.facts, "Committed_AS")?;
    let (limit, _, _) = meminfo_bytes(ctx.facts, "CommitLimit")?;
    let mode = ctx
        .facts
        .sysctl
        .iter()
        .find_map(|s| s.value.value("vm.overcommit_memory"));
    let pct = committed.saturating_mul(100) / limit.max(1);
    let mode_words = match mode {
        Some(2) => "`vm.overcommit_memory` is 2: the kernel refuses allocations past the limit",
        Some(1) => "`vm.overcommit_memory` is 1: the kernel never refuses an allocation",
        Some(_) => "`vm.overcommit_memory` is 0, the heuristic default: the limit is not enforced",
        None => {
            "the overcommit mode (`vm.overcommit_memory`) is not in the bundle; under its default, \
             the limit is not enforced"
        }
    };
    let settled = if mode == Some(2) {
        ""
    } else {
        ", so what is promised beyond memory and swap is settled by the OOM killer"
    };
    Some(format!(
        "At collection, the host had committed {} (`Committed_AS`) against a `CommitLimit` of {} \
         ({pct}%); {mode_words}{settled}.",
        bytes(committed),
        bytes(limit)
    ))
}

/// The advice for a memory cgroup whose limit was reached and that no runtime sizing explains:
/// measure the peak of its owner and raise the limit above it, or reduce what it holds, with
/// the command that changes the limit of that kind of owner.
pub fn limit_advice(
    ctx: &Context<'_>,
    cgroup: &str,
    limit: Option<&str>,
) -> (String, Option<String>) {
    use crate::derive::oom::{cgroup_owner, CgroupOwner};
    let owner = cgroup_owner(cgroup, &ctx.derived.containers);
    let limit = limit.map(|l| format!("{l} ")).unwrap_or_default();
    let mut action = format!(
        "Measure the peak memory of {} and raise its {limit}limit above it with headroom, or \
         reduce what the workload holds",
        owner_words(ctx, cgroup, true)
    );
    // A unit's limit set in a drop-in is changed there, or it comes back at the next reload.
    if let Some(u) = unit_of_cgroup(ctx, cgroup) {
        if let [drop_in] = u.item.drop_ins.as_slice() {
            action.push_str(&format!(
                " (the limit is set in `{}`: change it there)",
                drop_in.replace('`', "'")
            ));
        }
    }
    let command = match &owner {
        // Only what measures the peak: the size to set comes from it, and the bundle does not
        // hold it.
        CgroupOwner::Container(v) => Some(format!(
            "docker stats --no-stream {}",
            v.name.unwrap_or(v.id)
        )),
        CgroupOwner::Unit(u) => Some(format!("systemctl status {u}")),
        CgroupOwner::Pod(uid) => pod_of_uid(ctx, uid).and_then(kubectl_top),
        _ => None,
    };
    (action, command)
}

/// The advice for the memory limits of several cgroups that were reached, `(cgroup, limit in
/// words)`, in one action that names each owner with its limit; one limit gets
/// [`limit_advice`]'s.
pub fn limits_advice(
    ctx: &Context<'_>,
    limits: &[(&str, Option<&str>)],
) -> (String, Option<String>) {
    use crate::derive::oom::{cgroup_owner, CgroupOwner};
    if let [(cgroup, limit)] = limits {
        return limit_advice(ctx, cgroup, *limit);
    }
    let owners: Vec<String> = limits
        .iter()
        .map(|(cgroup, limit)| {
            let owner = owner_words(ctx, cgroup, true);
            match limit {
                Some(l) => format!("{owner} (limit {l})"),
                None => owner,
            }
        })
        .collect();
    let action = format!(
        "Measure the peak memory of {} and raise each limit above its peak with headroom, or \
         reduce what the workloads hold",
        and_list(&owners)
    );
    let (mut containers, mut units, mut commands) = (Vec::new(), Vec::new(), Vec::new());
    for (cgroup, _) in limits {
        match cgroup_owner(cgroup, &ctx.derived.containers) {
            CgroupOwner::Container(v) => containers.push(v.name.unwrap_or(v.id).to_string()),
            CgroupOwner::ContainerId(id) => containers.push(id),
            CgroupOwner::Unit(u) => units.push(u),
            CgroupOwner::Pod(uid) => commands.extend(pod_of_uid(ctx, &uid).and_then(kubectl_top)),
            CgroupOwner::Cgroup(_) => {}
        }
    }
    containers.dedup();
    units.dedup();
    if !containers.is_empty() {
        commands.insert(
            0,
            format!("docker stats --no-stream {}", containers.join(" ")),
        );
    }
    if !units.is_empty() {
        commands.push(format!("systemctl status {}", units.join(" ")));
    }
    (action, (!commands.is_empty()).then(|| commands.join("; ")))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The command that measures a named pod's containers.
fn kubectl_top(pod: &crate::derive::kube::PodView<'_>) -> Option<String> {
    let name = pod.name.as_deref()?;
    let ns = pod.namespace.as_deref().unwrap_or("default");
    Some(format!("kubectl -n {ns} top pod {name} --containers"))
}

/// The pod of the bundle whose uid is `uid`.
fn pod_of_uid<'c, 'a>(
    ctx: &'c Context<'a>,
    uid: &str,
) -> Option<&'c crate::derive::kube::PodView<'a>> {
    ctx.derived.pods.iter().find(|p| {
        p.uid
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(uid))
    })
}

/// The owner of the memory cgroup at `cgroup` in words. A pod the bundle names is named by
/// `namespace/name` rather than its uid and, with `with_container`, by the container of it that
/// the OOM killer killed (`namespace/pod/container`), when its reports name one.
pub fn owner_words(ctx: &Context<'_>, cgroup: &str, with_container: bool) -> String {
    use crate::analyze::finding::code;
    use crate::derive::oom::{cgroup_owner, CgroupOwner};
    let owner = cgroup_owner(cgroup, &ctx.derived.containers);
    if let CgroupOwner::ContainerId(_) = &owner {
        // A pod's container, by the runtime id its cgroup holds.
        let id = crate::analyze::kernel::cgroups::container_id(cgroup.trim_end_matches('/'));
        let named = id.and_then(|id| {
            ctx.derived.pods.iter().find_map(|p| {
                let at = p.containers.iter().position(|c| c.has_id(id))?;
                p.name.is_some().then(|| p.container_label(at))
            })
        });
        if let Some(label) = named {
            return format!("container {}", code(&label));
        }
    }
    let CgroupOwner::Pod(uid) = &owner else {
        return owner.describe();
    };
    let Some(pod) = pod_of_uid(ctx, uid).filter(|p| p.name.is_some()) else {
        return owner.describe();
    };
    let mut killed: Vec<usize> = pod.oom_kills.iter().filter_map(|o| o.container).collect();
    killed.dedup();
    match killed.as_slice() {
        [one] if with_container => format!(
            "pod {} (container {})",
            code(&pod.label()),
            code(&pod.container_label(*one))
        ),
        _ => format!("pod {}", code(&pod.label())),
    }
}

/// Whether a memory cgroup OOM kill reached its limit: usage at the limit, or the limit hit
/// before (`failcnt`) in a cgroup's OOM.
pub fn at_limit(kill: &crate::facts::OomKill) -> bool {
    let full = matches!(
        (kill.memory_usage_kb, kill.memory_limit_kb),
        (Some(u), Some(l)) if l > 0 && u >= l
    );
    let failed = kill.memory_failcnt.is_some_and(|f| f > 0);
    full || (failed && kill.scope == OomScope::Memcg)
}

/// Whether the limit of a kill's cgroup gets its advice elsewhere in the report: the kill
/// reached its limit (the limit's own finding advises, with its numbers), or a runtime's or an
/// application's sizing explains it.
pub fn limit_advised(ctx: &Context<'_>, kill: &crate::facts::OomKill) -> bool {
    let cgroup = kill.memcg.as_deref().or(kill.task_memcg.as_deref());
    at_limit(kill) || cgroup.is_some_and(|c| sizing_advised(ctx, &sized_limits(ctx), c))
}

/// What to do first at a host-wide shortage: find what holds the memory. With a global OOM
/// kill whose task table names its largest consumer, that consumer with its size and share of
/// RAM. The OOM kill's finding and the exhaustion's give this one action in the same words, so
/// the report gives it once.
pub fn find_consumer(ctx: &Context<'_>) -> (String, &'static str) {
    const COMMAND: &str = "ps -eo pid,rss,comm --sort=-rss | head -20; grep -E \
                           'MemAvailable|Slab|SUnreclaim' /proc/meminfo";
    let named = events(ctx, OomScope::Global)
        .first()
        .and_then(|e| largest_consumer(e.kill.item));
    let action = named.unwrap_or_else(|| {
        "Find what holds the memory: the largest processes (the OOM report's task table, \
         `ps`), and whether page cache and slab are already small."
            .to_string()
    });
    (action, COMMAND)
}

/// The largest consumer of a global OOM's task table, with its size and share of RAM.
fn largest_consumer(kill: &crate::facts::OomKill) -> Option<String> {
    use crate::analyze::finding::code;
    let top = consumers::consumers(kill).into_iter().next()?;
    let ram = kill.mem_info.as_ref().and_then(consumers::ram_bytes)?;
    let who = match top.pid {
        Some(pid) if top.processes == 1 => format!("{} (pid {pid})", code(&top.name)),
        _ => format!("{} ({} processes)", code(&top.name), top.processes),
    };
    Some(format!(
        "Find why {who} grew to {}, {}% of RAM: it held the most memory when the host ran out; \
         check whether page cache and slab were already small.",
        crate::units::bytes(top.rss_bytes),
        top.rss_bytes.saturating_mul(100) / ram.max(1)
    ))
}

/// The `systemctl status` of the unit whose control group is `cgroup`.
pub fn unit_of_cgroup<'a>(ctx: &Context<'a>, cgroup: &str) -> Option<At<'a, SystemdUnitStatus>> {
    let cgroup = cgroup.trim_end_matches('/');
    ctx.facts.systemd_units.iter().find_map(|s| {
        s.value
            .iter()
            .find(|u| u.cgroup.as_deref().map(|c| c.trim_end_matches('/')) == Some(cgroup))
            .map(|item| At {
                path: s.path.as_str(),
                item,
            })
    })
}

/// What `systemctl status` says of a unit's memory: its limits, the drop-ins that may set
/// them, and its use when the status was taken. `shared_said`: the sentence before has said
/// that the cgroups below share the limit.
fn unit_words(u: &SystemdUnitStatus, shared_said: bool) -> String {
    use crate::analyze::finding::code;
    use crate::units::bytes;
    let limits: Vec<String> = u
        .memory_limits
        .iter()
        .filter(|l| matches!(l.key.as_str(), "max" | "high" | "limit" | "swap max"))
        .map(|l| format!("`{}` {}", l.key, bytes(l.bytes)))
        .collect();
    let mut s = format!("`systemctl status {}` shows", u.name);
    if limits.is_empty() {
        s.push_str(" no memory limit of its own");
    } else {
        s.push_str(&format!(" its limit, {}", limits.join(", ")));
    }
    match u.drop_ins.as_slice() {
        [] => {}
        [one] => s.push_str(&format!(", from the drop-in {}", code(one))),
        many => s.push_str(&format!(
            ", from the drop-ins {}",
            many.iter().map(|d| code(d)).collect::<Vec<_>>().join(", ")
        )),
    }
    if let Some(used) = u.memory_bytes {
        s.push_str(&format!(
            ", and {} in use when the status was taken",
            bytes(used)
        ));
    }
    if u.name.ends_with(".slice") && !shared_said {
        s.push_str(": every unit in the slice shares that limit");
    }
    s.push('.');
    s
}
