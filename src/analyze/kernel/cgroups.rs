//! What a bundle's copy of the cgroup file system says about memory limits and OOM kills:
//! the counters the OOM findings and the limit finding read besides the kernel's reports.
//!
//! `memory.events` counts the events of a group and of its descendants, so an OOM kill in a
//! container shows in its pod's and in `kubepods`' counters too: a counter is the group's own
//! only when no descendant in the bundle counts as many (or when it is `memory.events.local`).

use crate::facts::{CgroupHierarchy, CgroupNode, Facts, Line};

/// A group whose OOM-kill counter moved: v2 `memory.events` (or `.local`) `oom_kill`, v1
/// `memory.oom_control` `oom_kill` (4.13+).
#[derive(Debug, Clone, Copy)]
pub struct CountedKills<'a> {
    pub node: &'a CgroupNode,
    pub kills: u64,
    pub path: &'a str,
    pub line: &'a Line,
}

/// The groups whose own OOM-kill counter is above zero, in bundle order.
pub fn oom_kill_counters(facts: &Facts) -> Vec<CountedKills<'_>> {
    let counted: Vec<CountedKills<'_>> = facts
        .cgroup_nodes
        .iter()
        .filter_map(|node| {
            let (file, row) = ["memory.events.local", "memory.events", "memory.oom_control"]
                .iter()
                .find_map(|name| node.counter(name, "oom_kill"))?;
            let kills = u64::try_from(row.value?).ok().filter(|n| *n > 0)?;
            Some(CountedKills {
                node,
                kills,
                path: file.path.as_str(),
                line: &row.line,
            })
        })
        .collect();
    counted
        .iter()
        .filter(|c| {
            !counted.iter().any(|d| {
                d.node.hierarchy == c.node.hierarchy
                    && is_below(&d.node.cgroup, &c.node.cgroup)
                    && d.kills >= c.kills
            })
        })
        .copied()
        .collect()
}

/// A memory limit of a group and its usage, from its files: v2 `memory.max` and
/// `memory.current` (`memory.peak`), v1 `memory.limit_in_bytes`, `memory.usage_in_bytes`
/// (`memory.max_usage_in_bytes`) and `memory.failcnt`.
#[derive(Debug, Clone, Copy)]
pub struct MemoryLimit<'a> {
    pub node: &'a CgroupNode,
    pub limit_bytes: u64,
    pub usage_bytes: Option<u64>,
    /// v1 `memory.failcnt`, v2 `memory.events` `max`: times usage hit the limit.
    pub hits: Option<u64>,
    /// The lines that state them, with their paths.
    pub lines: [Option<(&'a str, &'a Line)>; 3],
}

/// The memory limit of a group, when it has one.
pub fn memory_limit(node: &CgroupNode) -> Option<MemoryLimit<'_>> {
    let v2 = node.hierarchy == CgroupHierarchy::V2;
    let (limit_name, usage_names): (&str, &[&str]) = if v2 {
        ("memory.max", &["memory.current", "memory.peak"])
    } else {
        (
            "memory.limit_in_bytes",
            &["memory.usage_in_bytes", "memory.max_usage_in_bytes"],
        )
    };
    let (limit_file, limit, limit_line) = node.single(limit_name)?;
    let limit_bytes = limit.filter(|l| *l > 0)?;
    let usage = usage_names
        .iter()
        .find_map(|n| node.single(n).and_then(|(f, v, l)| Some((f, v?, l))));
    let hits = if v2 {
        node.counter("memory.events", "max").and_then(|(f, row)| {
            Some((f.path.as_str(), u64::try_from(row.value?).ok()?, &row.line))
        })
    } else {
        node.single("memory.failcnt")
            .and_then(|(f, v, l)| Some((f.path.as_str(), v?, l)))
    };
    Some(MemoryLimit {
        node,
        limit_bytes,
        usage_bytes: usage.map(|u| u.1),
        hits: hits.map(|h| h.1),
        lines: [
            Some((limit_file.path.as_str(), limit_line)),
            usage.map(|(f, _, l)| (f.path.as_str(), l)),
            hits.map(|(p, _, l)| (p, l)),
        ],
    })
}

impl MemoryLimit<'_> {
    /// Usage at the limit (within a page per 4 MiB, as the kernel's charge batching leaves
    /// it) or hits counted.
    pub fn reached(&self) -> bool {
        let full = self
            .usage_bytes
            .is_some_and(|u| u.saturating_add(self.limit_bytes / 1024) >= self.limit_bytes);
        full || self.hits.is_some_and(|h| h > 0)
    }
}

/// Whether `path` is a descendant of `ancestor` (`/a/b` of `/a`, everything of `/`).
pub fn is_below(path: &str, ancestor: &str) -> bool {
    path != ancestor
        && (ancestor == "/"
            || path
                .strip_prefix(ancestor)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// The container id a cgroup's last component holds (`docker-<id>.scope`,
/// `cri-containerd-<id>.scope`, `crio-<id>.scope`, `/docker/<id>`, `kubepods/.../<id>`): 64
/// hexadecimal digits.
pub fn container_id(cgroup: &str) -> Option<&str> {
    let last = cgroup.rsplit('/').next()?;
    let last = last.strip_suffix(".scope").unwrap_or(last);
    let id = last.rsplit('-').next()?;
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_ancestors() {
        let id = "1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496";
        assert_eq!(
            container_id(&format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529.slice/cri-containerd-{id}.scope")),
            Some(id)
        );
        assert_eq!(container_id(&format!("/docker/{id}")), Some(id));
        assert_eq!(container_id("/system.slice/sshd.service"), None);
        assert!(is_below("/a/b", "/a"));
        assert!(is_below("/a", "/"));
        assert!(!is_below("/ab", "/a"));
        assert!(!is_below("/a", "/a"));
    }

    #[test]
    fn a_counter_is_the_deepest_groups() {
        let mut facts = Facts::default();
        for (dir, kills) in [
            ("", 2),
            ("/kubepods.slice", 2),
            ("/kubepods.slice/pod1.slice", 2),
        ] {
            let path = format!("sys/fs/cgroup{dir}/memory.events");
            let text = format!("low 0\nhigh 0\nmax 9\noom 2\noom_kill {kills}\n");
            crate::parse::parse_into(
                &mut facts,
                &path,
                crate::sources::SourceKind::CgroupFile,
                text.as_bytes(),
            );
        }
        let own = oom_kill_counters(&facts);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].node.cgroup, "/kubepods.slice/pod1.slice");
    }
}
