//! OOM killer reports of every era, line by line (the state machine in `reports` strings them
//! together).

use crate::facts::{MemcgStat, OomKill, OomScope, OomScopeBasis, OomTask, OomVictim};

use super::alloc_failure::{parse_gfp, value_after};
use super::LogLine;

/// `X invoked oom-killer: gfp_mask=0x280da, order=0, oom_score_adj=0` (all eras).
pub fn parse_header(body: &str, l: &LogLine<'_>) -> Option<OomKill> {
    let at = body.find(" invoked oom-killer:")?;
    let rest = &body[at..];
    Some(OomKill {
        stamp: l.stamp.clone(),
        header: Some(l.line()),
        invoker: Some(body[..at].trim().to_string()),
        gfp: value_after(rest, "gfp_mask=").and_then(parse_gfp),
        order: value_after(rest, "order=").and_then(|v| v.parse().ok()),
        oom_score_adj: value_after(rest, "oom_score_adj=").and_then(|v| v.parse().ok()),
        end_line: l.no,
        ..OomKill::default()
    })
}

/// `Task in /docker/A killed as a result of limit of /docker/B` → (task memcg, limiting memcg).
pub fn parse_task_in(body: &str) -> Option<(String, String)> {
    let rest = body.trim().strip_prefix("Task in ")?;
    let (task, limit) = rest.split_once(" killed as a result of limit of ")?;
    Some((task.trim().to_string(), limit.trim().to_string()))
}

/// `usage 262144kB, limit 262144kB, failcnt 1234` after `memory:`/`kmem:`.
pub fn parse_usage(rest: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
    let kb = |key: &str| {
        let at = rest.find(key)?;
        let v = rest[at + key.len()..].trim_start();
        let digits = v.bytes().take_while(u8::is_ascii_digit).count();
        v[..digits].parse::<u64>().ok()
    };
    (kb("usage "), kb("limit "), kb("failcnt "))
}

/// The 4.19+ summary: `oom-kill:constraint=...,nodemask=...,cpuset=...,mems_allowed=0,
/// oom_memcg=...|global_oom,task_memcg=...,task=java,pid=7134,uid=1000`.
pub fn apply_summary(kill: &mut OomKill, body: &str, l: &LogLine<'_>) -> bool {
    let Some(at) = body.find("oom-kill:") else {
        return false;
    };
    let mut task = None;
    let mut pid = None;
    let mut uid = None;
    for part in body[at + "oom-kill:".len()..].trim().split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k {
            "constraint" => kill.constraint = Some(v.to_string()),
            "oom_memcg" => kill.memcg = Some(v.to_string()),
            "task_memcg" => kill.task_memcg = Some(v.to_string()),
            "global_oom" => kill.scope = OomScope::Global,
            "task" => task = Some(v.to_string()),
            "pid" => pid = v.parse().ok(),
            "uid" => uid = v.parse().ok(),
            _ => {}
        }
    }
    if kill.victim.is_none() {
        if let Some(comm) = task {
            kill.victim = Some(OomVictim {
                pid,
                comm,
                uid,
                line: l.line(),
                ..OomVictim::default()
            });
        }
    }
    kill.end_line = l.no;
    true
}

/// Which kill line a body is.
#[derive(Debug, PartialEq)]
pub enum KillLine {
    /// `...: Kill process 1234 (java) score 1000 or sacrifice child` (≤ 5.0): the choice.
    Chosen,
    /// `Killed process 1234 (java) total-vm:...` (all eras): the kill itself.
    Killed,
}

/// Parse a kill line into a victim and the scope its prefix tells.
pub fn parse_kill(body: &str, l: &LogLine<'_>) -> Option<(KillLine, OomVictim, OomScope)> {
    let (kind, at, key) = if let Some(at) = body.find("Killed process ") {
        (KillLine::Killed, at, "Killed process ")
    } else if let Some(at) = body.find("Kill process ") {
        (KillLine::Chosen, at, "Kill process ")
    } else {
        return None;
    };
    let prefix = &body[..at];
    let scope = if prefix.contains("Memory cgroup out of memory") {
        OomScope::Memcg
    } else if prefix.contains("Out of memory") {
        OomScope::Global
    } else {
        OomScope::Unknown
    };
    let rest = &body[at + key.len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let pid = rest[..digits].parse().ok();
    let mut rest = rest[digits..].trim_start();
    // 2.6.32 puts the uid first: `Killed process 2431, UID 0, (java) total-vm:...`.
    if let Some(open) = rest.find('(') {
        if rest.starts_with(", UID ") && !rest[..open].contains(':') {
            rest = &rest[open..];
        }
    }
    let uid_first = body[at..].contains(", UID ") && !rest.contains("UID");
    let (comm, tail) = match rest.strip_prefix('(') {
        Some(r) => {
            // The comm may itself hold `)`: the name ends at the `)` followed by `,`, ` ` or end.
            let end = r
                .match_indices(')')
                .map(|(i, _)| i)
                .find(|&i| matches!(r.as_bytes().get(i + 1), None | Some(b',') | Some(b' ')))
                .unwrap_or(r.len());
            (r[..end].to_string(), r.get(end + 1..).unwrap_or(""))
        }
        None => (String::new(), rest),
    };
    let mut victim = OomVictim {
        pid,
        comm,
        line: l.line(),
        ..OomVictim::default()
    };
    let kb = |key: &str| {
        let v = value_after(tail, key)?;
        v.strip_suffix("kB")?.parse::<u64>().ok()
    };
    victim.total_vm_kb = kb("total-vm:");
    victim.anon_rss_kb = kb("anon-rss:");
    victim.file_rss_kb = kb("file-rss:");
    victim.shmem_rss_kb = kb("shmem-rss:");
    let uid_text = if uid_first { &body[at..] } else { tail };
    victim.uid = value_after(uid_text, "UID:")
        .and_then(|v| v.parse().ok())
        .or_else(|| value_after(uid_text, "UID ").and_then(|v| v.parse().ok()));
    Some((kind, victim, scope))
}

/// `[ 1381]     0  1381   530382 ... gunpowder-memho`, or a row whose `[pid]` was eaten by a
/// mangled dmesg (`    0 19392  5485 ... bash`).
pub fn is_task_row(body: &str) -> bool {
    let t = body.trim();
    let rest = match t.strip_prefix('[') {
        Some(r) => match r.split_once(']') {
            Some((pid, rest)) if pid.trim().bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => return false,
        },
        None => t,
    };
    let words: Vec<&str> = rest.split_ascii_whitespace().collect();
    words.len() >= 6
        && words[..words.len() - 1]
            .iter()
            .all(|w| w.parse::<i64>().is_ok())
}

/// The column names of a task table header, `pid` first: `[  pid  ]   uid  tgid total_vm
/// rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name` (6.x), or the
/// older `... rss nr_ptes nr_pmds swapents oom_score_adj name`. A mangled header that lost its
/// bracket still names its columns.
pub fn task_columns(body: &str) -> Vec<String> {
    let t = body.trim();
    let rest = match t.find(']') {
        Some(at) if t[..at].contains("pid") => &t[at + 1..],
        _ => t
            .trim_start_matches('[')
            .trim_start()
            .trim_start_matches("pid")
            .trim_start(),
    };
    let rest = rest.trim_start_matches(']');
    std::iter::once("pid".to_string())
        .chain(rest.split_ascii_whitespace().map(str::to_string))
        .collect()
}

/// A task table row read by its header's `columns` (from [`task_columns`]); `None` when the
/// row does not fit them. The name is the last column and may hold spaces (`VM Thread`).
pub fn parse_task_row(body: &str, columns: &[String], l: &LogLine<'_>) -> Option<OomTask> {
    let t = body.trim();
    let (pid, rest) = match t.strip_prefix('[') {
        Some(r) => {
            let (pid, rest) = r.split_once(']')?;
            (Some(pid.trim().parse::<u32>().ok()?), rest)
        }
        None => (None, t),
    };
    // The numeric columns between the pid and the name.
    let numeric = columns.get(1..columns.len().saturating_sub(1))?;
    let mut words = rest.split_ascii_whitespace();
    let mut row = OomTask {
        pid,
        line: l.line(),
        ..OomTask::default()
    };
    for col in numeric {
        let v: i64 = words.next()?.parse().ok()?;
        let n = u64::try_from(v).ok();
        match col.as_str() {
            "uid" => row.uid = u32::try_from(v).ok(),
            // The table lists thread group leaders, whose pid is their tgid: a row whose
            // `[pid]` a mangled or stamp-less dmesg ate still names its process.
            "tgid" => row.pid = row.pid.or(u32::try_from(v).ok()),
            "total_vm" => row.total_vm_pages = n,
            "rss" => row.rss_pages = n,
            "rss_anon" => row.rss_anon_pages = n,
            "rss_file" => row.rss_file_pages = n,
            "rss_shmem" => row.rss_shmem_pages = n,
            "swapents" => row.swapents = n,
            "oom_score_adj" => row.oom_score_adj = Some(v),
            _ => {}
        }
    }
    row.name = words.collect::<Vec<_>>().join(" ");
    (!row.name.is_empty()).then_some(row)
}

/// The values of `Memory cgroup stats for <cgroup>: cache:0KB rss:20260KB ...` (cgroup v1
/// before 5.x, all on the line) or of one `anon 98742272` line (in bytes): `(key, bytes)`.
/// Counters that are not sizes (`pgfault`) are kept too; a reader asks for the keys it knows.
pub fn parse_stats(text: &str) -> Vec<MemcgStat> {
    let text = match text.find("Memory cgroup stats for ") {
        Some(at) => match text[at..].split_once(": ") {
            Some((_, values)) => values,
            None => return Vec::new(),
        },
        None => text,
    };
    let mut out = Vec::new();
    for word in text.split_ascii_whitespace() {
        if let Some((key, v)) = word.split_once(':') {
            let kb = v.strip_suffix("KB").or_else(|| v.strip_suffix("kB"));
            if let Some(n) = kb.and_then(|k| k.parse::<u64>().ok()) {
                out.push(MemcgStat {
                    key: key.to_string(),
                    bytes: n.saturating_mul(1024),
                });
            }
        }
    }
    if out.is_empty() {
        let mut it = text.split_ascii_whitespace();
        if let (Some(k), Some(v), None) = (it.next(), it.next(), it.next()) {
            if let Ok(n) = v.parse::<u64>() {
                out.push(MemcgStat {
                    key: k.to_string(),
                    bytes: n,
                });
            }
        }
    }
    out
}

/// Functions of the memory cgroup's charge path: a call trace through one of them is a cgroup
/// OOM (`mem_cgroup_oom_synchronize` for 3.x page faults, `mem_cgroup_out_of_memory` from
/// `try_charge` on 4.x and later, `try_charge_memcg` on 5.13+).
const MEMCG_CHARGE_FRAMES: &[&str] = &[
    "mem_cgroup_out_of_memory",
    "mem_cgroup_oom_synchronize",
    "try_charge",
    "try_charge_memcg",
];

/// Whether a call trace frame belongs to the memory cgroup's charge path.
pub fn is_memcg_charge_frame(function: &str) -> bool {
    // `try_charge.constprop.0`, `mem_cgroup_out_of_memory.cold`: compiler suffixes.
    let base = function.split('.').next().unwrap_or(function);
    MEMCG_CHARGE_FRAMES.contains(&base)
}

/// What a report showed of its scope besides the summary line and a Mem-Info block.
#[derive(Debug, Clone, Copy)]
pub struct ScopeEvidence {
    /// The scope the kill line's prefix told.
    pub kill_line: OomScope,
    /// A line of the memory cgroup summary was read (`Task in`, `memory: usage`, `Memory
    /// cgroup stats for`).
    pub memcg_summary: bool,
    /// A frame of the memory cgroup's charge path was read.
    pub memcg_trace: bool,
}

/// Decide the scope from all the evidence of a report, strongest first. A report cut off
/// before its kill line still tells its scope: the kernel prints the memory cgroup summary for
/// a cgroup OOM and the `Mem-Info:` block (`show_mem`) for any other, on 3.10 as on 6.x.
pub fn settle_scope(kill: &mut OomKill, ev: ScopeEvidence) {
    let (scope, basis) = if let Some(c) = &kill.constraint {
        let scope = if c == "CONSTRAINT_MEMCG" {
            OomScope::Memcg
        } else {
            OomScope::Global
        };
        (scope, OomScopeBasis::Constraint)
    } else if kill.scope != OomScope::Unknown {
        // `global_oom` of a summary line without its constraint.
        (kill.scope, OomScopeBasis::KillLine)
    } else if ev.kill_line != OomScope::Unknown {
        (ev.kill_line, OomScopeBasis::KillLine)
    } else if ev.memcg_summary || kill.memcg.is_some() {
        (OomScope::Memcg, OomScopeBasis::MemcgSummary)
    } else if ev.memcg_trace {
        (OomScope::Memcg, OomScopeBasis::CallTrace)
    } else if kill.mem_info.is_some() {
        (OomScope::Global, OomScopeBasis::MemInfo)
    } else {
        (OomScope::Unknown, OomScopeBasis::Unknown)
    };
    kill.scope = scope;
    kill.scope_basis = basis;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Stamp;

    fn ll(body: &str) -> LogLine<'_> {
        LogLine {
            no: 7,
            text: body,
            body,
            stamp: &STAMP,
            continuation: false,
        }
    }
    static STAMP: Stamp = Stamp {
        uptime_s: None,
        wall: None,
    };

    #[test]
    fn killed_lines_of_every_era() {
        let b = "Killed process 1381 (gunpowder-memho) total-vm:2121528kB, anon-rss:18624kB, file-rss:2140kB, shmem-rss:0kB";
        let (k, v, s) = parse_kill(b, &ll(b)).unwrap();
        assert_eq!(k, KillLine::Killed);
        assert_eq!(s, OomScope::Unknown);
        assert_eq!(v.pid, Some(1381));
        assert_eq!(v.comm, "gunpowder-memho");
        assert_eq!(v.anon_rss_kb, Some(18624));
        assert_eq!(v.shmem_rss_kb, Some(0));

        let b = "Memory cgroup out of memory: Killed process 7788 (bash) total-vm:7169492kB, anon-rss:7165824kB, file-rss:956kB, shmem-rss:0kB, UID:0 pgtables:14076kB oom_score_adj:1000";
        let (_, v, s) = parse_kill(b, &ll(b)).unwrap();
        assert_eq!(s, OomScope::Memcg);
        assert_eq!(v.uid, Some(0));
        assert_eq!(v.file_rss_kb, Some(956));

        let b = "Killed process 1234 (java), UID 1000, total-vm:100kB, anon-rss:50kB, file-rss:0kB";
        let (_, v, _) = parse_kill(b, &ll(b)).unwrap();
        assert_eq!(v.comm, "java");
        assert_eq!(v.uid, Some(1000));
        assert_eq!(v.total_vm_kb, Some(100));

        let b =
            "Killed process 2431, UID 500, (java) total-vm:4000kB, anon-rss:3000kB, file-rss:12kB";
        let (_, v, _) = parse_kill(b, &ll(b)).unwrap();
        assert_eq!(
            (v.pid, v.comm.as_str(), v.uid),
            (Some(2431), "java", Some(500))
        );
        assert_eq!(v.anon_rss_kb, Some(3000));

        let b = "Out of memory: Kill process 1532 (badsysprogram) score 919 or sacrifice child";
        let (k, v, s) = parse_kill(b, &ll(b)).unwrap();
        assert_eq!(k, KillLine::Chosen);
        assert_eq!(s, OomScope::Global);
        assert_eq!(v.pid, Some(1532));
    }

    #[test]
    fn task_rows() {
        assert!(is_task_row(
            "[13536] 275858 13536  8389663      343   16267  8324326             0 memorymonster"
        ));
        assert!(is_task_row(
            "    0 19392     5485      755      15       3      125             0 bash"
        ));
        assert!(is_task_row(
            "[   7557] 65535  7557      243        1    28672        0          -998 pause"
        ));
        assert!(!is_task_row("Memory cgroup out of memory: Kill process"));
    }

    #[test]
    fn usage_line() {
        assert_eq!(
            parse_usage("usage 20480kB, limit 20480kB, failcnt 1204"),
            (Some(20480), Some(20480), Some(1204))
        );
    }
}
