//! Reading the facts the way rules need them: every item with the path it came from. What is
//! decided across sources (the kernel, the host, the main failure, the failing container,
//! available memory) is in [`crate::derive`].

use crate::facts::{
    AllocFailure, CacheCreateFailure, Facts, KernelLog, KernelMessage, Line, OomKill, RuntimeError,
    SlubFailure,
};

pub use crate::derive::{meminfo_bytes, At};

fn from_logs<'a, T: 'a>(
    facts: &'a Facts,
    pick: impl Fn(&'a KernelLog) -> &'a [T] + 'a,
) -> impl Iterator<Item = At<'a, T>> + 'a {
    facts.kernel_logs.iter().flat_map(move |log| {
        pick(&log.value).iter().map(move |item| At {
            path: log.path.as_str(),
            item,
        })
    })
}

/// How many of `items` the kernel log holding the most of them has. dmesg, syslog and the
/// journal keep copies of the same kernel messages, so a count across logs counts each message
/// once per copy.
pub fn count_in_fullest_log<T>(items: &[At<'_, T>]) -> usize {
    let mut per_path: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for a in items {
        let n = per_path.entry(a.path).or_default();
        *n = n.saturating_add(1);
    }
    per_path.into_values().max().unwrap_or(0)
}

/// Every page allocation failure of every kernel log.
pub fn alloc_failures(facts: &Facts) -> impl Iterator<Item = At<'_, AllocFailure>> + '_ {
    from_logs(facts, |l| &l.alloc_failures)
}

/// Every OOM kill of every kernel log.
pub fn oom_kills(facts: &Facts) -> impl Iterator<Item = At<'_, OomKill>> + '_ {
    from_logs(facts, |l| &l.oom_kills)
}

/// Every SLUB allocation failure.
pub fn slub_failures(facts: &Facts) -> impl Iterator<Item = At<'_, SlubFailure>> + '_ {
    from_logs(facts, |l| &l.slub_failures)
}

/// Every `kmem_cache_create(...) failed` line.
pub fn cache_create_failures(
    facts: &Facts,
) -> impl Iterator<Item = At<'_, CacheCreateFailure>> + '_ {
    from_logs(facts, |l| &l.cache_create_failures)
}

/// Every notable kernel message.
pub fn kernel_messages(facts: &Facts) -> impl Iterator<Item = At<'_, KernelMessage>> + '_ {
    from_logs(facts, |l| &l.messages)
}

/// Every runtime error, with its path.
pub fn runtime_errors(facts: &Facts) -> impl Iterator<Item = At<'_, RuntimeError>> + '_ {
    facts.runtime_errors.iter().flat_map(|s| {
        s.value.iter().map(move |item| At {
            path: s.path.as_str(),
            item,
        })
    })
}

/// Whether a call trace contains a function (exact name, or the name with a `.isra`/`.constprop`
/// suffix).
pub fn trace_has(trace: &[String], function: &str) -> bool {
    trace.iter().any(|f| {
        f == function
            || f.strip_prefix(function)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Call-trace functions that say nothing about who asked for the memory: the dump itself, the
/// allocator's own frames, and the syscall entry.
const PLUMBING: &[&str] = &[
    "dump_stack",
    "show_stack",
    "warn_alloc",
    "warn_alloc_failed",
    "__alloc_pages_nodemask",
    "__alloc_pages_slowpath",
    "__alloc_pages",
    "alloc_pages_current",
    "alloc_pages",
    "__get_free_pages",
    "system_call_fastpath",
    "entry_SYSCALL_64_after_hwframe",
    "entry_SYSCALL_64_fastpath",
    "do_syscall_64",
];

fn is_plumbing(function: &str) -> bool {
    PLUMBING
        .iter()
        .any(|p| function == *p || function.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

/// The call-trace lines that tell who asked for the memory (up to `max`), innermost first.
pub fn key_trace_lines(failure: &AllocFailure, max: usize) -> Vec<&Line> {
    failure
        .trace_lines
        .iter()
        .filter(|l| {
            failure
                .call_trace
                .iter()
                .any(|f| !is_plumbing(f) && mentions_function(&l.text, f))
        })
        .take(max)
        .collect()
}

/// Whether a trace line names `function` (as `function+0x` or `function.isra`).
fn mentions_function(text: &str, function: &str) -> bool {
    text.match_indices(function).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + function.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && matches!(after, Some('+') | Some('.') | Some(' ') | None)
    })
}

/// The call path from the outermost meaningful frame to the innermost: `SyS_unshare ->
/// ... -> kmem_cache_create_memcg`.
pub fn call_path(trace: &[String]) -> Option<String> {
    let frames: Vec<&str> = trace
        .iter()
        .rev()
        .map(String::as_str)
        .filter(|f| !is_plumbing(f))
        .collect();
    (!frames.is_empty()).then(|| frames.join(" -> "))
}

/// What the node's runc does with a container's memory limit on cgroup v1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuncKmem {
    /// v1.0.0-rc3 to rc93: any memory limit switches kmem accounting on (runc#1350).
    Enables { version: String },
    /// Before rc3 (kmem only when asked for) or from rc94 (kmem ignored, runc#2840).
    Ignores { version: String },
    /// The version is not in the bundle, or only as a commit.
    Unknown,
}

/// The runc version the bundle shows (`runc --version`, `docker version`, `docker info`), with
/// where it was read.
pub fn runc_version(facts: &Facts) -> Option<(&str, &crate::facts::RuntimeVersion)> {
    facts.runtime_versions.iter().find_map(|s| {
        s.value
            .iter()
            .find(|r| r.component == "runc" && r.version.is_some())
            .map(|r| (s.path.as_str(), r))
    })
}

/// Classify a runc version string (`1.0.0-rc3`, `v1.0.0-rc95`, `1.1.12`).
pub fn runc_kmem(version: &str) -> RuncKmem {
    let v = version.trim().trim_start_matches('v');
    let (base, rc) = match v.split_once("-rc") {
        Some((b, r)) => {
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            (b, digits.parse::<u32>().ok())
        }
        None => (v.split(['-', '+', ' ']).next().unwrap_or(v), None),
    };
    let nums: Vec<u32> = base.split('.').map_while(|x| x.parse().ok()).collect();
    let at_least_1 = nums.first().is_some_and(|m| *m >= 1);
    let version = version.trim().to_string();
    match (at_least_1, nums.as_slice(), rc) {
        (true, [1, 0, 0], Some(rc)) if (3..=93).contains(&rc) => RuncKmem::Enables { version },
        (true, [1, 0, 0], Some(_)) => RuncKmem::Ignores { version },
        (true, _, None) => RuncKmem::Ignores { version },
        (false, [0, ..], _) => RuncKmem::Ignores { version },
        _ => RuncKmem::Unknown,
    }
}

#[cfg(test)]
mod runc_tests {
    use super::*;

    #[test]
    fn runc_versions_by_kmem_behaviour() {
        assert!(matches!(runc_kmem("1.0.0-rc3"), RuncKmem::Enables { .. }));
        assert!(matches!(runc_kmem("v1.0.0-rc93"), RuncKmem::Enables { .. }));
        assert!(matches!(runc_kmem("1.0.0-rc2"), RuncKmem::Ignores { .. }));
        assert!(matches!(runc_kmem("1.0.0-rc95"), RuncKmem::Ignores { .. }));
        assert!(matches!(runc_kmem("1.1.12"), RuncKmem::Ignores { .. }));
        assert!(matches!(runc_kmem("0.1.1"), RuncKmem::Ignores { .. }));
        assert_eq!(runc_kmem("spec"), RuncKmem::Unknown);
    }
}

/// A number the bundle states, with the line that states it.
#[derive(Debug, Clone, Copy)]
pub struct Stated<'a> {
    pub value: u64,
    pub path: &'a str,
    pub line: &'a Line,
}

/// A sysctl's row (`net.ipv4.tcp_mem`), from the first sysctl output that has it.
pub fn sysctl<'a>(facts: &'a Facts, key: &str) -> Option<At<'a, crate::facts::KeyValue>> {
    facts.sysctl.iter().find_map(|s| {
        s.value.get(key).map(|item| At {
            path: s.path.as_str(),
            item,
        })
    })
}

/// `kernel.pid_max` or `kernel.threads-max`: its own file, else sysctl output.
pub fn task_limit(facts: &Facts, limit: crate::facts::TaskLimitKind) -> Option<Stated<'_>> {
    let own = facts
        .task_limits
        .iter()
        .find(|s| s.value.limit == limit)
        .map(|s| Stated {
            value: s.value.value,
            path: s.path.as_str(),
            line: &s.value.line,
        });
    own.or_else(|| {
        let row = sysctl(facts, limit.sysctl())?;
        Some(Stated {
            value: u64::try_from(row.item.value?).ok()?,
            path: row.path,
            line: &row.item.line,
        })
    })
}

/// The tasks (processes and threads) on the host at collection: `/proc/loadavg`'s fourth
/// field, else the `task_struct` objects of slabinfo.
pub fn task_count(facts: &Facts) -> Option<Stated<'_>> {
    let loadavg = facts.loadavg.first().map(|s| Stated {
        value: s.value.threads,
        path: s.path.as_str(),
        line: &s.value.line,
    });
    loadavg.or_else(|| {
        facts.slabinfo.iter().find_map(|s| {
            let c = s.value.caches.iter().find(|c| c.name == "task_struct")?;
            Some(Stated {
                value: c.active_objs,
                path: s.path.as_str(),
                line: &c.line,
            })
        })
    })
}
