//! Reading the facts the way rules need them: every item with the path it came from, the
//! bundle's kernel, the failing container.

use super::kernel_version::KernelVersion;
use crate::facts::{
    AllocFailure, CacheCreateFailure, Container, Facts, KernelLog, KernelMessage,
    KernelMessageKind, Line, OomKill, RuntimeError, SlubFailure,
};

/// The bundle's kernel release and where it was read.
#[derive(Debug, Clone)]
pub struct KernelSource {
    pub version: KernelVersion,
    pub path: String,
    /// The line that states it (`uname -a`, the `CPU: ...` line of a report), when there is one.
    pub line: Option<Line>,
}

/// The kernel the bundle ran: `uname` first, then a kernel log banner, then the release printed
/// inside a failure report.
pub fn kernel(facts: &Facts) -> Option<KernelSource> {
    for u in &facts.uname {
        if let Some(version) = KernelVersion::parse(&u.value.release) {
            return Some(KernelSource {
                version,
                path: u.path.clone(),
                line: Some(u.value.line.clone()),
            });
        }
    }
    for log in &facts.kernel_logs {
        for m in &log.value.messages {
            if let KernelMessageKind::Boot { release } = &m.kind {
                if let Some(version) = KernelVersion::parse(release) {
                    return Some(KernelSource {
                        version,
                        path: log.path.clone(),
                        line: Some(m.line.clone()),
                    });
                }
            }
        }
        if let Some(version) = log
            .value
            .kernel_release
            .as_deref()
            .and_then(KernelVersion::parse)
        {
            return Some(KernelSource {
                version,
                path: log.path.clone(),
                line: None,
            });
        }
        for a in &log.value.alloc_failures {
            if let Some(version) = a.kernel_release.as_deref().and_then(KernelVersion::parse) {
                return Some(KernelSource {
                    version,
                    path: log.path.clone(),
                    line: None,
                });
            }
        }
    }
    None
}

/// A fact with the path of the kernel log it was read from.
#[derive(Debug)]
pub struct At<'a, T> {
    pub path: &'a str,
    pub item: &'a T,
}

// Two references: copyable whatever `T` is (a derive would ask `T: Copy`).
impl<T> Clone for At<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for At<'_, T> {}

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

/// The high-order failure that matters most: the highest order, then the first in the bundle.
/// Several kernel logs (dmesg, messages, journal) usually hold copies of the same report; the
/// first copy read is the one quoted.
pub fn main_alloc_failure(facts: &Facts) -> Option<At<'_, AllocFailure>> {
    let mut best: Option<At<'_, AllocFailure>> = None;
    for a in alloc_failures(facts) {
        if a.item.order == 0 {
            continue;
        }
        match &best {
            Some(b) if b.item.order >= a.item.order => {}
            _ => best = Some(a),
        }
    }
    best
}

/// Containers that failed to start or carry a start error (`State.Error`), else the one with
/// a memory limit, else the first: the container the report is about.
pub fn failing_container(facts: &Facts) -> Option<At<'_, Container>> {
    let all = || {
        facts.containers.iter().map(|s| At {
            path: s.path.as_str(),
            item: &s.value,
        })
    };
    all()
        .find(|c| {
            c.item
                .state
                .error
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty())
        })
        .or_else(|| all().find(|c| c.item.state.oom_killed == Some(true)))
        .or_else(|| all().find(|c| c.item.memory.limit_bytes.is_some_and(|l| l > 0)))
        .or_else(|| all().next())
}

/// A meminfo value in bytes (meminfo prints kB), with its line and path.
pub fn meminfo_bytes<'a>(facts: &'a Facts, key: &str) -> Option<(u64, &'a str, &'a Line)> {
    facts.meminfo.iter().find_map(|m| {
        let kv = m.value.get(key)?;
        let kb = u64::try_from(kv.value?).ok()?;
        Some((kb.saturating_mul(1024), m.path.as_str(), &kv.line))
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
