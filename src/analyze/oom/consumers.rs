//! Who consumed the memory at an OOM kill: the task table the kernel printed with the kill
//! (every process it weighed, with its resident size), and the memory cgroup's own stats (anon
//! versus page cache versus kernel memory, swap).

use crate::analyze::finding::code;
use crate::facts::{MemInfoDump, OomKill};
use crate::units;

/// Bytes of a page in the task table: 4 KiB on x86 and on most arm64 kernels.
const PAGE: u64 = 4096;

/// How many consumers a sentence names.
const TOP: usize = 3;

/// The processes of one name in a task table.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub name: String,
    /// How many processes of the name the table holds.
    pub processes: usize,
    /// The pid, when there is one process of the name.
    pub pid: Option<u32>,
    pub rss_bytes: u64,
}

/// The task table's processes by name, largest resident size first (name order among equals).
pub fn consumers(kill: &OomKill) -> Vec<Consumer> {
    let mut out: Vec<Consumer> = Vec::new();
    for t in &kill.task_table {
        let rss = t.rss_pages.unwrap_or(0).saturating_mul(PAGE);
        match out.iter_mut().find(|c| c.name == t.name) {
            Some(c) => {
                c.processes += 1;
                c.pid = None;
                c.rss_bytes = c.rss_bytes.saturating_add(rss);
            }
            None => out.push(Consumer {
                name: t.name.clone(),
                processes: 1,
                pid: t.pid,
                rss_bytes: rss,
            }),
        }
    }
    out.sort_by(|a, b| b.rss_bytes.cmp(&a.rss_bytes).then(a.name.cmp(&b.name)));
    out
}

/// A share in whole percent, `<1%` below one.
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    let pct = part.saturating_mul(100) / whole;
    if pct == 0 && part > 0 {
        "<1%".to_string()
    } else {
        format!("{pct}%")
    }
}

/// `java` (pid 7818) 513 MiB, 100% of the limit. Several processes of one name whose sum passes
/// `whole` share pages (a pre-fork server's workers, PostgreSQL's backends over
/// `shared_buffers`), each counted in every resident size: said there, so that a share above
/// 100% does not read as a contradiction.
fn consumer_words(c: &Consumer, whole: u64, of: &str) -> String {
    let who = match (c.processes, c.pid) {
        (1, Some(pid)) => format!("{} (pid {pid})", code(&c.name)),
        (1, None) => code(&c.name),
        (n, _) => format!("{} ×{n}", code(&c.name)),
    };
    let shared = if c.processes > 1 && c.rss_bytes > whole {
        " (pages they share count in each)"
    } else {
        ""
    };
    format!(
        "{who} {}, {} of {of}{shared}",
        units::bytes(c.rss_bytes),
        share(c.rss_bytes, whole)
    )
}

/// The largest consumers in a sentence, with their share of `whole` (`of`: "the limit", "RAM"),
/// and whether the victim was the largest; `None` without a task table.
pub fn sentence(kill: &OomKill, whole: u64, of: &str) -> Option<String> {
    let all = consumers(kill);
    let top: Vec<String> = all
        .iter()
        .take(TOP)
        .map(|c| consumer_words(c, whole, of))
        .collect();
    let largest = all.first()?;
    let victim = kill.victim.as_ref().map(|v| v.comm.as_str());
    let listed = if kill.task_table.len() == 1 {
        format!(
            "The task table holds one process: {}",
            consumer_words(largest, whole, of)
        )
    } else if all.len() <= TOP {
        // Every name is listed: no "largest" to pick out.
        format!(
            "The task table holds {} processes: {}",
            kill.task_table.len(),
            top.join("; ")
        )
    } else {
        format!(
            "The task table holds {} processes; the largest: {}",
            kill.task_table.len(),
            top.join("; ")
        )
    };
    let victim_words = match victim {
        Some(v) if all.len() == 1 && v == largest.name => String::new(),
        Some(v) if v == largest.name => format!("; the victim {} was the largest", code(v)),
        Some(v) => {
            // Its size is said here only when the list above did not say it.
            let listed_above = all.iter().take(TOP).any(|c| c.name == v);
            let its = all
                .iter()
                .find(|c| c.name == v && !listed_above)
                .map(|c| c.rss_bytes);
            format!(
                "; the victim {} was not the largest{}",
                code(v),
                its.map(|b| format!(" ({})", units::bytes(b)))
                    .unwrap_or_default()
            )
        }
        None => String::new(),
    };
    // Processes of different names may share pages too (a file mapped by each, shared memory):
    // their sum passing the whole says so when no name's sum has said it.
    let sum: u64 = all.iter().map(|c| c.rss_bytes).sum();
    let said = all
        .iter()
        .take(TOP)
        .any(|c| c.processes > 1 && c.rss_bytes > whole);
    let shared = if sum > whole && !said && whole > 0 && kill.task_table.len() > 1 {
        format!(
            " Together the {} processes are resident at {}, {} of {of}: pages that processes \
             share count in each one's size.",
            kill.task_table.len(),
            units::bytes(sum),
            share(sum, whole)
        )
    } else {
        String::new()
    };
    Some(format!("{listed}{victim_words}.{shared}"))
}

/// A stat of the kill by the first key present.
fn stat(kill: &OomKill, keys: &[&str]) -> Option<u64> {
    keys.iter()
        .find_map(|k| kill.memcg_stats.iter().find(|s| s.key == *k))
        .map(|s| s.bytes)
}

/// What the memory cgroup held at the kill, from its stats: anonymous memory, page cache,
/// kernel memory and swap; `None` without stats.
pub fn memcg_composition(kill: &OomKill) -> Option<String> {
    // cgroup v1 prints `total_*` for the hierarchy and the bare key for the cgroup itself; v2
    // prints `anon`, `file`, `kernel` (5.18+) or its parts.
    let anon = stat(kill, &["anon", "total_rss", "rss"]);
    let cache = stat(kill, &["file", "total_cache", "cache"]);
    let kernel = stat(kill, &["kernel"])
        .or_else(|| {
            let parts = ["kernel_stack", "pagetables", "slab", "sock", "percpu"];
            let sum: u64 = parts.iter().filter_map(|k| stat(kill, &[k])).sum();
            (sum > 0).then_some(sum)
        })
        .or_else(|| kill.kmem_usage_kb.map(|k| k.saturating_mul(1024)));
    let swap = stat(kill, &["total_swap", "swap"]);
    let shmem = stat(kill, &["shmem", "total_shmem"]);
    let mut parts: Vec<String> = Vec::new();
    if let Some(a) = anon {
        parts.push(format!("{} anonymous memory", units::bytes(a)));
    }
    if let Some(c) = cache {
        parts.push(format!("{} page cache", units::bytes(c)));
    }
    if let Some(s) = shmem.filter(|s| *s > 0) {
        parts.push(format!("{} shared memory (tmpfs, shm)", units::bytes(s)));
    }
    if let Some(k) = kernel {
        parts.push(format!("{} kernel memory", units::bytes(k)));
    }
    if parts.is_empty() {
        return None;
    }
    let mut s = format!("At the kill the cgroup held {}", parts.join(", "));
    if let Some(w) = swap.filter(|w| *w > 0) {
        s.push_str(&format!(", and {} of it was swapped out", units::bytes(w)));
    }
    let cache_heavy = matches!((anon, cache), (Some(a), Some(c)) if c > a);
    s.push_str(if cache_heavy {
        ": mostly page cache, which the kernel reclaims before it kills, so what it could not \
         reclaim was dirty, under writeback or pinned."
    } else {
        ": the anonymous memory of its processes, which only swap or the processes themselves \
         can give back."
    });
    Some(s)
}

/// RAM of the host at a global OOM: the report's `pages RAM`, in bytes.
pub fn ram_bytes(mem_info: &MemInfoDump) -> Option<u64> {
    mem_info.pages_ram.map(|p| p.saturating_mul(PAGE))
}

/// What the host held at a global OOM besides its processes: unreclaimable slab and swap, from
/// the report's `Mem-Info:` block.
pub fn host_composition(mem_info: &MemInfoDump, ram: u64) -> Option<String> {
    let pages = |k: &str| {
        mem_info
            .counters_pages
            .get(k)
            .map(|p| p.saturating_mul(PAGE))
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = pages("slab_unreclaimable") {
        parts.push(format!(
            "unreclaimable slab {} ({} of RAM)",
            units::bytes(s),
            share(s, ram)
        ));
    }
    match (mem_info.total_swap_kb, mem_info.free_swap_kb) {
        (Some(0), _) => parts.push("no swap".to_string()),
        (Some(t), Some(f)) => parts.push(format!(
            "swap {} used of {}",
            units::bytes(t.saturating_sub(f).saturating_mul(1024)),
            units::bytes(t.saturating_mul(1024))
        )),
        _ => {}
    }
    (!parts.is_empty()).then(|| format!("The host had {}.", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Line, MemcgStat, OomTask, OomVictim};

    fn task(name: &str, pid: u32, rss_pages: u64) -> OomTask {
        OomTask {
            pid: Some(pid),
            rss_pages: Some(rss_pages),
            name: name.into(),
            line: Line::new(1, ""),
            ..OomTask::default()
        }
    }

    #[test]
    fn the_largest_consumers_with_their_share_and_the_victim() {
        let kill = OomKill {
            task_table: vec![
                task("gunicorn", 10, 25600),
                task("gunicorn", 11, 25600),
                task("nginx", 12, 256),
                task("python3", 13, 51200),
            ],
            victim: Some(OomVictim {
                comm: "nginx".into(),
                ..OomVictim::default()
            }),
            ..OomKill::default()
        };
        let s = sentence(&kill, 512 * 1024 * 1024, "the limit").unwrap();
        assert_eq!(
            s,
            "The task table holds 4 processes: `gunicorn` ×2 200 MiB, 39% of the \
             limit; `python3` (pid 13) 200 MiB, 39% of the limit; `nginx` (pid 12) 1 MiB, <1% \
             of the limit; the victim `nginx` was not the largest."
        );
    }

    /// A pre-fork server's workers summed past the limit: the pages they share are said where
    /// the share passes 100%, and nowhere else.
    #[test]
    fn workers_summed_past_the_limit_share_pages() {
        let kill = OomKill {
            task_table: vec![
                task("gunicorn", 10, 27764),
                task("gunicorn", 11, 24209),
                task("gunicorn", 12, 20308),
                task("timeout", 13, 430),
            ],
            victim: Some(OomVictim {
                comm: "gunicorn".into(),
                ..OomVictim::default()
            }),
            ..OomKill::default()
        };
        let s = sentence(&kill, 256 * 1024 * 1024, "the limit").unwrap();
        assert_eq!(
            s,
            "The task table holds 4 processes: `gunicorn` ×3 282 MiB, 110% of the limit (pages \
             they share count in each); `timeout` (pid 13) 1.7 MiB, <1% of the limit; the \
             victim `gunicorn` was the largest."
        );
        let s = sentence(&kill, 512 * 1024 * 1024, "the limit").unwrap();
        assert!(!s.contains("share"), "{s}");
        // Two names whose sizes together pass the limit.
        let kill = OomKill {
            task_table: vec![task("java", 10, 40000), task("python3", 11, 40000)],
            ..OomKill::default()
        };
        let s = sentence(&kill, 256 * 1024 * 1024, "the limit").unwrap();
        assert!(
            s.ends_with(
                "Together the 2 processes are resident at 312 MiB, 122% of the limit: pages \
                 that processes share count in each one's size."
            ),
            "{s}"
        );
    }

    #[test]
    fn composition_of_a_v1_cgroup() {
        let kill = OomKill {
            memcg_stats: vec![
                MemcgStat {
                    key: "total_cache".into(),
                    bytes: 0,
                },
                MemcgStat {
                    key: "total_rss".into(),
                    bytes: 66715648,
                },
            ],
            kmem_usage_kb: Some(384),
            ..OomKill::default()
        };
        assert_eq!(
            memcg_composition(&kill).unwrap(),
            "At the kill the cgroup held 63.6 MiB anonymous memory, 0 B page cache, 384 KiB \
             kernel memory: the anonymous memory of its processes, which only swap or the \
             processes themselves can give back."
        );
    }
}
