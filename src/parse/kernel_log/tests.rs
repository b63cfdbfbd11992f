use super::*;
use crate::facts::{
    KernelMessageKind, OomReportPart, OomScope, OomScopeBasis, WallClock, ZoneDump,
};

/// Test data without its `# source:` / `# note:` header lines.
fn data(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("# source:") && !l.starts_with("# note:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

const SEED: &str = include_str!("../../../tests/data/dmesg/seed-3.10-order6-unshare.txt");

fn seed() -> String {
    data(SEED)
}

/// The seed's lines as (uptime text, message) records: continuation lines are joined to the
/// record they continue with `\n`, as the kernel logged them.
fn seed_records() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in seed().lines() {
        if let Some(rest) = line.strip_prefix('[') {
            let (ts, msg) = rest.split_once(']').unwrap();
            let msg = msg.strip_prefix(' ').unwrap_or(msg);
            out.push((ts.trim().to_string(), msg.to_string()));
        } else if let Some(last) = out.last_mut() {
            last.1.push('\n');
            last.1.push_str(line);
        }
    }
    out
}

fn sum_kb(z: &ZoneDump) -> u64 {
    let f = z.free_lists.as_ref().unwrap();
    f.counts
        .iter()
        .enumerate()
        .map(|(order, n)| n * (f.page_kb << order))
        .sum()
}

/// What a person reads in the seed report, whatever wrapper the log came in.
fn assert_seed_report(out: &KernelLogOutput) {
    let log = &out.log;
    assert_eq!(out.warnings, vec![], "no warnings");
    assert_eq!(
        log.kernel_release.as_deref(),
        Some("3.10.0-514.26.2.el7.x86_64")
    );
    assert_eq!(log.alloc_failures.len(), 1);
    let a = &log.alloc_failures[0];
    assert_eq!(a.order, 6);
    assert_eq!(a.bytes(), 262144);
    assert_eq!(a.gfp.raw, 0x10c0d0);
    assert_eq!(
        a.gfp.decoded,
        vec!["GFP_KERNEL", "__GFP_COMP", "__GFP_ZERO", "__GFP_KMEMCG"]
    );
    assert!(a.gfp.printed.is_empty());
    assert_eq!(a.task, "runc:[1:CHILD]");
    assert_eq!(a.pid, Some(839206));
    assert_eq!(
        a.kernel_release.as_deref(),
        Some("3.10.0-514.26.2.el7.x86_64")
    );
    for f in [
        "kmem_cache_create_memcg",
        "kmem_cache_create",
        "nf_conntrack_init_net",
        "create_new_namespaces",
        "unshare_nsproxy_namespaces",
        "SyS_unshare",
    ] {
        assert!(a.call_trace.iter().any(|c| c == f), "call trace has {f}");
    }
    assert_eq!(a.call_trace.first().map(String::as_str), Some("dump_stack"));
    assert_eq!(a.call_trace.len(), 10);
    assert_eq!(a.trace_lines.len(), 10);
    let m = a.mem_info.as_ref().expect("Mem-Info block");
    assert_eq!(m.counters_pages.get("free"), Some(&66051));
    assert_eq!(m.counters_pages.get("slab_reclaimable"), Some(&1510499));
    assert_eq!(m.counters_pages.get("slab_unreclaimable"), Some(&802998));
    assert_eq!(m.counters_pages.get("active_anon"), Some(&1311792));
    assert_eq!(m.counters_pages.get("free_cma"), Some(&0));
    assert_eq!(m.counters_pages.len(), 19);
    let names: Vec<&str> = m.zones.iter().map(|z| z.zone.as_str()).collect();
    assert_eq!(names, vec!["DMA", "DMA32", "Normal"]);
    let dma = &m.zones[0];
    assert_eq!(dma.node, Some(0));
    assert_eq!(
        (dma.free_kb, dma.min_kb, dma.low_kb, dma.high_kb),
        (Some(15860), Some(64), Some(80), Some(96))
    );
    assert_eq!(dma.lowmem_reserve, vec![0, 2815, 15868, 15868]);
    let dma32 = &m.zones[1];
    assert_eq!(dma32.min_kb, Some(11976));
    assert_eq!(dma32.lowmem_reserve, vec![0, 0, 13053, 13053]);
    let normal = &m.zones[2];
    assert_eq!(
        (normal.free_kb, normal.min_kb, normal.low_kb, normal.high_kb),
        (Some(95232), Some(55536), Some(69420), Some(83304))
    );
    assert_eq!(normal.lowmem_reserve, vec![0, 0, 0, 0]);
    assert_eq!(normal.fields_kb.get("shmem"), Some(&232948));
    assert_eq!(normal.fields_kb.get("slab_reclaimable"), Some(&5108320));
    assert_eq!(normal.fields_kb.get("managed"), Some(&13367060));
    let fl = normal.free_lists.as_ref().unwrap();
    assert_eq!(fl.counts, vec![15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(fl.migratetypes[3], "UE");
    assert_eq!(fl.total_kb, Some(95976));
    for z in &m.zones {
        let total = z.free_lists.as_ref().unwrap().total_kb.unwrap();
        assert_eq!(sum_kb(z), total, "zone {} free list sum", z.zone);
    }
    assert_eq!(m.total_pagecache_pages, Some(221859));
    assert_eq!(m.swap_cache_pages, Some(0));
    assert_eq!(m.free_swap_kb, Some(0));
    assert_eq!(m.total_swap_kb, Some(0));
    assert_eq!(m.pages_ram, Some(4194174));
    assert_eq!(m.pages_highmem, Some(0));
    assert_eq!(m.pages_reserved, Some(127317));

    assert_eq!(log.cache_create_failures.len(), 1);
    let c = &log.cache_create_failures[0];
    assert_eq!(c.cache, "nf_conntrack_ffff88036ea66180");
    assert_eq!(c.error, -12);
    assert!(c.call_trace.iter().any(|f| f == "copy_net_ns"));
    assert_eq!(c.call_trace.last().map(String::as_str), Some("SyS_unshare"));

    let kinds: Vec<&KernelMessageKind> = log.messages.iter().map(|m| &m.kind).collect();
    assert_eq!(
        kinds,
        vec![
            &KernelMessageKind::BridgePort {
                bridge: "docker_gwbridge".into(),
                port: "veth4c02c8b".into(),
                state: "disabled".into()
            },
            &KernelMessageKind::NfConnCacheFailure,
        ]
    );
    assert!(log.oom_kills.is_empty());
    assert!(log.slub_failures.is_empty());
    assert!(log.mem_info_dumps.is_empty());
}

#[test]
fn seed_raw_dmesg() {
    let out = parse(&seed(), SourceKind::Dmesg);
    assert_seed_report(&out);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::DmesgRaw);
    assert_eq!(log.lines, 58);
    assert_eq!(log.kernel_messages, 53);
    assert_eq!(log.first.as_ref().unwrap().uptime_s, Some(2751018.215519));
    assert_eq!(log.last.as_ref().unwrap().uptime_s, Some(2751018.240235));
    let a = &log.alloc_failures[0];
    assert_eq!(a.header.no, 2);
    assert_eq!(a.stamp.uptime_s, Some(2751018.239907));
    assert_eq!(a.mem_info.as_ref().unwrap().first_line, 16);
    assert_eq!(a.end_line, 41);
    assert_eq!(
        a.mem_info.as_ref().unwrap().zones[2]
            .line
            .as_ref()
            .unwrap()
            .no,
        27
    );
}

#[test]
fn seed_rsyslog_with_012() {
    let text: String = seed_records()
        .iter()
        .map(|(ts, msg)| {
            format!(
                "Jan 23 20:10:01 beta_004 kernel: [{ts}] {}\n",
                msg.replace('\n', "#012")
            )
        })
        .collect();
    assert!(text.contains("isolated_anon:0#012\u{a0}active_file:59538"));
    let out = parse(&text, SourceKind::Syslog);
    assert_seed_report(&out);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::Syslog);
    assert_eq!(log.lines, 53);
    assert_eq!(log.hostnames, vec!["beta_004"]);
    let a = &log.alloc_failures[0];
    assert_eq!(a.stamp.uptime_s, Some(2751018.239907));
    assert!(matches!(
        a.stamp.wall,
        Some(WallClock::NoYear {
            month: 1,
            day: 23,
            hour: 20,
            ..
        })
    ));
    // The counters and their continuation pieces share one physical line.
    let m = a.mem_info.as_ref().unwrap();
    assert_eq!(m.first_line, 16);
    assert_eq!(log.kernel_messages, 53);
}

#[test]
fn seed_journal_short_iso_precise_monotonic() {
    let records = seed_records();
    let indent = |msg: &str, pad: usize| msg.replace('\n', &format!("\n{}", " ".repeat(pad)));
    let iso: String = records
        .iter()
        .map(|(_, m)| {
            format!(
                "2018-01-23T20:10:01+0800 beta_004 kernel: {}\n",
                indent(m, 20)
            )
        })
        .collect();
    let precise: String = records
        .iter()
        .enumerate()
        .map(|(i, (_, m))| {
            format!(
                "Jan 23 20:10:01.{:06} beta_004 kernel: {}\n",
                i * 10,
                indent(m, 20)
            )
        })
        .collect();
    let mono: String = records
        .iter()
        .map(|(ts, m)| format!("[{ts}] beta_004 kernel: {}\n", indent(m, 20)))
        .collect();
    for (name, text) in [("iso", iso), ("precise", precise), ("mono", mono)] {
        let text = format!("-- Logs begin at Tue 2018-01-23 08:00:00 CST, end at Tue 2018-01-23 21:00:00 CST. --\n{text}-- Reboot --\n");
        let out = parse(&text, SourceKind::Journal);
        assert_seed_report(&out);
        assert_eq!(out.log.format, KernelLogFormat::JournalShort, "{name}");
        assert_eq!(out.log.hostnames, vec!["beta_004"], "{name}");
    }
    let out = parse(
        "2018-01-23T20:10:01+0800 beta_004 kernel: Mem-Info:\n",
        SourceKind::Journal,
    );
    let at: jiff::Timestamp = "2018-01-23T12:10:01Z".parse().unwrap();
    assert_eq!(out.log.first.unwrap().wall, Some(WallClock::Instant { at }));
}

#[test]
fn seed_journal_json() {
    let records = seed_records();
    let base_us: i64 = 1_516_709_401_000_000;
    let text: String = records
        .iter()
        .enumerate()
        .map(|(i, (ts, msg))| {
            let mono_us = (ts.parse::<f64>().unwrap() * 1e6).round() as i64;
            let message = if i == 0 {
                // journald stores non-UTF-8-safe messages as byte arrays.
                serde_json::to_string(&msg.as_bytes().to_vec()).unwrap()
            } else {
                serde_json::to_string(msg).unwrap()
            };
            format!(
                "{{\"__REALTIME_TIMESTAMP\":\"{}\",\"__MONOTONIC_TIMESTAMP\":\"{mono_us}\",\"_TRANSPORT\":\"kernel\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"_HOSTNAME\":\"beta_004\",\"MESSAGE\":{message}}}\n",
                base_us + i as i64
            )
        })
        .collect();
    let out = parse(&text, SourceKind::Journal);
    assert_seed_report(&out);
    assert_eq!(out.log.format, KernelLogFormat::JournalJson);
    let a = &out.log.alloc_failures[0];
    assert_eq!(a.stamp.uptime_s, Some(2751018.239907));
    let at = jiff::Timestamp::from_microsecond(base_us + 1).unwrap();
    assert_eq!(a.stamp.wall, Some(WallClock::Instant { at }));
    assert_eq!(out.log.messages.len(), 2);
}

/// `journalctl -o json` of two boots, as `journalctl -b all -o json` prints them: the second
/// boot's records carry another `_BOOT_ID`, and no marker line stands between the boots.
fn two_boot_records() -> Vec<(&'static str, i64, i64, &'static str, &'static str)> {
    const FIRST: &str = "6c7c6013a26343b29e964691ff25d04c";
    const SECOND: &str = "8e2a1c0f9b3d4e5f8a7b6c5d4e3f2a1b";
    vec![
        (FIRST, 1_516_709_401_000_000, 2_751_018_239_907, "kernel", "IPVS: Creating netns size=2040 id=1"),
        (FIRST, 1_516_709_402_000_000, 2_751_019_000_000, "dockerd", "time=\"2018-01-23T20:10:02Z\" level=info msg=\"shim reaped\""),
        (SECOND, 1_517_101_200_000_000, 3_104_210, "kernel", "Linux version 4.18.0-305.el8.x86_64 (mockbuild@x86-vm-07) #1 SMP Thu Apr 29 08:54:30 EDT 2021"),
        (SECOND, 1_517_101_205_000_000, 8_000_000, "kernel", "IPVS: Creating netns size=2040 id=2"),
    ]
}

#[test]
fn a_json_journal_of_two_boots_marks_where_the_boot_id_changes() {
    let text: String = two_boot_records()
        .iter()
        .map(|&(boot, realtime, mono, tag, msg)| {
            let transport = if tag == "kernel" { "kernel" } else { "journal" };
            format!(
                "{{\"__REALTIME_TIMESTAMP\":\"{realtime}\",\"__MONOTONIC_TIMESTAMP\":\"{mono}\",\"_BOOT_ID\":\"{boot}\",\"_TRANSPORT\":\"{transport}\",\"SYSLOG_IDENTIFIER\":\"{tag}\",\"_HOSTNAME\":\"node-7\",\"MESSAGE\":{}}}\n",
                serde_json::to_string(msg).unwrap()
            )
        })
        .collect();
    let out = parse(&text, SourceKind::Journal);
    let marks = &out.log.boot_marks;
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].line.no, 3);
    assert_eq!(
        marks[0].kind,
        crate::facts::BootMarkKind::Journal {
            id: Some("8e2a1c0f9b3d4e5f8a7b6c5d4e3f2a1b".to_string())
        }
    );
    // Stamped by the new boot's first message, its own line.
    assert_eq!(marks[0].stamp.uptime_s, Some(3.10421));

    // The same records in `-o export`: each entry's mark is its MESSAGE line.
    let export: String = two_boot_records()
        .iter()
        .map(|&(boot, realtime, mono, tag, msg)| {
            format!(
                "__CURSOR=s=1;b={boot}\n__REALTIME_TIMESTAMP={realtime}\n__MONOTONIC_TIMESTAMP={mono}\n_BOOT_ID={boot}\n_TRANSPORT=kernel\nSYSLOG_IDENTIFIER={tag}\nMESSAGE={msg}\n_HOSTNAME=node-7\n\n"
            )
        })
        .collect();
    let out = parse(&export, SourceKind::Journal);
    let marks = &out.log.boot_marks;
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].line.no, 2 * 9 + 7);
    assert!(marks[0].line.text.starts_with("MESSAGE=Linux version 4.18"));
    assert_eq!(marks[0].stamp.uptime_s, Some(3.10421));
}

#[test]
fn seed_dmesg_human() {
    let text: String = seed()
        .lines()
        .map(|l| match l.strip_prefix('[') {
            Some(rest) => {
                let (_, msg) = rest.split_once(']').unwrap();
                format!("[Tue Jan 23 20:10:01 2018]{msg}\n")
            }
            None => format!("{l}\n"),
        })
        .collect();
    let out = parse(&text, SourceKind::Dmesg);
    assert_seed_report(&out);
    assert_eq!(out.log.format, KernelLogFormat::DmesgHuman);
    assert_eq!(
        out.log.alloc_failures[0].stamp.wall,
        Some(WallClock::Local {
            at: jiff::civil::date(2018, 1, 23).at(20, 10, 1, 0),
            zone_abbrev: None
        })
    );
}

#[test]
fn seed_with_levels_and_crlf() {
    let text: String = seed()
        .lines()
        .map(|l| {
            if l.starts_with('[') {
                format!("<4>{l}\r\n")
            } else {
                format!("{l}\r\n")
            }
        })
        .collect();
    assert_seed_report(&parse(&text, SourceKind::Dmesg));
}

#[test]
fn truncated_report_is_kept_with_warning() {
    let text: String = seed().lines().take(30).map(|l| format!("{l}\n")).collect();
    let out = parse(&text, SourceKind::Dmesg);
    assert_eq!(out.log.alloc_failures.len(), 1);
    let m = out.log.alloc_failures[0].mem_info.as_ref().unwrap();
    assert_eq!(m.counters_pages.get("free"), Some(&66051));
    assert!(out
        .warnings
        .iter()
        .any(|w| w.message.contains("cut off at end of file")));
}

#[test]
fn unreadable_zone_value_is_a_warning() {
    let text = "[1.0] Mem-Info:\n[1.0] Node 0 Normal free:abckB min:1kB low:2kB high:3kB\n[1.0] 10 pages RAM\n";
    let out = parse(text, SourceKind::Dmesg);
    let z = &out.log.mem_info_dumps[0].zones[0];
    assert_eq!(z.free_kb, None);
    assert_eq!(z.min_kb, Some(1));
    assert!(out.warnings.iter().any(|w| w.line == Some(2)));
}

const CADVISOR_MEMCG: &str =
    include_str!("../../../tests/data/dmesg_oom/cadvisor-memcg-oom-3.13-ubuntu.txt");
const CADVISOR_GLOBAL: &str =
    include_str!("../../../tests/data/dmesg_oom/cadvisor-global-oom-3.13-gce.txt");
const CADVISOR_DOCKER: &str =
    include_str!("../../../tests/data/dmesg_oom/cadvisor-docker-memcg-oom-4.8-two-events.txt");
const AKS: &str =
    include_str!("../../../tests/data/dmesg_oom/aks-syslog-cgroupv2-memcg-oom-5.15-azure.txt");
const MOBY: &str =
    include_str!("../../../tests/data/dmesg_oom/moby-15621-docker-for-mac-mangled.txt");

const CUT_GLOBAL: &str = include_str!(
    "../../../tests/data/excerpts/cadvisor-global-oom-3.13-gce-cut-after-mem-info.txt"
);
const CUT_MEMCG: &str =
    include_str!("../../../tests/data/excerpts/cadvisor-memcg-oom-3.13-ubuntu-cut-before-kill.txt");
const CUT_IN_TRACE: &str = include_str!(
    "../../../tests/data/excerpts/aks-syslog-cgroupv2-memcg-oom-5.15-cut-in-trace.txt"
);
const FROM_TASK_IN: &str =
    include_str!("../../../tests/data/excerpts/cadvisor-docker-memcg-oom-4.8-from-task-in.txt");

/// Complete reports lose nothing and say what told their scope.
#[test]
fn complete_oom_reports_miss_nothing() {
    for (text, kind, basis) in [
        (CADVISOR_MEMCG, SourceKind::Dmesg, OomScopeBasis::KillLine),
        (CADVISOR_GLOBAL, SourceKind::Dmesg, OomScopeBasis::KillLine),
        (AKS, SourceKind::Syslog, OomScopeBasis::Constraint),
    ] {
        let out = parse(&data(text), kind);
        let k = &out.log.oom_kills[0];
        assert_eq!(k.missing, vec![]);
        assert_eq!(k.scope_basis, basis);
    }
}

/// A global OOM cut after its Mem-Info block: the block, which the kernel prints only when no
/// memory cgroup is at its limit, says global.
#[test]
fn oom_cut_after_meminfo_is_global() {
    let out = parse(&data(CUT_GLOBAL), SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(out.log.oom_kills.len(), 1);
    assert_eq!(k.scope, OomScope::Global);
    assert_eq!(k.scope_basis, OomScopeBasis::MemInfo);
    assert_eq!(k.missing, vec![OomReportPart::KillLine]);
    assert!(k.victim.is_none());
    assert_eq!(k.invoker.as_deref(), Some("badsysprogram"));
    let m = k.mem_info.as_ref().unwrap();
    assert_eq!(m.pages_reserved, Some(10614));
    assert!(!m.cut_off);
    assert!(out
        .warnings
        .iter()
        .any(|w| w.message.contains("OOM report cut off at end of file")));
}

/// A cgroup v1 OOM cut before its kill line: the memory cgroup summary says memcg.
#[test]
fn oom_cut_before_kill_is_memcg() {
    let out = parse(&data(CUT_MEMCG), SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.scope_basis, OomScopeBasis::MemcgSummary);
    assert_eq!(k.missing, vec![OomReportPart::KillLine]);
    assert_eq!(k.memcg.as_deref(), Some("/mem2"));
    assert_eq!(k.memory_limit_kb, Some(980));
    assert_eq!(k.tasks, 1);
}

/// A cgroup v2 OOM cut inside its call trace: `try_charge_memcg` says memcg.
#[test]
fn oom_cut_in_trace_is_memcg_by_its_trace() {
    let out = parse(&data(CUT_IN_TRACE), SourceKind::Syslog);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.scope_basis, OomScopeBasis::CallTrace);
    assert_eq!(k.missing, vec![OomReportPart::KillLine]);
    assert_eq!(out.log.kernel_release.as_deref(), Some("5.15.0-1087-azure"));
}

/// An excerpt that starts at `Task in ...`: a memcg OOM without its header.
#[test]
fn oom_from_task_in_is_a_memcg_report() {
    let out = parse(&data(FROM_TASK_IN), SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.oom_kills.len(), 1);
    let k = &log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.scope_basis, OomScopeBasis::KillLine);
    assert_eq!(k.missing, vec![OomReportPart::Header]);
    assert!(k.header.is_none());
    let id = "2e088fe462e25e60be1dafafe2c05c47bda1a97978648d10ad2b7484fc0b8f50";
    assert_eq!(k.memcg.as_deref(), Some(format!("/docker/{id}").as_str()));
    assert_eq!(k.memcg_line.as_ref().map(|l| l.no), Some(1));
    assert_eq!(
        (k.memory_usage_kb, k.memory_limit_kb, k.memory_failcnt),
        (Some(20480), Some(20480), Some(1204))
    );
    assert_eq!(k.victim.as_ref().and_then(|v| v.pid), Some(1381));
    // Starting at the `memory:` line works the same.
    let from_memory: String = data(FROM_TASK_IN)
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    let out = parse(&from_memory, SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.memory_failcnt, Some(1204));
    assert_eq!(k.missing, vec![OomReportPart::Header]);
    // Cut before the kill too: only the summary tells the scope.
    let summary_only: String = data(FROM_TASK_IN)
        .lines()
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    let out = parse(&summary_only, SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(
        (k.scope, k.scope_basis),
        (OomScope::Memcg, OomScopeBasis::MemcgSummary)
    );
    assert_eq!(
        k.missing,
        vec![OomReportPart::Header, OomReportPart::KillLine]
    );
}

#[test]
fn oom_memcg_3_13() {
    let out = parse(&data(CADVISOR_MEMCG), SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.kernel_release.as_deref(), Some("3.13.0-43-generic"));
    assert_eq!(log.oom_kills.len(), 1);
    let k = &log.oom_kills[0];
    assert_eq!(k.invoker.as_deref(), Some("memorymonster"));
    assert_eq!(k.order, Some(0));
    assert_eq!(k.oom_score_adj, Some(0));
    let g = k.gfp.as_ref().unwrap();
    assert_eq!(g.raw, 0xd0);
    assert_eq!(g.decoded, vec!["GFP_KERNEL"]);
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.memcg.as_deref(), Some("/mem2"));
    assert_eq!(k.task_memcg.as_deref(), Some("/mem2"));
    assert_eq!(
        (k.memory_usage_kb, k.memory_limit_kb, k.memory_failcnt),
        (Some(980), Some(980), Some(4152239))
    );
    assert_eq!(k.kmem_limit_kb, Some(18014398509481983));
    assert_eq!(k.tasks, 1);
    let v = k.victim.as_ref().unwrap();
    assert_eq!(v.pid, Some(13536));
    assert_eq!(v.comm, "memorymonster");
    assert_eq!(v.total_vm_kb, Some(33558652));
    assert_eq!(v.anon_rss_kb, Some(920));
    assert_eq!(v.file_rss_kb, Some(452));
    assert_eq!(v.line.no, 31);
    assert_eq!(k.end_line, 31);
}

#[test]
fn oom_global_3_13_with_meminfo() {
    let out = parse(&data(CADVISOR_GLOBAL), SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let k = &out.log.oom_kills[0];
    assert_eq!(out.log.oom_kills.len(), 1);
    assert_eq!(k.scope, OomScope::Global);
    assert_eq!(
        k.gfp.as_ref().unwrap().decoded,
        vec!["GFP_HIGHUSER_MOVABLE", "__GFP_ZERO"]
    );
    assert_eq!(k.tasks, 28);
    let v = k.victim.as_ref().unwrap();
    assert_eq!((v.pid, v.comm.as_str()), (Some(1532), "badsysprogram"));
    assert_eq!(v.anon_rss_kb, Some(1595164));
    let m = k.mem_info.as_ref().unwrap();
    assert_eq!(m.counters_pages.get("free"), Some(&12929));
    assert_eq!(m.zones.len(), 2);
    for z in &m.zones {
        assert_eq!(
            sum_kb(z),
            z.free_lists.as_ref().unwrap().total_kb.unwrap(),
            "{}",
            z.zone
        );
    }
    assert_eq!(
        m.zones[1].free_lists.as_ref().unwrap().migratetypes[10],
        "UR"
    );
    assert_eq!(m.pages_reserved, Some(10614));
}

#[test]
fn oom_docker_4_8_two_events() {
    let out = parse(&data(CADVISOR_DOCKER), SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.oom_kills.len(), 2);
    let k = &log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Memcg);
    let g = k.gfp.as_ref().unwrap();
    assert_eq!(g.raw, 0x24000c0);
    assert_eq!(g.printed, vec!["GFP_KERNEL"]);
    assert_eq!(g.decoded, vec!["GFP_KERNEL"]);
    let id = "2e088fe462e25e60be1dafafe2c05c47bda1a97978648d10ad2b7484fc0b8f50";
    assert_eq!(k.memcg.as_deref(), Some(format!("/docker/{id}").as_str()));
    assert_eq!(
        (k.memory_usage_kb, k.memory_limit_kb, k.memory_failcnt),
        (Some(20480), Some(20480), Some(1204))
    );
    assert_eq!(k.kmem_usage_kb, Some(220));
    let v = k.victim.as_ref().unwrap();
    assert_eq!((v.pid, v.comm.as_str()), (Some(1381), "gunpowder-memho"));
    assert_eq!(v.shmem_rss_kb, Some(0));
    assert_eq!(k.tasks, 1);
    let reapers = log
        .messages
        .iter()
        .filter(|m| matches!(m.kind, KernelMessageKind::OomReaper { .. }))
        .count();
    assert_eq!(reapers, 2);
    assert!(log
        .messages
        .iter()
        .any(|m| matches!(&m.kind, KernelMessageKind::BridgePort { bridge, state, .. } if bridge == "docker0" && state == "forwarding")));
    assert_eq!(log.oom_kills[1].victim.as_ref().unwrap().pid, Some(1667));
}

#[test]
fn oom_cgroup_v2_5_15_in_syslog() {
    let out = parse(&data(AKS), SourceKind::Syslog);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::Syslog);
    assert_eq!(log.hostnames, vec!["aks-np0cas-14924781-vmss000008"]);
    assert_eq!(log.kernel_release.as_deref(), Some("5.15.0-1087-azure"));
    let k = &log.oom_kills[0];
    assert_eq!(k.stamp.uptime_s, Some(139.201253));
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.constraint.as_deref(), Some("CONSTRAINT_MEMCG"));
    assert_eq!(k.memcg.as_deref(), Some("/kubepods.slice"));
    assert!(k.task_memcg.as_deref().unwrap().ends_with(
        "cri-containerd-9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987.scope"
    ));
    assert_eq!(k.gfp.as_ref().unwrap().decoded, vec!["GFP_KERNEL"]);
    assert_eq!(
        (k.memory_usage_kb, k.memory_limit_kb, k.memory_failcnt),
        (Some(7464436), Some(7464436), Some(1133))
    );
    assert_eq!(k.tasks, 28);
    let v = k.victim.as_ref().unwrap();
    assert_eq!((v.pid, v.comm.as_str()), (Some(7788), "bash"));
    assert_eq!(v.anon_rss_kb, Some(7165824));
    assert_eq!(v.uid, Some(0));
    // memory.oom.group kills the rest of the cgroup: one kill line each.
    let group: Vec<Option<u32>> = log.oom_kills[1..]
        .iter()
        .map(|k| k.victim.as_ref().and_then(|v| v.pid))
        .collect();
    assert_eq!(
        group,
        vec![Some(7620), Some(7656), Some(7657), Some(7712), Some(7788)]
    );
    assert!(log.oom_kills[1..]
        .iter()
        .all(|k| k.scope == OomScope::Memcg));
    assert_eq!(log.kernel_messages, 100);
}

#[test]
fn oom_mangled_docker_for_mac() {
    let out = parse(&data(MOBY), SourceKind::Dmesg);
    let log = &out.log;
    assert_eq!(log.oom_kills.len(), 1);
    let k = &log.oom_kills[0];
    assert_eq!(k.tasks, 2);
    assert_eq!(k.scope, OomScope::Memcg);
    let v = k.victim.as_ref().unwrap();
    assert_eq!((v.pid, v.comm.as_str()), (Some(19417), "python"));
    assert_eq!(v.anon_rss_kb, Some(168368));
}

const BIANBU: &str = include_str!("../../../tests/data/dmesg_meminfo_dump/bianbu-sysrq-m-6x.txt");
const DCACHE: &str =
    include_str!("../../../tests/data/dmesg_meminfo_dump/dcache-issue-3787-zone-lines.txt");

#[test]
fn sysrq_meminfo_6x_twelve_orders() {
    let out = parse(&data(BIANBU), SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.mem_info_dumps.len(), 1);
    let m = &log.mem_info_dumps[0];
    assert_eq!(m.counters_pages.get("free"), Some(&291765));
    assert_eq!(m.counters_pages.get("free_cma"), Some(&67501));
    assert_eq!(m.counters_pages.get("kernel_misc_reclaimable"), Some(&0));
    let names: Vec<(Option<u32>, &str)> =
        m.zones.iter().map(|z| (z.node, z.zone.as_str())).collect();
    assert_eq!(names, vec![(None, "DMA32"), (None, "Normal")]);
    let dma32 = &m.zones[0];
    assert_eq!(dma32.free_kb, Some(1134516));
    assert_eq!(dma32.min_kb, Some(24436));
    assert_eq!(dma32.fields_kb.get("free_cma"), Some(&270004));
    assert_eq!(dma32.lowmem_reserve, vec![0, 1559, 1559]);
    let fl = dma32.free_lists.as_ref().unwrap();
    assert_eq!(fl.counts.len(), 12);
    assert_eq!(fl.counts[11], 91);
    assert_eq!(fl.migratetypes[0], "UMEC");
    for z in &m.zones {
        assert_eq!(sum_kb(z), z.free_lists.as_ref().unwrap().total_kb.unwrap());
    }
    assert_eq!(m.pages_ram, Some(1048576));
    assert_eq!(m.pages_reserved, Some(172285));
    assert_eq!(log.kernel_messages, 20);
}

#[test]
fn headless_buddy_lines_two_nodes() {
    let out = parse(&data(DCACHE), SourceKind::Dmesg);
    let m = &out.log.mem_info_dumps[0];
    let names: Vec<(Option<u32>, &str)> =
        m.zones.iter().map(|z| (z.node, z.zone.as_str())).collect();
    assert_eq!(
        names,
        vec![
            (Some(0), "DMA"),
            (Some(0), "DMA32"),
            (Some(0), "Normal"),
            (Some(1), "Normal")
        ]
    );
    for z in &m.zones {
        assert_eq!(sum_kb(z), z.free_lists.as_ref().unwrap().total_kb.unwrap());
    }
}

const RHEL6: &str = include_str!("../../../tests/data/dmesg/insights-no-timestamps-rhel6.txt");
const RHEL7_862: &str =
    include_str!("../../../tests/data/dmesg/insights-raw-rhel7-862-linux-version.txt");
const MESSAGES: &str = include_str!("../../../tests/data/messages/insights-syslog-rhel6.txt");
const JOURNAL: &str =
    include_str!("../../../tests/data/journalctl/insights-short-logs-begin-header.txt");

#[test]
fn no_timestamp_rhel6() {
    let out = parse(&data(RHEL6), SourceKind::Dmesg);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::DmesgNoTimestamp);
    assert_eq!(log.lines, 17);
    // Two indented lines continue `HP HPSA Driver`.
    assert_eq!(log.kernel_messages, 15);
    assert_eq!(log.first.as_ref().unwrap().uptime_s, Some(8.687252));
    assert_eq!(log.last.as_ref().unwrap().uptime_s, Some(8.687252));
}

#[test]
fn boot_banner_sets_release() {
    let out = parse(&data(RHEL7_862), SourceKind::Dmesg);
    let log = &out.log;
    assert_eq!(log.kernel_release.as_deref(), Some("3.10.0-862.el7.x86_64"));
    assert_eq!(log.messages.len(), 1);
    assert_eq!(log.messages[0].line.no, 2);
    assert_eq!(log.kernel_messages, 15);
}

#[test]
fn syslog_and_journal_hosts() {
    let out = parse(&data(MESSAGES), SourceKind::Syslog);
    assert_eq!(out.log.hostnames, vec!["lxc-rhel68-sat56", "boy-bona"]);
    assert_eq!(out.log.kernel_messages, 0);
    assert_eq!(out.log.lines, 9);
    assert_eq!(
        out.log.first.unwrap().wall,
        Some(WallClock::NoYear {
            month: 5,
            day: 18,
            hour: 15,
            minute: 13,
            second: 34,
            nanosecond: 0
        })
    );
    let out = parse(&data(JOURNAL), SourceKind::Journal);
    assert_eq!(out.log.format, KernelLogFormat::JournalShort);
    assert_eq!(out.log.hostnames, vec!["lxc-rhel68-sat56", "boy-bona"]);
    assert_eq!(out.log.lines, 10);
}

#[test]
fn slub_failure_with_cache_line_in_syslog() {
    let text = "Mar  5 10:22:33 node1 kernel: SLUB: Unable to allocate memory on node -1 (gfp=0x8020)\n\
                Mar  5 10:22:33 node1 kernel:   cache: ip6_dst_cache(1234:docker-abc.scope), object size: 448, buffer size: 448, default order: 2, min order: 0\n\
                Mar  5 10:22:33 node1 kernel:   node 0: slabs: 10, objs: 360, free: 0\n\
                Mar  5 10:22:34 node1 kernel: Linux version 3.10.0-693.el7.x86_64 (mockbuild@x) #1 SMP\n";
    let out = parse(text, SourceKind::Syslog);
    let s = &out.log.slub_failures[0];
    assert_eq!(s.node, -1);
    assert_eq!(s.cache.as_deref(), Some("ip6_dst_cache"));
    assert_eq!(s.memcg_name.as_deref(), Some("docker-abc.scope"));
    assert_eq!(s.cache_line.as_ref().unwrap().no, 2);
    // The banner after it starts another boot, whose kernel need not be the one that failed:
    // the mask is left undecoded rather than read with that kernel's flags.
    assert!(s.gfp.as_ref().unwrap().decoded.is_empty());
    assert_eq!(
        out.log.kernel_release.as_deref(),
        Some("3.10.0-693.el7.x86_64")
    );
    // Printed after the banner, it is decoded with that boot's kernel.
    let (failure, banner) = text.split_at(text.find("Mar  5 10:22:34").unwrap());
    let out = parse(&format!("{banner}{failure}"), SourceKind::Syslog);
    assert_eq!(
        out.log.slub_failures[0].gfp.as_ref().unwrap().decoded,
        vec!["GFP_ATOMIC", "__GFP_ZERO"]
    );
}

#[test]
fn alloc_failure_4_x_and_5_x_headers() {
    let text = "[  10.0] kworker/0:1: page allocation failure: order:4, mode:0x14040c0(GFP_KERNEL|__GFP_COMP), nodemask=(null)\n\
                [  10.0] kworker/0:1 cpuset=/ mems_allowed=0\n\
                [  10.0] CPU: 1 PID: 42 Comm: kworker/0:1 Not tainted 4.11.0-1.el7 #1\n\
                [  10.0] Call Trace:\n\
                [  10.0]  dump_stack+0x63/0x90\n\
                [  10.0]  warn_alloc+0x11a/0x1b0\n\
                [  11.0] sh: page allocation failure: order:7, mode:0x40a20(GFP_ATOMIC|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0\n\
                [  11.0] CPU: 0 PID: 7 Comm: sh Not tainted 5.13.0 #1\n";
    let out = parse(text, SourceKind::Dmesg);
    let a = &out.log.alloc_failures;
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].cpuset.as_deref(), Some("/"));
    assert_eq!(a[0].mems_allowed.as_deref(), Some("0"));
    assert_eq!(a[0].nodemask.as_deref(), Some("(null)"));
    assert_eq!(a[0].pid, Some(42));
    assert_eq!(a[0].call_trace, vec!["dump_stack", "warn_alloc"]);
    assert_eq!(a[0].gfp.decoded, vec!["GFP_KERNEL", "__GFP_COMP"]);
    assert_eq!(a[1].order, 7);
    assert_eq!(a[1].cpuset.as_deref(), Some("/"));
    assert_eq!(a[1].gfp.decoded, vec!["GFP_ATOMIC", "__GFP_COMP"]);
    assert_eq!(a[1].kernel_release.as_deref(), Some("5.13.0"));
}

#[test]
fn single_line_summary_global() {
    let text = "[5.0] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=aegis,mems_allowed=0,global_oom,task_memcg=/system.slice/docker-abc.scope,task=java,pid=7134,uid=1000\n\
                [5.0] Out of memory: Killed process 7134 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:740kB oom_score_adj:0\n";
    let out = parse(text, SourceKind::Dmesg);
    assert_eq!(out.log.oom_kills.len(), 1);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Global);
    assert_eq!(k.constraint.as_deref(), Some("CONSTRAINT_NONE"));
    assert_eq!(
        k.task_memcg.as_deref(),
        Some("/system.slice/docker-abc.scope")
    );
    let v = k.victim.as_ref().unwrap();
    assert_eq!(
        (v.pid, v.uid, v.anon_rss_kb),
        (Some(7134), Some(1000), Some(50))
    );
}

#[test]
fn notable_messages_in_journal() {
    let text = "Jan 23 20:10:01 beta kernel: nf_conntrack: table full, dropping packet\n\
                Jan 23 20:10:02 beta kernel: unregister_netdevice: waiting for lo to become free. Usage count = 1\n\
                Jan 23 20:10:03 beta kernel: INFO: task dockerd:1234 blocked for more than 120 seconds.\n\
                Jan 23 20:10:04 beta dockerd[99]: time=\"2018-01-23T20:10:04+08:00\" level=error msg=\"x\"\n";
    let out = parse(text, SourceKind::Journal);
    assert_eq!(out.log.messages.len(), 3);
    assert_eq!(out.log.kernel_messages, 3);
    assert_eq!(out.log.lines, 4);
}

#[test]
fn rsyslog_high_precision_and_daemon_tags() {
    let text = "2018-01-23T20:10:01.288012+08:00 beta_004 kernel: [2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0\n\
                2018-01-23T20:10:01.288100+08:00 beta_004 kernel: [2751018.239917] CPU: 5 PID: 839206 Comm: runc:[1:CHILD] Tainted: G E T 3.10.0-514.26.2.el7.x86_64 #1\n\
                2018-01-23T20:10:02.000000+08:00 beta_004 dockerd[1201]: time=\"2018-01-23T20:10:02+08:00\" level=error msg=\"oci runtime error\"\n";
    let out = parse(text, SourceKind::Syslog);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::SyslogIso);
    assert_eq!(log.kernel_messages, 2);
    let a = &log.alloc_failures[0];
    let at: jiff::Timestamp = "2018-01-23T12:10:01.288012Z".parse().unwrap();
    assert_eq!(a.stamp.wall, Some(WallClock::Instant { at }));
    assert_eq!(a.stamp.uptime_s, Some(2751018.239907));
    assert_eq!(a.pid, Some(839206));
    assert_eq!(
        a.gfp.decoded,
        vec!["GFP_KERNEL", "__GFP_COMP", "__GFP_ZERO", "__GFP_KMEMCG"]
    );
    assert!(out
        .warnings
        .iter()
        .any(|w| w.message.contains("cut off at end of file")));
    assert!(is_daemon_tag("dockerd", ""));
    assert!(is_daemon_tag("dockerd-current", ""));
    assert!(is_daemon_tag("containerd", ""));
    assert!(is_daemon_tag("systemd", "Started docker-abc.scope."));
    assert!(!is_daemon_tag("systemd", "Started Session 1 of user root."));
    assert!(is_daemon_tag(
        "systemd",
        "report-export.service: A process of this unit has been killed by the OOM killer."
    ));
    assert!(is_daemon_tag(
        "systemd",
        "report-export.service: Failed with result 'oom-kill'."
    ));
    assert!(!is_daemon_tag("CROND", ""));
}

#[test]
fn meminfo_after_oom_report_gap_is_attached() {
    // A Mem-Info block right after a report that had none (a rate-limit notice in between).
    let text = "[1.0] Out of memory: Killed process 10 (java) total-vm:100kB, anon-rss:50kB, file-rss:0kB\n\
                [1.0] show_mem: 3 callbacks suppressed\n\
                [1.0] Mem-Info:\n\
                [1.0] active_anon:1 inactive_anon:2 isolated_anon:0\n\
                [1.0] 10 pages RAM\n";
    let out = parse(text, SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.mem_info.as_ref().unwrap().pages_ram, Some(10));
    assert!(out.log.mem_info_dumps.is_empty());
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn kinds() -> impl Strategy<Value = SourceKind> {
        prop_oneof![
            Just(SourceKind::Dmesg),
            Just(SourceKind::Syslog),
            Just(SourceKind::Journal)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_text(text in any::<String>(), kind in kinds()) {
            let _ = parse(&text, kind);
        }

        #[test]
        fn arbitrary_lines_of_kernel_shapes(
            lines in proptest::collection::vec(
                r"(\[ *[0-9.]{0,12}\]|<[0-9]>|Jan [0-9]{1,2} [0-9:]{8} h kernel:|\{.*\}|)[ \u{a0}]?(Mem-Info:|Node [0-9] |DMA32 |free:[0-9a-z]*kB|[0-9]{0,3}\*[0-9]{0,4}kB|\(UEM\)|= |lowmem_reserve\[\]:|invoked oom-killer: |Killed process |page allocation failure[:.] order:|mode:0x[0-9a-f]{0,8}|oom-kill:|#012|[a-z_]+:[0-9]+ ?)*",
                0..40),
            kind in kinds(),
        ) {
            let _ = parse(&lines.join("\n"), kind);
        }

        #[test]
        fn mutated_seed(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>(), 0u8..3), 0..30),
            kind in kinds(),
        ) {
            let mut chars: Vec<char> = seed().chars().collect();
            for (at, c, op) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = at.index(chars.len());
                match op {
                    0 => { chars.remove(i); }
                    1 => chars.insert(i, c),
                    _ => chars[i] = c,
                }
            }
            let text: String = chars.into_iter().collect();
            let _ = parse(&text, kind);
            let syslog: String = text
                .lines()
                .map(|l| format!("Jan 23 20:10:01 beta kernel: {l}#012 x:1\n"))
                .collect();
            let _ = parse(&syslog, kind);
        }
    }
}

#[test]
fn pasted_prompt_lines_are_skipped() {
    let text = "[root@beta_004 ~]# dmesg | grep -A3 Mem-Info\n\
                [2751018.240038] Mem-Info:\n\
                [2751018.240044] active_anon:1311792 inactive_anon:68376 isolated_anon:0\n\
                 free:66051 free_pcp:32 free_cma:0\n\
                [root@beta_004 ~]# cat /proc/buddyinfo\n";
    let out = parse(text, SourceKind::Syslog);
    assert_eq!(out.log.kernel_messages, 2);
    let m = &out.log.mem_info_dumps[0];
    assert_eq!(m.counters_pages.get("free"), Some(&66051));
    assert_eq!(m.counters_pages.len(), 6);
}

#[test]
fn rhel6_2_6_32_oom_report() {
    let text = "java invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0, oom_score_adj=0
java cpuset=/ mems_allowed=0
Pid: 2431, comm: java Not tainted 2.6.32-358.el6.x86_64 #1
Call Trace:
 [<ffffffff810cb5f1>] ? cpuset_print_task_mems_allowed+0x91/0xb0
 [<ffffffff8111cdf0>] ? dump_header+0x90/0x1b0
 [<ffffffff8111d6b0>] ? out_of_memory+0x220/0x3c0
Mem-Info:
Node 0 DMA per-cpu:
CPU    0: hi:    0, btch:   1 usd:   0
active_anon:468213 inactive_anon:28 isolated_anon:0
 active_file:60 inactive_file:67 isolated_file:0
 unevictable:0 dirty:0 writeback:0 unstable:0
 free:13252 slab_reclaimable:2405 slab_unreclaimable:5393
 mapped:40 shmem:31 pagetables:1563 bounce:0
Node 0 DMA free:15732kB min:248kB low:308kB high:372kB present:15340kB pages_scanned:0 all_unreclaimable? yes
lowmem_reserve[]: 0 2004 2004 2004
Node 0 DMA: 3*4kB 1*8kB 2*16kB 2*32kB 2*64kB 1*128kB 0*256kB 0*512kB 1*1024kB 1*2048kB 3*4096kB = 15732kB
524272 pages RAM
10594 pages reserved
1289 pages shared
498540 pages non-shared
[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name
[  436]     0   436     2764      211   0     -17         -1000 udevd
[ 2431]   500  2431   617297   467912   0       0             0 java
Out of memory: Kill process 2431 (java) score 892 or sacrifice child
Killed process 2431, UID 500, (java) total-vm:2469188kB, anon-rss:1871644kB, file-rss:4kB
";
    let out = parse(text, SourceKind::Dmesg);
    assert_eq!(out.warnings, vec![]);
    let log = &out.log;
    assert_eq!(log.kernel_release.as_deref(), Some("2.6.32-358.el6.x86_64"));
    assert_eq!(log.oom_kills.len(), 1);
    let k = &log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Global);
    assert_eq!(
        k.gfp.as_ref().unwrap().decoded,
        vec!["GFP_HIGHUSER_MOVABLE", "__GFP_COLD"]
    );
    assert_eq!(k.tasks, 2);
    let v = k.victim.as_ref().unwrap();
    assert_eq!(
        (v.pid, v.comm.as_str(), v.uid),
        (Some(2431), "java", Some(500))
    );
    let m = k.mem_info.as_ref().unwrap();
    assert_eq!(m.counters_pages.get("free"), Some(&13252));
    assert_eq!(m.zones[0].lowmem_reserve, vec![0, 2004, 2004, 2004]);
    assert_eq!(sum_kb(&m.zones[0]), 15732);
    assert_eq!(m.zones[0].free_lists.as_ref().unwrap().migratetypes[0], "");
    assert_eq!(m.pages_reserved, Some(10594));
    assert_eq!(k.end_line, 27);
}

/// The prefilter only skips work: every log gives the same output with it and without it.
mod prefilter_changes_nothing {
    use super::*;
    use proptest::prelude::*;
    use std::path::Path;

    const KINDS: [SourceKind; 3] = [SourceKind::Dmesg, SourceKind::Syslog, SourceKind::Journal];

    fn same(text: &str, kind: SourceKind) -> Result<(), String> {
        let with = format!("{:?}", parse_prefiltered(text, kind, true));
        let without = format!("{:?}", parse_prefiltered(text, kind, false));
        if with == without {
            Ok(())
        } else {
            Err(format!(
                "{kind:?}: outputs differ\nwith: {with}\nwithout: {without}"
            ))
        }
    }

    /// Every text file of the test data and the samples.
    fn corpus() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["tests/data", "samples"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let Ok(entry) = entry else { continue };
                if !entry.file_type().is_file() {
                    continue;
                }
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    out.push((entry.path().display().to_string(), text));
                }
            }
        }
        out
    }

    #[test]
    fn on_every_sample_and_test_file() {
        let corpus = corpus();
        assert!(corpus.len() > 100, "{} files", corpus.len());
        for (path, text) in &corpus {
            for kind in KINDS {
                if let Err(e) = same(text, kind) {
                    panic!("{path}: {e}");
                }
            }
        }
    }

    /// The lines of the corpus that are kernel messages, shuffled into new logs below.
    static POOL: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(pool);

    fn pool() -> Vec<String> {
        let mut lines: Vec<String> = corpus()
            .iter()
            .flat_map(|(_, t)| t.lines().map(str::to_string).collect::<Vec<_>>())
            .filter(|l| l.len() < 400)
            .collect();
        lines.sort();
        lines.dedup();
        lines
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn on_logs_mixed_from_real_lines(
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4), 1..80),
            kind in prop_oneof![Just(SourceKind::Dmesg), Just(SourceKind::Syslog), Just(SourceKind::Journal)],
        ) {
            let mut text = String::new();
            for (i, (pick, frame)) in picks.iter().enumerate() {
                let line = &POOL[pick.index(POOL.len())];
                // Re-frame some lines, so that report lines also arrive as syslog and dmesg.
                let body = line.split_once("] ").map_or(line.as_str(), |(_, b)| b);
                match frame {
                    0 => text.push_str(line),
                    1 => text.push_str(&format!("[{i:>5}.000001] {body}")),
                    2 => text.push_str(&format!("Jan 23 20:10:{:02} beta kernel: {body}", i % 60)),
                    _ => text.push_str(&format!(" {body}")),
                }
                text.push('\n');
            }
            prop_assert_eq!(same(&text, kind), Ok(()));
        }
    }

    proptest! {
        // Each case parses a log of over 5000 lines twice.
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Past the routine cap, lines holding only the bridge port literal are counted straight
        /// from the search's marks: bridge port messages and look-alikes, among real lines.
        #[test]
        fn past_the_routine_cap(
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..10), 1..120),
            kind in prop_oneof![Just(SourceKind::Dmesg), Just(SourceKind::Syslog), Just(SourceKind::Journal)],
        ) {
            let mut text = String::new();
            for i in 0..MAX_ROUTINE_MESSAGES {
                text.push_str(&format!("Jan 23 20:10:01 beta kernel: br0: port 1(veth{i}) entered disabled state\n"));
            }
            for (i, (pick, form)) in picks.iter().enumerate() {
                let line = match form {
                    0 => format!("[{i:>5}.000001] docker0: port 2(veth{i}) entered forwarding state"),
                    1 => format!("Jan 23 20:10:{:02} beta kernel: docker0: port 2(v{i}) entered blocking state", i % 60),
                    2 => "Jan 23 20:10:01 beta kernel: a b: port 3(x) entered y state#012docker0: port 4(v) entered forwarding state".to_string(),
                    3 => "Jan 23 20:10:01 beta kernel: docker0: port 5(v) entered min: 1 state".to_string(),
                    4 => "Jan 23 20:10:01 beta kernel: docker0: port 6(v) entered disabled state, Oops: 0002 [#1]".to_string(),
                    5 => "Jan 23 20:10:01 beta dockerd: docker0: port 7(v) entered forwarding state".to_string(),
                    6 => format!("[{i:>5}.1] docker0: port 8(v) entered  state"),
                    _ => POOL[pick.index(POOL.len())].clone(),
                };
                text.push_str(&line);
                text.push('\n');
            }
            prop_assert_eq!(same(&text, kind), Ok(()));
        }
    }
}

#[test]
fn bridge_port_messages_past_the_cap_are_counted() {
    let mut text = String::new();
    for i in 0..MAX_ROUTINE_MESSAGES + 7 {
        text.push_str(&format!(
            "[{i}.5] docker0: port 2(veth{i}) entered forwarding state\n"
        ));
        // Matches the signature set, not the bridge port form: neither kept nor counted.
        text.push_str(&format!("[{i}.6] a b: port 3(x) entered y state\n"));
    }
    // Past the cap, a bridge port line that also holds another signature is still read.
    text.push_str("[9999.1] docker0: port 9(vethZ) entered blocking state, Oops: 0002 [#1]\n");
    let out = parse(&text, SourceKind::Dmesg);
    assert!(out
        .log
        .messages
        .iter()
        .any(|m| matches!(m.kind, KernelMessageKind::Oops)));
    let bridge = out
        .log
        .messages
        .iter()
        .filter(|m| matches!(m.kind, KernelMessageKind::BridgePort { .. }))
        .count();
    assert_eq!(bridge, MAX_ROUTINE_MESSAGES);
    let counted: Vec<&str> = out
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .filter(|m| m.contains("bridge port"))
        .collect();
    assert_eq!(
        counted,
        vec!["7 bridge port messages after the first 5000 were counted, not kept"]
    );
}

proptest::proptest! {
    /// The `#012` pieces are those `str::split` gives.
    #[test]
    fn pieces_are_those_of_str_split(s in "(#012|#01|#|0|1|2|a|\u{e9}| ){0,16}") {
        proptest::prop_assert_eq!(
            split_012(&s).collect::<Vec<_>>(),
            s.split("#012").collect::<Vec<_>>()
        );
    }
}

const SOFT_LOCKUP: &str = include_str!(
    "../../../tests/data/dmesg_soft_lockup/syzkaller-5.10-rc6-caller-id-irq-stack.txt"
);

/// A 5.10 soft lockup with the printk caller id after each stamp: the lockup is one message
/// with its CPU, seconds and task, the panic it led to an oops, the release read from the
/// report's `CPU:` line.
#[test]
fn soft_lockup_5_10_with_caller_id() {
    let out = parse(&data(SOFT_LOCKUP), SourceKind::Dmesg);
    let log = &out.log;
    let kinds: Vec<&KernelMessageKind> = log.messages.iter().map(|m| &m.kind).collect();
    assert_eq!(
        kinds,
        [
            &KernelMessageKind::SoftLockup {
                cpu: Some(1),
                seconds: Some(134),
                task: Some("syz-executor.3".into()),
                pid: Some(16401),
            },
            &KernelMessageKind::Oops,
        ]
    );
    assert_eq!(log.messages[0].line.no, 1);
    assert_eq!(log.messages[0].stamp.uptime_s, Some(516.671899));
    assert!(log.messages[1]
        .message
        .starts_with("Kernel panic - not syncing: softlockup"));
    assert_eq!(log.kernel_release.as_deref(), Some("5.10.0-rc6-syzkaller"));
}

const AKS_POD_SLICE: &str = include_str!(
    "../../../tests/data/dmesg_oom/vijayrod-aks-5.15-1041-memcg-oom-pod-slice-taskoom.txt"
);
const RECORDED_6_18: &str =
    include_str!("../../../tests/data/recorded/docker-20.10-cgroup1-oom-and-start-failures/dmesg");
const HOTSOS_GLOBAL: &str = include_str!(
    "../../../tests/data/excerpts/hotsos-global-oom-5.4-sysrq-moom-truncated-lines.txt"
);

/// The stat of a report by key, in bytes.
fn stat(k: &crate::facts::OomKill, key: &str) -> Option<u64> {
    k.memcg_stats.iter().find(|s| s.key == key).map(|s| s.bytes)
}

/// The task table of every era is read by its own header: 3.13 (`nr_ptes`), 4.8 (`nr_pmds`),
/// 5.x (`pgtables_bytes`), 6.x (`rss_anon rss_file rss_shmem`), and a mangled 4.x dmesg whose
/// rows lost their `[pid]`.
#[test]
fn task_tables_of_every_era() {
    let row = |text: &str, kind, report: usize, at: usize| {
        let out = parse(&data(text), kind);
        out.log.oom_kills[report].task_table[at].clone()
    };
    let t = row(CADVISOR_MEMCG, SourceKind::Dmesg, 0, 0);
    assert_eq!(
        (t.pid, t.uid, t.rss_pages, t.swapents, t.name.as_str()),
        (
            Some(13536),
            Some(275858),
            Some(343),
            Some(8324326),
            "memorymonster"
        )
    );
    let t = row(CADVISOR_DOCKER, SourceKind::Dmesg, 0, 0);
    assert_eq!(
        (t.pid, t.rss_pages, t.swapents, t.oom_score_adj),
        (Some(1381), Some(5191), Some(5489), Some(0))
    );
    assert_eq!(t.name, "gunpowder-memho");
    let out = parse(&data(AKS_POD_SLICE), SourceKind::Syslog);
    let k = &out.log.oom_kills[0];
    assert_eq!(k.task_table.len() as u32, k.tasks);
    let pause = &k.task_table[0];
    assert_eq!(
        (pause.pid, pause.uid, pause.rss_pages, pause.oom_score_adj),
        (Some(181505), Some(65535), Some(1), Some(-998))
    );
    let out = parse(&data(RECORDED_6_18), SourceKind::Dmesg);
    let t = &out.log.oom_kills[1].task_table[0];
    assert_eq!(
        (
            t.pid,
            t.rss_pages,
            t.rss_anon_pages,
            t.rss_file_pages,
            t.rss_shmem_pages
        ),
        (Some(7818), Some(131319), Some(130534), Some(785), Some(0))
    );
    assert_eq!(t.name, "java");
    let t = row(MOBY, SourceKind::Dmesg, 0, 1);
    assert_eq!(
        (t.pid, t.rss_pages, t.name.as_str()),
        (Some(19417), Some(42487), "python")
    );
    let out = parse(&data(HOTSOS_GLOBAL), SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert!(k.task_table.len() > 10, "{}", k.task_table.len());
    assert_eq!(k.task_table[0].name, "systemd-journal");
    assert_eq!(k.task_table[0].rss_pages, Some(6831));
}

/// The memory cgroup's stats at the kill: one line of `key:NKB` before 5.x, one `key bytes`
/// line each after (cgroup v1 on 6.18 as cgroup v2 on 5.15).
#[test]
fn memcg_stats_of_every_era() {
    let out = parse(&data(CADVISOR_DOCKER), SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(stat(k, "rss"), Some(20260 * 1024));
    assert_eq!(stat(k, "cache"), Some(0));
    assert_eq!(stat(k, "swap"), Some(20460 * 1024));
    let out = parse(&data(RECORDED_6_18), SourceKind::Dmesg);
    let k = &out.log.oom_kills[0];
    assert_eq!(stat(k, "rss"), Some(66715648));
    assert_eq!(stat(k, "total_cache"), Some(0));
    let out = parse(&data(AKS_POD_SLICE), SourceKind::Syslog);
    let k = &out.log.oom_kills[0];
    assert_eq!(stat(k, "anon"), Some(98742272));
    assert_eq!(stat(k, "file"), Some(2469888));
}

/// The pids controller's line in a real sos journal, among veth renames and an audit echo.
#[test]
fn real_pids_fork_rejected_in_a_journal() {
    let text = data(include_str!(
        "../../../tests/data/pids_fork_rejected/hotsos-sos-ubuntu2004-fork-rejected-pids-lxd.txt"
    ));
    let out = parse(&text, SourceKind::Syslog);
    let rejected: Vec<&KernelMessageKind> = out
        .log
        .messages
        .iter()
        .map(|m| &m.kind)
        .filter(|k| matches!(k, KernelMessageKind::PidsForkRejected { .. }))
        .collect();
    assert_eq!(
        rejected,
        [&KernelMessageKind::PidsForkRejected {
            cgroup: "/lxc.payload.juju-04f1e3-1-lxd-5/system.slice/snap.lxd.daemon.service".into()
        }]
    );
    let line = out.log.messages.iter().find(|m| m.kind == *rejected[0]);
    assert_eq!(line.map(|m| m.line.no), Some(13));
}

/// Seven real `TCP: out of memory` lines with a terminal's trailing spaces.
#[test]
fn real_tcp_out_of_memory_lines() {
    let text = data(include_str!(
        "../../../tests/data/dmesg_tcp_oom/tempesta-1763-dmesg-repeated-trailing-spaces.txt"
    ));
    let out = parse(&text, SourceKind::Dmesg);
    let tcp = out
        .log
        .messages
        .iter()
        .filter(|m| m.kind == KernelMessageKind::TcpOutOfMemory)
        .count();
    assert_eq!(tcp, 7);
}

/// The XFS retry loop's and the stall's lines, in the forms of fs/xfs/kmem.c and
/// mm/page_alloc.c (4.9 to 4.14): no published log was found with them.
#[test]
fn xfs_deadlock_and_alloc_stall_lines() {
    let out = parse(
        "[86462.101] XFS: kworker/u8:2(5830) possible memory allocation deadlock size 65552 in kmem_alloc (mode:0x2400240)\n\
         [86470.230] XFS: java(1234) possible memory allocation deadlock in kmem_zone_alloc (mode:0x8250)\n\
         [90001.000] TCP: too many orphaned sockets\n\
         [90002.000] kswapd0: page allocation stalls for 10012ms, order:4, mode:0x24000c0(GFP_KERNEL)\n",
        SourceKind::Dmesg,
    );
    let kinds: Vec<&KernelMessageKind> = out.log.messages.iter().map(|m| &m.kind).collect();
    assert_eq!(
        kinds,
        [
            &KernelMessageKind::XfsAllocDeadlock {
                task: Some("kworker/u8:2".into()),
                pid: Some(5830),
                size: Some(65552),
                function: Some("kmem_alloc".into()),
                mode: alloc_failure::parse_gfp("0x2400240"),
            },
            &KernelMessageKind::XfsAllocDeadlock {
                task: Some("java".into()),
                pid: Some(1234),
                size: None,
                function: Some("kmem_zone_alloc".into()),
                mode: alloc_failure::parse_gfp("0x8250"),
            },
            &KernelMessageKind::TcpTooManyOrphans,
            &KernelMessageKind::AllocStall {
                task: Some("kswapd0".into()),
                millis: Some(10012),
                order: Some(4),
                mode: alloc_failure::parse_gfp("0x24000c0(GFP_KERNEL)"),
            },
        ]
    );
}

/// The daemon's own start errors come in its syslog lines as in its own log: a published port
/// already taken (docker 20.10's words) is read from `messages`, and not from another
/// program's line that quotes it.
#[test]
fn daemon_only_errors_are_read_from_the_daemon_s_syslog_lines() {
    let text = "Dec  6 07:09:35 vm dockerd[6822]: time=\"2026-12-06T07:09:35.505420137Z\" level=error msg=\"Handler for POST /v1.41/containers/d0012554aa4e/start returned error: driver failed programming external connectivity on endpoint web-2 (e41e870092ca): Bind for 0.0.0.0:8080 failed: port is already allocated\"\n\
                Dec  6 07:09:36 vm sshd[11]: user typed driver failed programming external connectivity on endpoint web-9 (e41e870092ca): x\n";
    let out = parse(text, SourceKind::Syslog);
    assert_eq!(out.runtime_errors.len(), 1, "{:?}", out.runtime_errors);
    let e = &out.runtime_errors[0];
    assert_eq!(e.container.as_deref(), Some("web-2"));
    assert_eq!(e.setup, Some(crate::facts::SetupStep::Network));
}

const KMSG_UTIL_LINUX: &str =
    include_str!("../../../tests/data/dev_kmsg/util-linux-cid-kmsg-input-nul-separated.txt");
const KMSG_MEMCG_OOM: &str =
    include_str!("../../../tests/data/dev_kmsg/linux-6.18-memcg-v1-oom-python.txt");

#[test]
fn dev_kmsg_records_are_a_kernel_log_with_their_release_and_stamps() {
    let out = parse(&data(KMSG_UTIL_LINUX), SourceKind::Dmesg);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::DevKmsg);
    assert_eq!(log.kernel_release.as_deref(), Some("6.6.4-arch1-1"));
    // The monotonic microseconds are the ring buffer's stamp.
    assert_eq!(log.first.as_ref().unwrap().uptime_s, Some(0.0));
    assert_eq!(log.last.as_ref().unwrap().uptime_s, Some(207.987439));
    // Records after the first begin with a NUL byte; the dictionary lines are no messages, and
    // the records of another facility than the kernel's (user 12-15, daemon 30, syslog 44-46:
    // systemd and programs writing to the device) are not the kernel's.
    let priorities: Vec<u32> = data(KMSG_UTIL_LINUX)
        .lines()
        .filter_map(|l| l.trim_start_matches('\0').split_once(','))
        .filter_map(|(p, _)| p.parse().ok())
        .collect();
    let kernel = priorities.iter().filter(|&&p| p < 8).count() as u32;
    assert_eq!((priorities.len(), kernel), (58, 45));
    assert_eq!(log.kernel_messages, kernel);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn a_memcg_oom_report_in_dev_kmsg_records_is_read_whole() {
    let text = data(KMSG_MEMCG_OOM);
    let out = parse(&text, SourceKind::Dmesg);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::DevKmsg);
    assert_eq!(log.kernel_release.as_deref(), Some("6.18.44-fc-v1272"));
    assert_eq!(log.oom_kills.len(), 1);
    let k = &log.oom_kills[0];
    assert_eq!(k.scope, OomScope::Memcg);
    assert_eq!(k.memcg.as_deref(), Some("/w2oom"));
    assert_eq!(k.memory_limit_kb, Some(65536));
    assert_eq!(k.memory_failcnt, Some(113));
    assert_eq!(k.stamp.uptime_s, Some(21476.949114));
    let victim = k.victim.as_ref().unwrap();
    assert_eq!((victim.pid, victim.comm.as_str()), (Some(27410), "python3"));
    assert_eq!(victim.anon_rss_kb, Some(65280));
    assert_eq!(k.task_table.len(), 1);
    assert!(k.missing.is_empty(), "{:?}", k.missing);
    // Evidence quotes the record as it was read.
    assert!(victim
        .line
        .text
        .starts_with("3,1189,21476949460,-;Memory cgroup"));
}

#[test]
fn dev_kmsg_continued_pieces_and_program_records() {
    // Kernels 3.5 to 4.8 flag the pieces of a continued line `c` and `+`; systemd writes its
    // own records with facility 3 (`30` = daemon.info).
    let text = "6,0,0,-;Linux version 4.4.0-21-generic (buildd@lgw01-21) (gcc version 5.3.1 20160413) #37-Ubuntu SMP\n\
                4,311,209670,c;smpboot: Booting Node 0\n\
                4,312,209671,+; Processors #1\n\
                30,520,3012345,-;systemd[1]: Started Journal Service.\n\
                3,521,3012400,-;Out of memory: Kill process 812 (java) score 901 or sacrifice child\n";
    let out = parse(text, SourceKind::Dmesg);
    assert_eq!(out.log.kernel_release.as_deref(), Some("4.4.0-21-generic"));
    assert_eq!(out.log.kernel_messages, 3);
    assert_eq!(out.log.last.as_ref().unwrap().uptime_s, Some(3.0124));
}

#[test]
fn dev_kmsg_is_recognised_by_path_and_by_content() {
    use crate::sources::{detect, Detection};
    let text = data(KMSG_MEMCG_OOM);
    for path in ["kmsg", "dev/kmsg", "sosreport-node1/dev/kmsg", "kmsg.txt"] {
        assert_eq!(
            detect(path, text.as_bytes()),
            (SourceKind::Dmesg, Detection::Path),
            "{path}"
        );
    }
    assert_eq!(
        detect("ring-buffer.txt", text.as_bytes()).0,
        SourceKind::Dmesg
    );
    assert_eq!(
        detect("attachment", KMSG_UTIL_LINUX.as_bytes()).0,
        SourceKind::Dmesg
    );
}

#[test]
fn a_hung_task_report_without_stamps_is_read() {
    let text = data(include_str!(
        "../../../tests/data/dmesg_hung_task/syzkaller-5.10.2-arm32-io-schedule-ext4.txt"
    ));
    let out = parse(&text, SourceKind::Dmesg);
    assert_eq!(out.log.format, KernelLogFormat::DmesgNoTimestamp);
    let hung: Vec<_> = out
        .log
        .messages
        .iter()
        .filter(|m| matches!(m.kind, KernelMessageKind::HungTask { .. }))
        .collect();
    assert_eq!(hung.len(), 1);
    assert!(matches!(
        &hung[0].kind,
        KernelMessageKind::HungTask { task, seconds: Some(122), .. } if task == "syz-executor.0"
    ));
}

/// A log without stamps pasted indented whole (a tab, or non-breaking spaces, before every
/// line) reads as it does unindented: its first line is at the margin, and only what is
/// indented past it continues a message.
#[test]
fn an_unstamped_log_indented_whole_reads_as_unindented() {
    for text in [CADVISOR_MEMCG, RHEL6] {
        let plain = parse(&data(text), SourceKind::Dmesg);
        for margin in ["\t", "\u{a0}\u{a0}", "    "] {
            let indented: String = data(text)
                .lines()
                .map(|l| format!("{margin}{l}\n"))
                .collect();
            let out = parse(&indented, SourceKind::Dmesg);
            assert_eq!(
                out.log.kernel_messages, plain.log.kernel_messages,
                "{margin:?}"
            );
            assert_eq!(out.log.oom_kills.len(), plain.log.oom_kills.len());
            assert_eq!(
                out.log.oom_kills.first().map(|k| k.task_table.len()),
                plain.log.oom_kills.first().map(|k| k.task_table.len())
            );
        }
    }
}

/// A site's rsyslog template: `2023-05-10 15:40:35 host kernel[-] err: [  245.356952] msg`, a
/// date and a time apart by a space, the severity's name after the tag.
#[test]
fn a_site_template_with_a_spaced_stamp_and_severity_words() {
    let text = data(include_str!(
        "../../../tests/data/syslog_framing/podman-18610-custom-template-severity-words.txt"
    ));
    let out = parse(&text, SourceKind::Syslog);
    let log = &out.log;
    assert_eq!(log.format, KernelLogFormat::SyslogIso);
    assert_eq!(log.hostnames, vec!["in4"]);
    assert_eq!(log.kernel_messages, 7);
    let first = log.first.as_ref().unwrap();
    assert_eq!(first.uptime_s, Some(69.953197));
    assert_eq!(
        first.wall,
        Some(WallClock::Local {
            at: "2023-05-10T15:37:39".parse().unwrap(),
            zone_abbrev: None
        })
    );
    let hung = log
        .messages
        .iter()
        .find(|m| matches!(m.kind, KernelMessageKind::HungTask { .. }))
        .expect("the hung task");
    assert_eq!(hung.stamp.uptime_s, Some(245.356952));
    assert!(hung
        .message
        .starts_with("INFO: task kworker/9:0:73 blocked"));
}
