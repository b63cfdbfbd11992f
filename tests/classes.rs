//! One shipped sample per failure class: the report of each names the findings the evidence
//! supports, and none that it does not reach (a memcg OOM is not fragmentation, a full conntrack
//! table is not a memory problem, a pasted error alone does not prove anything about the zones).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{postmortem, repo, sample_dirs};

/// A sample folder, the finding ids its report must hold, and ids it must not hold.
struct Class {
    sample: &'static str,
    expected: &'static [&'static str],
    forbidden: &'static [&'static str],
}

/// Every `mm.*` id of the catalogue: a class that has nothing to do with memory forbids them all.
const ALL_MM: &[&str] = &[
    "mm.high-order-alloc-failure",
    "mm.slab-cache-create-failure",
    "mm.slub-alloc-failure",
    "mm.external-fragmentation",
    "mm.memory-exhaustion",
    "mm.slab-growth",
    "mm.compaction-ineffective",
];

const CLASSES: &[Class] = &[
    Class {
        sample: "seed-runc-unshare-enomem",
        expected: &[
            "container.start-failure",
            "mm.high-order-alloc-failure",
            "mm.slab-cache-create-failure",
            "mm.external-fragmentation",
            "memcg.kmem-accounting",
            "container.memory-limit",
        ],
        forbidden: &["mm.memory-exhaustion", "runtime.namespace-unsupported"],
    },
    Class {
        sample: "memcg-oom-container",
        expected: &[
            "container.oom-killed",
            "oom.memcg-kill",
            "memcg.limit-reached",
            "container.memory-limit",
        ],
        forbidden: &[
            "mm.external-fragmentation",
            "mm.memory-exhaustion",
            "oom.global-kill",
            "container.start-failure",
        ],
    },
    Class {
        sample: "global-oom-exhaustion",
        expected: &["oom.global-kill", "mm.memory-exhaustion"],
        forbidden: &["mm.external-fragmentation", "oom.memcg-kill"],
    },
    Class {
        sample: "fragmentation-5x",
        expected: &["mm.high-order-alloc-failure", "mm.external-fragmentation"],
        forbidden: &[
            "mm.memory-exhaustion",
            "memcg.kmem-accounting",
            "kernel.known-defect",
        ],
    },
    Class {
        sample: "slub-memcg-failure",
        expected: &["mm.slub-alloc-failure", "memcg.kmem-accounting"],
        forbidden: &["mm.memory-exhaustion", "mm.external-fragmentation"],
    },
    Class {
        sample: "conntrack-table-full",
        expected: &["netfilter.conntrack-table-full"],
        forbidden: ALL_MM,
    },
    Class {
        sample: "unregister-netdevice-hang",
        expected: &["netns.unregister-netdevice-hang", "kernel.hung-task"],
        forbidden: ALL_MM,
    },
    Class {
        sample: "cgroup-id-exhaustion",
        expected: &["cgroup.create-failure", "memcg.cgroup-id-exhaustion"],
        forbidden: &["mm.external-fragmentation", "mm.memory-exhaustion"],
    },
    Class {
        sample: "unshare-einval",
        expected: &["container.start-failure", "runtime.namespace-unsupported"],
        forbidden: &[
            "mm.high-order-alloc-failure",
            "mm.external-fragmentation",
            "mm.memory-exhaustion",
            "mm.slab-cache-create-failure",
            "mm.slab-growth",
            "container.memory-limit",
        ],
    },
    Class {
        sample: "kernel-log-only",
        expected: &["mm.high-order-alloc-failure", "bundle.evidence-gap"],
        forbidden: &["container.start-failure", "oom.global-kill"],
    },
    Class {
        sample: "pasted-error-only",
        expected: &["container.start-failure", "bundle.evidence-gap"],
        forbidden: &[
            "mm.external-fragmentation",
            "mm.memory-exhaustion",
            "mm.high-order-alloc-failure",
        ],
    },
    Class {
        sample: "seed-sibling-week-before",
        expected: &["risk.high-order-fragmentation", "risk.kmem-accounting"],
        forbidden: &[
            "container.start-failure",
            "mm.high-order-alloc-failure",
            "mm.external-fragmentation",
            "memcg.kmem-accounting",
        ],
    },
    Class {
        sample: "healthy-modern-node",
        expected: &[],
        forbidden: &[
            "risk.high-order-fragmentation",
            "risk.kmem-accounting",
            "risk.memcg-id-exhaustion",
            "risk.conntrack-table-full",
            "risk.pid-exhaustion",
            "risk.memory-watermarks",
        ],
    },
    Class {
        sample: "pids-limit-lxd",
        expected: &["cgroup.pids-limit-reached"],
        forbidden: &[
            "host.pid-exhaustion",
            "memcg.limit-reached",
            "oom.memcg-kill",
            "mm.memory-exhaustion",
            "memcg.high-throttling",
            "net.tcp-memory-pressure",
        ],
    },
];

fn report(sample: &str) -> Value {
    let dir = repo().join("samples").join(sample);
    assert!(dir.is_dir(), "sample {sample} is missing");
    let out = postmortem()
        .args(["report", "--format", "json"])
        .arg(&dir)
        .output()
        .expect("run postmortem");
    assert!(
        out.status.success(),
        "postmortem report {sample} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

fn finding_ids(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn every_class_sample_gives_its_findings_and_no_others() {
    let mut problems = Vec::new();
    for class in CLASSES {
        let ids = finding_ids(&report(class.sample));
        for id in class.expected {
            if !ids.contains(*id) {
                problems.push(format!("{}: missing {id} (found {ids:?})", class.sample));
            }
        }
        for id in class.forbidden {
            if ids.contains(*id) {
                problems.push(format!("{}: must not find {id}", class.sample));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_shipped_sample_is_in_the_class_table() {
    let known: BTreeSet<&str> = CLASSES
        .iter()
        .map(|c| c.sample)
        .chain(["healthy-node"])
        .collect();
    for dir in sample_dirs() {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("sample folder name");
        assert!(
            known.contains(name),
            "samples/{name} has no expectations in tests/classes.rs"
        );
    }
}

#[test]
fn healthy_node_has_no_critical_finding() {
    let report = report("healthy-node");
    let critical: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "critical")
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(critical.is_empty(), "healthy-node: {critical:?}");
}

#[test]
fn the_verdict_names_the_class() {
    let verdicts = [
        ("seed-runc-unshare-enomem", "mm.external-fragmentation"),
        ("memcg-oom-container", "memcg.limit-reached"),
        ("global-oom-exhaustion", "mm.memory-exhaustion"),
        ("fragmentation-5x", "mm.external-fragmentation"),
        ("conntrack-table-full", "netfilter.conntrack-table-full"),
        ("cgroup-id-exhaustion", "memcg.cgroup-id-exhaustion"),
        ("unshare-einval", "runtime.namespace-unsupported"),
    ];
    for (sample, verdict) in verdicts {
        let report = report(sample);
        assert_eq!(
            report["root_cause"]["verdict"].as_str(),
            Some(verdict),
            "{sample}"
        );
    }
}
