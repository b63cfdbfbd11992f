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
            "oom.runtime-sizing",
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
        sample: "systemd-slice-oom",
        expected: &["oom.memcg-kill", "memcg.limit-reached"],
        forbidden: &[
            "oom.global-kill",
            "container.oom-killed",
            "oom.runtime-sizing",
            "mm.memory-exhaustion",
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
        ("memcg-oom-container", "oom.runtime-sizing"),
        ("global-oom-exhaustion", "mm.memory-exhaustion"),
        ("fragmentation-5x", "mm.external-fragmentation"),
        ("conntrack-table-full", "netfilter.conntrack-table-full"),
        ("cgroup-id-exhaustion", "memcg.cgroup-id-exhaustion"),
        ("unshare-einval", "runtime.namespace-unsupported"),
        ("systemd-slice-oom", "memcg.limit-reached"),
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

/// No sample's report gives one action twice: each recommendation, in the root cause and in
/// each other incident, has its own action and its own command.
#[test]
fn no_sample_gives_the_same_advice_twice() {
    for dir in sample_dirs() {
        let sample = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let report = report(sample);
        let mut lists = vec![&report["root_cause"]["recommendations"]];
        for also in report["root_cause"]["also"]
            .as_array()
            .into_iter()
            .flatten()
        {
            lists.push(&also["recommendations"]);
        }
        let mut actions: Vec<&str> = Vec::new();
        let mut commands: Vec<&str> = Vec::new();
        for r in lists.into_iter().filter_map(Value::as_array).flatten() {
            let action = r["action"].as_str().unwrap_or_default();
            assert!(!actions.contains(&action), "{sample}: twice: {action}");
            actions.push(action);
            if let Some(c) = r["command"].as_str() {
                assert!(!commands.contains(&c), "{sample}: twice: {c}");
                commands.push(c);
            }
        }
        // The limit's advice in one wording: the words of the three that said it before.
        let limit_advice = actions
            .iter()
            .filter(|a| a.contains("peak") && a.contains("limit"))
            .count();
        assert!(limit_advice <= 1, "{sample}: {actions:?}");
    }
}

/// The explanation of a report's finding `id`.
fn explanation<'r>(report: &'r Value, id: &str) -> &'r str {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id)
        .and_then(|f| f["explanation"].as_str())
        .unwrap_or_else(|| panic!("no {id}"))
}

/// The memory cgroup OOM's verdict is the JVM heap against the limit, and its first action
/// the heap cap or the limit, with numbers; the global OOM names its largest consumers.
#[test]
fn oom_samples_say_whose_memory_and_how_much() {
    let memcg = report("memcg-oom-container");
    let summary = memcg["root_cause"]["summary"].as_str().unwrap();
    assert!(summary.contains("`-Xmx768m`"), "{summary}");
    assert!(summary.contains("in a 512 MiB memory cgroup"), "{summary}");
    let first = memcg["root_cause"]["recommendations"][0]["action"]
        .as_str()
        .unwrap();
    assert!(
        first.starts_with("Cap the JVM heap at 75% of the 512 MiB limit (`-Xmx384m`"),
        "{first}"
    );
    assert!(first.ends_with("to at least 1 GiB"), "{first}");
    // A slice's limit: the slice, its limit from `systemctl status` and its drop-in, and the
    // victim's small share of it, beside the sibling that held the most.
    let slice = report("systemd-slice-oom");
    let e = explanation(&slice, "oom.memcg-kill");
    for said in [
        "The limit hit was that of systemd slice `batch.slice` (`/batch.slice`), a parent of the victim's own cgroup systemd service `report-export.service`",
        "`systemctl status batch.slice` shows its limit, `max` 1 GiB, from the drop-in `/etc/systemd/system/batch.slice.d/50-MemoryMax.conf`, and 812 MiB in use",
        "`python3` (pid 4120) 184 MiB, 17% of the limit; the victim `python3` was not the largest",
        "`java` (pid 2211) 760 MiB, 74% of the limit",
    ] {
        assert!(e.contains(said), "{e}");
    }
    let global = report("global-oom-exhaustion");
    let e = explanation(&global, "oom.global-kill");
    assert!(
        e.contains("the largest: `badsysprogram` (pid 1532) 1.5 GiB, 89% of RAM"),
        "{e}"
    );
}
