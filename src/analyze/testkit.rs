//! Hand-built facts for the rule tests: the seed incident (a CentOS 7 node whose container
//! starts failed with an order-6 allocation failure), the healthy node it was compared with,
//! and two contrasting cases (memory really exhausted; fragmentation on a 5.x kernel).
//!
//! Every line quoted here is a line of the incident's files, numbered as in the file, so the
//! tests can check that evidence cites exactly what the bundle holds.

#![allow(dead_code, clippy::too_many_arguments)]

use std::collections::BTreeMap;

use crate::facts::*;
use crate::sources::{Detection, SourceKind};

use super::{Context, Rule};

/// The kernel log of the seed incident, line 1 first.
pub const SEED_DMESG: &[&str] = &[
    "[2751018.215519] docker_gwbridge: port 16(veth4c02c8b) entered disabled state",
    "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
    "[2751018.239917] CPU: 5 PID: 839206 Comm: runc:[1:CHILD] Tainted: G            E  ------------ T 3.10.0-514.26.2.el7.x86_64 #1",
    "[2751018.239919] Hardware name: Alibaba Cloud Alibaba Cloud ECS, BIOS rel-1.7.5-0-ge51488c-20140602_164612-nilsson.home.kraxel.org 04/01/2014",
    "[2751018.239931] Call Trace:",
    "[2751018.239940]  [<ffffffff81687133>] dump_stack+0x19/0x1b",
    "[2751018.239945]  [<ffffffff811870a0>] warn_alloc_failed+0x110/0x180",
    "[2751018.239990]  [<ffffffff811a62d0>] kmem_cache_create_memcg+0x110/0x230",
    "[2751018.239994]  [<ffffffff811a641b>] kmem_cache_create+0x2b/0x30",
    "[2751018.240003]  [<ffffffffa03029e1>] nf_conntrack_init_net+0x101/0x250 [nf_conntrack]",
    "[2751018.240009]  [<ffffffffa03032b4>] nf_conntrack_pernet_init+0x14/0x150 [nf_conntrack]",
    "[2751018.240025]  [<ffffffff810b5bb9>] create_new_namespaces+0xf9/0x180",
    "[2751018.240028]  [<ffffffff810b5dfa>] unshare_nsproxy_namespaces+0x5a/0xc0",
    "[2751018.240032]  [<ffffffff810852c3>] SyS_unshare+0x193/0x300",
    "[2751018.240036]  [<ffffffff81697809>] system_call_fastpath+0x16/0x1b",
    "[2751018.240038] Mem-Info:",
    "[2751018.240044] active_anon:1311792 inactive_anon:68376 isolated_anon:0",
    " active_file:59538 inactive_file:93653 isolated_file:0",
    " unevictable:1 dirty:8384 writeback:0 unstable:0",
    " slab_reclaimable:1510499 slab_unreclaimable:802998",
    " mapped:104765 shmem:68700 pagetables:50862 bounce:0",
    " free:66051 free_pcp:32 free_cma:0",
    "[2751018.240049] Node 0 DMA free:15860kB min:64kB low:80kB high:96kB  all_unreclaimable? yes",
    "[2751018.240056] lowmem_reserve[]: 0 2815 15868 15868",
    "[2751018.240060] Node 0 DMA32 free:153112kB min:11976kB low:14968kB high:17964kB active_anon:925112kB inactive_anon:41540kB active_file:43200kB inactive_file:180168kB unevictable:0kB isolated(anon):0kB isolated(file):0kB all_unreclaimable? no",
    "[2751018.240125] lowmem_reserve[]: 0 0 13053 13053",
    "[2751018.240129] Node 0 Normal free:95232kB min:55536kB low:69420kB high:83304kB active_anon:4322056kB inactive_anon:231964kB active_file:194952kB inactive_file:194444kB unevictable:4kB isolated(anon):0kB isolated(file):0kB present:13631488kB managed:13367060kB mlocked:4kB dirty:1936kB writeback:0kB mapped:366104kB shmem:232948kBslab_reclaimable:5108320kB slab_unreclaimable:2751412kB kernel_stack:27808kB pagetables:175532kB unstable:0kB bounce:0kB free_pcp:264kB local_pcp:0kB free_cma:0kB writeback_tmp:0kB pages_scanned:27 all_unreclaimable? no",
    "[2751018.240137] lowmem_reserve[]: 0 0 0 0",
    "[2751018.240140] Node 0 DMA: 1*4kB (U) 0*8kB 1*16kB (U) 1*32kB (U) 1*64kB (U) 1*128kB (U) 1*256kB (U) 0*512kB 1*1024kB (U) 1*2048kB (M) 3*4096kB (M) = 15860kB",
    "[2751018.240149] Node 0 DMA32: 1515*4kB (UEM) 2456*8kB (UEM) 907*16kB (UEM) 2236*32kB (UEM) 567*64kB (UEM) 52*128kB (UEM) 1*256kB (U) 0*512kB 0*1024kB 0*2048kB 0*4096kB = 154972kB",
    "[2751018.240159] Node 0 Normal: 15952*4kB (UEM) 2235*8kB (UEM) 859*16kB (UEM) 17*32kB (UE) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 95976kB",
    "[2751018.240167] Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB",
    "[2751018.240169] Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
    "[2751018.240170] 221859 total pagecache pages",
    "[2751018.240171] 0 pages in swap cache",
    "[2751018.240172] Swap cache stats: add 0, delete 0, find 0/0",
    "[2751018.240173] Free swap  = 0kB",
    "[2751018.240174] Total swap = 0kB",
    "[2751018.240175] 4194174 pages RAM",
    "[2751018.240176] 0 pages HighMem/MovableOnly",
    "[2751018.240177] 127317 pages reserved",
    "[2751018.240179] kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12",
    "[2751018.240181] CPU: 5 PID: 839206 Comm:runc:[1:CHILD] Tainted: G            E  ------------ T 3.10.0-514.26.2.el7.x86_64 #1",
    "[2751018.240183] Hardware name: Alibaba Cloud Alibaba Cloud ECS, BIOS rel-1.7.5-0-ge51488c-20140602_164612-nilsson.home.kraxel.org 04/01/2014",
    "[2751018.240184]  ffff8803b2254e60 000000009f4901bf ffff880066f2fd60 ffffffff81687133",
    "[2751018.240186]  ffff880066f2fdb0 ffffffff811a6322 0000000000080000 0000000000000000",
    "[2751018.240188]  00000000fffffff4 ffff88036ea66180 ffffffff81ae6580 ffff88036ea66180",
    "[2751018.240190] Call Trace:",
    "[2751018.240193]  [<ffffffff81687133>] dump_stack+0x19/0x1b",
    "[2751018.240196]  [<ffffffff811a6322>] kmem_cache_create_memcg+0x162/0x230",
    "[2751018.240198]  [<ffffffff811a641b>] kmem_cache_create+0x2b/0x30",
    "[2751018.240203]  [<ffffffffa03029e1>] nf_conntrack_init_net+0x101/0x250 [nf_conntrack]",
    "[2751018.240206]  [<ffffffffa03032b4>] nf_conntrack_pernet_init+0x14/0x150 [nf_conntrack]",
    "[2751018.240224]  [<ffffffff81568a9c>] copy_net_ns+0x7c/0x130",
    "[2751018.240227]  [<ffffffff810b5bb9>] create_new_namespaces+0xf9/0x180",
    "[2751018.240229]  [<ffffffff810b5dfa>] unshare_nsproxy_namespaces+0x5a/0xc0",
    "[2751018.240231]  [<ffffffff810852c3>] SyS_unshare+0x193/0x300",
    "[2751018.240235] Unable to create nf_conn slab cache",
];

pub const DMESG: &str = "sos_commands/kernel/dmesg";
pub const FREE: &str = "sos_commands/memory/free_-mh";
pub const BUDDYINFO: &str = "proc/buddyinfo";
pub const EXTFRAG: &str = "sys/kernel/debug/extfrag/extfrag_index";
pub const UNAME: &str = "sos_commands/kernel/uname_-a";
pub const RUN_ERROR: &str = "docker-run-error.txt";
pub const DAEMON_LOG: &str = "sos_commands/docker/journalctl_-u_docker";
pub const INSPECT: &str = "sos_commands/docker/docker_inspect_web.1";
pub const EVENTS: &str = "sos_commands/docker/docker_events";

/// Line `no` of the seed kernel log.
pub fn dl(no: u32) -> Line {
    let text = SEED_DMESG
        .get(no.saturating_sub(1) as usize)
        .copied()
        .unwrap_or_default();
    Line::new(no, text)
}

/// `/proc/buddyinfo` as captured on the failing node after the failure.
pub const SEED_BUDDYINFO: &[&str] = &[
    "Node 0, zone      DMA      1        0      1       1      1      1      1      0      1      1      3 ",
    "",
    "Node 0, zone    DMA32   8319   4025    634    266      0      0      0      0      0      0      0 ",
    "Node 0, zone   Normal   8860  11464    488    174     27     0      0      0      0      0      0 ",
];

/// `/proc/buddyinfo` of a healthy node of the same cluster.
pub const HEALTHY_BUDDYINFO: &[&str] = &[
    "Node 0, zone      DMA      1           0      0        1       2       1       1           0          1        1      3 ",
    "Node 0, zone    DMA32    571    288    125     38     19     12      5           5        401        0      0 ",
    "Node 0, zone   Normal   2121    754    758    419    735   1411   1202   1160   1075      3      1 ",
];

pub const SEED_EXTFRAG: &[&str] = &[
    "Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 ",
    "Node 0, zone     DMA32 -1.000 -1.000 -1.000 -1.000 0.864 0.932 0.966 0.983 0.992 0.996 0.998 ",
    "Node 0, zone     Normal -1.000 -1.000 -1.000 -1.000 0.919 0.960 0.980 0.990 0.995 0.998 0.999 ",
];

pub const SEED_FREE: &[&str] = &[
    "                  total        used        free          shared    buff/cache   available",
    "Mem:            15G        5.5G        270M        278M       9.7G       6.3G",
    "Swap:            0B          0B          0B",
];

pub const SEED_UNAME: &str =
    "Linux beta_004 3.10.0-514.26.2.el7.x86_64 #1 SMP Tue Jul 4 15:04:05 UTC 2017 x86_64 x86_64 x86_64 GNU/Linux";

pub const SEED_RUN_ERROR: &str = r#"Error response from daemon: Error response from daemon: oci runtime error: container_linux.go:262: starting container process caused "process_linux.go:247: running exec setns process for init caused \"exit status 34\"""#;

pub const SEED_DAEMON_LINE: &str = r#"Jan 23 20:10:01 beta_004 dockerd[1187]: time="2018-01-23T20:10:01.288512310+08:00" level=error msg="fatal task error" error="nsenter: failed to unshare namespaces: Cannot allocate memory" module=node/agent/taskmanager"#;

pub const SEED_INSPECT_START: &str = "    {";
pub const SEED_INSPECT_ERROR: &str = r#"            "Error": "oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"","#;
pub const SEED_INSPECT_MEMORY: &str = r#"            "Memory": 268435456,"#;
pub const SEED_INSPECT_EXIT: &str = r#"            "ExitCode": 128,"#;

pub const SEED_EVENTS: &[&str] = &[
    "2018-01-23T20:10:01.102553187+08:00 container create 3c9f2d1a7b6e (com.docker.swarm.task.name=web.1.x8k2, image=registry.example/web:1.4, name=web.1.x8k2)",
    "2018-01-23T20:10:01.301762211+08:00 container die 3c9f2d1a7b6e (com.docker.swarm.task.name=web.1.x8k2, exitCode=128, image=registry.example/web:1.4, name=web.1.x8k2)",
];

fn gib_tenths(tenths: u64) -> u64 {
    tenths * 1024 * 1024 * 1024 / 10
}

fn zone(
    name: &str,
    line: u32,
    free_kb: u64,
    min_kb: u64,
    low_kb: u64,
    high_kb: u64,
    reserve: (u32, &[u64]),
    lists: (u32, &[u64], &[&str], u64),
    fields: &[(&str, u64)],
) -> ZoneDump {
    ZoneDump {
        node: Some(0),
        zone: name.to_string(),
        free_kb: Some(free_kb),
        min_kb: Some(min_kb),
        low_kb: Some(low_kb),
        high_kb: Some(high_kb),
        fields_kb: fields.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        line: Some(dl(line)),
        lowmem_reserve: reserve.1.to_vec(),
        lowmem_reserve_line: Some(dl(reserve.0)),
        free_lists: Some(FreeLists {
            counts: lists.1.to_vec(),
            migratetypes: lists.2.iter().map(|s| s.to_string()).collect(),
            total_kb: Some(lists.3),
            page_kb: 4,
            line: dl(lists.0),
        }),
    }
}

fn stamp(uptime: f64) -> Stamp {
    Stamp {
        uptime_s: Some(uptime),
        wall: None,
    }
}

/// The Mem-Info block of the seed failure report.
pub fn seed_mem_info() -> MemInfoDump {
    let counters: BTreeMap<String, u64> = [
        ("active_anon", 1311792),
        ("inactive_anon", 68376),
        ("isolated_anon", 0),
        ("active_file", 59538),
        ("inactive_file", 93653),
        ("isolated_file", 0),
        ("unevictable", 1),
        ("dirty", 8384),
        ("writeback", 0),
        ("unstable", 0),
        ("slab_reclaimable", 1510499),
        ("slab_unreclaimable", 802998),
        ("mapped", 104765),
        ("shmem", 68700),
        ("pagetables", 50862),
        ("bounce", 0),
        ("free", 66051),
        ("free_pcp", 32),
        ("free_cma", 0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    MemInfoDump {
        first_line: 16,
        counters_pages: counters,
        zones: vec![
            zone(
                "DMA",
                23,
                15860,
                64,
                80,
                96,
                (24, &[0, 2815, 15868, 15868]),
                (
                    29,
                    &[1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3],
                    &["U", "", "U", "U", "U", "U", "U", "", "U", "M", "M"],
                    15860,
                ),
                &[],
            ),
            zone(
                "DMA32",
                25,
                153112,
                11976,
                14968,
                17964,
                (26, &[0, 0, 13053, 13053]),
                (
                    30,
                    &[1515, 2456, 907, 2236, 567, 52, 1, 0, 0, 0, 0],
                    &[
                        "UEM", "UEM", "UEM", "UEM", "UEM", "UEM", "U", "", "", "", "",
                    ],
                    154972,
                ),
                &[("active_anon", 925112), ("inactive_file", 180168)],
            ),
            zone(
                "Normal",
                27,
                95232,
                55536,
                69420,
                83304,
                (28, &[0, 0, 0, 0]),
                (
                    31,
                    &[15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0],
                    &["UEM", "UEM", "UEM", "UE", "", "", "", "", "", "", ""],
                    95976,
                ),
                &[
                    ("present", 13631488),
                    ("managed", 13367060),
                    ("slab_reclaimable", 5108320),
                    ("slab_unreclaimable", 2751412),
                ],
            ),
        ],
        total_pagecache_pages: Some(221859),
        swap_cache_pages: Some(0),
        free_swap_kb: Some(0),
        total_swap_kb: Some(0),
        pages_ram: Some(4194174),
        pages_highmem: Some(0),
        pages_reserved: Some(127317),
        cut_off: false,
    }
}

/// The seed's kernel log, parsed.
pub fn seed_kernel_log() -> KernelLog {
    let trace: Vec<Line> = (6..=15).map(dl).collect();
    let call_trace = [
        "dump_stack",
        "warn_alloc_failed",
        "kmem_cache_create_memcg",
        "kmem_cache_create",
        "nf_conntrack_init_net",
        "nf_conntrack_pernet_init",
        "create_new_namespaces",
        "unshare_nsproxy_namespaces",
        "SyS_unshare",
        "system_call_fastpath",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let failure = AllocFailure {
        header: dl(2),
        stamp: stamp(2751018.239907),
        task: "runc:[1:CHILD]".to_string(),
        pid: Some(839206),
        order: 6,
        gfp: GfpMask {
            raw: 0x10c0d0,
            printed: Vec::new(),
            decoded: ["GFP_KERNEL", "__GFP_COMP", "__GFP_ZERO", "__GFP_KMEMCG"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        },
        nodemask: None,
        cpuset: None,
        mems_allowed: None,
        kernel_release: Some("3.10.0-514.26.2.el7.x86_64".to_string()),
        call_trace,
        trace_lines: trace,
        mem_info: Some(seed_mem_info()),
        end_line: 41,
    };
    let cache_failure = CacheCreateFailure {
        line: dl(42),
        stamp: stamp(2751018.240179),
        cache: "nf_conntrack_ffff88036ea66180".to_string(),
        error: -12,
        call_trace: [
            "dump_stack",
            "kmem_cache_create_memcg",
            "kmem_cache_create",
            "nf_conntrack_init_net",
            "nf_conntrack_pernet_init",
            "copy_net_ns",
            "create_new_namespaces",
            "unshare_nsproxy_namespaces",
            "SyS_unshare",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    };
    KernelLog {
        format: KernelLogFormat::DmesgRaw,
        lines: 58,
        kernel_messages: 58,
        first: Some(stamp(2751018.215519)),
        last: Some(stamp(2751018.240235)),
        kernel_release: Some("3.10.0-514.26.2.el7.x86_64".to_string()),
        alloc_failures: vec![failure],
        oom_kills: Vec::new(),
        slub_failures: Vec::new(),
        cache_create_failures: vec![cache_failure],
        messages: vec![
            KernelMessage {
                line: dl(1),
                stamp: stamp(2751018.215519),
                kind: KernelMessageKind::BridgePort {
                    bridge: "docker_gwbridge".to_string(),
                    port: "veth4c02c8b".to_string(),
                    state: "disabled".to_string(),
                },
                message: "docker_gwbridge: port 16(veth4c02c8b) entered disabled state".to_string(),
                repeat: None,
            },
            KernelMessage {
                line: dl(58),
                stamp: stamp(2751018.240235),
                kind: KernelMessageKind::NfConnCacheFailure,
                message: "Unable to create nf_conn slab cache".to_string(),
                repeat: None,
            },
        ],
        hostnames: Vec::new(),
        mem_info_dumps: Vec::new(),
        boot_marks: Vec::new(),
    }
}

/// Buddy lines (`Node 0, zone Normal ...`) read as a table; blank lines skipped.
pub fn buddyinfo_from(lines: &[&str]) -> BuddyInfo {
    let mut zones = Vec::new();
    for (i, text) in lines.iter().enumerate() {
        let mut words = text.split_whitespace();
        if words.next() != Some("Node") {
            continue;
        }
        let node = words
            .next()
            .and_then(|w| w.trim_end_matches(',').parse().ok())
            .unwrap_or(0);
        let _ = words.next();
        let zone = words.next().unwrap_or_default().to_string();
        let counts = words.filter_map(|w| w.parse().ok()).collect();
        zones.push(BuddyZone {
            node,
            zone,
            counts,
            line: Line::new(i as u32 + 1, *text),
        });
    }
    BuddyInfo { zones }
}

fn extfrag_from(lines: &[&str]) -> FragIndexTable {
    let zones = buddyinfo_from(lines)
        .zones
        .into_iter()
        .map(|z| FragIndexZone {
            node: z.node,
            zone: z.zone,
            values: z
                .line
                .text
                .split_whitespace()
                .skip(4)
                .filter_map(|w| w.parse().ok())
                .collect(),
            line: z.line,
        })
        .collect();
    FragIndexTable { zones }
}

fn source(path: &str, kind: SourceKind) -> SourceInfo {
    SourceInfo {
        path: path.to_string(),
        size: 1,
        kind,
        detection: Detection::Path,
        records: 1,
        warnings: Vec::new(),
        problem: None,
        mtime: None,
    }
}

/// The failing container's `docker inspect`.
pub fn seed_container() -> Container {
    let error = "oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"";
    let error_line = Line::new(15, SEED_INSPECT_ERROR);
    Container {
        engine: Engine::Docker,
        id: "3c9f2d1a7b6e0c55a1f0d4be2a8e9c7f1d2b3a4c5d6e7f8091a2b3c4d5e6f708".to_string(),
        name: Some("web.1.x8k2".to_string()),
        image: Some("registry.example/web:1.4".to_string()),
        created: None,
        state: ContainerState {
            status: Some("created".to_string()),
            running: Some(false),
            oom_killed: Some(false),
            oom_killed_line: None,
            exit_code: Some(128),
            exit_code_line: Some(Line::new(14, SEED_INSPECT_EXIT)),
            error: Some(error.to_string()),
            start_error: crate::parse::runtime_error::scan_line(&error_line, error),
            error_line: Some(error_line),
            started_at: None,
            finished_at: None,
        },
        memory: MemoryLimits {
            limit_bytes: Some(268435456),
            limit_line: Some(Line::new(62, SEED_INSPECT_MEMORY)),
            reservation_bytes: Some(0),
            swap_bytes: Some(-1),
            kernel_bytes: Some(0),
            kernel_tcp_bytes: Some(0),
            swappiness: None,
            oom_kill_disable: Some(false),
        },
        env_names: Vec::new(),
        sizing_env: Vec::new(),
        command: Vec::new(),
        labels: BTreeMap::new(),
        cgroup_parent: None,
        runtime: Some("runc".to_string()),
        line: Line::new(2, SEED_INSPECT_START),
    }
}

fn events() -> Vec<DockerEvent> {
    SEED_EVENTS
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let action = if i == 0 { "create" } else { "die" };
            let mut attributes = BTreeMap::new();
            attributes.insert("name".into(), "web.1.x8k2".into());
            attributes.insert("image".into(), "registry.example/web:1.4".into());
            if action == "die" {
                attributes.insert("exitCode".into(), "128".into());
            }
            DockerEvent {
                time: None,
                object_type: "container".to_string(),
                action: action.to_string(),
                actor_id: "3c9f2d1a7b6e".to_string(),
                attributes,
                line: Line::new(i as u32 + 1, *text),
                repeat: None,
            }
        })
        .collect()
}

fn sourced<T>(path: &str, value: T) -> Sourced<T> {
    Sourced {
        path: path.to_string(),
        value,
    }
}

/// The facts of a kubelet log whose lines quote a start failure and an exec failure of
/// container `app` of pod `shop/web-6d4cf56db6-x7k2p`.
pub fn kubelet_failure_facts() -> Facts {
    let log = crate::parse::testing::data(
        "kubelet_log/k8s-source-structured-start-and-exec-failures.txt",
    );
    crate::parse::testing::facts_of(&[(
        "var/log/kubelet.log",
        crate::sources::SourceKind::DaemonLog,
        &log,
    )])
}

/// The seed incident's facts.
pub fn seed_facts() -> Facts {
    let free = Free {
        layout: FreeLayout::Available,
        unit: "human".to_string(),
        mem: FreeRow {
            total_bytes: Some(15 * 1024 * 1024 * 1024),
            used_bytes: Some(gib_tenths(55)),
            free_bytes: Some(270 * 1024 * 1024),
            shared_bytes: Some(278 * 1024 * 1024),
            buffers_bytes: None,
            cache_bytes: None,
            buff_cache_bytes: Some(gib_tenths(97)),
            available_bytes: Some(gib_tenths(63)),
        },
        swap: Some(FreeRow {
            total_bytes: Some(0),
            used_bytes: Some(0),
            free_bytes: Some(0),
            ..FreeRow::default()
        }),
        mem_line: Some(Line::new(2, SEED_FREE[1])),
        swap_line: Some(Line::new(3, SEED_FREE[2])),
        unit_assumed: false,
    };
    let run_error = RuntimeError {
        line: Line::new(1, SEED_RUN_ERROR),
        time: None,
        kind: RuntimeErrorKind::StartFailure,
        exit_status: Some(34),
        failed_step: Some("running exec setns process for init".to_string()),
        errno_text: None,
        cgroup_path: None,
        go_locations: vec![
            "container_linux.go:262".to_string(),
            "process_linux.go:247".to_string(),
        ],
        container: None,
        setup: None,
        pod: None,
        pod_uid: None,
    };
    let unshare_error = RuntimeError {
        line: Line::new(3, SEED_DAEMON_LINE),
        time: None,
        kind: RuntimeErrorKind::StartFailure,
        exit_status: None,
        failed_step: Some("failed to unshare namespaces".to_string()),
        errno_text: Some("Cannot allocate memory".to_string()),
        cgroup_path: None,
        go_locations: Vec::new(),
        container: None,
        setup: None,
        pod: None,
        pod_uid: None,
    };
    Facts {
        sources: vec![
            source(DMESG, SourceKind::Dmesg),
            source(FREE, SourceKind::Free),
            source(BUDDYINFO, SourceKind::Buddyinfo),
            source(EXTFRAG, SourceKind::ExtfragIndex),
            source(UNAME, SourceKind::Uname),
            source(RUN_ERROR, SourceKind::RuntimeError),
            source(DAEMON_LOG, SourceKind::DaemonLog),
            source(INSPECT, SourceKind::ContainerInspect),
            source(EVENTS, SourceKind::DockerEvents),
        ],
        kernel_logs: vec![sourced(DMESG, seed_kernel_log())],
        runtime_errors: vec![
            sourced(RUN_ERROR, vec![run_error]),
            sourced(DAEMON_LOG, vec![unshare_error]),
        ],
        free: vec![sourced(FREE, free)],
        buddyinfo: vec![sourced(BUDDYINFO, buddyinfo_from(SEED_BUDDYINFO))],
        extfrag_index: vec![sourced(EXTFRAG, extfrag_from(SEED_EXTFRAG))],
        uname: vec![sourced(
            UNAME,
            Uname {
                kernel_name: "Linux".to_string(),
                hostname: Some("beta_004".to_string()),
                release: "3.10.0-514.26.2.el7.x86_64".to_string(),
                version: Some("#1 SMP Tue Jul 4 15:04:05 UTC 2017".to_string()),
                machine: Some("x86_64".to_string()),
                line: Line::new(1, SEED_UNAME),
            },
        )],
        docker_events: vec![sourced(EVENTS, events())],
        containers: vec![sourced(INSPECT, seed_container())],
        ..Facts::default()
    }
}

/// A `sysctl.txt` of the given settings, one a line, for a test to add to facts.
pub fn sysctl(settings: &[(&str, i64)]) -> crate::facts::Sourced<crate::facts::KeyValues> {
    crate::facts::Sourced {
        path: "sysctl.txt".into(),
        value: crate::facts::KeyValues {
            entries: settings
                .iter()
                .zip(1..)
                .map(|((key, value), no)| crate::facts::KeyValue {
                    key: (*key).into(),
                    value: Some(*value),
                    raw: value.to_string(),
                    line: Line::new(no, format!("{key} = {value}")),
                })
                .collect(),
        },
    }
}

/// The healthy node of the seed incident: its `/proc/buddyinfo` and kernel.
pub fn healthy_facts() -> Facts {
    Facts {
        sources: vec![source(BUDDYINFO, SourceKind::Buddyinfo)],
        buddyinfo: vec![sourced(BUDDYINFO, buddyinfo_from(HEALTHY_BUDDYINFO))],
        ..Facts::default()
    }
}

/// A context over `facts`, optionally with a baseline.
pub fn context<'a>(facts: &'a Facts, baseline: Option<&'a Facts>) -> Context<'a> {
    Context::new(facts, baseline)
}

/// A failure report built from plain lines: `lines[0]` is the header; zones are given as
/// (name, zone line, free kB, min kB, reserve, free-list counts).
pub struct CaseBuilder {
    pub path: &'static str,
    pub lines: Vec<String>,
}

impl CaseBuilder {
    fn line(&self, no: u32) -> Line {
        Line::new(
            no,
            self.lines
                .get(no.saturating_sub(1) as usize)
                .cloned()
                .unwrap_or_default(),
        )
    }
}

/// Zone lines in the order the kernel prints them, for a hand-made case.
pub struct CaseZone {
    pub name: &'static str,
    pub free_kb: u64,
    pub min_kb: u64,
    pub reserve: Vec<u64>,
    pub counts: Vec<u64>,
}

fn case_report(
    path: &'static str,
    release: &str,
    header: &str,
    task: &str,
    order: u32,
    gfp: GfpMask,
    counters: &[(&str, u64)],
    zones: Vec<CaseZone>,
) -> (KernelLog, CaseBuilder) {
    let mut lines = vec![header.to_string(), "Mem-Info:".to_string()];
    let mut dumps = Vec::new();
    let mut zone_lines = Vec::new();
    for z in &zones {
        lines.push(format!(
            "Node 0 {} free:{}kB min:{}kB low:{}kB high:{}kB",
            z.name,
            z.free_kb,
            z.min_kb,
            z.min_kb * 5 / 4,
            z.min_kb * 3 / 2
        ));
        let zl = lines.len() as u32;
        lines.push(format!(
            "lowmem_reserve[]: {}",
            z.reserve
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        zone_lines.push((zl, zl + 1));
    }
    let mut list_lines = Vec::new();
    for z in &zones {
        let total: u64 = z.counts.iter().enumerate().map(|(o, c)| c * (4 << o)).sum();
        let body: Vec<String> = z
            .counts
            .iter()
            .enumerate()
            .map(|(o, c)| format!("{}*{}kB", c, 4u64 << o))
            .collect();
        lines.push(format!(
            "Node 0 {}: {} = {}kB",
            z.name,
            body.join(" "),
            total
        ));
        list_lines.push((lines.len() as u32, total));
    }
    let case = CaseBuilder { path, lines };
    for (i, z) in zones.into_iter().enumerate() {
        let (zl, rl) = zone_lines[i];
        let (ll, total) = list_lines[i];
        dumps.push(ZoneDump {
            node: Some(0),
            zone: z.name.to_string(),
            free_kb: Some(z.free_kb),
            min_kb: Some(z.min_kb),
            low_kb: Some(z.min_kb * 5 / 4),
            high_kb: Some(z.min_kb * 3 / 2),
            fields_kb: BTreeMap::new(),
            line: Some(case.line(zl)),
            lowmem_reserve: z.reserve,
            lowmem_reserve_line: Some(case.line(rl)),
            free_lists: Some(FreeLists {
                migratetypes: vec![String::new(); z.counts.len()],
                counts: z.counts,
                total_kb: Some(total),
                page_kb: 4,
                line: case.line(ll),
            }),
        });
    }
    let failure = AllocFailure {
        header: case.line(1),
        stamp: stamp(1000.0),
        task: task.to_string(),
        pid: None,
        order,
        gfp,
        nodemask: None,
        cpuset: None,
        mems_allowed: None,
        kernel_release: Some(release.to_string()),
        call_trace: Vec::new(),
        trace_lines: Vec::new(),
        mem_info: Some(MemInfoDump {
            first_line: 2,
            counters_pages: counters.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            zones: dumps,
            ..MemInfoDump::default()
        }),
        end_line: case.lines.len() as u32,
    };
    let log = KernelLog {
        format: KernelLogFormat::DmesgNoTimestamp,
        lines: case.lines.len() as u32,
        kernel_messages: case.lines.len() as u32,
        first: None,
        last: None,
        kernel_release: Some(release.to_string()),
        alloc_failures: vec![failure],
        oom_kills: Vec::new(),
        slub_failures: Vec::new(),
        cache_create_failures: Vec::new(),
        messages: Vec::new(),
        hostnames: Vec::new(),
        mem_info_dumps: Vec::new(),
        boot_marks: Vec::new(),
    };
    (log, case)
}

fn meminfo(path: &str, entries: &[(&str, i64)]) -> Sourced<KeyValues> {
    sourced(
        path,
        KeyValues {
            entries: entries
                .iter()
                .enumerate()
                .map(|(i, (k, v))| KeyValue {
                    key: k.to_string(),
                    value: Some(*v),
                    raw: format!("{v} kB"),
                    line: Line::new(i as u32 + 1, format!("{k}:{v:>16} kB")),
                })
                .collect(),
        },
    )
}

/// Memory really ran out: a 4.19 host whose Normal zone sits below its min watermark, with
/// little page cache and slab, and an order-2 request that had blocks but no pages to spare.
pub fn exhaustion_facts() -> Facts {
    let (log, _) = case_report(
        "var/log/kern.log",
        "4.19.0-6-amd64",
        "java: page allocation failure: order:2, mode:0x6000c0(GFP_KERNEL), nodemask=(null)",
        "java",
        2,
        GfpMask {
            raw: 0x6000c0,
            printed: vec!["GFP_KERNEL".to_string()],
            decoded: Vec::new(),
        },
        &[
            ("active_anon", 3_900_000),
            ("inactive_anon", 120_000),
            ("active_file", 3_000),
            ("inactive_file", 2_500),
            ("slab_reclaimable", 9_000),
            ("slab_unreclaimable", 30_000),
            ("free", 16_500),
        ],
        vec![
            CaseZone {
                name: "DMA32",
                free_kb: 11_000,
                min_kb: 8_000,
                reserve: vec![0, 0, 12_000, 12_000, 12_000],
                counts: vec![900, 400, 120, 40, 10, 2, 0, 0, 0, 0, 0],
            },
            CaseZone {
                name: "Normal",
                free_kb: 54_000,
                min_kb: 58_000,
                reserve: vec![0, 0, 0, 0, 0],
                counts: vec![6_100, 2_300, 420, 60, 4, 0, 0, 0, 0, 0, 0],
            },
        ],
    );
    Facts {
        sources: vec![
            source("var/log/kern.log", SourceKind::Syslog),
            source("proc/meminfo", SourceKind::Meminfo),
        ],
        kernel_logs: vec![sourced("var/log/kern.log", log)],
        meminfo: vec![meminfo(
            "proc/meminfo",
            &[
                ("MemTotal", 16_318_000),
                ("MemFree", 66_000),
                ("MemAvailable", 98_000),
                ("Slab", 156_000),
                ("SReclaimable", 36_000),
                ("SUnreclaim", 120_000),
            ],
        )],
        ..Facts::default()
    }
}

/// Fragmentation on a 5.15 kernel: plenty of order-0 memory, no free block of order 4 or above
/// in Normal or DMA32, free far above min.
pub fn modern_fragmentation_facts() -> Facts {
    let (log, _) = case_report(
        "var/log/syslog",
        "5.15.0-1019-azure",
        "ip: page allocation failure: order:4, mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0",
        "ip",
        4,
        GfpMask {
            raw: 0x40dc0,
            printed: vec![
                "GFP_KERNEL".to_string(),
                "__GFP_COMP".to_string(),
                "__GFP_ZERO".to_string(),
            ],
            decoded: Vec::new(),
        },
        &[
            ("active_anon", 900_000),
            ("inactive_file", 1_400_000),
            ("slab_reclaimable", 700_000),
            ("slab_unreclaimable", 200_000),
            ("free", 262_000),
        ],
        vec![
            CaseZone {
                name: "DMA32",
                free_kb: 60_000,
                min_kb: 6_000,
                reserve: vec![0, 0, 13_000, 13_000, 13_000],
                counts: vec![5_000, 3_000, 1_000, 100, 0, 0, 0, 0, 0, 0, 0],
            },
            CaseZone {
                name: "Normal",
                free_kb: 988_000,
                min_kb: 45_000,
                reserve: vec![0, 0, 0, 0, 0],
                counts: vec![120_000, 50_000, 10_000, 1_500, 0, 0, 0, 0, 0, 0, 0],
            },
        ],
    );
    Facts {
        sources: vec![
            source("var/log/syslog", SourceKind::Syslog),
            source("proc/meminfo", SourceKind::Meminfo),
        ],
        kernel_logs: vec![sourced("var/log/syslog", log)],
        meminfo: vec![meminfo(
            "proc/meminfo",
            &[
                ("MemTotal", 16_318_000),
                ("MemFree", 1_048_000),
                ("MemAvailable", 7_900_000),
                ("Slab", 3_600_000),
                ("SReclaimable", 2_800_000),
                ("SUnreclaim", 800_000),
            ],
        )],
        ..Facts::default()
    }
}

/// Whether every evidence item of `findings` quotes a line that exists, verbatim, in `facts`.
pub fn evidence_is_real(facts: &Facts, evidence: &[crate::report::Evidence]) -> bool {
    let json = serde_json::to_string(facts).unwrap_or_default();
    evidence.iter().all(|e| {
        let quoted = serde_json::to_string(&Line::new(e.line.unwrap_or(0), e.text.clone()))
            .unwrap_or_default();
        json.contains(&quoted) && json.contains(&format!("\"path\":\"{}\"", e.path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_lines_are_the_incident_lines() {
        assert_eq!(
            dl(2).text,
            "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0"
        );
        assert_eq!(
            dl(42).text,
            "[2751018.240179] kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12"
        );
        assert_eq!(
            dl(58).text,
            "[2751018.240235] Unable to create nf_conn slab cache"
        );
        let facts = seed_facts();
        let normal = &facts.buddyinfo[0].value.zones[2];
        assert_eq!(normal.zone, "Normal");
        assert_eq!(normal.counts, [8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0]);
        assert_eq!(normal.line.no, 4);
        let healthy = healthy_facts();
        assert_eq!(healthy.buddyinfo[0].value.zones[2].counts[8], 1075);
        let ext = &facts.extfrag_index[0].value.zones[1];
        assert_eq!(ext.values[4], 0.864);
    }

    /// A case is a bundle: what its findings cite is a file it lists, and what the evidence
    /// gap says is missing is no kind it lists.
    #[test]
    fn every_case_lists_the_files_its_findings_cite() {
        for (name, facts) in cases() {
            let healthy = healthy_facts();
            let analysis = crate::analyze::analyze(&context(&facts, Some(&healthy)));
            for f in &analysis.findings {
                for e in &f.evidence {
                    assert!(
                        facts.sources.iter().any(|s| s.path == e.path),
                        "{name}: {} cites {}, which the case does not list",
                        f.id,
                        e.path
                    );
                }
            }
            let gap = analysis
                .findings
                .iter()
                .find(|f| f.id == "bundle.evidence-gap")
                .map(|f| f.explanation.clone())
                .unwrap_or_default();
            for s in &facts.sources {
                let said_missing = match s.kind {
                    SourceKind::Meminfo | SourceKind::Free => {
                        gap.contains("no /proc/meminfo or free output")
                    }
                    SourceKind::Buddyinfo => gap.contains("no /proc/buddyinfo"),
                    SourceKind::Slabinfo => gap.contains("no /proc/slabinfo"),
                    _ => false,
                };
                assert!(!said_missing, "{name}: the gap says {} is missing", s.path);
            }
        }
    }

    #[test]
    fn evidence_check_rejects_invented_lines() {
        let facts = seed_facts();
        let real = crate::analyze::evidence::cite(DMESG, &dl(2));
        assert!(evidence_is_real(&facts, &[real]));
        let invented = crate::analyze::evidence::cite(DMESG, &Line::new(2, "order:7"));
        assert!(!evidence_is_real(&facts, &[invented]));
    }
}

/// Every case of the testkit, by name.
pub fn cases() -> Vec<(&'static str, Facts)> {
    vec![
        ("seed", seed_facts()),
        ("exhaustion", exhaustion_facts()),
        ("modern_fragmentation", modern_fragmentation_facts()),
        ("healthy", healthy_facts()),
    ]
}

/// Every finding of a case as a reader meets it: id, title, verdict sentence and explanation.
pub fn explained(facts: &Facts) -> String {
    let healthy = healthy_facts();
    let analysis = super::analyze(&context(facts, Some(&healthy)));
    let mut out = String::new();
    for f in &analysis.findings {
        out.push_str(&format!("## {}: {}\n", f.id, f.title));
        if !f.sentence.is_empty() {
            out.push_str(&format!("> {}\n", f.sentence));
        }
        out.push_str(&format!("\n{}\n\n", f.explanation));
    }
    if let Some(rc) = &analysis.root_cause {
        out.push_str(&format!("# {}\n{}\n", rc.verdict, rc.summary));
    }
    out
}

#[cfg(test)]
mod explanations {
    use super::*;

    // The exact text of every rule's explanation for each case: a broken sentence fails here.

    #[test]
    fn seed_explained() {
        insta::assert_snapshot!(explained(&seed_facts()), @r###"
## container.start-failure: Container web.1.x8k2 (3c9f2d1a7b6e) failed to start
> The container runtime failed to start container `web.1.x8k2 (3c9f2d1a7b6e)`: runc reported `failed to unshare namespaces: Cannot allocate memory`. Docker recorded the container dying with exit code 128 without its process ever running.

The container runtime failed to start container `web.1.x8k2 (3c9f2d1a7b6e)`: runc reported `failed to unshare namespaces: Cannot allocate memory`. Docker recorded the container dying with exit code 128 without its process ever running.

`exit status 34` is not an errno. In runc releases before 1.0.0-rc9 the namespace setup code (`nsexec`) exits with the ordinal of the `bail()` call that failed, a number that differs from one runc build to the next (for runc of early 2017, bail 34 is `failed to unshare namespaces`). Reading it as errno 34 is a common misreading. The cause is the text runc prints next to it and the kernel log at that moment.

`ENOMEM`: the kernel could not allocate memory for the namespaces. That does not mean the host was out of memory: a single large contiguous kernel allocation fails the same way on a host with gigabytes free. The kernel log at the same moment says which allocation it was.

## mm.high-order-alloc-failure: Order-6 (256 KiB) kernel allocation failed in runc:[1:CHILD]
> The container start failed because runc's `unshare()` of a new network namespace needed an order-6 (256 KiB) contiguous kernel allocation for the namespace's conntrack slab cache.

`runc:[1:CHILD]` asked the kernel for an order-6 block: 64 contiguous pages, 256 KiB. It was creating a new network namespace through `unshare()`, which made the kernel create a slab cache for the namespace.

GFP mode `0x10c0d0` = `GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG`. It was an ordinary kernel request (`GFP_KERNEL`): it may sleep, reclaim page cache and compact memory, and it still failed, so the allocator could not put a block of that size together. `__GFP_COMP` with `__GFP_ZERO` is the mark of a large zeroed `kzalloc` that bypassed the slab caches and went straight to the page allocator. The request was charged to a memory cgroup's kernel-memory counter (`__GFP_KMEMCG` on 3.10, `__GFP_ACCOUNT` later): kmem accounting was active.

Call path, outermost first: `SyS_unshare -> unshare_nsproxy_namespaces -> create_new_namespaces -> nf_conntrack_pernet_init -> nf_conntrack_init_net -> kmem_cache_create -> kmem_cache_create_memcg`.

A high-order failure says that no free block of the size was available in the zones the request could use; whether that was because memory was fragmented or because it was really used up is decided from the free lists of the report (see the condition findings).

## mm.slab-cache-create-failure: Per-namespace conntrack cache nf_conntrack_ffff88036ea66180 could not be created

The kernel failed to create the slab cache `nf_conntrack_ffff88036ea66180` (`-12` is ENOMEM: out of memory for this request). Netfilter then gave up on the namespace (`Unable to create nf_conn slab cache`), so the `unshare()`/`clone()` that asked for it returned ENOMEM.

On kernels 2.6.33 to 4.6 every new network namespace creates its own conntrack slab cache, named `nf_conntrack_` followed by the address of the namespace (a number on RHEL 7.9), as soon as the `nf_conntrack` module is loaded (Docker loads it for its NAT rules). Every container start with its own network namespace therefore creates a new root slab cache. This kernel (`3.10.0-514.26.2.el7.x86_64`) is in that range.

The trace runs through `kmem_cache_create_memcg`: with memory-cgroup kernel memory accounting active, creating a root cache on 3.10 also allocates the cache's per-memcg parameter array, one pointer per kmem-active memory cgroup id, and that array is what needed the large contiguous block.

## mm.external-fragmentation: Memory fragmented: 6.3 GiB available but no free block of order 6 (256 KiB) in Normal
> No zone could serve it because memory was fragmented, not used up (6.3 GiB available, no free block larger than 32 KiB in `Normal`, fragmentation index 0.92 to 0.999).

The order-6 request (256 KiB) failed although memory was not used up: `free` shows 6.3 GiB available of 15 GiB, but at the failure the largest free block in `Normal` was 32 KiB (order 3), and no zone the request could use had a block it was allowed to take; fragmentation index 0.981 at order 6 (computed from the free lists at the failure; the `extfrag_index` file captured later reads 0.980).

| zone | free | min | free blocks of order >= 6 | largest free block | watermark check | fragmentation index at order 6 |
|---|---|---|---|---|---|---|
| `Normal` | 93 MiB | 54.2 MiB | 0 | 32 KiB | fails at order 1: 3323 pages left in larger blocks against a mark of 3471 | 0.981 |
| `DMA32` | 150 MiB | 11.7 MiB | 1 | 256 KiB | fails at order 5: 0 pages left in larger blocks against a mark of 46 | -1.000 |
| `DMA` | 15.5 MiB | 64 KiB | 6 | 4 MiB | fails: 3902 free pages against min plus a reserve of 15868 pages kept for higher zones | -1.000 |

This kernel (`3.10.0-514.26.2.el7.x86_64`) uses the pre-4.4 watermark check, in which pages in blocks smaller than the request do not count. In `Normal`, 23808 pages were free against a min watermark of 13884 pages, but once the blocks of order 0 to 1 are set aside only 3323 pages remain against a mark halved to 3471: the check fails at order 1.

The request could fall back to lower zones, and none could serve it: `DMA32` had one free block of order 6 or above and failed the per-order watermark check at order 5; `DMA` had 6 free blocks of order 6 or above and is held back by its `lowmem_reserve` of 15868 pages against requests that could use `Normal`.

How to read the fragmentation index: a value near 1.000 means a request fails because free memory is fragmented, a value near 0 means it fails for lack of memory, and -1.000 means a free block of that order exists. In `Normal` the computed index runs from 0.922 to 0.999 over the orders with no free block: fragmentation, not lack of memory. The debugfs `extfrag_index` file, read after the failure, agrees to within 0.003 on those orders (the free lists moved a little in between).

Free blocks per order in `Normal`, at the failure (sos_commands/kernel/dmesg:31): `15952 2235 859 17 0 0 0 0 0 0 0`; at collection (proc/buddyinfo:4): `8860 11464 488 174 27 0 0 0 0 0 0`. There was still no free block of order 6 or above when the bundle was collected: the state persisted.

On the healthy node given for comparison, `Normal` had 3441 free blocks of order 6 or above (1202 of order 6 (256 KiB each), 1160 of order 7 (512 KiB each), 1075 of order 8 (1 MiB each), 3 of order 9 (2 MiB each), 1 of order 10 (4 MiB each)); largest free order 10; fragmentation index -1.000 at order 6.

Reclaimable slab held 5.8 GiB (36% of RAM) at the failure. Slab pages cannot be moved by compaction, so the kernel could not rebuild order-6 blocks out of the memory slab held; only freeing slab objects (reclaim, `drop_caches`) gives compaction room.

## mm.slab-growth: Slab holds 8.8 GiB (55% of RAM)

Kernel slab caches held 8.8 GiB of 16 GiB RAM (55%), according to the Mem-Info block of the failure report. 5.8 GiB of it (65%) is reclaimable (dentries, inodes and kin), the rest cannot be freed without freeing the objects' owners.

Reclaimable is not movable: compaction cannot migrate slab pages, so slab spread over memory keeps the allocator from rebuilding large blocks until the objects themselves are freed.

The bundle has no `/proc/slabinfo`, so the caches that grew cannot be named; `slabtop -o` or `/proc/slabinfo` from the node would.

## memcg.kmem-accounting: Memory-cgroup kernel-memory accounting active on a 3.10-era kernel
> The container's memory limit mattered because it switched on kernel-memory (kmem) accounting on a 3.10 kernel, where every new slab cache then needs a large array sized by the number of memory cgroups ever used.

Kernel memory accounting (kmem) of memory cgroups was active: the kernel is `3.10.0-514.26.2.el7.x86_64`; the failed allocation carried `__GFP_KMEMCG`, so it was charged to a memory cgroup's kernel-memory counter; the call trace runs through `kmem_cache_create_memcg`, the memcg-aware path every root slab cache creation takes once kmem accounting is on.

On 3.10 (RHEL 7 before 7.7) kmem accounting cannot reclaim what it charges and keeps a deleted container's memory cgroup alive while kernel objects stay charged to it. Each kmem-active cgroup gets its own copy of every slab cache it touches, and creating any new root slab cache allocates a parameter array with one pointer per kmem-active memory cgroup id (twice the count of ids, up to 65535 entries). With many containers started since boot this array needs a large physically contiguous block.

Inferred, not shown by the bundle: an order-6 `kzalloc` is a size between 128 KiB and 256 KiB, that is 16384 to 32768 pointers; the array holds two entries per kmem-active memory cgroup id, so roughly 8192 to 16384 such ids had been used since boot. `grep memory /proc/cgroups` on the node (the `num_cgroups` column counts live and leaked memory cgroups) would confirm it.

## container.memory-limit: Container web.1.x8k2's 256 MiB memory limit switches on kmem accounting on a 3.10 kernel

The container `web.1.x8k2` was configured with a memory limit of 256 MiB. With runc v1.0.0-rc3 to v1.0.0-rc93 on cgroup v1, any memory limit makes runc switch on kernel-memory accounting for the container's cgroup (it writes 1 and then -1 to `memory.kmem.limit_in_bytes`). On this kernel (`3.10.0-514.26.2.el7.x86_64`) every new root slab cache then allocates the memory-cgroup parameter array, which is what needed the large contiguous block.

Proven by the bundle: the limit is set; the kernel is `3.10.0-514.26.2.el7.x86_64`; the failed allocation carried `__GFP_KMEMCG` and ran through `kmem_cache_create_memcg`. Inferred: that runc was in the affected range (the runtime is `runc` but its version is not in the bundle); and how much this container's own limit mattered, since the array's size depends on every kmem-active memory cgroup since boot, not only this one. That a start without a limit succeeds is consistent with this, because runc then skips kmem accounting for that container.

## kernel.known-defect: Kernel 3.10.0-514.26.2.el7.x86_64 has a known defect matching the evidence: 3.x kmem accounting, per-netns conntrack slab cache
> Kernel `3.10.0-514.26.2.el7.x86_64` has known defects behind this: its 3.x kmem accounting, which pins deleted memory cgroups and their ids; and a conntrack slab cache created for every network namespace.

Kernel `3.10.0-514.26.2.el7.x86_64` has the 3.x memcg kernel-memory accounting, which cannot reclaim kernel memory charged to a cgroup, keeps deleted cgroups (and their ids) alive while kmem charges remain, and makes every new root slab cache allocate an array sized by the number of kmem-active cgroups. The bundle shows kmem accounting at work. On this RHEL 7 build the `cgroup.memory=nokmem` boot parameter is not reported to work (it is from 3.10.0-1062, RHEL 7.7): the fix has to come from the runtime (runc built with `nokmem`) or a newer kernel.

Kernel `3.10.0-514.26.2.el7.x86_64` creates a separate `nf_conntrack_<address>` slab cache for every new network namespace (kernels 2.6.33 to 4.6; RHEL 7 keeps this). Creating that cache failed here, so creating the namespace failed. From 4.7 on there is one global conntrack cache.

## bundle.evidence-gap: The bundle lacks 5 pieces of evidence

The findings above stand on what the bundle holds. These would confirm them or close the open questions:

- no /proc/slabinfo: which kernel caches hold the slab memory, and how many per-namespace and per-cgroup caches exist (collect with `cat /proc/slabinfo`)
- no /proc/vmstat: compaction counters: whether the kernel tried to rebuild large blocks and failed (collect with `cat /proc/vmstat`)
- no /proc/cgroups: the number of memory cgroups, live and leaked by kmem accounting on this kernel (collect with `cat /proc/cgroups`)
- runtime version unknown: whether runc switched on kmem accounting for containers with a memory limit depends on its version (1.0.0-rc3 to rc93 do, unless built with nokmem) (collect with `runc --version; docker version`)
- no date and uptime taken together: they tie the kernel's seconds-since-boot stamps to the wall clock (collect with `date --rfc-3339=ns; cat /proc/uptime`)

# mm.external-fragmentation
The container start failed because runc's `unshare()` of a new network namespace needed an order-6 (256 KiB) contiguous kernel allocation for the namespace's conntrack slab cache. No zone could serve it because memory was fragmented, not used up (6.3 GiB available, no free block larger than 32 KiB in `Normal`, fragmentation index 0.92 to 0.999). The container's memory limit mattered because it switched on kernel-memory (kmem) accounting on a 3.10 kernel, where every new slab cache then needs a large array sized by the number of memory cgroups ever used. Restore service with `drop_caches` and `compact_memory` (intermittent success); stop it recurring with runc >= 1.0.0-rc94 or a runc built with `nokmem`, `cgroup.memory=nokmem` on a kernel that supports it, or a newer kernel; removing memory limits is not the fix.
"###);
    }

    #[test]
    fn exhaustion_explained() {
        insta::assert_snapshot!(explained(&exhaustion_facts()), @r###"
## mm.high-order-alloc-failure: Order-2 (16 KiB) kernel allocation failed in java
> `java` could not get an order-2 (16 KiB) contiguous kernel allocation: the kernel found no free block that large, and the request failed.

`java` asked the kernel for an order-2 block: 4 contiguous pages, 16 KiB.

GFP mode `0x6000c0` = `GFP_KERNEL`. It was an ordinary kernel request (`GFP_KERNEL`): it may sleep, reclaim page cache and compact memory, and it still failed, so the allocator could not put a block of that size together.

A high-order failure says that no free block of the size was available in the zones the request could use; whether that was because memory was fragmented or because it was really used up is decided from the free lists of the report (see the condition findings).

## mm.memory-exhaustion: Memory exhausted: zones at or below their min watermark when an order-2 request failed
> Memory was used up, not fragmented: the zones were at or below their min watermark with little left to reclaim (95.7 MiB available).

The order-2 request (16 KiB) failed because memory was used up, not because it was fragmented: `Normal` 52.7 MiB free against a min watermark of 56.6 MiB; `DMA32` 10.7 MiB free against a min watermark of 7.8 MiB (plus 12000 pages reserved for higher zones). Blocks of order 2 were still free; what was missing was pages above the watermark.

The fragmentation index at order 2 is -1.000 (a block of the order was free): this is not a fragmentation failure.

`/proc/meminfo` shows only 95.7 MiB available of 15.6 GiB.

## bundle.evidence-gap: The bundle lacks 6 pieces of evidence

The findings above stand on what the bundle holds. These would confirm them or close the open questions:

- no /proc/buddyinfo: free blocks per order at collection, to set beside the free lists of the failure report (collect with `cat /proc/buddyinfo`)
- no debugfs extfrag_index: the kernel's own fragmentation index per order; postmortem computes it from the free lists, the file would cross-check it (collect with `mount -t debugfs none /sys/kernel/debug; cat /sys/kernel/debug/extfrag/extfrag_index`)
- no /proc/slabinfo: which kernel caches hold the slab memory, and how many per-namespace and per-cgroup caches exist (collect with `cat /proc/slabinfo`)
- no /proc/vmstat: compaction counters: whether the kernel tried to rebuild large blocks and failed (collect with `cat /proc/vmstat`)
- no uname: the kernel release decides how GFP flags, watermarks and known defects are read; it was taken from the kernel log where possible (collect with `uname -a`)
- no date and uptime taken together: they tie the kernel's seconds-since-boot stamps to the wall clock (collect with `date --rfc-3339=ns; cat /proc/uptime`)

# mm.memory-exhaustion
`java` could not get an order-2 (16 KiB) contiguous kernel allocation: the kernel found no free block that large, and the request failed. Memory was used up, not fragmented: the zones were at or below their min watermark with little left to reclaim (95.7 MiB available). Find the consumer and give the workloads limits that fit the node.
"###);
    }

    #[test]
    fn modern_fragmentation_explained() {
        insta::assert_snapshot!(explained(&modern_fragmentation_facts()), @r###"
## mm.high-order-alloc-failure: Order-4 (64 KiB) kernel allocation failed in ip
> `ip` could not get an order-4 (64 KiB) contiguous kernel allocation: the kernel found no free block that large, and the request failed.

`ip` asked the kernel for an order-4 block: 16 contiguous pages, 64 KiB.

GFP mode `0x40dc0` = `GFP_KERNEL|__GFP_COMP|__GFP_ZERO`. It was an ordinary kernel request (`GFP_KERNEL`): it may sleep, reclaim page cache and compact memory, and it still failed, so the allocator could not put a block of that size together. `__GFP_COMP` with `__GFP_ZERO` is the mark of a large zeroed `kzalloc` that bypassed the slab caches and went straight to the page allocator.

A high-order failure says that no free block of the size was available in the zones the request could use; whether that was because memory was fragmented or because it was really used up is decided from the free lists of the report (see the condition findings).

## mm.external-fragmentation: Memory fragmented: 7.5 GiB available but no free block of order 4 (64 KiB) in Normal
> No zone could serve it because memory was fragmented, not used up (7.5 GiB available, no free block larger than 32 KiB in `Normal`, fragmentation index 0.91 to 0.999).

The order-4 request (64 KiB) failed although memory was not used up: `/proc/meminfo` shows 7.5 GiB available of 15.6 GiB, but at the failure the largest free block in `Normal` was 32 KiB (order 3), and no zone the request could use had a block it was allowed to take; fragmentation index 0.907 at order 4 (computed from the free lists at the failure).

| zone | free | min | free blocks of order >= 4 | largest free block | watermark check | fragmentation index at order 4 |
|---|---|---|---|---|---|---|
| `Normal` | 965 MiB | 43.9 MiB | 0 | 32 KiB | fails: no free block of the order | 0.907 |
| `DMA32` | 58.6 MiB | 5.9 MiB | 0 | 32 KiB | fails: no free block of the order | 0.892 |

This kernel uses the 4.4+ watermark check: `Normal` passes the order-0 part (247000 free pages against a min watermark of 11250) but has no free block of order 4 or above.

The request could fall back to lower zones, and none could serve it: `DMA32` had 0 free blocks of order 4 or above and failed the watermark check.

How to read the fragmentation index: a value near 1.000 means a request fails because free memory is fragmented, a value near 0 means it fails for lack of memory, and -1.000 means a free block of that order exists. In `Normal` the computed index runs from 0.907 to 0.999 over the orders with no free block: fragmentation, not lack of memory.

On the healthy node given for comparison, `Normal` had 5587 free blocks of order 4 or above (735 of order 4 (64 KiB each), 1411 of order 5 (128 KiB each), 1202 of order 6 (256 KiB each), 1160 of order 7 (512 KiB each), 1075 of order 8 (1 MiB each), 3 of order 9 (2 MiB each), 1 of order 10 (4 MiB each)); largest free order 10; fragmentation index -1.000 at order 4.

## mm.slab-growth: Slab holds 3.4 GiB (22% of RAM)

Kernel slab caches held 3.4 GiB of 15.6 GiB RAM (22%), according to /proc/meminfo. 2.7 GiB of it (78%) is reclaimable (dentries, inodes and kin), the rest cannot be freed without freeing the objects' owners.

Reclaimable is not movable: compaction cannot migrate slab pages, so slab spread over memory keeps the allocator from rebuilding large blocks until the objects themselves are freed.

The bundle has no `/proc/slabinfo`, so the caches that grew cannot be named; `slabtop -o` or `/proc/slabinfo` from the node would.

## bundle.evidence-gap: The bundle lacks 6 pieces of evidence

The findings above stand on what the bundle holds. These would confirm them or close the open questions:

- no /proc/buddyinfo: free blocks per order at collection, to set beside the free lists of the failure report (collect with `cat /proc/buddyinfo`)
- no debugfs extfrag_index: the kernel's own fragmentation index per order; postmortem computes it from the free lists, the file would cross-check it (collect with `mount -t debugfs none /sys/kernel/debug; cat /sys/kernel/debug/extfrag/extfrag_index`)
- no /proc/slabinfo: which kernel caches hold the slab memory, and how many per-namespace and per-cgroup caches exist (collect with `cat /proc/slabinfo`)
- no /proc/vmstat: compaction counters: whether the kernel tried to rebuild large blocks and failed (collect with `cat /proc/vmstat`)
- no uname: the kernel release decides how GFP flags, watermarks and known defects are read; it was taken from the kernel log where possible (collect with `uname -a`)
- no date and uptime taken together: they tie the kernel's seconds-since-boot stamps to the wall clock (collect with `date --rfc-3339=ns; cat /proc/uptime`)

# mm.external-fragmentation
`ip` could not get an order-4 (64 KiB) contiguous kernel allocation: the kernel found no free block that large, and the request failed. No zone could serve it because memory was fragmented, not used up (7.5 GiB available, no free block larger than 32 KiB in `Normal`, fragmentation index 0.91 to 0.999). Restore service with `drop_caches` and `compact_memory` (intermittent success), then remove what keeps asking for large contiguous blocks.
"###);
    }

    #[test]
    fn healthy_explained() {
        insta::assert_snapshot!(explained(&healthy_facts()), @"");
    }
}

/// A published sample without its `# source:` / `# note:` header lines.
pub fn without_header(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Read `text` as a bundle file at `path` would be: detected, parsed and filed into `facts`.
pub fn file_into(facts: &mut Facts, path: &str, text: &str) {
    let kind = crate::sources::detect(path, text.as_bytes()).0;
    crate::parse::parse_into(facts, path, kind, text.as_bytes());
}

/// Facts holding one kernel log of `kind` at `path`, read from `text` (a published sample's
/// header lines left out).
pub fn kernel_log_facts(path: &str, text: &str, kind: crate::sources::SourceKind) -> Facts {
    Facts {
        kernel_logs: vec![Sourced {
            path: path.into(),
            value: crate::parse::kernel_log::parse(&without_header(text), kind).log,
        }],
        ..Facts::default()
    }
}

/// Each finding of `rule` as a reader meets it: title, verdict sentence, explanation.
pub fn explained_by(rule: &dyn Rule, facts: &Facts) -> String {
    rule.evaluate(&context(facts, None))
        .iter()
        .map(|f| format!("{}\n> {}\n\n{}", f.title, f.sentence, f.explanation))
        .collect()
}

/// `rule` raises nothing on any case of the testkit.
#[track_caller]
pub fn assert_silent_on_cases(rule: &dyn Rule) {
    for (name, case) in cases() {
        assert!(rule.evaluate(&context(&case, None)).is_empty(), "{name}");
    }
}
