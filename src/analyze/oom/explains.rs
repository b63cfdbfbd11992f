//! Whether an application's own sizing explains an OOM kill: a pre-fork server's workers in the
//! kill's task table ([`workers_explaining`]), or PostgreSQL's `shared_buffers` and `work_mem`
//! against the memory the kill was bounded by ([`postgres_explaining`]).
//!
//! `oom.app-sizing` gives its recommendation when these hold; the limit's own findings read the
//! same predicates ([`app_sizing_explains`]) to leave out their generic advice for the cgroup,
//! so that one cgroup gets one sizing recommendation.

use super::{apps, consumers};
use crate::analyze::Context;
use crate::derive::oom::OomEvent;
use crate::facts::OomScope;

/// PostgreSQL's own advice for `shared_buffers`: a quarter of the memory.
pub const SHARED_BUFFERS_PERCENT: u64 = 25;

/// PostgreSQL's `shared_buffers` when its configuration leaves it commented.
pub const PG_DEFAULT_SHARED_BUFFERS: u64 = 128 * 1024 * 1024;

/// The memory a kill was bounded by, in bytes, and its name in words: the cgroup's limit, else
/// the host's RAM.
pub fn bound(ctx: &Context<'_>, e: &OomEvent<'_>) -> Option<(u64, &'static str)> {
    let k = e.kill.item;
    match k.scope {
        OomScope::Memcg => k
            .memory_limit_kb
            .map(|l| (l.saturating_mul(1024), "limit"))
            .filter(|(l, _)| *l > 0),
        _ => k
            .mem_info
            .as_ref()
            .and_then(consumers::ram_bytes)
            .or_else(|| ctx.derived.available.as_ref().and_then(|a| a.total_bytes))
            .map(|r| (r, "RAM")),
    }
}

/// The pre-fork server's workers of a kill's task table, with the memory the kill was bounded
/// by, when they explain it: the victim is one of them, or they held at least half of it.
pub fn workers_explaining(
    ctx: &Context<'_>,
    e: &OomEvent<'_>,
) -> Option<(apps::WorkersAtKill, u64, &'static str)> {
    let k = e.kill.item;
    let w = apps::workers_at_kill(k)?;
    let (whole, of) = bound(ctx, e)?;
    let victim_is_worker = k.victim.as_ref().is_some_and(|v| v.comm == w.server.comm());
    let held = w.anon_bytes.unwrap_or(w.total_bytes);
    (victim_is_worker || held.saturating_mul(2) >= whole).then_some((w, whole, of))
}

/// The command line of the container whose cgroup a kill names, if the bundle inspects it.
pub fn container_command(ctx: &Context<'_>, e: &OomEvent<'_>) -> Vec<String> {
    let cgroups = [e.limit_cgroup(), e.task_cgroup()];
    ctx.derived
        .containers
        .iter()
        .filter(|v| {
            cgroups
                .iter()
                .flatten()
                .any(|c| crate::derive::cgroup_names_container(c, v.id))
        })
        .find_map(|v| v.inspect.map(|i| i.item.command.clone()))
        .unwrap_or_default()
}

/// The processes `systemctl status` lists for the unit a kill hit, each with the file it was
/// read from: the unit systemd named for the kill, else the unit whose control group the kill
/// names, else the unit whose process the victim was.
pub fn unit_processes<'a>(
    ctx: &Context<'a>,
    e: &OomEvent<'_>,
) -> Vec<(&'a str, &'a crate::facts::UnitProcess)> {
    let cgroup_unit = || {
        [e.limit_cgroup(), e.task_cgroup()]
            .into_iter()
            .flatten()
            .find_map(|c| super::unit_of_cgroup(ctx, c))
            .map(|u| u.item.name.as_str())
    };
    let victim_unit = || {
        let pid = e.kill.item.victim.as_ref()?.pid?;
        crate::derive::oom::unit_of_pid(ctx.facts, pid)
    };
    let Some(name) = e
        .unit
        .map(|u| u.name)
        .or_else(cgroup_unit)
        .or_else(victim_unit)
    else {
        return Vec::new();
    };
    let mut out: Vec<(&'a str, &'a crate::facts::UnitProcess)> = Vec::new();
    for status in &ctx.facts.systemd_units {
        for u in &status.value {
            for p in &u.processes {
                let of_unit = p.unit.as_deref().unwrap_or(u.name.as_str()) == name;
                if of_unit && !out.iter().any(|(_, q)| q.pid == p.pid) {
                    out.push((status.path.as_str(), p));
                }
            }
        }
    }
    out
}

/// The command line of a kill's container, else of the process of its unit that runs
/// PostgreSQL, as `systemctl status` lists it.
fn postgres_command(ctx: &Context<'_>, e: &OomEvent<'_>) -> Vec<String> {
    let command = container_command(ctx, e);
    if !command.is_empty() {
        return command;
    }
    unit_processes(ctx, e)
        .into_iter()
        .map(|(_, p)| p.words())
        .find(|w| {
            w.iter()
                .take(2)
                .any(|x| x.rsplit('/').next() == Some("postgres"))
        })
        .unwrap_or_default()
}

/// PostgreSQL's settings, with the memory the kill was bounded by, when PostgreSQL was killed
/// and they ask for more than it: `shared_buffers` past a quarter of it, or `shared_buffers`
/// and `work_mem` for every connection past all of it.
pub fn postgres_explaining(
    ctx: &Context<'_>,
    e: &OomEvent<'_>,
) -> Option<(apps::PostgresSizing, u64, &'static str)> {
    let k = e.kill.item;
    if k.victim.as_ref().map(|v| v.comm.as_str()) != Some("postgres") {
        return None;
    }
    let (whole, of) = bound(ctx, e)?;
    let s = apps::PostgresSizing::read(
        ctx.facts
            .app_configs
            .iter()
            .map(|c| (c.path.as_str(), &c.value)),
        &postgres_command(ctx, e),
    )?;
    let shared = s.shared_buffers.unwrap_or(PG_DEFAULT_SHARED_BUFFERS);
    let quarter = whole.saturating_mul(SHARED_BUFFERS_PERCENT) / 100;
    let fits = shared <= quarter && shared.saturating_add(s.work_mem_worst()) <= whole;
    (!fits).then_some((s, whole, of))
}

/// Whether an application's own sizing explains a memory cgroup OOM kill of the cgroup at
/// `cgroup` (the cgroup whose limit was hit, or the victim's): its recommendation is the
/// cgroup's, in place of the generic one.
pub fn app_sizing_explains(ctx: &Context<'_>, cgroup: &str) -> bool {
    let cgroup = cgroup.trim_end_matches('/');
    ctx.derived
        .oom_events
        .iter()
        .filter(|e| e.kill.item.scope == OomScope::Memcg)
        .filter(|e| {
            [e.limit_cgroup(), e.task_cgroup()]
                .iter()
                .flatten()
                .any(|c| c.trim_end_matches('/') == cgroup)
        })
        .any(|e| workers_explaining(ctx, e).is_some() || postgres_explaining(ctx, e).is_some())
}

/// The huge pages the host reserves, from `/proc/meminfo`: `HugePages_Total` pages of
/// `Hugepagesize`, of which `HugePages_Free` less `HugePages_Rsvd` no mapping has taken or
/// promised.
#[derive(Debug, Clone, Copy)]
pub struct HugePages<'a> {
    pub pages: u64,
    pub page_bytes: u64,
    /// Reserved and neither used nor promised to a mapping, in bytes.
    pub unused_bytes: Option<u64>,
    pub path: &'a str,
    /// The `HugePages_Total:` line.
    pub line: &'a crate::facts::Line,
}

impl HugePages<'_> {
    pub fn total_bytes(&self) -> u64 {
        self.pages.saturating_mul(self.page_bytes)
    }
}

/// The host's huge pages, when `/proc/meminfo` gives their count and size.
pub fn huge_pages<'a>(ctx: &Context<'a>) -> Option<HugePages<'a>> {
    ctx.facts.meminfo.iter().find_map(|m| {
        let count = |k: &str| m.value.value(k).and_then(|v| u64::try_from(v).ok());
        let total = m.value.get("HugePages_Total")?;
        let pages = total.value.and_then(|v| u64::try_from(v).ok())?;
        let page_bytes = count("Hugepagesize")?.saturating_mul(1024);
        let unused = count("HugePages_Free")
            .map(|f| f.saturating_sub(count("HugePages_Rsvd").unwrap_or(0)))
            .map(|p| p.saturating_mul(page_bytes));
        Some(HugePages {
            pages,
            page_bytes,
            unused_bytes: unused,
            path: m.path.as_str(),
            line: &total.line,
        })
    })
}

/// What PostgreSQL's `huge_pages = on|try` meets on the host: whether `shared_buffers` fits in
/// the huge pages reserved, and that reserved pages left unused are memory the OOM killer
/// cannot reclaim. `None` when huge pages are off or the bundle has no meminfo.
pub fn postgres_huge_pages<'a>(
    ctx: &Context<'a>,
    s: &apps::PostgresSizing,
) -> Option<(String, HugePages<'a>)> {
    use crate::units::bytes;
    let mode = s
        .huge_pages
        .as_deref()?
        .trim()
        .trim_matches(['\'', '"'])
        .to_ascii_lowercase();
    if !matches!(mode.as_str(), "on" | "try") {
        return None;
    }
    let h = huge_pages(ctx)?;
    let shared = s.shared_buffers.unwrap_or(PG_DEFAULT_SHARED_BUFFERS);
    let reserved = h.total_bytes();
    let mut text = if h.pages == 0 {
        format!(
            "`huge_pages = {mode}`, but the host reserves no huge pages (`HugePages_Total: 0`): {}",
            if mode == "on" {
                "PostgreSQL cannot start so configured."
            } else {
                "`shared_buffers` is in ordinary pages."
            }
        )
    } else if shared <= reserved {
        format!(
            "`huge_pages = {mode}`: the `shared_buffers` of {} fit in the {} of huge pages the \
             host reserves ({} × {}).",
            bytes(shared),
            bytes(reserved),
            h.pages,
            bytes(h.page_bytes)
        )
    } else {
        format!(
            "`huge_pages = {mode}`: the `shared_buffers` of {} do not fit in the {} of huge \
             pages the host reserves ({} × {}), so PostgreSQL {}.",
            bytes(shared),
            bytes(reserved),
            h.pages,
            bytes(h.page_bytes),
            if mode == "on" {
                "cannot start so configured"
            } else {
                "takes its shared memory in ordinary pages, beside the huge pages"
            }
        )
    };
    if let Some(unused) = h.unused_bytes.filter(|u| *u > 0) {
        text.push_str(&format!(
            " {} of the reserved huge pages were unused when the bundle was taken: memory that \
             no other process can use and that the OOM killer cannot reclaim.",
            bytes(unused)
        ));
    }
    Some((text, h))
}
