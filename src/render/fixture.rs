//! Reports for the renderer's tests: the seed incident (a container that could not start
//! because an order-6 allocation failed in a fragmented Normal zone, on a 3.10 kernel with kmem
//! accounting switched on by the container's memory limit), and the same report with hostile
//! bundle text everywhere bundle text can appear.

use std::collections::BTreeMap;

use serde_json::json;

use crate::report::{
    BundleInfo, Citation, Clock, Confidence, ContainerRow, Details, Evidence, Finding, Generator,
    MemoryComposition, Recommendation, Repeat, Report, Risk, Role, RootCause, Severity, SlabRow,
    SourceEntry, TimelineEvent, ZoneState, SCHEMA,
};

const DMESG: &str = "sos_commands/kernel/dmesg";
const MESSAGES: &str = "var/log/messages";
const DOCKER_LOG: &str = "sos_commands/docker/journalctl_--no-pager_--unit_docker";
const INSPECT: &str = "sos_commands/docker/docker_inspect_web-7f9c";

fn ev(path: &str, line: u32, text: &str) -> Evidence {
    Evidence {
        path: path.into(),
        line: Some(line),
        text: text.into(),
        masked: false,
    }
}

fn rec(action: &str, command: Option<&str>, risk: Risk, when: &str) -> Recommendation {
    Recommendation {
        action: action.into(),
        command: command.map(Into::into),
        risk,
        when: when.into(),
        topic: None,
    }
}

fn metrics(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn finding(
    id: &str,
    role: Role,
    severity: Severity,
    confidence: Confidence,
    title: &str,
    explanation: &str,
    evidence: Vec<Evidence>,
    recommendations: Vec<Recommendation>,
) -> Finding {
    Finding {
        id: id.into(),
        role,
        severity,
        confidence,
        title: title.into(),
        explanation: explanation.into(),
        sentence: String::new(),
        advice: String::new(),
        signature: id.into(),
        metrics: BTreeMap::new(),
        evidence,
        recommendations,
        references: Vec::new(),
    }
}

fn zone(
    zone: &str,
    moment: &str,
    source: (&str, u32),
    free_blocks: &[u64],
    watermarks: Option<[u64; 4]>,
    extfrag: &[f64],
    watermark_ok: Option<bool>,
) -> ZoneState {
    ZoneState {
        node: 0,
        zone: zone.into(),
        moment: moment.into(),
        source: Citation {
            source: source.0.into(),
            line: Some(source.1),
        },
        free_blocks: free_blocks.to_vec(),
        free_kb: watermarks.map(|w| w[0]),
        min_kb: watermarks.map(|w| w[1]),
        low_kb: watermarks.map(|w| w[2]),
        high_kb: watermarks.map(|w| w[3]),
        extfrag_index: extfrag.to_vec(),
        unusable_index: Vec::new(),
        watermark_ok,
    }
}

/// A time of the fixture, written as the JSON report writes it.
fn at(rfc3339: &str) -> jiff::Timestamp {
    rfc3339.parse().expect("a fixture time")
}

fn event(
    time: Option<&str>,
    uptime_s: Option<f64>,
    source: &str,
    line: u32,
    kind: &str,
    text: &str,
    severity: Severity,
) -> TimelineEvent {
    TimelineEvent {
        time: time.map(at),
        uptime_s,
        source: source.into(),
        line: Some(line),
        kind: kind.into(),
        text: text.into(),
        also_in: Vec::new(),
        repeat: None,
        severity,
    }
}

fn source(path: &str, kind: &str, records: u64, size: u64, detected_by: &str) -> SourceEntry {
    SourceEntry {
        path: path.into(),
        kind: kind.into(),
        records,
        warnings: Vec::new(),
        detected_by: detected_by.into(),
        size,
        problem: None,
    }
}

/// The seed incident, as the analysis reports it.
pub(crate) fn seed() -> Report {
    let alloc_header =
        "[2751018.239907] runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0";
    let mut start_failure = finding(
        "container.start-failure",
        Role::Symptom,
        Severity::Critical,
        Confidence::High,
        "Container web failed to start: runc could not unshare namespaces",
        "dockerd reported `oci runtime error: container_linux.go:262: starting container process caused` \
         with runc's `exit status 34`, and runc's own message was \
         `failed to unshare namespaces: Cannot allocate memory`. The exit status is a bail-site \
         counter of that runc build, not an errno: the errno is `ENOMEM`.",
        vec![
            ev(DOCKER_LOG, 412, "time=\"2018-01-23T20:10:18.301Z\" level=error msg=\"Handler for POST /containers/web/start returned error: oci runtime error: container_linux.go:262: starting container process caused \\\"process_linux.go:247: running exec setns process for init caused \\\\\\\"exit status 34\\\\\\\"\\\"\""),
            ev(DOCKER_LOG, 411, "time=\"2018-01-23T20:10:18.298Z\" level=error msg=\"failed to unshare namespaces: Cannot allocate memory\""),
        ],
        vec![rec(
            "Start the container again once memory has been compacted (see the next actions)",
            Some("docker start web"),
            Risk::None,
            "After compaction; a retry alone usually fails the same way.",
        )],
    );
    start_failure.metrics = metrics(&[("runc_exit_status", json!(34)), ("errno", json!("ENOMEM"))]);

    let mut alloc = finding(
        "mm.high-order-alloc-failure",
        Role::Mechanism,
        Severity::Critical,
        Confidence::High,
        "An order-6 (256 KiB) kernel allocation failed while creating the container's network namespace",
        "`runc:[1:CHILD]` asked for 2^6 contiguous pages (256 KiB) with mode `0x10c0d0` \
         (`GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG` on 3.10). The call trace runs \
         `SyS_unshare` -> `copy_net_ns` -> `nf_conntrack_init_net` -> `kmem_cache_create`: \
         every new network namespace creates its own conntrack slab cache.",
        vec![
            ev(DMESG, 1838, alloc_header),
            ev(DMESG, 1843, "[2751018.239990]  [<ffffffff811a62d0>] kmem_cache_create_memcg+0x110/0x230"),
            ev(DMESG, 1845, "[2751018.240003]  [<ffffffffa03029e1>] nf_conntrack_init_net+0x101/0x250 [nf_conntrack]"),
            ev(DMESG, 1849, "[2751018.240032]  [<ffffffff810852c3>] SyS_unshare+0x193/0x300"),
        ],
        Vec::new(),
    );
    alloc.metrics = metrics(&[
        ("order", json!(6)),
        ("bytes", json!(262_144)),
        (
            "gfp",
            json!("GFP_KERNEL|__GFP_COMP|__GFP_ZERO|__GFP_KMEMCG"),
        ),
        ("task", json!("runc:[1:CHILD]")),
    ]);

    let slab_create = finding(
        "mm.slab-cache-create-failure",
        Role::Mechanism,
        Severity::Critical,
        Confidence::High,
        "The per-namespace conntrack slab cache could not be created",
        "`kmem_cache_create(nf_conntrack_ffff88036ea66180)` failed with `-12` (`ENOMEM`), so the \
         kernel refused the new network namespace and `unshare` failed.",
        vec![
            ev(DMESG, 1899, "[2751018.240179] kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12"),
            ev(DMESG, 1914, "[2751018.240235] Unable to create nf_conn slab cache"),
        ],
        Vec::new(),
    );

    let mut frag = finding(
        "mm.external-fragmentation",
        Role::Condition,
        Severity::Critical,
        Confidence::High,
        "Memory was fragmented: plenty free, but no block of 256 KiB or more in zone Normal",
        "At the failure zone `Normal` had 95 MiB free, above its `min` watermark (54 MiB), yet \
         **no free block of order 4 or above**: 15952 blocks of 4 KiB, 2235 of 8 KiB, 859 of \
         16 KiB, 17 of 32 KiB. The fragmentation index for order 6 is 0.981: the request failed \
         for lack of *contiguous* memory, not for lack of memory (values near 1 mean \
         fragmentation; `-1` would mean a block was available). `free` still showed 6.3 GiB \
         available.",
        vec![
            ev(DMESG, 1893, "[2751018.240159] Node 0 Normal: 15952*4kB (UEM) 2235*8kB (UEM) 859*16kB (UEM) 17*32kB (UE) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 95976kB"),
            ev(DMESG, 1887, "[2751018.240129] Node 0 Normal free:95232kB min:55536kB low:69420kB high:83304kB"),
            ev("sys/kernel/debug/extfrag/extfrag_index", 3, "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 0.919 0.960 0.980 0.990 0.995 0.998 0.999"),
        ],
        vec![
            rec(
                "Compact memory now to rebuild high-order blocks",
                Some("echo 1 > /proc/sys/vm/compact_memory"),
                Risk::Low,
                "Immediately, before retrying the container; costs CPU for a few seconds.",
            ),
            rec(
                "Drop clean caches and reclaimable slab, then compact",
                Some("sync\necho 3 > /proc/sys/vm/drop_caches\necho 1 > /proc/sys/vm/compact_memory"),
                Risk::Medium,
                "When compaction alone does not produce order-6 blocks; file I/O is slower for a while.",
            ),
            rec(
                "Raise `vm.min_free_kbytes` so the kernel keeps more free memory for high-order requests",
                Some("sysctl -w vm.min_free_kbytes=262144"),
                Risk::Medium,
                "As a lasting mitigation, after checking the host can spare 256 MiB.",
            ),
        ],
    );
    frag.metrics = metrics(&[
        ("zone", json!("Normal")),
        ("extfrag_index_order6", json!(0.981)),
        ("largest_free_order", json!(3)),
    ]);
    frag.references = vec![
        "https://www.kernel.org/doc/Documentation/sysctl/vm.txt".into(),
        "KNOWLEDGE.md#extfrag".into(),
    ];

    let kmem = finding(
        "memcg.kmem-accounting",
        Role::Factor,
        Severity::Warning,
        Confidence::Medium,
        "Kernel memory accounting was active on a 3.10 kernel (RHEL 7) whose implementation fails high-order slab creation",
        "The trace goes through `kmem_cache_create_memcg` and the mode carries `__GFP_KMEMCG`: \
         the container's memory cgroup had kmem accounting on, which on `3.10.0-514` creates \
         per-memcg cache copies and makes these allocations stricter.",
        vec![ev(DMESG, 1843, "[2751018.239990]  [<ffffffff811a62d0>] kmem_cache_create_memcg+0x110/0x230")],
        vec![rec(
            "Upgrade the kernel past the RHEL 7 kmem accounting fixes",
            Some("yum update kernel"),
            Risk::High,
            "Plan a maintenance window; it needs a reboot.",
        )],
    );

    let limit = finding(
        "container.memory-limit",
        Role::Factor,
        Severity::Warning,
        Confidence::Medium,
        "The container's 256 MiB memory limit switched kmem accounting on",
        "Container `web` runs with `Memory: 268435456`. With runc before v1.0.0-rc94 on cgroup v1, \
         setting a memory limit also enables kernel memory accounting for the cgroup.",
        vec![ev(INSPECT, 57, "            \"Memory\": 268435456,")],
        vec![rec(
            "Start the container without a memory limit as a stopgap",
            Some("docker run --memory=0 ..."),
            Risk::Medium,
            "Only if the service cannot wait for compaction; the container can then use all host memory.",
        )],
    );

    let slab_growth = finding(
        "mm.slab-growth",
        Role::Observation,
        Severity::Info,
        Confidence::High,
        "Slab held 8.8 GiB, two thirds of it reclaimable",
        "`slab_reclaimable` was 5.8 GiB and `slab_unreclaimable` 3.1 GiB. The largest caches are \
         `dentry` and `inode_cache`, which `drop_caches` frees.",
        vec![ev(
            DMESG,
            1880,
            " slab_reclaimable:1510499 slab_unreclaimable:802998",
        )],
        Vec::new(),
    );

    let gap = finding(
        "bundle.evidence-gap",
        Role::Observation,
        Severity::Info,
        Confidence::High,
        "The bundle has no /proc/pagetypeinfo",
        "Without `pagetypeinfo` the report cannot say which migrate types held the free blocks.",
        Vec::new(),
        Vec::new(),
    );

    let mut alloc_event = event(
        Some("2018-01-23T12:10:18.239907Z"),
        Some(2_751_018.239_907),
        DMESG,
        1838,
        "alloc_failure",
        "runc:[1:CHILD]: page allocation failure: order:6, mode:0x10c0d0",
        Severity::Critical,
    );
    alloc_event.also_in = vec![Citation {
        source: MESSAGES.into(),
        line: Some(90_211),
    }];
    let mut bridge = event(
        Some("2018-01-23T12:10:18.215519Z"),
        Some(2_751_018.215_519),
        DMESG,
        1837,
        "kernel",
        "docker_gwbridge: port 16(veth4c02c8b) entered disabled state",
        Severity::Info,
    );
    bridge.repeat = Some(Repeat {
        count: 30,
        last_time: Some(at("2018-01-23T12:10:18.215519Z")),
        last_uptime_s: Some(2_751_018.215_519),
    });
    bridge.time = Some(at("2018-01-23T11:58:02.110004Z"));
    bridge.uptime_s = Some(2_750_282.110_004);

    let timeline = vec![
        event(
            Some("2017-12-22T15:59:59.000000Z"),
            Some(0.0),
            DMESG,
            1,
            "boot",
            "Linux version 3.10.0-514.26.2.el7.x86_64 (builder@kbuilder.dev.centos.org)",
            Severity::Info,
        ),
        bridge,
        alloc_event,
        event(
            Some("2018-01-23T12:10:18.240179Z"),
            Some(2_751_018.240_179),
            DMESG,
            1899,
            "slab_cache_create_failure",
            "kmem_cache_create(nf_conntrack_ffff88036ea66180) failed with error -12",
            Severity::Critical,
        ),
        event(
            Some("2018-01-23T12:10:18.298000Z"),
            None,
            DOCKER_LOG,
            411,
            "runtime_error",
            "failed to unshare namespaces: Cannot allocate memory",
            Severity::Critical,
        ),
        event(
            Some("2018-01-23T12:10:18.301000Z"),
            None,
            DOCKER_LOG,
            412,
            "daemon_error",
            "oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"",
            Severity::Critical,
        ),
    ];

    let pages = 4096u64;
    let zones = vec![
        zone(
            "DMA",
            "failure",
            (DMESG, 1891),
            &[1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3],
            Some([15860, 64, 80, 96]),
            &[],
            Some(true),
        ),
        zone(
            "DMA32",
            "failure",
            (DMESG, 1892),
            &[1515, 2456, 907, 2236, 567, 52, 1, 0, 0, 0, 0],
            Some([153_112, 11_976, 14_968, 17_964]),
            &[],
            Some(false),
        ),
        zone(
            "Normal",
            "failure",
            (DMESG, 1893),
            &[15952, 2235, 859, 17, 0, 0, 0, 0, 0, 0, 0],
            Some([95_232, 55_536, 69_420, 83_304]),
            &[
                -1.0, -1.0, -1.0, -1.0, 0.922, 0.961, 0.981, 0.991, 0.996, 0.998, 0.999,
            ],
            Some(false),
        ),
        zone(
            "DMA",
            "collection",
            ("proc/buddyinfo", 1),
            &[1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 3],
            None,
            &[-1.0; 11],
            None,
        ),
        zone(
            "DMA32",
            "collection",
            ("proc/buddyinfo", 2),
            &[8319, 4025, 634, 266, 0, 0, 0, 0, 0, 0, 0],
            None,
            &[
                -1.0, -1.0, -1.0, -1.0, 0.864, 0.932, 0.966, 0.983, 0.992, 0.996, 0.998,
            ],
            None,
        ),
        zone(
            "Normal",
            "collection",
            ("proc/buddyinfo", 3),
            &[8860, 11464, 488, 174, 27, 0, 0, 0, 0, 0, 0],
            None,
            &[
                -1.0, -1.0, -1.0, -1.0, 0.919, 0.960, 0.980, 0.990, 0.995, 0.998, 0.999,
            ],
            None,
        ),
    ];

    let slab_top = vec![
        SlabRow {
            name: "dentry".into(),
            bytes: 3_221_225_472,
            objects: 16_777_216,
            object_size: 192,
            per_instance: false,
        },
        SlabRow {
            name: "inode_cache".into(),
            bytes: 1_288_490_188,
            objects: 2_236_962,
            object_size: 592,
            per_instance: false,
        },
        SlabRow {
            name: "kmalloc-64".into(),
            bytes: 905_969_664,
            objects: 14_155_776,
            object_size: 64,
            per_instance: false,
        },
        SlabRow {
            name: "nf_conntrack_ffff88036ea66180".into(),
            bytes: 327_680,
            objects: 1020,
            object_size: 320,
            per_instance: true,
        },
    ];

    Report {
        schema: SCHEMA,
        generator: Generator {
            name: "postmortem",
            version: "0.1.0",
            generated_at: None,
        },
        bundle: BundleInfo {
            name: "sosreport-beta_004-2018-01-23.tar.xz".into(),
            sha256: Some("9f2c6d1e0b7a4c3f8e5d2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d".into()),
            container: "tar.xz".into(),
            layout: "sosreport".into(),
            hostname: Some("beta_004".into()),
            kernel: Some("3.10.0-514.26.2.el7.x86_64".into()),
            collected_at: Some(at("2018-01-23T12:12:40Z")),
            clock: Clock {
                boot_time: Some(at("2017-12-22T15:59:59.000000Z")),
                method: "date and /proc/uptime taken together".into(),
                uncertainty_s: Some(1.0),
                timezone: Some("Asia/Shanghai from etc/localtime".into()),
                notes: vec!["`/proc/stat` btime agrees within 1 s.".into()],
            },
            problems: Vec::new(),
            path: None,
            redacted: false,
        },
        sources: vec![
            source(DMESG, "dmesg", 1914, 245_760, "path"),
            source(MESSAGES, "syslog", 120_331, 15_728_640, "path"),
            source(DOCKER_LOG, "daemon_log", 5120, 1_048_576, "path"),
            source(INSPECT, "container_inspect", 1, 8192, "content"),
            source("proc/buddyinfo", "buddyinfo", 3, 276, "path"),
            source("sys/kernel/debug/extfrag/extfrag_index", "extfrag_index", 3, 240, "path"),
            source("sos_commands/memory/free_-m", "free", 2, 230, "path"),
            SourceEntry {
                warnings: vec!["line 7: slab `kmalloc-8192` has 17 columns, expected 16".into()],
                ..source("proc/slabinfo", "slabinfo", 212, 26_624, "path")
            },
        ],
        timeline,
        findings: vec![
            gap,
            slab_growth,
            limit,
            kmem,
            frag,
            slab_create,
            alloc,
            start_failure,
        ],
        root_cause: Some(RootCause {
            verdict: "mm.external-fragmentation".into(),
            chain: vec![
                "container.start-failure".into(),
                "mm.high-order-alloc-failure".into(),
                "mm.slab-cache-create-failure".into(),
                "mm.external-fragmentation".into(),
                "memcg.kmem-accounting".into(),
                "container.memory-limit".into(),
            ],
            summary: "The container could not start because the kernel could not find 256 KiB of \
                      contiguous memory in zone `Normal`, although 6.3 GiB was available. \
                      Creating the container's network namespace needs an order-6 block for its \
                      conntrack slab cache (`kmem_cache_create`), and memory was fragmented down \
                      to order 3. Kernel memory accounting, switched on by the container's \
                      256 MiB limit on this 3.10 kernel, made the allocation stricter. Compacting \
                      memory restores service; a kernel upgrade removes the cause."
                .into(),
            recommendations: Vec::new(),
            also: Vec::new(),
        }),
        details: Details {
            zones,
            requested_order: Some(6),
            memory: Some(MemoryComposition {
                source: Citation {
                    source: DMESG.into(),
                    line: Some(1876),
                },
                total_bytes: Some(4_194_174 * pages),
                free_bytes: 66_051 * pages,
                anon_bytes: (1_311_792 + 68_376) * pages,
                file_bytes: (59_538 + 93_653) * pages,
                slab_reclaimable_bytes: 1_510_499 * pages,
                slab_unreclaimable_bytes: 802_998 * pages,
                other_bytes: Some(
                    (4_194_174 - 66_051 - 1_311_792 - 68_376 - 59_538 - 93_653 - 1_510_499 - 802_998)
                        * pages,
                ),
                available_bytes: Some(6_764_573_491),
            }),
            slab_top,
            slab_total_bytes: Some((1_510_499 + 802_998) * pages),
            slab_reclaimable_bytes: Some(1_510_499 * pages),
            containers: vec![ContainerRow {
                name: "web".into(),
                id: "7f9c2ba4e88f827d616045507605853ed73fc7f0f7e5ef4fb8a6bd5d5b6c7e21".into(),
                image: Some("registry.example.com/shop/web:2.4.1".into()),
                memory_limit_bytes: Some(268_435_456),
                kernel_memory_bytes: Some(0),
                status: Some("created".into()),
                exit_code: Some(128),
                oom_killed: Some(false),
                error: Some("oci runtime error: container_linux.go:262: starting container process caused \"process_linux.go:247: running exec setns process for init caused \\\"exit status 34\\\"\"".into()),
                source: Citation {
                    source: INSPECT.into(),
                    line: Some(1),
                },
            }],
            gaps: vec![
                "No `/proc/pagetypeinfo`: the migrate types of the free blocks are unknown.".into(),
                "No `vmstat`: compaction stalls and failures cannot be counted.".into(),
            ],
            state: Vec::new(),
        },
        comparison: None,
        signature: None,
        known_issue: None,
    }
}

/// Bundle text an attacker (or an unlucky log line) could put in a bundle.
pub(crate) const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "a | b | c",
    "```\nfenced ``` inside `",
    "line one\nline two\n\n<b>after a blank line</b>",
    "\u{1b}[31mred\u{1b}[0m",
];

/// The seed report with every piece of bundle text replaced by hostile strings.
pub(crate) fn hostile() -> Report {
    let mut report = seed();
    let h = |i: usize| HOSTILE[i % HOSTILE.len()].to_string();
    let all = HOSTILE.join(" ");
    report.bundle.hostname = Some(h(0));
    report.bundle.kernel = Some(h(1));
    report.bundle.name = h(2);
    report.bundle.problems = HOSTILE.iter().map(|s| (*s).to_string()).collect();
    report.bundle.clock.notes.push(all.clone());
    for (i, s) in report.sources.iter_mut().enumerate() {
        s.path = format!("{}/{}", h(i), h(i + 1));
        s.warnings.push(h(i + 2));
        s.problem = Some(h(i + 3));
    }
    for (i, e) in report.timeline.iter_mut().enumerate() {
        e.text = h(i);
        e.source = h(i + 1);
        e.kind = h(i + 2);
    }
    for (i, f) in report.findings.iter_mut().enumerate() {
        for (j, e) in f.evidence.iter_mut().enumerate() {
            e.text = h(i + j);
            e.path = h(i + j + 1);
        }
        for r in &mut f.recommendations {
            r.command = Some(all.clone());
        }
        // A rule that forgot to put bundle text in code spans: the renderer must still cope.
        f.title = format!("{} {}", f.title, h(i));
        f.metrics.insert("hostile".into(), json!(h(i + 1)));
        f.references.push("javascript:alert(1)".into());
    }
    // Explanations as the contract wants them: bundle text inside code spans.
    if let Some(f) = report.findings.first_mut() {
        f.explanation = HOSTILE
            .iter()
            .map(|s| crate::render::escape::md_span(s))
            .collect::<Vec<_>>()
            .join(" and ");
    }
    // And one that does not: raw HTML and a script link straight in the Markdown.
    if let Some(f) = report.findings.get_mut(1) {
        f.explanation = format!("Broken rule output: {all}");
    }
    for (i, z) in report.details.zones.iter_mut().enumerate() {
        z.zone = h(i);
        z.source.source = h(i + 1);
    }
    if let Some(m) = &mut report.details.memory {
        m.source.source = h(3);
    }
    for (i, s) in report.details.slab_top.iter_mut().enumerate() {
        s.name = h(i);
    }
    for c in &mut report.details.containers {
        c.name = h(0);
        c.id = h(1);
        c.image = Some(h(2));
        c.status = Some(h(3));
        c.error = Some(all.clone());
        c.source.source = h(4);
    }
    report.details.gaps.push(all);
    report
}
